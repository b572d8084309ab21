"""video.py end to end through the simulator: every mode and model family, detection, uploads, outputs."""

import json
import os

import pytest

from tests.conftest import FAKE_KEY, all_files_text, assert_no_key, run

SYNTH = "/api/v1/services/aigc/video-generation/video-synthesis"
KF2V = "/api/v1/services/aigc/image2video/video-synthesis"
IMG, IMG2, VID, AUD = ("https://example.com/a.png", "https://example.com/b.png",
                       "https://example.com/v.mp4", "https://example.com/s.mp3")
FAST = ["--poll-interval", "0.1"]


def fast(sim):
    sim.task_seconds, sim.pending_seconds = 0.2, 0.05
    return sim


def video(args, workdir, sim, **kwargs):
    return run("video", list(args) + FAST, workdir, sim=fast(sim), **kwargs)


def request(body):
    return ["--request", json.dumps(body)]


# (id, extra args, request, endpoint, checks on the body the simulator received)
CASES = [
    ("t2v-default", [], {"prompt": "A detective in a rainy city at night", "size": "1280*720", "duration": 5},
     SYNTH, {"model": "wan2.6-t2v", "parameters": {"size": "1280*720", "duration": 5}}),
    ("t2v-wan2.7", ["--model", "wan2.7-t2v"], {"prompt": "a fox", "resolution": "720P", "ratio": "9:16"},
     SYNTH, {"model": "wan2.7-t2v", "parameters": {"resolution": "720P", "ratio": "9:16"}}),
    ("t2v-wan2.5", ["--model", "wan2.5-t2v-preview"], {"prompt": "a fox", "size": "832*480", "duration": 10},
     SYNTH, {"model": "wan2.5-t2v-preview", "parameters": {"size": "832*480", "duration": 10}}),
    ("t2v-wan2.2", ["--model", "wan2.2-t2v-plus"], {"prompt": "a fox", "size": "1920*1080"},
     SYNTH, {"model": "wan2.2-t2v-plus"}),
    ("t2v-multishot", [], {"prompt": "shot 1 ...", "shot_type": "multi", "prompt_extend": True,
                           "audio_url": AUD}, SYNTH,
     {"model": "wan2.6-t2v", "parameters": {"shot_type": "multi", "prompt_extend": True}}),
    ("i2v-default", [], {"prompt": "the flag waves", "img_url": IMG, "resolution": "720P", "audio": False},
     SYNTH, {"model": "wan2.6-i2v-flash", "input": {"img_url": IMG}, "parameters": {"audio": False}}),
    ("i2v-alias", ["--model", "wan2.6-i2v"], {"reference_image": IMG, "duration": 10},
     SYNTH, {"model": "wan2.6-i2v", "input": {"img_url": IMG}}),
    ("i2v-wan2.5", ["--model", "wan2.5-i2v-preview"], {"img_url": IMG, "resolution": "480P"},
     SYNTH, {"model": "wan2.5-i2v-preview", "parameters": {"resolution": "480P"}}),
    ("i2v-wan2.7-first", ["--model", "wan2.7-i2v"], {"first_frame_url": IMG},
     SYNTH, {"model": "wan2.7-i2v", "input": {"media": [{"type": "first_frame", "url": IMG}]}}),
    ("i2v-wan2.7-first-last-audio", ["--model", "wan2.7-i2v"],
     {"first_frame_url": IMG, "last_frame_url": IMG2, "driving_audio_url": AUD, "resolution": "1080P"},
     SYNTH, {"input": {"media": [{"type": "first_frame", "url": IMG}, {"type": "last_frame", "url": IMG2},
                                 {"type": "driving_audio", "url": AUD}]}}),
    ("i2v-wan2.7-continuation", ["--model", "wan2.7-i2v"], {"first_clip_url": VID, "duration": 15},
     SYNTH, {"input": {"media": [{"type": "first_clip", "url": VID}]}}),
    ("kf2v-default", [], {"prompt": "day to night", "first_frame_url": IMG, "last_frame_url": IMG2},
     KF2V, {"model": "wan2.2-kf2v-flash", "input": {"first_frame_url": IMG, "last_frame_url": IMG2}}),
    ("kf2v-plus-template", ["--model", "wanx2.1-kf2v-plus"],
     {"first_frame_url": IMG, "template": "hug", "resolution": "720P", "duration": 5},
     KF2V, {"model": "wanx2.1-kf2v-plus"}),
    ("r2v-default", [], {"prompt": "character1 and character2 dance", "reference_urls": [IMG, VID],
                         "size": "1920*1080", "duration": 10},
     SYNTH, {"model": "wan2.6-r2v-flash", "input": {"reference_urls": [IMG, VID]}}),
    ("r2v-wan2.6", ["--model", "wan2.6-r2v"], {"prompt": "character1 waves", "reference_urls": [IMG]},
     SYNTH, {"model": "wan2.6-r2v"}),
    ("vace-image-reference", [], {"function": "image_reference", "prompt": "the cat plays",
                                  "ref_images_url": [IMG, IMG2], "obj_or_bg": ["obj", "bg"],
                                  "size": "1280*720"},
     SYNTH, {"model": "wanx2.1-vace-plus", "input": {"function": "image_reference"}}),
    ("vace-repainting", [], {"function": "video_repainting", "prompt": "in clay style", "video_url": VID,
                             "control_condition": "depth", "strength": 0.5, "prompt_extend": False},
     SYNTH, {"parameters": {"control_condition": "depth"}}),
    ("vace-edit", ["--model", "wan2.1-vace-plus"],
     {"function": "video_edit", "prompt": "a red hat", "video_url": VID, "mask_image_url": IMG,
      "mask_frame_id": 1, "mask_type": "tracking"},
     SYNTH, {"model": "wanx2.1-vace-plus", "input": {"mask_image_url": IMG}}),
    ("vace-extension", [], {"function": "video_extension", "prompt": "the car drives on",
                            "first_clip_url": VID}, SYNTH, {"input": {"first_clip_url": VID}}),
    ("vace-outpainting", [], {"function": "video_outpainting", "prompt": "wider", "video_url": VID,
                              "left_scale": 1.5, "right_scale": 1.5}, SYNTH, {"parameters": {"left_scale": 1.5}}),
    ("videoedit-default", [], {"prompt": "make it snow", "video_url": VID, "reference_images": [IMG, IMG2],
                               "resolution": "720P", "audio_setting": "origin"},
     SYNTH, {"model": "wan2.7-videoedit", "input": {"media": [
         {"type": "video", "url": VID}, {"type": "reference_image", "url": IMG},
         {"type": "reference_image", "url": IMG2}]}}),
    ("hh-t2v", ["--model", "happyhorse-1.0-t2v"], {"prompt": "a horse runs", "resolution": "720P",
                                                   "ratio": "21:9", "duration": 3},
     SYNTH, {"model": "happyhorse-1.0-t2v", "parameters": {"ratio": "21:9"}}),
    ("hh-1.1-t2v", ["--model", "happyhorse-1.1-t2v"], {"prompt": "a horse runs", "size": "1280*720"},
     SYNTH, {"parameters": {"resolution": "720P", "ratio": "16:9"}}),
    ("hh-i2v", ["--model", "happyhorse-1.0-i2v"], {"img_url": IMG, "watermark": False},
     SYNTH, {"input": {"media": [{"type": "first_frame", "url": IMG}]}, "parameters": {"watermark": False}}),
    ("hh-1.1-i2v", ["--model", "happyhorse-1.1-i2v"], {"first_frame_url": IMG, "resolution": "1080P"},
     SYNTH, {"model": "happyhorse-1.1-i2v"}),
    ("hh-r2v", ["--model", "happyhorse-1.0-r2v"], {"prompt": "[Image 1] rides", "reference_urls": [IMG, IMG2]},
     SYNTH, {"input": {"media": [{"type": "reference_image", "url": IMG},
                                 {"type": "reference_image", "url": IMG2}]}}),
    ("hh-video-edit", ["--model", "happyhorse-1.0-video-edit"], {"prompt": "swap the hat", "video_url": VID,
                                                                 "reference_images": [IMG]},
     SYNTH, {"model": "happyhorse-1.0-video-edit"}),
    ("raw-form", [], {"model": "wan2.6-t2v", "input": {"prompt": "a fox"},
                      "parameters": {"size": "1280*720", "duration": 5}},
     SYNTH, {"model": "wan2.6-t2v", "input": {"prompt": "a fox"}, "parameters": {"size": "1280*720"}}),
]


