"""The simulator's hostile and broken answers do what tests written against them expect."""

import http.client
import json
import socket
import time
import urllib.error
import urllib.request

import pytest
from conftest import FAKE_KEY

from tests.sim import Sim
from tests.sim.hostile import KEY_VARIANTS, MESSAGES, SCHEMES, SHAPES, TASK_IDS, key_echo

VIDEO = "/api/v1/services/aigc/video-generation/video-synthesis"
MM = "/api/v1/services/aigc/multimodal-generation/generation"
T2I = "/api/v1/services/aigc/text2image/image-synthesis"
ASYNC = {"X-DashScope-Async": "enable"}
T2V = {"model": "wan2.6-t2v", "input": {"prompt": "a fox"}}
T2I_MSG = {"model": "wan2.6-t2i", "input": {"messages": [{"role": "user", "content": [{"text": "x"}]}]},
           "parameters": {"n": 2}}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def raw(sim, path, body=None, headers=None, timeout=10, follow=True):
    """(status, headers, body bytes) of one request, redirects followed unless follow=False."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(sim.base_url + path, data=data, headers=dict(
        {"Authorization": "Bearer " + FAKE_KEY, "Content-Type": "application/json"}, **(headers or {})))
    opener = urllib.request.build_opener(*([] if follow else [NoRedirect]))
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def answer(sim, path, body=None, headers=None):
    status, _, data = raw(sim, path, body, headers)
    return status, json.loads(data)


def finished(sim, task_id):
    for _ in range(100):
        output = answer(sim, "/api/v1/tasks/" + task_id)[1]["output"]
        if output["task_status"] not in ("PENDING", "RUNNING"):
            return output
        time.sleep(0.03)
    raise AssertionError("still running")


@pytest.fixture
def other():
    server = Sim(key="sk-other000000000000000000000000000").start()
    yield server
    server.stop()


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirect_codes_carry_a_location(sim, status):
    sim.inject("/api/v1/tasks/", status=status, location="file:///etc/passwd")
    code, headers, _ = raw(sim, "/api/v1/tasks/x", follow=False)
    assert code == status and headers["Location"] == "file:///etc/passwd"


def test_redirect_to_another_host_records_the_authorization(sim, other):
    sim.inject("/api/v1/tasks/", location=other.base_url + "/api/v1/tasks/elsewhere")
    status, _, _ = raw(sim, "/api/v1/tasks/x")  # urllib follows a 302 and keeps Authorization
    assert status == 401  # the other host does not know the key
    assert [r["path"] for r in other.auth_seen("/api/v1/")] == ["/api/v1/tasks/elsewhere"]
    assert other.seen("GET", "/api/v1/tasks/")[0]["headers"]["Authorization"] == "Bearer " + FAKE_KEY


@pytest.mark.parametrize("scheme", sorted(SCHEMES))
def test_result_urls_with_other_schemes(sim, scheme):
    sim.task_seconds, sim.pending_seconds = 0.05, 0.01
    sim.result_url_override = SCHEMES[scheme]
    task_id = answer(sim, VIDEO, T2V, ASYNC)[1]["output"]["task_id"]
    assert finished(sim, task_id)["video_url"] == SCHEMES[scheme]
    images = answer(sim, MM, T2I_MSG)[1]["output"]["choices"]
    assert [c["message"]["content"][0]["image"] for c in images] == [SCHEMES[scheme]] * 2
    task_id = answer(sim, T2I, {"model": "wan2.2-t2i-flash", "input": {"prompt": "x"}}, ASYNC)[1]["output"]["task_id"]
    assert {r["url"] for r in finished(sim, task_id)["results"]} == {SCHEMES[scheme]}


def test_result_url_override_keeps_the_name(sim):
    sim.result_url_override = "ftp://x/{name}"
    url = answer(sim, MM, T2I_MSG)[1]["output"]["choices"][0]["message"]["content"][0]["image"]
    assert url.startswith("ftp://x/") and url.endswith("/1_1280x1280.png")


@pytest.mark.parametrize("name", sorted(TASK_IDS))
def test_hostile_task_ids(sim, name):
    sim.task_id_override = TASK_IDS[name]
    status, body = answer(sim, VIDEO, T2V, ASYNC)
    assert status == 200 and body["output"]["task_id"] == TASK_IDS[name]
    assert TASK_IDS[name] in sim.tasks


def test_hostile_ids_are_what_the_brief_names():
    assert TASK_IDS["traversal"] == "../../x" and TASK_IDS["shell"] == "abc;touch /tmp/pwned"
    assert len(TASK_IDS["long"]) == 200 and "\n" in TASK_IDS["newline"]


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_hostile_error_messages(sim, name):
    sim.inject(VIDEO, message=MESSAGES[name])
    status, body = answer(sim, VIDEO, T2V, ASYNC)
    assert status == 400 and body["message"] == MESSAGES[name] and body["code"] == "Error"
    sim.inject(VIDEO, status=503, code="ServiceUnavailable", message=MESSAGES[name])
    status, body = answer(sim, VIDEO, T2V, ASYNC)
    assert status == 503 and (body["code"], body["message"]) == ("ServiceUnavailable", MESSAGES[name])
    assert sim.tasks == {}


def test_hostile_failed_task_messages(sim):
    sim.task_seconds, sim.pending_seconds, sim.outcome = 0.05, 0.01, "FAILED"
    sim.failure_code, sim.failure_message = "Forged\x1b[2J", MESSAGES["forged"]
    output = finished(sim, answer(sim, VIDEO, T2V, ASYNC)[1]["output"]["task_id"])
    assert output["code"] == "Forged\x1b[2J" and output["message"] == "quota\nresume: rm -rf ~\ntask_id: x"


@pytest.mark.parametrize("variant", KEY_VARIANTS)
def test_key_echo_variants(sim, variant):
    sim.inject("/api/v1/tasks/", echo_key=variant)
    status, body = answer(sim, "/api/v1/tasks/x")
    echoed = key_echo(FAKE_KEY, variant)
    assert status == 401 and body["message"] == "Invalid API-key provided: " + echoed
    checks = {"full": FAKE_KEY in echoed, "noprefix": echoed == FAKE_KEY[3:],
              "run12": len(echoed) == 12 and echoed in FAKE_KEY, "urlencoded": "%2D" in echoed,
              "zwsp": "\u200b" in echoed and echoed.replace("\u200b", "") == FAKE_KEY,
              "upper": echoed == FAKE_KEY.upper()}
    assert checks[variant]


def test_echo_key_true_keeps_the_old_meaning(sim):
    sim.inject("/api/v1/tasks/", status=403, echo_key=True, message="denied for {key}")
    status, body = answer(sim, "/api/v1/tasks/x")
    assert status == 403 and body["message"] == "denied for Bearer " + FAKE_KEY


def trickled(sim, timeout):
    connection = http.client.HTTPConnection("127.0.0.1", int(sim.base_url.rsplit(":", 1)[1]), timeout=timeout)
    connection.request("GET", "/version.json")
    return connection, connection.getresponse()


def test_trickling_body_defeats_a_per_read_timeout(sim):
    sim.inject("/version.json", trickle=0.03)
    started = time.time()
    connection, response = trickled(sim, 0.3)  # each read finishes well within 0.3 s ...
    body = response.read()
    connection.close()
    assert json.loads(body) == {"version": sim.version}
    assert time.time() - started >= 0.03 * (len(body) - 1)  # ... but the whole answer takes far longer


def test_trickle_slower_than_the_timeout(sim):
    sim.inject("/version.json", trickle=0.6)
    connection, response = trickled(sim, 0.3)
    assert response.status == 200 and response.read(1) == b"{"
    with pytest.raises(socket.timeout):
        response.read()
    connection.close()


def test_retry_after_far_beyond_the_timeout(sim):
    sim.inject("/api/v1/tasks/", status=429, retry_after=86400)
    status, headers, body = raw(sim, "/api/v1/tasks/x")
    assert status == 429 and headers["Retry-After"] == "86400"
    assert json.loads(body)["code"] == "Throttling.RateQuota"


@pytest.mark.parametrize("shape", SHAPES)
def test_wrong_shapes(sim, shape):
    sim.inject("/api/v1/tasks/", shape=shape)
    status, headers, body = raw(sim, "/api/v1/tasks/x")
    value = json.loads(body)
    assert status == 200 and headers["Content-Type"] == "application/json"
    kinds = {"list": list, "string": str, "number": int}
    assert isinstance(value, kinds.get(shape, dict))
    if shape == "output_string":
        assert isinstance(value["output"], str)
    if shape == "no_output":
        assert "output" not in value
    if shape == "choices_dict":
        assert isinstance(value["output"]["choices"], dict)


def test_any_json_value_and_times_forever(sim):
    sim.inject("/api/v1/tasks/", json=[1, 2], status=200, times=-1)
    for _ in range(3):
        assert answer(sim, "/api/v1/tasks/x") == (200, [1, 2])


def test_partial_answer_starting_elsewhere(sim):
    url = sim.result_url("abc/video.mp4")[len(sim.base_url):]
    sim.inject("/files/", range_start=10)
    status, headers, body = raw(sim, url, headers={"Range": "bytes=1000-"})
    assert status == 206 and headers["Content-Range"].startswith("bytes 10-")
    sim.inject("/files/", range_start=0)
    status, headers, body = raw(sim, url, headers={"Range": "bytes=1000-"})
    assert status == 206 and headers["Content-Range"].startswith("bytes 0-")


def test_download_without_length_ends_early(sim):
    url = sim.result_url("abc/video.mp4")[len(sim.base_url):]
    sim.inject("/files/", no_length=True, drop_after=1000)
    status, headers, body = raw(sim, url)
    assert status == 200 and "Content-Length" not in headers and len(body) == 1000


def test_chunked_download_cut_short(sim):
    url = sim.result_url("abc/video.mp4")[len(sim.base_url):]
    full = raw(sim, url)[2]
    sim.inject("/files/", chunked=True)
    status, headers, body = raw(sim, url)
    assert headers["Transfer-Encoding"] == "chunked" and body == full
    sim.inject("/files/", chunked=True, drop_after=100)
    with pytest.raises(http.client.IncompleteRead):
        raw(sim, url)


def test_cancel_only_while_pending(sim):
    sim.task_seconds, sim.pending_seconds = 5, 0.1
    task_id = answer(sim, VIDEO, T2V, ASYNC)[1]["output"]["task_id"]
    time.sleep(0.15)
    status, body = answer(sim, "/api/v1/tasks/%s/cancel" % task_id, {})
    assert status == 400 and body["code"] == "UnsupportedOperation"
