"""Never losing a task: submit-only, resume, poll-once, timeout, Ctrl-C, failed tasks, lost answers."""

import json
import os
import re
import signal
import subprocess
import sys
import time

from tests.conftest import SCRIPTS, run, script_env

SYNTH = "/api/v1/services/aigc/video-generation/video-synthesis"
BODY = ["--request", json.dumps({"prompt": "a fox crossing a snowy road", "size": "1280*720"})]
FAST = ["--poll-interval", "0.1"]


def fast(sim, seconds=0.2):
    sim.task_seconds, sim.pending_seconds = seconds, 0.05
    return sim


def submit_only(workdir, sim, *extra):
    result = run("video", BODY + ["--submit-only"] + list(extra), workdir, sim=sim)
    assert result.code == 0, result
    return result


def resume_line(stderr):
    return next(line for line in stderr.splitlines() if line.startswith("resume: "))[len("resume: "):]


def test_submit_only_prints_the_bare_id_then_resume_downloads(sim, workdir, python):  # V-5, V-6
    fast(sim)
    first = submit_only(workdir, sim)
    task_id = first.stdout.strip()
    assert re.fullmatch(r"[0-9a-f-]{36}", task_id) and task_id in sim.tasks
    assert sim.seen("GET", "/api/v1/tasks") == []  # submit-only does not wait
    expected = "python3 %s --task-id %s" % (SCRIPTS["video"], task_id)
    assert resume_line(first.stderr) == expected
    done = run("video", ["--task-id", task_id, "--output", "fox.mp4"] + FAST, workdir, sim=sim, python=python)
    assert done.code == 0, done
    out = done.json
    assert out["task_id"] == task_id and out["task_status"] == "SUCCEEDED"
    assert out["local_path"] == str(workdir / "fox.mp4") and os.path.getsize(out["local_path"]) > 0
    assert len(sim.task_posts()) == 1  # resuming never submits again


def test_submit_only_with_print_response_gives_json(sim, workdir):
    result = submit_only(workdir, fast(sim), "--print-response")
    out = result.json
    assert out["task_status"] == "PENDING" and out["mode"] == "t2v" and "--task-id" in out["resume"]


def test_resume_of_a_finished_task_just_downloads(sim, workdir):
    task_id = submit_only(workdir, fast(sim, 0.05)).stdout.strip()
    time.sleep(0.2)
    result = run("video", ["--task-id", task_id, "--model", "wan2.6-t2v"], workdir, sim=sim)
    assert result.code == 0, result
    assert len(sim.seen("GET", "/api/v1/tasks/")) == 1
    assert result.json["mode"] == "t2v" and result.json["model"] == "wan2.6-t2v"
    again = run("video", ["--task-id", task_id], workdir, sim=sim)  # a second copy, never overwriting
    assert again.code == 0 and again.json["local_path"] != result.json["local_path"]


def test_unknown_or_expired_task_id(sim, workdir):  # UNKNOWN = not found or older than 24 h
    task_id = "0385dc79-0000-0000-0000-000000000000"
    result = run("video", ["--task-id", task_id] + FAST, workdir, sim=sim)
    assert result.code == 1, result
    # Short: at most two progress lines, one error: line saying what UNKNOWN means, then only the task
    # lines (changes.md: error output).
    lines = result.stderr.strip().splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("error: "))
    assert "UNKNOWN" in lines[at] and "24 h" in lines[at] and at <= 2, result
    assert lines[at + 1] == "task_id: %s" % task_id, result
    assert all(line.startswith(("resume: ", "check: ")) for line in lines[at + 2:]) and len(lines) - at <= 4, result


def test_poll_once_exits_3_while_running(sim, workdir):  # V-6
    task_id = submit_only(workdir, fast(sim, 30)).stdout.strip()
    result = run("video", ["--task-id", task_id, "--poll-once", "--output", "clips"], workdir, sim=sim)
    assert result.code == 3, result
    assert "task_id: %s" % task_id in result.stderr
    assert resume_line(result.stderr) == "python3 %s --task-id %s --output %s" % (
        SCRIPTS["video"], task_id, workdir / "clips")
    assert len(sim.seen("GET", "/api/v1/tasks/")) == 1 and result.stdout == ""