def contains(actual, expected):
    if isinstance(expected, dict):
        return all(k in actual and contains(actual[k], v) for k, v in expected.items())
    return actual == expected


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_every_mode_and_model_family(case, sim, workdir):  # V-2, V-10, V-12, V-13, V-22, V-26..V-28
    _id, args, body, endpoint, expected = case
    result = video(args + request(body), workdir, sim)
    assert result.code == 0, result
    posts = sim.task_posts()
    assert len(posts) == 1 and posts[0]["path"] == endpoint
    assert posts[0]["headers"].get("X-DashScope-Async") == "enable"  # V-31
    assert contains(posts[0]["json"], expected), posts[0]["json"]
    out = result.json
    assert out["task_status"] == "SUCCEEDED" and out["model"] == posts[0]["json"]["model"]
    assert out["video_url"].startswith(sim.base_url)
    assert os.path.getsize(out["local_path"]) == sim.result_bytes
    assert out["local_path"].startswith(str(workdir / "output" / "qianwen-video-generation"))
    with open(out["response_path"]) as handle:  # the sidecar holds the final task answer
        sidecar = json.load(handle)
    assert sidecar["response"]["output"]["task_status"] == "SUCCEEDED"
    assert out["sidecar"] == out["response_path"] and sidecar["body"] == posts[0]["json"]  # 14.3: body sent


