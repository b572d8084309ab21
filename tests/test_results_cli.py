"""What users pay for and what they got (issue 14): the bills: line and billing JSON, sidecars and their
--from round trip, the gallery, video seeds, and --cancel, run as an agent does."""

import json
import os
import shlex

import pytest

from tests.conftest import run

FAST = ["--poll-interval", "0.2", "--timeout", "30"]
SYNTH = "/api/v1/services/aigc/video-generation/video-synthesis"


def bills(result):
    lines = [line for line in result.stderr.splitlines() if line.startswith("bills: ")]
    assert len(lines) == 1, result
    return lines[0][len("bills: "):]


# Billing preview -------------------------------------------------------------------------------------

BILLING = [
    ("image", [], {"prompt": "a red bicycle"}, "1 image (wan2.6-t2i)"),
    ("image", ["--model", "qwen-image-3.0-pro"], {"prompt": "a poster", "size": "2048*2048", "n": 2},
     "2 images at the 2K tier (qwen-image-3.0-pro)"),
    ("video", [], {"prompt": "a fox"}, "5 s of 1080P video with audio (wan2.6-t2v)"),
    ("video", ["--model", "wan2.2-kf2v-flash"], {"first_frame_url": "https://example.com/a.png",
                                                 "last_frame_url": "https://example.com/b.png"},
     "5 s of 720P video"),
    ("video", ["--model", "wan3.0-video"], {"prompt": "Image 1 dances", "resolution": "720P", "duration": 12,
                                            "reference_images": ["https://example.com/a.png"]},
     "12 s of 720P video with audio (wan3.0-video)"),
]


@pytest.mark.parametrize("script,args,request_,expected", BILLING)
def test_bills_line_and_billing_json_before_paying(sim, workdir, script, args, request_, expected):
    result = run(script, args + ["--request", json.dumps(request_), "--dry-run"], workdir, sim=sim)
    assert result.code == 0, result
    assert bills(result).startswith(expected), bills(result)
    assert result.json["billing"]["summary"] == bills(result)
    assert sim.requests == []


def test_defaults_are_made_explicit(sim, workdir):
    result = run("video", ["--request", '{"prompt": "a fox"}', "--dry-run"], workdir, sim=sim)
    assumed = " ".join(result.json["billing"]["assumed"])
    assert "1080P" in assumed, assumed


def test_result_json_has_billing_beside_usage(sim, workdir):
    result = run("video", ["--request", '{"prompt": "a fox", "size": "1280*720", "duration": 5}'] + FAST, workdir,
                 sim=sim)
    assert result.code == 0, result
    out = result.json
    assert out["billing"]["summary"] == bills(result) and out["usage"]["duration"] == 5


def test_batch_totals_before_the_first_submit(sim, workdir):
    batch = workdir / "b.jsonl"
    batch.write_text("\n".join(json.dumps({"prompt": "p%d" % i, "size": "1280*720", "duration": 5})
                               for i in (1, 2, 3)) + "\n")
    dry = run("video", ["--file", str(batch), "--dry-run"], workdir, sim=sim)
    assert dry.code == 0 and "15 s of 720P video with audio" in bills(dry) and "(all 3 items)" in bills(dry), dry
    assert dry.json["billing"]["units"][0]["count"] == 15
    real = run("video", ["--file", str(batch)] + FAST, workdir, sim=sim)
    assert real.code == 0, real
    assert "15 s of 720P video" in bills(real) and real.json["billing"]["units"][0]["count"] == 15
    lines = real.stderr.splitlines()
    first_task = next(i for i, line in enumerate(lines) if line.startswith("task_id: "))
    assert lines.index("bills: " + bills(real)) < first_task  # stated before anything was submitted


# Sidecars, --from, gallery ----------------------------------------------------------------------------

