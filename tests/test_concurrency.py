"""Scripts running at once in one folder with one --output never overwrite each other (issue 8, X-43)."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import SCRIPTS, assert_no_key, script_env

FAST = ["--poll-interval", "0.2", "--timeout", "30"]
VIDEO = ["--request", '{"prompt": "a cat on a roof", "size": "1280*720", "duration": 5}'] + FAST
IMAGE = ["--request", '{"prompt": "a red bicycle"}'] + FAST
SENTINEL = b"already here\n"


def start(script, args, cwd, sim, python=None):
    home = os.path.join(os.path.dirname(str(cwd)), "home")
    return subprocess.Popen([python or sys.executable, SCRIPTS[script]] + args, cwd=str(cwd),
                            env=script_env(sim, home), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def run_together(runs, cwd, sim, python=None):
    """Start every (script, args) at once; returns their parsed stdout JSON."""
    procs = [start(script, args, cwd, sim, python) for script, args in runs]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, (out, err)
        assert "Traceback" not in err
        assert_no_key(out, err)
        results.append(json.loads(out))
    return results


def check_outputs(results, sim, workdir, kept):
    paths = [p for r in results for p in (r.get("local_paths") or [r["local_path"]])]
    paths += [p for r in results for p in (r.get("sidecars") or [r["sidecar"]])]
    assert len(set(paths)) == len(paths), paths  # every output and every sidecar has its own file
    for path in paths:
        assert os.path.isfile(path) and path != str(kept)
        if not path.endswith(".json"):
            assert os.path.getsize(path) == sim.result_bytes, path
    for r in results:  # the sidecar beside each file names that file (no sidecar describes another run's file)
        for media, sidecar in zip(r.get("local_paths") or [r["local_path"]], r.get("sidecars") or [r["sidecar"]]):
            with open(sidecar, encoding="utf-8") as handle:
                assert json.load(handle)["file"] == os.path.basename(media), (media, sidecar)
    with open(str(kept), "rb") as handle:
        assert handle.read() == SENTINEL
    left = [n for _b, _d, names in os.walk(str(workdir)) for n in names if n.endswith(".part")]
    assert left == []
    # A fresh download never continues a .part another run is writing (that splices two results).
    assert [r["headers"].get("Range") for r in sim.seen("GET", "/files/") if r["headers"].get("Range")] == []
    task_ids = [r["task_id"] for r in results if r.get("task_id")]
    assert len(set(task_ids)) == len(task_ids) and set(task_ids) <= set(sim.tasks)
    for r in results:
        assert r["gallery"] and os.path.isfile(r["gallery"]), r
        records = os.path.join(os.path.dirname(r["gallery"]), "tasks")
        if r.get("task_id"):  # the plan behind every task is kept for a later --task-id
            assert os.path.isfile(os.path.join(records, r["task_id"] + ".json")), r


@pytest.fixture
def busy_sim(sim):
    sim.task_seconds = 0.5
    sim.result_bytes = 3 * 1024 * 1024 + 17  # several chunks, so the downloads overlap
    return sim


def prepared(workdir, name):
    (workdir / "out").mkdir()
    kept = workdir / "out" / name
    kept.write_bytes(SENTINEL)
    return kept


def test_two_videos_same_output_file(busy_sim, workdir, python):  # never overwrite
    kept = prepared(workdir, "clip.mp4")
    runs = [("video", VIDEO + ["--output", "out/clip.mp4"])] * 2
    results = run_together(runs, workdir, busy_sim, python)
    check_outputs(results, busy_sim, workdir, kept)
    names = sorted(os.listdir(str(workdir / "out")))
    assert names == ["clip.mp4", "clip_1.json", "clip_1.mp4", "clip_2.json", "clip_2.mp4", "index.html",
                     "tasks"], names
    assert sorted(os.listdir(str(workdir / "out" / "tasks"))) == sorted(r["task_id"] + ".json" for r in results)


def test_two_videos_same_output_file_while_one_download_is_slow(busy_sim, workdir):
    """The first download waits, so the other run picks its name while that NAME.part exists."""
    kept = prepared(workdir, "clip.mp4")
    busy_sim.inject("/files/", delay=1.0, times=1)
    results = run_together([("video", VIDEO + ["--output", "out/clip.mp4"])] * 2, workdir, busy_sim)
    check_outputs(results, busy_sim, workdir, kept)
    assert sorted(os.path.basename(r["local_path"]) for r in results) == ["clip_1.mp4", "clip_2.mp4"]


def test_video_and_image_same_output_folder(busy_sim, workdir):
    kept = prepared(workdir, "keep.png")
    runs = [("video", VIDEO + ["--output", "out/"]), ("image", IMAGE + ["--output", "out/"]),
            ("image", IMAGE + ["--async", "--output", "out/"])]
    results = run_together(runs, workdir, busy_sim)
    check_outputs(results, busy_sim, workdir, kept)


def test_three_images_same_file_name(busy_sim, workdir):
    kept = prepared(workdir, "pic.png")
    runs = [("image", IMAGE + ["--output", "out/pic.png"]),
            ("image", IMAGE + ["--output", "out/pic.png", "--async"]),
            ("image", ["--request", '{"prompt": "two bicycles", "n": 2}', "--output", "out/pic.png"] + FAST)]
    results = run_together(runs, workdir, busy_sim)
    check_outputs(results, busy_sim, workdir, kept)
    assert sum(r["image_count"] for r in results) == 4
    names = os.listdir(str(workdir / "out"))
    assert len([n for n in names if n.endswith(".png")]) == 5, names  # the kept one and 4 new images
    assert len([n for n in names if n.endswith(".json")]) == 4, names  # one sidecar per image
    assert sorted(n for n in names if not n.endswith((".png", ".json"))) == ["index.html", "tasks"], names


def test_two_videos_default_folder(busy_sim, workdir):
    runs = [("video", VIDEO), ("video", VIDEO + ["--quiet"])]
    (workdir / "output" / "qianwen-video-generation").mkdir(parents=True)
    kept = workdir / "output" / "qianwen-video-generation" / "old.mp4"
    kept.write_bytes(SENTINEL)
    results = run_together(runs, workdir, busy_sim)
    check_outputs(results, busy_sim, workdir, kept)


def test_the_users_own_index_html_is_never_replaced(busy_sim, workdir):  # the gallery is a convenience
    kept = prepared(workdir, "index.html")
    runs = [("video", VIDEO + ["--output", "out/"]), ("image", IMAGE + ["--output", "out/"])]
    procs = [start(script, args, workdir, busy_sim) for script, args in runs]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0 and "Traceback" not in err, (out, err)
        assert json.loads(out)["gallery"] != str(kept)
    with open(str(kept), "rb") as handle:
        assert handle.read() == SENTINEL
