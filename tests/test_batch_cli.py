"""Batches via video.py and image.py: validate first, bounded submits, one summary, no paid POST twice."""

import json
import os
import re
import shlex

from tests.conftest import SCRIPTS, all_files_text, assert_no_key, run
from tests.test_image_helpers import make_png

VIDEO_POST = "/api/v1/services/aigc/video-generation/video-synthesis"
FAST = ["--poll-interval", "0.1"]
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 2048


def fast(sim, seconds=0.3):
    sim.task_seconds, sim.pending_seconds = seconds, 0.05
    return sim


def write_jsonl(folder, name, items):
    path = folder / name
    path.write_text("\n".join(json.dumps(item) for item in items) + "\n")
    return name


def resume_line(stderr):
    """The batch's resume command (each submit also prints its own `resume: ... --task-id ID` line)."""
    lines = [line for line in stderr.splitlines() if line.startswith("resume: ") and " --resume " in line]
    assert lines, stderr
    return lines[-1][len("resume: "):]


def assert_every_task_named(stderr, task_ids):
    """Every paid task is on stderr with its own resume command the moment it exists."""
    for task_id in task_ids:
        assert "task_id: %s\n" % task_id in stderr, stderr
        assert re.search(r"resume: .* --task-id %s" % task_id, stderr), stderr


def mixed_video_items(workdir):
    (workdir / "still.png").write_bytes(PNG)
    return [{"prompt": "a fox crossing a snowy road", "size": "1280*720"},
            {"prompt": "the flag waves", "img_url": "still.png", "resolution": "720P"},
            {"model": "wan2.6-t2v", "prompt": "rain on a window", "duration": 5},
            {"prompt": "a cat dancing", "reference_urls": ["https://example.com/cat.mp4"]}]


def test_video_mixed_batch_jsonl_downloads_every_item(sim, workdir, python):  # X-batch, V-batch
    fast(sim)
    name = write_jsonl(workdir, "batch.jsonl", mixed_video_items(workdir))
    result = run("video", ["--file", name] + FAST, workdir, sim=sim, python=python)
    assert result.code == 0, result
    out = result.json
    assert out["total"] == 4 and out["succeeded"] == 4 and out["failed"] == out["running"] == 0
    assert [item["mode"] for item in out["items"]] == ["t2v", "i2v", "t2v", "r2v"]
    paths = [item["local_path"] for item in out["items"]]
    assert len(set(paths)) == 4 and all(os.path.getsize(p) > 0 for p in paths)
    # <label>_<mode>_<task_id>.mp4: one name per task, so a resumed download continues its own .part
    assert [os.path.basename(p) for p in paths] == ["line%d_%s_%s.mp4" % (i + 1, item["mode"], item["task_id"])
                                                    for i, item in enumerate(out["items"])]
    assert all(item["sidecar"] == os.path.splitext(item["local_path"])[0] + ".json" for item in out["items"])
    assert len(sim.task_posts()) == 4
    assert_every_task_named(result.stderr, sim.tasks)
    saved = json.load(open(out["state_path"]))
    assert {item["task_id"] for item in saved["items"]} == set(sim.tasks)  # the state holds every id
    assert_no_key(result.stdout, result.stderr, all_files_text(workdir))


def test_video_array_file_and_model_flag_apply_to_items_without_their_own(sim, workdir):
    fast(sim)
    items = [{"prompt": "one"}, {"prompt": "two", "model": "wan2.6-t2v"}]
    (workdir / "batch.json").write_text(json.dumps(items))
    result = run("video", ["--file", "batch.json", "--model", "wan2.2-t2v-plus"] + FAST, workdir, sim=sim)
    assert result.code == 0, result
    assert [item["model"] for item in result.json["items"]] == ["wan2.2-t2v-plus", "wan2.6-t2v"]
    assert [item["item"] for item in result.json["items"]] == ["item 1", "item 2"]


