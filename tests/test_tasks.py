"""tasks: status walk, adaptive schedule, deadline, poll once, UNKNOWN grace."""

import pytest
from conftest import FAKE_KEY
from qianwen_common import tasks
from qianwen_common.config import load_config
from qianwen_common.errors import ApiError, StillRunning, UsageError
from qianwen_common.plan import ASYNC_HEADER

VIDEO = "/services/aigc/video-generation/video-synthesis"
BODY = {"model": "wan2.6-t2v", "input": {"prompt": "a fox"}, "parameters": {"size": "1280*720"}}


@pytest.fixture
def cfg(sim, tmp_path):
    return load_config(cwd=str(tmp_path), environ={"DASHSCOPE_API_KEY": FAKE_KEY,
                                                   "QWEN_BASE_URL": sim.base_url})


def test_walks_pending_running_succeeded(sim, cfg):
    sim.task_seconds = 0.6
    task_id, answer = tasks.submit(cfg, VIDEO, BODY, ASYNC_HEADER)
    assert sim.task_posts()[0]["headers"]["X-Dashscope-Async"] == "enable"
    seen = []
    final = tasks.wait(cfg, task_id, "resume-cmd", interval=0.1, notify=seen.append)
    assert tasks.status_of(final) == "SUCCEEDED"
    assert final["output"]["video_url"].startswith(sim.base_url)
    assert [s.split(": ")[1].split(" ")[0] for s in seen] == ["PENDING", "RUNNING", "SUCCEEDED"]


@pytest.mark.parametrize("outcome", ["FAILED", "CANCELED"])
def test_terminal_failures_return(sim, cfg, outcome):
    sim.outcome, sim.task_seconds = outcome, 0.1
    task_id, _ = tasks.submit(cfg, VIDEO, BODY, ASYNC_HEADER)
    final = tasks.wait(cfg, task_id, "r", interval=0.05)
    assert tasks.status_of(final) == outcome


def test_deadline_gives_still_running_with_resume(sim, cfg):
    sim.task_seconds = 30
    task_id, _ = tasks.submit(cfg, VIDEO, BODY, ASYNC_HEADER)
    with pytest.raises(StillRunning) as err:
        tasks.wait(cfg, task_id, "python3 /x/video.py --task-id " + task_id, timeout=0.3, interval=0.1)
    assert err.value.exit_code == 3 and err.value.task_id == task_id
    assert err.value.resume.endswith(task_id)


def test_poll_once(sim, cfg):
    sim.task_seconds = 30
    task_id, _ = tasks.submit(cfg, VIDEO, BODY, ASYNC_HEADER)
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


def test_submit_sends_the_callers_headers_only(sim, cfg):
    # the plan owns the headers now: submit adds none, so a missing async header is the API's own 403
    with pytest.raises(ApiError, match="does not support synchronous calls"):
        tasks.submit(cfg, VIDEO, BODY)
    assert "X-Dashscope-Async" not in sim.task_posts()[0]["headers"]


@pytest.mark.parametrize("value", ["../etc/passwd", "a b", "id\nresume: rm -rf ~", "", "x" * 129, None, 5])
def test_malformed_task_ids_are_refused(value):
    with pytest.raises(ApiError, match="malformed task id"):
        tasks.checked_id(value)
    with pytest.raises(UsageError, match="is not a task id"):
        tasks.checked_id(value, "--task-id")


def test_malformed_task_id_from_the_server_is_never_used(sim, cfg):
    sim.task_id_override = "../../etc/passwd"
    with pytest.raises(ApiError, match="malformed task id"):
        tasks.submit(cfg, VIDEO, BODY, ASYNC_HEADER)
    assert not sim.seen("GET", "/api/v1/tasks/")


def test_recent_tasks_are_on_our_clock_newest_first(sim, cfg):
    first, _ = tasks.submit(cfg, VIDEO, BODY, ASYNC_HEADER)
    second, _ = tasks.submit(cfg, VIDEO, BODY, ASYNC_HEADER)
    listed = tasks.recent_tasks(cfg, "wan2.6-t2v")
    assert [tid for _created, tid in listed] == [second, first]
    assert all(abs(created - sim.tasks[tid]["created"]) < tasks.CLOCK_SLACK_S for created, tid in listed)
    assert tasks.recent_tasks(cfg, "wan2.2-t2i-flash") == []


def test_lookup_adopts_one_candidate_and_never_a_known_one(sim, cfg):
    import time

    started = time.time()
    task_id, _ = tasks.submit(cfg, VIDEO, BODY, ASYNC_HEADER)
    ended = time.time()
    adopted, found, why = tasks.lookup(cfg, "wan2.6-t2v", started, ended, waits=(0,))
    assert adopted == task_id and found == [task_id] and why is None
    assert tasks.lookup(cfg, "wan2.6-t2v", started, ended, known={task_id}, waits=(0,))[0] is None
    adopted, found, why = tasks.lookup(cfg, "wan2.6-t2v", started, ended, rivals=1, waits=(0,))
    assert adopted is None and found == [task_id] and "in flight" in why
    # outside the POST's time window (beyond the clock slack) nothing matches
    late = ended + 10 * tasks.CLOCK_SLACK_S
    assert tasks.lookup(cfg, "wan2.6-t2v", late, late + 1, waits=(0,))[:2] == (None, [])


def test_wait_deadline_covers_the_whole_wait(sim, cfg):
    # one deadline for the whole wait: slow polls cannot stretch it poll after poll
    import time

    sim.task_seconds = 30
    task_id, _ = tasks.submit(cfg, VIDEO, BODY, ASYNC_HEADER)
    sim.inject("/api/v1/tasks/", delay=0.4, times=-1)
    started = time.monotonic()
    with pytest.raises(StillRunning):
        tasks.wait(cfg, task_id, "r", timeout=1.0, interval=0.05)
    assert time.monotonic() - started < 3.0
