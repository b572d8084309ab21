"""The simulator refuses what the real API refuses for video: wrong endpoint, wrong size style, bad fields."""

import json
import urllib.error
import urllib.request

import pytest

from tests.conftest import FAKE_KEY

SYNTH = "/api/v1/services/aigc/video-generation/video-synthesis"
KF2V = "/api/v1/services/aigc/image2video/video-synthesis"
IMG = "https://example.com/a.png"


def post(sim, path, body, headers=None):
    request = urllib.request.Request(sim.base_url + path, data=json.dumps(body).encode(), method="POST",
                                     headers=dict({"Authorization": "Bearer " + FAKE_KEY,
                                                   "Content-Type": "application/json",
                                                   "X-DashScope-Async": "enable"}, **(headers or {})))
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


REFUSED = [
    (SYNTH, {"model": "wan2.2-kf2v-flash", "input": {"first_frame_url": IMG, "last_frame_url": IMG}}),
    (KF2V, {"model": "wan2.6-t2v", "input": {"prompt": "x"}}),
    (SYNTH, {"model": "wan2.6-t2v", "input": {"prompt": "x"}, "parameters": {"resolution": "720P"}}),
    (SYNTH, {"model": "wan2.7-t2v", "input": {"prompt": "x"}, "parameters": {"size": "1280*720"}}),
    (SYNTH, {"model": "wan2.6-i2v-flash", "input": {"img_url": IMG}, "parameters": {"ratio": "16:9"}}),
    (SYNTH, {"model": "wan2.7-i2v", "input": {"img_url": IMG}}),
    (SYNTH, {"model": "wan2.7-i2v", "input": {"media": [{"type": "last_frame", "url": IMG}]}}),
    (SYNTH, {"model": "wan2.7-t2v", "input": {"prompt": "x"}, "parameters": {"shot_type": "multi"}}),
    (SYNTH, {"model": "wan2.6-r2v", "input": {"prompt": "x", "reference_urls": [IMG]},
             "parameters": {"audio": True}}),
    (SYNTH, {"model": "wanx2.1-vace-plus", "input": {"prompt": "x", "function": "video_edit"}}),
    (KF2V, {"model": "wan2.2-kf2v-flash", "input": {"first_frame_url": IMG, "last_frame_url": IMG},
            "parameters": {"duration": 10}}),
    (SYNTH, {"model": "happyhorse-1.0-i2v", "input": {"img_url": IMG}}),
]


@pytest.mark.parametrize("path,body", REFUSED)
def test_simulator_refuses_what_the_api_refuses(sim, path, body):
    status, answer = post(sim, path, body)
    assert status == 400 and answer["code"] == "InvalidParameter", answer
    assert sim.tasks == {}


def test_simulator_needs_the_async_header_and_resolve_header(sim):
    status, answer = post(sim, SYNTH, {"model": "wan2.6-t2v", "input": {"prompt": "x"}},
                          {"X-DashScope-Async": "off"})
    assert status == 403 and "synchronous" in answer["message"]
    status, _ = post(sim, SYNTH, {"model": "wan2.6-i2v-flash", "input": {"img_url": "oss://x/y.png"}})
    assert status == 400
