"""Bad input to video.py: one line naming the field, exit 2, and nothing reaches the simulator."""

import json
import os

import pytest

from tests.conftest import SKILLS, run

IMG, VID = "https://example.com/a.png", "https://example.com/v.mp4"


def bad(args, workdir, sim, **kwargs):
    result = run("video", args, workdir, sim=sim, **kwargs)
    assert result.code == 2, result
    assert sim.requests == [], [r["path"] for r in sim.requests]  # nothing uploaded, nothing paid
    assert "Traceback" not in result.stderr and result.stdout == ""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) <= 3, result.stderr  # argparse prints usage + one line; ours prints one line
    return result.stderr


def req(body, *extra):
    return ["--request", json.dumps(body)] + list(extra)


# (id, args, words the one-line message must contain)
CASES = [
    ("bad-json", ["--request", "{prompt: x}"], ["not valid JSON"]),
    ("not-object", ["--request", "[1, 2]"], ["JSON object"]),
    ("unknown-model-no-endpoint", req({"prompt": "x"}, "--model", "wan9"), ["model=wan9", "--endpoint"]),
    ("mode-model-mismatch", req({"prompt": "x"}, "--mode", "t2v", "--model", "wan2.6-i2v-flash"),
     ["--mode t2v", "wan2.6-t2v"]),
    ("unknown-mode", req({"prompt": "x"}, "--mode", "movie"), ["--mode"]),
    ("t2v-no-prompt", req({"size": "1280*720"}), ["prompt", "missing"]),  # SR-6
    ("resolution-without-ratio-on-size-model", req({"prompt": "x", "resolution": "720P"}),
     ["resolution=720P", "size"]),  # V-9
    ("size-not-listed", req({"prompt": "x", "size": "1104*832"}), ["size=1104*832", "1088*832"]),
    ("size-no-exact-match", req({"prompt": "x", "size": "1088*832"}, "--model", "wan2.7-t2v"),
     ["size=1088*832", "resolution"]),  # SR-7
    ("size-on-resolution-only-model", req({"img_url": IMG, "size": "1280*720"}),
     ["size=1280*720", "resolution", "720P"]),
    ("size-and-resolution", req({"prompt": "x", "size": "1280*720", "resolution": "720P"}),
     ["size and resolution"]),
    ("duration-range", req({"prompt": "x", "duration": 20}), ["duration=20", "2-15"]),
    ("duration-set", req({"prompt": "x", "duration": 7}, "--model", "wan2.5-t2v-preview"),
     ["duration=7", "5 or 10"]),
    ("kf2v-duration", req({"first_frame_url": IMG, "last_frame_url": IMG, "duration": 10}),
     ["duration=10", "5 s"]),  # V-8
    ("kf2v-no-last-frame", req({"first_frame_url": IMG}, "--mode", "kf2v"), ["last_frame_url"]),  # V-30
    ("i2v-no-image", req({"prompt": "x"}, "--mode", "i2v"), ["img_url", "missing"]),
    ("kf2v-plus-resolution", req({"first_frame_url": IMG, "last_frame_url": IMG, "resolution": "1080P"},
                                 "--model", "wanx2.1-kf2v-plus"), ["resolution=1080P", "720P"]),
    ("r2v-too-many", req({"prompt": "character1", "reference_urls": [IMG] * 6}), ["reference_urls", "1-5"]),
    ("r2v-too-many-videos", req({"prompt": "character1", "reference_urls": [VID] * 4}),
     ["reference_urls", "at most 3"]),  # V-25
    ("r2v-audio-switch", req({"prompt": "character1", "reference_urls": [IMG], "audio": False},
                             "--model", "wan2.6-r2v"), ["audio", "wan2.6-r2v-flash"]),  # SR-18
    ("wan27-shot-type", req({"prompt": "x", "shot_type": "multi", "prompt_extend": True},
                            "--model", "wan2.7-t2v"), ["shot_type", "prompt"]),  # SR-13
    ("multi-without-extend", req({"prompt": "x", "shot_type": "multi"}), ["shot_type=multi", "prompt_extend"]),
    ("seed-negative", req({"prompt": "x", "seed": -1}), ["seed=-1", "2147483647"]),
    ("seed-too-big", req({"prompt": "x", "seed": 2 ** 31}), ["seed=2147483648"]),
    ("watermark-not-bool", req({"prompt": "x", "watermark": "yes"}), ["watermark", "true or false"]),
    ("prompt-too-long", req({"prompt": "x" * 801}, "--model", "wan2.2-t2v-plus"), ["prompt", "800"]),
    ("hh-chinese-prompt", req({"prompt": "马" * 2501}, "--model", "happyhorse-1.0-t2v"), ["prompt", "2500"]),
    ("negative-too-long", req({"prompt": "x", "negative_prompt": "n" * 501}), ["negative_prompt", "500"]),
    ("silent-model-audio", req({"prompt": "x", "audio_url": "https://e.com/a.mp3"}, "--model",
                               "wan2.2-t2v-plus"), ["audio_url", "silent"]),
    ("ftp-scheme", req({"img_url": "ftp://example.com/a.png"}), ["img_url", "ftp://", "http(s)"]),
    ("data-uri-video", req({"prompt": "x", "video_url": "data:video/mp4;base64,AAAA"}), ["video_url", "data:"]),
    ("local-missing", req({"img_url": "missing.png"}), ["img_url=missing.png", "not found"]),
    ("vace-no-function", req({"prompt": "x", "video_url": VID}, "--mode", "vace"), ["function", "vace"]),
    ("vace-bad-function", req({"prompt": "x", "function": "dance"}), ["function=dance"]),
    ("vace-edit-no-mask", req({"prompt": "x", "function": "video_edit", "video_url": VID}),
     ["mask_image_url / mask_video_url"]),
    ("vace-too-many-refs", req({"prompt": "x", "function": "image_reference", "ref_images_url": [IMG] * 4}),
     ["ref_images_url", "1-3"]),
    ("vace-obj-or-bg", req({"prompt": "x", "function": "image_reference", "ref_images_url": [IMG, IMG],
                            "obj_or_bg": ["obj"]}), ["obj_or_bg"]),
    ("vace-field-of-other-function", req({"prompt": "x", "function": "video_outpainting", "video_url": VID,
                                          "mask_type": "fixed"}), ["mask_type", "video_outpainting"]),
    ("vace-duration", req({"prompt": "x", "function": "video_outpainting", "video_url": VID, "duration": 10}),
     ["duration", "5 s"]),
    ("wan27-i2v-bad-set", req({"media": [{"type": "last_frame", "url": IMG}]}, "--model", "wan2.7-i2v"),
     ["last_frame", "combinations"]),  # V-18
    ("wan27-i2v-old-field", req({"img_url": IMG, "template": "hug"}, "--model", "wan2.7-i2v"), ["template"]),
    ("videoedit-too-many-refs", req({"prompt": "x", "video_url": VID, "reference_images": [IMG] * 5}),
     ["reference_image", "0-4"]),  # V-27
    ("videoedit-two-videos", req({"media": [{"type": "video", "url": VID}, {"type": "video", "url": VID}]},
                                 "--model", "wan2.7-videoedit"), ["video", "1-1"]),
    ("videoedit-function", req({"prompt": "x", "video_url": VID, "function": "video_edit"},
                               "--model", "wan2.7-videoedit"), ["function"]),
    ("hh-i2v-ratio", req({"img_url": IMG, "ratio": "16:9"}, "--model", "happyhorse-1.0-i2v"), ["ratio"]),
    ("hh-edit-duration", req({"prompt": "x", "video_url": VID, "duration": 5}, "--model",
                             "happyhorse-1.0-video-edit"), ["duration", "input video"]),
    ("hh-r2v-no-prompt", req({"reference_urls": [IMG]}, "--model", "happyhorse-1.0-r2v"), ["prompt"]),
    ("hh-ratio-list", req({"prompt": "x", "ratio": "2:1", "resolution": "720P"}, "--model",
                          "happyhorse-1.0-t2v"), ["ratio=", "21:9"]),
    ("raw-extra-key", ["--request", json.dumps({"model": "wan2.6-t2v", "input": {"prompt": "x"},
                                                "size": "1280*720"})], ["size", "input or parameters"]),
    ("raw-unknown-field", ["--request", json.dumps({"model": "wan2.6-t2v", "input": {"prompt": "x"},
                                                    "parameters": {"resolutoin": "720P"}})], ["resolutoin"]),
    ("media-and-short", req({"video_url": VID, "media": [{"type": "video", "url": VID}]}, "--model",
                            "wan2.7-videoedit"), ["video_url", "media"]),
    ("bad-task-id", ["--task-id", "../../etc"], ["--task-id"]),
    ("poll-interval-zero", ["--task-id", "abc", "--poll-interval", "0"], ["--poll-interval"]),
    ("request-and-task-id", ["--task-id", "abc"] + req({"prompt": "x"}), ["not allowed with"]),
    ("no-source", ["--mode", "t2v"], ["--request"]),
]


