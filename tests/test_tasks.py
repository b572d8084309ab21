"""tasks: status walk, adaptive schedule, deadline, poll once, UNKNOWN grace."""

import pytest
from conftest import FAKE_KEY
from qianwen_common import tasks
from qianwen_common.config import load_config
from qianwen_common.errors import StillRunning

VIDEO = "/services/aigc/video-generation/video-synthesis"
BODY = {"model": "wan2.6-t2v", "input": {"prompt": "a fox"}, "parameters": {"size": "1280*720"}}


@pytest.fixture
def cfg(sim, tmp_path):
    return load_config(cwd=str(tmp_path), environ={"DASHSCOPE_API_KEY": FAKE_KEY,
                                                   "QWEN_BASE_URL": sim.base_url})


def test_walks_pending_running_succeeded(sim, cfg):
    sim.task_seconds = 0.6
    task_id, answer = tasks.submit(cfg, VIDEO, BODY)
    assert sim.task_posts()[0]["headers"]["X-Dashscope-Async"] == "enable"
    seen = []
    final = tasks.wait(cfg, task_id, "resume-cmd", interval=0.1, notify=seen.append)
    assert tasks.status_of(final) == "SUCCEEDED"
    assert final["output"]["video_url"].startswith(sim.base_url)
    assert [s.split(": ")[1].split(" ")[0] for s in seen] == ["PENDING", "RUNNING", "SUCCEEDED"]


@pytest.mark.parametrize("outcome", ["FAILED", "CANCELED"])
def test_terminal_failures_return(sim, cfg, outcome):
    sim.outcome, sim.task_seconds = outcome, 0.1
    task_id, _ = tasks.submit(cfg, VIDEO, BODY)
    final = tasks.wait(cfg, task_id, "r", interval=0.05)
    assert tasks.status_of(final) == outcome


def test_deadline_gives_still_running_with_resume(sim, cfg):
    sim.task_seconds = 30
    task_id, _ = tasks.submit(cfg, VIDEO, BODY)
    with pytest.raises(StillRunning) as err:
        tasks.wait(cfg, task_id, "python3 /x/video.py --task-id " + task_id, timeout=0.3, interval=0.1)
    assert err.value.exit_code == 3 and err.value.task_id == task_id
    assert err.value.resume.endswith(task_id)


def test_poll_once(sim, cfg):
    sim.task_seconds = 30
    task_id, _ = tasks.submit(cfg, VIDEO, BODY)
    with pytest.raises(StillRunning):
        tasks.wait(cfg, task_id, "r", once=True)
    assert len(sim.seen("GET", "/api/v1/tasks/")) == 1


def test_unknown_id_is_terminal_after_a_short_grace(sim, cfg):
    final = tasks.wait(cfg, "no-such-task", "r", interval=0.01)
    assert tasks.status_of(final) == "UNKNOWN"
    assert len(sim.seen("GET", "/api/v1/tasks/")) == tasks.UNKNOWN_GRACE_POLLS + 1


def test_adaptive_schedule_bounds():
    # a task done at 6 s is seen within about a second; a 60 s task needs at most 15 polls
    assert all(tasks.next_interval(t) == 1.0 for t in (0, 3, 6))
    elapsed, polls = 0.0, 1  # the first poll, at 0 s
    while elapsed < 60:
        elapsed += tasks.next_interval(elapsed)
        polls += 1
    assert polls <= 15
    assert tasks.next_interval(1000) == tasks.MAX_INTERVAL
    assert tasks.next_interval(3, fixed=7) == 7
