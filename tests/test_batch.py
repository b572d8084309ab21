"""batch: bounded submits, one poll loop, state file with every task id, resume without paying twice."""

import json
import os
import threading

import pytest
from conftest import FAKE_KEY
from qianwen_common import batch, files, tasks
from qianwen_common.config import load_config
from qianwen_common.errors import UsageError

VIDEO = "/services/aigc/video-generation/video-synthesis"


class Adapter:
    """A minimal script adapter: t2v bodies, downloads into a folder."""

    def __init__(self, cfg, folder):
        self.cfg, self.folder, self.lock, self.in_flight, self.peak = cfg, folder, threading.Lock(), 0, 0

    def submit(self, request):
        with self.lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        try:
            body = {"model": "wan2.6-t2v", "input": {"prompt": request["prompt"]}}
            task_id, _ = tasks.submit(self.cfg, VIDEO, body)
            return {"task_id": task_id}
        finally:
            with self.lock:
                self.in_flight -= 1

    def finish(self, request, answer):
        path, size = files.download(answer["output"]["video_url"], os.path.join(self.folder, "v.mp4"))
        return {"local_path": path, "bytes": size}


@pytest.fixture
def cfg(sim, tmp_path):
    return load_config(cwd=str(tmp_path), environ={"DASHSCOPE_API_KEY": FAKE_KEY,
                                                   "QWEN_BASE_URL": sim.base_url})


def test_batch_runs_all_and_records_every_task(sim, cfg, tmp_path):
    sim.task_seconds = 0.5
    state, path = batch.new_state(str(tmp_path), {}, [{"prompt": "p%d" % i} for i in range(6)])
    adapter = Adapter(cfg, str(tmp_path / "videos"))
    summary = batch.Runner(cfg, adapter, state, path, concurrency=2).run(timeout=30, poll_interval=0.1)
    assert summary["succeeded"] == 6 and batch.exit_code(summary) == 0
    assert adapter.peak <= 2
    assert len(sim.task_posts()) == 6
    saved = json.load(open(path))
    assert all(item["task_id"] in sim.tasks for item in saved["items"])
    assert len({item["result"]["local_path"] for item in saved["items"]}) == 6


def test_timeout_then_resume_pays_nothing_twice(sim, cfg, tmp_path):
    sim.task_seconds = 1.5
    state, path = batch.new_state(str(tmp_path), {}, [{"prompt": "a"}, {"prompt": "b"}])
    adapter = Adapter(cfg, str(tmp_path / "videos"))
    summary = batch.Runner(cfg, adapter, state, path).run(timeout=0.3, poll_interval=0.1)
    assert summary["running"] == 2 and batch.exit_code(summary) == 3
    state, path = batch.load_state(state["batch_id"], str(tmp_path))
    summary = batch.Runner(cfg, adapter, state, path).run(timeout=30, poll_interval=0.1)
    assert summary["succeeded"] == 2
    assert len(sim.task_posts()) == 2  # resumed by task id, not resubmitted


def test_failed_items_and_crash_mid_submit(sim, cfg, tmp_path):
    sim.task_plan = lambda body: (0.2, "FAILED" if body["input"]["prompt"] == "bad" else "SUCCEEDED")
    state, path = batch.new_state(str(tmp_path), {}, [{"prompt": "ok"}, {"prompt": "bad"}, {"prompt": "x"}])
    state["items"][2]["status"] = "submitting"  # as if the last run died during this POST
    summary = batch.Runner(cfg, Adapter(cfg, str(tmp_path)), state, path).run(timeout=30, poll_interval=0.1)
    statuses = [item["status"] for item in summary["items"]]
    assert statuses == ["SUCCEEDED", "FAILED", "UNKNOWN_SUBMISSION"]
    assert batch.exit_code(summary) == 1
    assert len(sim.task_posts()) == 2
    assert "simulated failure" in summary["items"][1]["error"]


def test_read_items_array_and_lines(tmp_path):
    array = tmp_path / "a.json"
    array.write_text('[{"prompt": "a"}, {"prompt": "b"}]')
    assert batch.read_items(str(array))[0] == [{"prompt": "a"}, {"prompt": "b"}]
    lines = tmp_path / "a.jsonl"
    lines.write_text('{"prompt": "a"}\n\n{"prompt": "b"}\n')
    items, where = batch.read_items(str(lines))
    assert len(items) == 2 and where == ["line 1", "line 3"]
    lines.write_text('{"prompt": "a"}\n{oops\n')
    with pytest.raises(UsageError, match="line 2"):
        batch.read_items(str(lines))
    array.write_text('[{"prompt": "a"}, 3]')
    with pytest.raises(UsageError, match="item 2"):
        batch.read_items(str(array))


def test_resume_unknown_batch(tmp_path):
    with pytest.raises(UsageError, match="no readable batch state"):
        batch.load_state("20990101-000000-abcdef", str(tmp_path))