def test_image_sidecar_round_trip_through_from(sim, workdir):
    first = run("image", ["--request", json.dumps({"prompt": "a red bicycle", "size": "1280*1280"})], workdir,
                sim=sim)
    assert first.code == 0, first
    sidecar_path = first.json["sidecar"]
    with open(sidecar_path) as handle:
        sidecar = json.load(handle)
    sent = sim.task_posts()[0]["json"]
    assert sidecar["body"] == sent and sidecar["seed"] == first.json["seed"] == sent["parameters"]["seed"]
    assert sidecar["prompt"] == "a red bicycle" and sidecar["model"] == "wan2.6-t2i"
    assert sidecar["billing"]["summary"] == "1 image (wan2.6-t2i)" and sidecar["usage"]
    words = shlex.split(sidecar["rerun"])
    assert words[-2:] == ["--from", sidecar_path]
    again = run("image", ["--from", sidecar_path, "--dry-run"], workdir, sim=sim)
    assert again.code == 0, again
    assert again.json["body"]["input"] == sent["input"]
    assert again.json["body"]["parameters"]["seed"] != sent["parameters"]["seed"]  # a new seed
    same = run("image", ["--from", sidecar_path, "--same-seed", "--dry-run"], workdir, sim=sim)
    assert same.json["body"] == sent


def test_video_sidecar_and_seed(sim, workdir):
    result = run("video", ["--request", json.dumps({"prompt": "a fox", "size": "1280*720"})] + FAST, workdir, sim=sim)
    assert result.code == 0, result
    sent = sim.task_posts()[0]["json"]
    assert isinstance(result.json["seed"], int) and sent["parameters"]["seed"] == result.json["seed"]
    with open(result.json["sidecar"]) as handle:
        sidecar = json.load(handle)
    assert sidecar["task_id"] == result.json["task_id"] and sidecar["body"] == sent
    assert sidecar["file"] == os.path.basename(result.json["local_path"])
    rerun = run("video", ["--from", result.json["sidecar"], "--dry-run"], workdir, sim=sim)
    assert rerun.code == 0 and rerun.json["body"]["input"] == sent["input"], rerun


def test_sidecar_keeps_local_paths_never_uploaded_urls(sim, workdir):
    from tests.mediafiles import png

    png(str(workdir / "in.png"), 640, 640)
    request = {"prompt": "ink sketch", "reference_images": ["in.png"], "size": "1024*1024"}
    result = run("image", ["--model", "wan2.6-image", "--request", json.dumps(request)], workdir, sim=sim)
    assert result.code == 0, result
    with open(result.json["sidecar"]) as handle:
        text = handle.read()
    assert "in.png" in text and "oss://" not in text


def test_gallery_is_named_and_relative(sim, workdir):
    run("image", ["--request", '{"prompt": "one"}'], workdir, sim=sim)
    result = run("video", ["--request", json.dumps({"prompt": "a fox", "size": "1280*720"})] + FAST, workdir, sim=sim)
    image = run("image", ["--request", '{"prompt": "two"}'], workdir, sim=sim)
    gallery = image.json["gallery"]
    assert gallery == str(workdir / "output" / "qianwen-image-generation" / "index.html")
    with open(gallery) as handle:
        page = handle.read()
    assert page.count("<img") == 2 and "<script" not in page and "://" not in page  # offline, movable
    for path in image.json["local_paths"]:
        assert 'src="%s"' % os.path.basename(path) in page
    assert result.json["gallery"].endswith(os.path.join("qianwen-video-generation", "index.html"))
    with open(result.json["gallery"]) as handle:
        assert "<video" in handle.read()


# Cancel ------------------------------------------------------------------------------------------------

def test_cancel_a_pending_task(sim, workdir):
    sim.pending_seconds = 30
    sim.task_seconds = 60
    submitted = run("video", ["--request", '{"prompt": "x", "size": "1280*720"}', "--submit-only"], workdir, sim=sim)
    task_id = submitted.stdout.strip()
    result = run("video", ["--cancel", task_id], workdir, sim=sim)
    assert result.code == 0 and result.json["canceled"] is True, result
    assert sim.seen("POST", "/api/v1/tasks/%s/cancel" % task_id)


def test_cancel_a_running_task_is_exit_1_with_the_reason(sim, workdir):
    sim.pending_seconds = 0.0
    sim.task_seconds = 60
    submitted = run("image", ["--request", '{"prompt": "x"}', "--async", "--timeout", "1"], workdir, sim=sim)
    task_id = [line.split()[1] for line in submitted.stderr.splitlines() if line.startswith("task_id: ")][0]
    result = run("image", ["--cancel", task_id], workdir, sim=sim)
    assert result.code == 1 and "not cancelled" in result.stderr and "PENDING" in result.stderr, result