def test_timeout_exits_3_with_the_resume_command(sim, workdir, python):
    fast(sim, 30)
    result = run("video", BODY + ["--timeout", "0.5"] + FAST, workdir, sim=sim, python=python)
    assert result.code == 3, result
    task_id = next(iter(sim.tasks))
    assert "task_id: %s" % task_id in result.stderr and "--timeout" in result.stderr
    assert resume_line(result.stderr).endswith("--task-id %s" % task_id)


def test_failed_task_shows_code_message_and_action(sim, workdir):  # V-38
    fast(sim).outcome = "FAILED"
    result = run("video", BODY + FAST, workdir, sim=sim)
    assert result.code == 1, result
    assert "FAILED" in result.stderr and "InternalError.Algo" in result.stderr
    assert "simulated failure" in result.stderr and "What to do" in result.stderr


def test_content_inspection_failure_is_explained(sim, workdir):
    task_id = submit_only(workdir, fast(sim)).stdout.strip()
    sim.outcome = "FAILED"
    sim.tasks[task_id].update(outcome="FAILED", inspection=True)
    result = run("video", ["--task-id", task_id] + FAST, workdir, sim=sim)
    assert result.code == 1 and "DataInspection" in result.stderr and "content inspection" in result.stderr


def test_canceled_and_unknown_outcomes(sim, workdir):
    fast(sim).outcome = "CANCELED"
    canceled = run("video", BODY + FAST, workdir, sim=sim)
    assert canceled.code == 1 and "CANCELED" in canceled.stderr
    sim.outcome = "UNKNOWN"
    unknown = run("video", BODY + FAST, workdir, sim=sim)
    assert unknown.code == 1 and "UNKNOWN" in unknown.stderr


def test_download_failure_keeps_the_task(sim, workdir):
    fast(sim).inject("/files/", status=403, times=20)
    result = run("video", BODY + FAST, workdir, sim=sim)
    assert result.code == 1, result
    task_id = next(iter(sim.tasks))
    assert task_id in result.stderr and "--task-id %s" % task_id in result.stderr
    assert not [name for _b, _d, names in os.walk(str(workdir)) for name in names if name.endswith(".mp4")]


def test_lost_submit_answer_is_found_not_resent(sim, workdir):  # the POST arrived, its answer did not
    fast(sim).inject(SYNTH, method="POST", drop_after=5)
    result = run("video", BODY + FAST, workdir, sim=sim)
    assert len(sim.task_posts()) == 1 and len(sim.tasks) == 1
    assert result.code == 0, result
    assert result.json["task_id"] == next(iter(sim.tasks))


def test_dropped_submit_says_the_task_may_exist(sim, workdir):
    fast(sim).inject(SYNTH, method="POST", drop=True)
    result = run("video", BODY + FAST, workdir, sim=sim)
    assert result.code == 1, result
    assert len(sim.task_posts()) == 1  # never paid twice
    assert "may" in result.stderr and "resubmit" in result.stderr


def test_ctrl_c_while_polling_exits_3(sim, workdir):
    fast(sim, 30)
    proc = subprocess.Popen([sys.executable, SCRIPTS["video"]] + BODY + FAST, cwd=str(workdir),
                            env=script_env(sim), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 20
    while not sim.seen("GET", "/api/v1/tasks/") and time.time() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=20)
    assert proc.returncode == 3, stderr
    task_id = next(iter(sim.tasks))
    assert "task_id: %s" % task_id in stderr and "resume: " in stderr and stdout == ""


def test_network_failure_while_polling_still_names_the_task(sim, workdir):
    fast(sim, 30).inject("/api/v1/tasks/", status=401, times=50)
    result = run("video", BODY + FAST, workdir, sim=sim)
    assert result.code == 1 and "HTTP 401" in result.stderr, result
    task_id = next(iter(sim.tasks))
    assert "task_id: %s" % task_id in result.stderr and "resume: " in result.stderr