def test_core_flow_on_each_python(sim, workdir, python):  # X-7, V-7
    result = run("video", request({"prompt": "A detective in a rainy city at night", "size": "1280*720",
                                   "duration": 5}) + ["--print-response"] + FAST,
                 workdir, sim=fast(sim), python=python)
    assert result.code == 0, result
    out = result.json
    for key in ("task_id", "task_status", "mode", "model", "video_url", "local_path", "response_path"):
        assert key in out
    assert out["mode"] == "t2v" and out["response"]["output"]["task_status"] == "SUCCEEDED"
    assert "task " in result.stderr and "SUCCEEDED" in result.stderr  # status changes on stderr


DETECTION = [  # V-11: the fields, and the model when given, decide the mode
    ([], {"prompt": "a fox"}, "t2v", "wan2.6-t2v"),
    ([], {"img_url": IMG}, "i2v", "wan2.6-i2v-flash"),
    ([], {"reference_image": IMG}, "i2v", "wan2.6-i2v-flash"),
    ([], {"first_frame_url": IMG, "last_frame_url": IMG2}, "kf2v", "wan2.2-kf2v-flash"),
    (["--model", "wan2.7-i2v"], {"first_frame_url": IMG, "last_frame_url": IMG2}, "i2v", "wan2.7-i2v"),
    ([], {"prompt": "character1", "reference_urls": [IMG]}, "r2v", "wan2.6-r2v-flash"),
    ([], {"prompt": "x", "function": "video_outpainting", "video_url": VID}, "vace", "wanx2.1-vace-plus"),
    ([], {"prompt": "x", "video_url": VID}, "videoedit", "wan2.7-videoedit"),
    (["--model", "happyhorse-1.0-video-edit"], {"prompt": "x", "video_url": VID}, "videoedit",
     "happyhorse-1.0-video-edit"),
    (["--model", "happyhorse-1.0-r2v"], {"prompt": "x", "media": [{"type": "reference_image", "url": IMG}]},
     "r2v", "happyhorse-1.0-r2v"),
    (["--mode", "i2v", "--model", "wan2.7-i2v"], {"media": [{"type": "first_frame", "url": IMG}]}, "i2v",
     "wan2.7-i2v"),
]


