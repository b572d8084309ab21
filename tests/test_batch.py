"""batch: bounded submits, one poll loop, state file with every plan and task id, resume without paying twice."""

import json
import os
import threading
import time

import pytest
from conftest import FAKE_KEY
from qianwen_common import batch, billing, files, http, pipeline
from qianwen_common.config import load_config
from qianwen_common.errors import UsageError
from qianwen_common.plan import Plan

VIDEO = "/services/aigc/video-generation/video-synthesis"
MODEL = "wan2.6-t2v"


class Notes:
    """A Progress stand-in that keeps every line (to check them for the key)."""

    def __init__(self):
        self.lines, self.lock = [], threading.Lock()

    def __call__(self, line):
        with self.lock:
            self.lines.append(line)

    def warn(self, line):
        self("warning: " + line)

    def always(self, line):
        self(line)


def plan_for(prompt, index):
    body = {"model": MODEL, "input": {"prompt": prompt}, "parameters": {"size": "1280*720", "duration": 5}}
    return Plan(model=MODEL, mode="t2v", endpoint=VIDEO, is_async=True, body=body, label="item%d" % index,
                billing=billing.make([billing.unit(billing.VIDEO_SECONDS, 5, MODEL, "720P")]),
                facts={"prompt": prompt})


def plans(*prompts):
    return [plan_for(prompt, index + 1) for index, prompt in enumerate(prompts)]


def make_run(folder, notes):
    """What a script hands the Runner: progress, resume commands and a finisher that downloads."""
    def finish(plan, answer, task_id):
        path, size = files.download(answer["output"]["video_url"], os.path.join(folder, "v.mp4"), notes)
        return {"task_id": task_id, "local_path": path, "bytes": size}
    return pipeline.Run(notify=notes, resume_for=lambda task_id: "video.py --task-id %s" % task_id, finish=finish)


def runner(cfg, state, path, folder, notes=None, concurrency=3):
    return batch.Runner(cfg, state, path, make_run(folder, notes or Notes()), concurrency)


@pytest.fixture
def cfg(sim, tmp_path):
    return load_config(cwd=str(tmp_path), environ={"DASHSCOPE_API_KEY": FAKE_KEY,
                                                   "QWEN_BASE_URL": sim.base_url})


def test_batch_runs_all_and_records_every_task(sim, cfg, tmp_path):
    gate = {"now": 0, "peak": 0, "lock": threading.Lock()}

    def slow_create(body):  # the server holds each create a moment, so concurrent submits overlap here
        with gate["lock"]:
            gate["now"] += 1
            gate["peak"] = max(gate["peak"], gate["now"])
        time.sleep(0.2)
        with gate["lock"]:
            gate["now"] -= 1
        return 0.5, "SUCCEEDED"

    sim.task_plan = slow_create
    state, path = batch.new_state(str(tmp_path), {}, plans(*["p%d" % i for i in range(6)]))
    notes = Notes()
    summary = runner(cfg, state, path, str(tmp_path / "videos"), notes, concurrency=2).drive(
        timeout=30, poll_interval=0.1)
    assert summary["succeeded"] == 6 and batch.exit_code(summary) == 0, summary
    assert 1 <= gate["peak"] <= 2, gate  # --concurrency bounds the submits in flight
    assert len(sim.task_posts()) == 6
    saved = json.load(open(path))
    assert all(item["task_id"] in sim.tasks for item in saved["items"])
    assert len({item["task_id"] for item in saved["items"]}) == 6
    assert [item["plan"]["body"]["input"]["prompt"] for item in saved["items"]] == ["p%d" % i for i in range(6)]
    assert len({item["result"]["local_path"] for item in saved["items"]}) == 6  # no file overwritten
    assert FAKE_KEY not in open(path).read() + "\n".join(notes.lines)