def test_video_one_bad_item_stops_the_batch_before_anything_is_sent(sim, workdir):
    items = mixed_video_items(workdir)
    items.insert(2, {"prompt": "too long", "model": "wan2.6-t2v", "duration": 99})
    name = write_jsonl(workdir, "batch.jsonl", items)
    result = run("video", ["--file", name], workdir, sim=sim)
    assert result.code == 2, result
    assert result.stderr.count("\n") == 1 and "line 3" in result.stderr and "duration" in result.stderr
    assert sim.requests == []  # no upload, no POST
    missing = [{"prompt": "ok"}, {"prompt": "x", "img_url": "nope.png"}]
    (workdir / "b.json").write_text(json.dumps(missing))
    result = run("video", ["--file", "b.json"], workdir, sim=sim)
    assert result.code == 2 and "item 2" in result.stderr, result
    assert sim.requests == []


def test_video_dry_run_batch_shows_each_plan_and_sends_nothing(sim, workdir):
    name = write_jsonl(workdir, "batch.jsonl", mixed_video_items(workdir))
    result = run("video", ["--file", name, "--dry-run"], workdir, sim=sim)
    assert result.code == 0, result
    out = result.json
    assert out["dry_run"] and out["total"] == 4
    assert out["items"][1]["uploads"] == [{"path": str(workdir / "still.png"), "kind": "image",
                                           "where": ["input", "img_url"]}]
    assert [item["uploads"] for i, item in enumerate(out["items"]) if i != 1] == [[], [], []]
    assert sim.requests == [] and not (workdir / "output").exists()


def test_video_failed_item_exits_1_and_the_others_are_saved(sim, workdir, python):  # X-exit
    fast(sim)
    sim.task_plan = lambda body: (0.3, "FAILED" if "doomed" in body["input"]["prompt"] else "SUCCEEDED")
    items = [{"prompt": "fine one"}, {"prompt": "doomed"}, {"prompt": "fine two"}]
    name = write_jsonl(workdir, "batch.jsonl", items)
    result = run("video", ["--file", name] + FAST, workdir, sim=sim, python=python)
    assert result.code == 1, result
    out = result.json
    assert out["succeeded"] == 2 and out["failed"] == 1
    bad = out["items"][1]
    assert bad["status"] == "FAILED" and bad["task_id"] and bad["error"]
    assert "line 2" in result.stderr and bad["task_id"] in result.stderr
    assert all(os.path.isfile(out["items"][i]["local_path"]) for i in (0, 2))


def test_video_timeout_then_resume_finishes_without_a_second_post(sim, workdir, python):  # X-resume
    fast(sim, seconds=2.0)
    name = write_jsonl(workdir, "batch.jsonl", [{"prompt": "p%d" % i} for i in range(3)])
    first = run("video", ["--file", name, "--timeout", "0.5"] + FAST, workdir, sim=sim, python=python)
    assert first.code == 3, first
    out = first.json
    assert out["running"] == 3 and all(item["task_id"] for item in out["items"])
    command = resume_line(first.stderr)
    assert command == "python3 %s --resume %s" % (SCRIPTS["video"], out["batch_id"])
    posts = len(sim.task_posts())
    assert posts == 3
    assert_every_task_named(first.stderr, [item["task_id"] for item in out["items"]])
    done = run("video", shlex.split(command)[2:] + FAST, workdir, sim=sim, python=python)
    assert done.code == 0, done
    assert done.json["succeeded"] == 3 and len(sim.task_posts()) == posts  # no second POST
    assert [i["task_id"] for i in done.json["items"]] == [i["task_id"] for i in out["items"]]
    by_path = run("video", ["--resume", out["state_path"]] + FAST, workdir, sim=sim)
    assert by_path.code == 0 and len(sim.task_posts()) == posts, by_path


def test_video_resume_redownloads_items_done_but_not_saved(sim, workdir):
    fast(sim, seconds=0.2)
    sim.inject("/files/", status=500, times=20)  # every download attempt of the first run fails
    name = write_jsonl(workdir, "batch.jsonl", [{"prompt": "a"}, {"prompt": "b"}])
    first = run("video", ["--file", name] + FAST, workdir, sim=sim)
    assert first.code == 1 and "resume: " in first.stderr, first
    assert {item["status"] for item in first.json["items"]} == {"DOWNLOAD_FAILED"}
    sim.faults.clear()
    done = run("video", shlex.split(resume_line(first.stderr))[2:] + FAST, workdir, sim=sim)
    assert done.code == 0, done
    assert all(os.path.isfile(item["local_path"]) for item in done.json["items"])
    assert len(sim.task_posts()) == 2