@pytest.mark.parametrize("args,body,mode,model", DETECTION)
def test_mode_detection_is_explained_in_dry_run(args, body, mode, model, sim, workdir):  # V-11
    result = video(args + request(body) + ["--dry-run"], workdir, sim)
    assert result.code == 0, result
    out = result.json
    assert (out["mode"], out["model"]) == (mode, model)
    assert out["mode"] == mode and out["body"]["model"] == model
    if not args:  # detected: the note says how
        assert any(note.startswith("mode %s" % mode) for note in out["notes"]), out["notes"]
        assert "mode %s" % mode in result.stderr
    assert sim.requests == []


def test_dry_run_shows_everything_and_sends_nothing(sim, workdir):
    (workdir / "a.png").write_bytes(b"\x89PNG" + b"0" * 64)
    result = video(request({"prompt": "x", "img_url": "a.png"}) + ["--dry-run"], workdir, sim)
    assert result.code == 0, result
    out = result.json
    assert out["headers"]["Authorization"] == "Bearer ***"
    assert out["headers"]["X-DashScope-Async"] == "enable"
    assert out["headers"]["X-DashScope-OssResourceResolve"] == "enable"
    assert out["url"] == sim.base_url + SYNTH
    assert [u["path"] for u in out["uploads"]] == [str(workdir / "a.png")]
    assert out["body"]["input"]["img_url"] == "a.png"
    assert sim.requests == [] and not (workdir / "output").exists()
    assert_no_key(result.stdout, result.stderr)


def test_local_files_are_uploaded_everywhere(sim, workdir):  # X-34, V-34: media[].url and lists
    (workdir / "first.png").write_bytes(b"\x89PNG" + b"1" * 300)
    (workdir / "voice.mp3").write_bytes(b"ID3" + b"2" * 300)
    body = {"media": [{"type": "first_frame", "url": "first.png"},
                      {"type": "driving_audio", "url": str(workdir / "voice.mp3")}]}
    result = video(["--model", "wan2.7-i2v"] + request(body), workdir, sim)
    assert result.code == 0, result
    assert len(sim.seen("GET", "/api/v1/uploads")) == 2 and len(sim.seen("POST", "/oss")) == 2
    assert all(r["query"]["model"] == "wan2.7-i2v" for r in sim.seen("GET", "/api/v1/uploads"))
    post = sim.task_posts()[0]
    assert post["headers"]["X-DashScope-OssResourceResolve"] == "enable"
    urls = [item["url"] for item in post["json"]["input"]["media"]]
    assert all(url.startswith("oss://dashscope-instant/") for url in urls)
    assert urls[0].endswith(".png") and urls[1].endswith(".mp3")
    sizes = sorted(entry["size"] for key, entry in sim.uploads.items() if key != "_policies")
    assert sizes == [303, 304]


def test_local_reference_list_and_remote_pass_through(sim, workdir):
    (workdir / "p.jpg").write_bytes(b"\xff\xd8" + b"0" * 100)
    body = {"prompt": "character1 meets character2", "reference_urls": ["p.jpg", IMG]}
    result = video(request(body), workdir, sim)
    assert result.code == 0, result
    refs = sim.task_posts()[0]["json"]["input"]["reference_urls"]
    assert refs[0].startswith("oss://") and refs[1] == IMG
    assert len(sim.seen("POST", "/oss")) == 1


def test_oss_url_given_by_user_gets_resolve_header(sim, workdir):
    result = video(request({"prompt": "x", "img_url": "oss://dashscope-instant/x/y.png"}) + ["--dry-run"],
                   workdir, sim)
    assert result.json["headers"]["X-DashScope-OssResourceResolve"] == "enable"
    assert result.json["uploads"] == []