def test_timeout_then_resume_pays_nothing_twice(sim, cfg, tmp_path):
    sim.task_seconds = 1.5
    state, path = batch.new_state(str(tmp_path), {}, plans("a", "b"))
    summary = runner(cfg, state, path, str(tmp_path / "videos")).drive(timeout=0.3, poll_interval=0.1)
    assert summary["running"] == 2 and batch.exit_code(summary) == 3
    assert all(item["task_id"] in sim.tasks for item in json.load(open(path))["items"])  # saved before the exit
    state, path = batch.load_state(state["batch_id"], str(tmp_path))
    summary = runner(cfg, state, path, str(tmp_path / "videos")).drive(timeout=30, poll_interval=0.1)
    assert summary["succeeded"] == 2 and batch.exit_code(summary) == 0
    assert len(sim.task_posts()) == 2  # resumed by task id, not resubmitted


def test_failed_items_and_crash_mid_submit(sim, cfg, tmp_path):
    sim.task_plan = lambda body: (0.2, "FAILED" if body["input"]["prompt"] == "bad" else "SUCCEEDED")
    state, path = batch.new_state(str(tmp_path), {}, plans("ok", "bad", "x"))
    state["items"][2]["status"] = "submitting"  # as if the last run died during this POST (it never arrived)
    summary = runner(cfg, state, path, str(tmp_path)).drive(timeout=30, poll_interval=0.1)
    statuses = [item["status"] for item in summary["items"]]
    assert statuses == ["SUCCEEDED", "FAILED", "UNKNOWN_SUBMISSION"]
    assert batch.exit_code(summary) == 1
    assert len(sim.task_posts()) == 2  # the one in flight is never sent again
    assert "simulated failure" in summary["items"][1]["error"]
    assert summary["items"][1]["task_id"] in sim.tasks  # a failed task keeps its id


def test_crash_mid_submit_that_arrived_is_adopted(sim, cfg, tmp_path):
    """A submit the server took before the run died is found in the task list on resume, never re-sent."""
    state, path = batch.new_state(str(tmp_path), {}, plans("first", "second"))
    item = state["items"][0]
    item.update(status="submitting", submit_started=time.time())
    http.request_json("POST", cfg.api_base + VIDEO, item["plan"]["body"], {"X-DashScope-Async": "enable"},
                      api_key=cfg.api_key, config=cfg)
    item["submit_ended"] = time.time()
    summary = runner(cfg, state, path, str(tmp_path / "videos")).drive(timeout=30, poll_interval=0.1)
    assert [i["status"] for i in summary["items"]] == ["SUCCEEDED", "SUCCEEDED"], summary
    assert len(sim.task_posts()) == 2  # the simulated lost one and the second item: nothing paid twice
    assert {i["task_id"] for i in summary["items"]} == set(sim.tasks)


def test_parse_items_array_and_lines():
    assert batch.parse_items('[{"prompt": "a"}, {"prompt": "b"}]', "a.json") == (
        [{"prompt": "a"}, {"prompt": "b"}], ["item 1", "item 2"])
    items, where = batch.parse_items('{"prompt": "a"}\n\n{"prompt": "b"}\n', "a.jsonl")
    assert len(items) == 2 and where == ["line 1", "line 3"]
    with pytest.raises(UsageError, match="line 2"):
        batch.parse_items('{"prompt": "a"}\n{oops\n', "a.jsonl")
    with pytest.raises(UsageError, match="item 2"):
        batch.parse_items('[{"prompt": "a"}, 3]', "a.json")
    with pytest.raises(UsageError, match="no requests"):
        batch.parse_items("\n\n", "empty.jsonl")
    assert batch.file_batch('{\n  "prompt": "one object"\n}\n', "one.json") is None  # not a batch


def test_resume_unknown_batch(tmp_path):
    with pytest.raises(UsageError, match="no readable batch state"):
        batch.load_state("20990101-000000-abcdef", str(tmp_path))


def test_second_run_of_the_same_batch_is_refused(tmp_path):
    state, path = batch.new_state(str(tmp_path), {}, plans("a"))
    held = batch.lock(path, state["batch_id"])
    try:
        with pytest.raises(UsageError, match="is being run by process %d" % os.getpid()):
            batch.lock(path, state["batch_id"])
    finally:
        if held:
            held.close()