def test_video_concurrency_bound_is_respected(sim, workdir):  # X-concurrency
    fast(sim, seconds=0.3)
    sim.inject(VIDEO_POST, method="POST", delay=0.4, times=6)  # slow creates overlap if unbounded
    name = write_jsonl(workdir, "batch.jsonl", [{"prompt": "p%d" % i} for i in range(6)])
    result = run("video", ["--file", name, "--concurrency", "2"] + FAST, workdir, sim=sim)
    assert result.code == 0, result
    starts = sorted(r["time"] for r in sim.task_posts())
    # each create takes >= 0.4 s, so with 2 at once the 3rd starts >= 0.4 s after the 1st
    assert all(later - earlier >= 0.35 for earlier, later in zip(starts, starts[2:]))
    bad = run("video", ["--file", name, "--concurrency", "11"], workdir, sim=sim)
    assert bad.code == 2 and "--concurrency" in bad.stderr


def test_image_batch_sync_and_async_models(sim, workdir, python):  # I-batch
    fast(sim)
    make_png(str(workdir / "ref.png"))
    items = [{"prompt": "a flower shop"},                                    # wan2.6-t2i, sync
             {"prompt": "a lighthouse", "model": "wan2.2-t2i-flash"},          # async only
             {"prompt": "make it a sketch", "model": "qwen-image-edit", "reference_images": ["ref.png"]}]
    name = write_jsonl(workdir, "batch.jsonl", items)
    result = run("image", ["--file", name] + FAST, workdir, sim=sim, python=python)
    assert result.code == 0, result
    out = result.json
    assert out["succeeded"] == 3
    sync_item, async_item, edit_item = out["items"]
    assert sync_item["task_id"] is None and async_item["task_id"] in sim.tasks
    paths = [p for item in out["items"] for p in item["local_paths"]]
    assert len(set(paths)) == len(paths) and all(os.path.isfile(p) for p in paths)
    assert all(os.path.basename(p).startswith("line%d_" % item["index"])  # the batch label leads each name
               for item in out["items"] for p in item["local_paths"])
    assert all(item["sidecars"] == [os.path.splitext(p)[0] + ".json" for p in item["local_paths"]]
               and all(os.path.isfile(s) for s in item["sidecars"]) for item in out["items"])
    assert_every_task_named(result.stderr, sim.tasks)
    assert edit_item["image_urls"] and len(sim.task_posts()) == 3
    saved = json.load(open(out["state_path"]))
    assert saved["items"][1]["task_id"] == async_item["task_id"]
    assert_no_key(result.stdout, result.stderr, all_files_text(workdir))


def test_image_bad_item_and_timeout_resume(sim, workdir):
    bad = [{"prompt": "ok"}, {"prompt": "x", "model": "wan2.2-t2i-flash", "n": 99}]
    (workdir / "bad.json").write_text(json.dumps(bad))
    result = run("image", ["--file", "bad.json"], workdir, sim=sim)
    assert result.code == 2 and "item 2" in result.stderr, result
    assert sim.requests == []
    fast(sim, seconds=1.5)
    name = write_jsonl(workdir, "batch.jsonl", [{"prompt": "p%d" % i, "model": "wan2.2-t2i-flash"}
                                                for i in range(2)])
    first = run("image", ["--file", name, "--timeout", "0.4", "--output", "pics"] + FAST, workdir, sim=sim)
    assert first.code == 3, first
    command = resume_line(first.stderr)
    assert command.endswith("--output %s" % (workdir / "pics"))
    done = run("image", shlex.split(command)[2:] + FAST, workdir, sim=sim)
    assert done.code == 0, done
    assert len(sim.task_posts()) == 2
    assert all(p.startswith(str(workdir / "pics")) for i in done.json["items"] for p in i["local_paths"])