def test_no_overwrite_across_two_runs(sim, workdir):
    body = request({"prompt": "a fox", "size": "1280*720"})
    first = video(body + ["--output", "clips/fox.mp4"], workdir, sim)
    second = video(body + ["--output", "clips/fox.mp4"], workdir, sim)
    assert first.code == 0 and second.code == 0, (first, second)
    assert first.json["local_path"] == str(workdir / "clips" / "fox.mp4")
    assert second.json["local_path"] == str(workdir / "clips" / "fox_1.mp4")
    assert first.json["response_path"] == str(workdir / "clips" / "fox.json")
    assert second.json["response_path"] == str(workdir / "clips" / "fox_1.json")
    third = video(body + ["--output", "clips"], workdir, sim)
    assert os.path.dirname(third.json["local_path"]) == str(workdir / "clips")


def test_size_translation_is_said_on_stderr(sim, workdir):  # SR-7
    result = video(["--model", "wan2.7-t2v"] + request({"prompt": "x", "size": "1280*720"}), workdir, sim)
    assert result.code == 0, result
    assert "size 1280*720 sent as resolution 720P + ratio 16:9" in result.stderr
    params = sim.task_posts()[0]["json"]["parameters"]
    assert params == {"resolution": "720P", "ratio": "16:9", "seed": result.json["seed"]}


def test_vace_id_follows_the_region(sim, workdir):  # SR-10
    body = request({"function": "video_outpainting", "prompt": "x", "video_url": VID}) + ["--dry-run"]
    beijing = video(["--model", "wan2.1-vace-plus"] + body, workdir, sim)
    intl = video(["--model", "wanx2.1-vace-plus"] + body, workdir, sim, env={"QWEN_REGION": "ap-southeast-1"})
    assert beijing.json["model"] == "wanx2.1-vace-plus" and "instead of wan2.1-vace-plus" in beijing.stderr
    assert intl.json["model"] == "wan2.1-vace-plus"


def test_happyhorse_watermark_note(sim, workdir):  # SR-12
    result = video(["--model", "happyhorse-1.0-t2v", "--dry-run"] + request({"prompt": "x"}), workdir, sim)
    assert "watermark by default" in result.stderr
    assert "watermark" not in result.json["body"]["parameters"]


def test_plan_key_goes_to_the_plan_host(sim, workdir):  # X-24, issue 13.3
    key = "sk-sp-0123456789abcdef0123456789"
    result = video(request({"prompt": "x"}) + ["--dry-run"], workdir, sim, key=key,
                   env={"QWEN_TOKEN_PLAN_BASE_URL": "http://127.0.0.1:9/plan"})
    assert result.code == 0, result
    assert result.json["url"].startswith("http://127.0.0.1:9/plan/api/v1/")
    assert "not in the Token Plan model list" in result.stderr and "QWEN_BASE_URL is not used" in result.stderr
    assert_no_key(result.stdout, result.stderr, key=key)


def test_key_never_leaks(sim, workdir):
    fast(sim).inject(SYNTH, method="POST", status=401, echo_key=True)
    failed = video(request({"prompt": "x"}), workdir, sim)
    assert failed.code == 1 and "HTTP 401" in failed.stderr
    ok = video(request({"prompt": "x"}) + ["--print-response"], workdir, sim)
    assert ok.code == 0
    assert_no_key(failed.stdout, failed.stderr, ok.stdout, ok.stderr, all_files_text(workdir))
    assert FAKE_KEY not in all_files_text(workdir)


def test_throttled_submit_is_retried_once_accepted(sim, workdir):  # 429 never reached the queue
    fast(sim).inject(SYNTH, method="POST", status=429, retry_after=0)
    result = video(request({"prompt": "x"}), workdir, sim)
    assert result.code == 0, result
    assert len(sim.task_posts()) == 2 and len(sim.tasks) == 1