@pytest.mark.parametrize("args,words", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_exits_2_before_any_request(args, words, sim, workdir):  # V-30, SR-6, X-9..X-12
    message = bad(args, workdir, sim)
    for word in words:
        assert word in message, message


def test_local_file_wrong_type_and_too_big(sim, workdir):
    (workdir / "notes.txt").write_text("hello")
    assert "notes.txt" in bad(req({"img_url": "notes.txt"}), workdir, sim)
    big = workdir / "big.png"
    with open(big, "wb") as handle:  # sparse: 11 MB on paper, nothing on disk
        handle.truncate(11 * 1024 * 1024)
    message = bad(req({"first_frame_url": "big.png", "last_frame_url": IMG}), workdir, sim)
    assert "10 MB" in message
    (workdir / "empty.mp4").write_bytes(b"")
    assert "empty" in bad(req({"prompt": "x", "video_url": "empty.mp4"}), workdir, sim)
    os.mkdir(workdir / "folder.png")
    assert "folder" in bad(req({"img_url": "folder.png"}), workdir, sim)


def test_missing_key_is_a_configuration_error(sim, workdir):
    message = bad(req({"prompt": "x"}), workdir, sim, key=None)
    assert "DASHSCOPE_API_KEY" in message and ">> .env" in message and "export" in message


def test_output_inside_the_skills_tree_is_refused(sim, workdir):
    target = os.path.join(SKILLS, "qianwen-video-generation", "out")
    assert "skills" in bad(req({"prompt": "x"}, "--output", target), workdir, sim)
    assert not os.path.exists(target)


def test_help_lists_every_flag(sim, workdir):
    result = run("video", ["--help"], workdir, sim=sim)
    assert result.code == 0 and sim.requests == []
    for flag in ("--request", "--file", "--mode", "--model", "--output", "--print-response", "--submit-only",
                 "--task-id", "--poll-once", "--poll-interval", "--timeout", "--dry-run", "--quiet"):
        assert flag in result.stdout
    assert "examples:" in result.stdout and "exit codes" in result.stdout


def test_old_python_gets_a_clear_line(workdir):
    from tests.conftest import find_python

    old = find_python("3.6")
    if old is None:
        pytest.skip("python3.6 not found")
    result = run("video", ["--help"], workdir, python=old)
    assert result.code == 2 and "Python 3.9+ required" in result.stderr
