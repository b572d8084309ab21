"""Reliability at script level: every network, API and disk fault ends in one line, the right exit code,
no key anywhere, no task lost or created twice, no existing file touched (issue 8; X-section rules)."""

import os
import re
import resource
import subprocess
import sys

import pytest

from tests.conftest import FAKE_KEY, SCRIPTS, Result, all_files_text, assert_no_key, run, script_env
from tests.sim import storage

SUBMIT_V = "/api/v1/services/aigc/video-generation/video-synthesis"
SUBMIT_I = "/api/v1/services/aigc/image-generation/generation"
SYNC_I = "/api/v1/services/aigc/multimodal-generation/generation"
POLL = "/api/v1/tasks/"
POLICY = "/api/v1/uploads"
OSS = "/oss"
FILES = "/files/"
COMPAT = "/compatible-mode/v1/chat/completions"
SENTINEL = b"a file the user already had; it must never change\n"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x02\x80\x00\x00\x01\xe0\x08\x02\x00\x00\x00"
       + b"\x00" * 2048)
FAST = ["--poll-interval", "0.2", "--timeout", "30"]

# Each kind of run: (script, arguments, the output file that pre-exists and must stay as it was).
RUNS = {
    "video": ("video", ["--request", '{"prompt": "a cat on a roof", "size": "1280*720", "duration": 5}',
                        "--output", "out/clip.mp4"] + FAST, "out/clip.mp4"),
    "video_upload": ("video", ["--request", '{"prompt": "the flag waves", "img_url": "./in.png", '
                                            '"resolution": "720P"}', "--output", "out/clip.mp4"] + FAST,
                     "out/clip.mp4"),
    "image_sync": ("image", ["--request", '{"prompt": "a red bicycle"}', "--output", "out/pic.png"] + FAST,
                   "out/pic.png"),
    "image_async": ("image", ["--request", '{"prompt": "a red bicycle"}', "--async", "--output",
                              "out/pic.png"] + FAST, "out/pic.png"),
    "image_upload": ("image", ["--model", "wan2.6-image", "--request",
                               '{"prompt": "make it an ink sketch", "reference_images": ["./in.png"]}',
                               "--output", "out/pic.png"] + FAST, "out/pic.png"),
}


def fault(path, **kwargs):
    return lambda sim, workdir: sim.inject(path, **kwargs)


def setattr_sim(**values):
    def apply(sim, workdir):
        for name, value in values.items():
            setattr(sim, name, value)
    return apply


def block_subfolder(sim, workdir):
    """When the task is created, put a regular file where the output's sub-folder would go."""
    def plan(body):
        with open(os.path.join(str(workdir), "out", "sub"), "w") as handle:
            handle.write("in the way\n")
        return sim.task_seconds, sim.outcome
    sim.task_plan = plan


def S(ident, run_kind, setup, code, token, env=None, extra=None, fsize=None, posts=1, saved=False, again=None):
    """One scenario: what to break, the exit code and the token the error line must carry.
    again: a path whose first (slow or dropped) request must have been given up and sent again."""
    return pytest.param(run_kind, setup, code, token, env or {}, extra or [], fsize, posts, saved, again,
                        id=ident)


SLOW = {"QWEN_HTTP_TIMEOUT": "0.5"}
SCENARIOS = [
    # authentication and permission
    S("video-401-submit", "video", fault(SUBMIT_V, status=401), 1, "HTTP 401"),
    S("video-403-submit", "video", fault(SUBMIT_V, status=403), 1, "HTTP 403"),
    S("image-sync-401", "image_sync", fault(SYNC_I, status=401), 1, "HTTP 401"),
    S("image-async-403-submit", "image_async", fault(SUBMIT_I, status=403), 1, "HTTP 403"),
    S("video-401-poll", "video", fault(POLL, status=401), 1, "HTTP 401"),
    S("video-401-getpolicy", "video_upload", fault(POLICY, status=401), 1, "HTTP 401", posts=0),
    S("video-echo-key-submit", "video", fault(SUBMIT_V, status=401, echo_key=True), 1, "HTTP 401"),
    S("image-echo-key-sync", "image_sync", fault(SYNC_I, status=401, echo_key=True), 1, "HTTP 401"),
    S("image-echo-key-poll", "image_async", fault(POLL, status=401, echo_key=True), 1, "HTTP 401"),
    # rate limits: a 429 was provably not taken, so it is retried (with and without Retry-After)
    S("video-429-submit-exhausted", "video", fault(SUBMIT_V, status=429, times=4, retry_after=0), 1,
      "HTTP 429", posts=4),
    S("video-429-submit-recovers", "video", fault(SUBMIT_V, status=429, times=1), 0, None, posts=2,
      saved=True),
    S("image-sync-429-retry-after", "image_sync", fault(SYNC_I, status=429, times=1, retry_after=0), 0,
      None, posts=2, saved=True),
    S("image-async-429-poll-exhausted", "image_async", fault(POLL, status=429, times=4, retry_after=0), 1,
      "HTTP 429"),
    S("video-429-poll-recovers", "video", fault(POLL, status=429, times=2), 0, None, saved=True),
    # server errors: never re-sent on a create; polls retry then give up naming the task
    S("video-500-submit", "video", fault(SUBMIT_V, status=500), 1, "HTTP 500"),
    S("image-async-503-submit-after-create-adopted", "image_async",
      fault(SUBMIT_I, status=503, after_route=True), 0, None, saved=True),
    S("video-502-submit-after-create-adopted", "video", fault(SUBMIT_V, status=502, after_route=True), 0,
      None, saved=True),
    S("image-sync-502", "image_sync", fault(SYNC_I, status=502), 1, "HTTP 502"),
    S("video-500-poll", "video", fault(POLL, status=500, times=4, retry_after=0), 1, "HTTP 500"),
    S("video-502-poll", "video", fault(POLL, status=502, times=4, retry_after=0), 1, "HTTP 502"),
    S("image-async-503-poll", "image_async", fault(POLL, status=503, times=4, retry_after=0), 1, "HTTP 503"),
    S("video-503-poll-recovers", "video", fault(POLL, status=503, times=2, retry_after=0), 0, None,
      saved=True),
    S("video-500-getpolicy", "video_upload", fault(POLICY, status=500, times=4, retry_after=0), 1,
      "HTTP 500", posts=0),
    S("video-500-download", "video", fault(FILES, status=500, times=4, retry_after=0), 1, "HTTP 500"),
    # answers slower than the read timeout, on every route
    S("video-slow-submit-adopted", "video", fault(SUBMIT_V, delay=1.2), 0, None, SLOW, saved=True),
    # a poll that broke after its own retries does not end the wait (tasks.wait): a few slow polls are
    # outlived; polls that never answer end at --timeout with exit 3 and the resume command
    S("video-slow-poll-outlived", "video", fault(POLL, delay=1.0, times=4), 0, None, SLOW, saved=True),
    S("video-slow-poll", "video", fault(POLL, delay=1.0, times=100), 3, "still", SLOW, extra=["--timeout", "5"]),
    S("video-slow-getpolicy-retried", "video_upload", fault(POLICY, delay=1.0), 0, None, SLOW, saved=True,
      again=POLICY),
    S("video-slow-upload", "video_upload", fault(OSS, delay=1.0, times=4), 1, "no answer from", SLOW,
      posts=0),
    S("image-slow-upload", "image_upload", fault(OSS, delay=1.0, times=4), 1, "no answer from", SLOW,
      posts=0),
    S("image-slow-sync", "image_sync", fault(SYNC_I, delay=1.0), 1, "billed", SLOW),
    S("image-slow-async-poll-retried", "image_async", fault(POLL, delay=1.0), 0, None, SLOW, saved=True),
    S("video-slow-download-retried", "video", fault(FILES, delay=1.0), 0, None, SLOW, saved=True, again=FILES),
    S("image-slow-download-retried", "image_async", fault(FILES, delay=1.0), 0, None, SLOW, saved=True,
      again=FILES),
    # answers that are not JSON
    S("video-garbled-submit-adopted", "video", fault(SUBMIT_V, body="<html>gw</html>", after_route=True), 0,
      None, saved=True),
    S("image-sync-502-after-work", "image_sync", fault(SYNC_I, status=502, after_route=True), 1, "billed"),
    S("image-sync-garbled", "image_sync", fault(SYNC_I, body="<html>gateway</html>"), 1, "not JSON"),
    S("video-garbled-poll", "video", fault(POLL, body="{not json"), 1, "not JSON"),
    S("image-garbled-poll", "image_async", fault(POLL, body="<html>oops</html>"), 1, "not JSON"),
    # connections dropped
    S("video-drop-submit-before", "video", fault(SUBMIT_V, drop=True), 1, "is listed yet"),
    S("video-drop-submit-answer-adopted", "video", fault(SUBMIT_V, drop_after=0), 0, None, saved=True),
    S("image-async-drop-answer-adopted", "image_async", fault(SUBMIT_I, drop_after=5), 0, None, saved=True),
    S("image-sync-drop", "image_sync", fault(SYNC_I, drop=True), 1, "billed"),
    S("video-drop-poll-retried", "video", fault(POLL, drop=True), 0, None, saved=True),
    S("video-drop-download-resumes", "video", fault(FILES, drop_after=1000), 0, None, saved=True),
    S("image-drop-download-exhausted", "image_async", fault(FILES, drop_after=100, times=10), 1,
      "download incomplete"),
    S("video-drop-upload-retried", "video_upload", fault(OSS, drop=True), 0, None, saved=True),
    S("video-drop-upload-exhausted", "video_upload", fault(OSS, drop=True, times=3), 1, "no answer from",
      posts=0),
    S("image-drop-getpolicy-retried", "image_upload", fault(POLICY, drop=True), 0, None, saved=True),
    # tasks that end without a result, or results that are gone
    S("video-task-failed", "video", setattr_sim(outcome="FAILED"), 1, "FAILED"),
    S("video-task-canceled", "video", setattr_sim(outcome="CANCELED"), 1, "CANCELED"),
    S("video-task-unknown", "video", setattr_sim(outcome="UNKNOWN"), 1, "UNKNOWN"),
    S("image-task-failed", "image_async", setattr_sim(outcome="FAILED"), 1, "FAILED"),
    S("image-task-unknown", "image_async", setattr_sim(outcome="UNKNOWN"), 1, "UNKNOWN"),
    S("video-result-expired", "video", setattr_sim(expire_results=True), 1, "HTTP 403"),
    S("image-sync-result-expired", "image_sync", setattr_sim(expire_results=True), 1, "HTTP 403"),
    S("image-async-result-expired", "image_async", setattr_sim(expire_results=True), 1, "HTTP 403"),
    # still running: exit 3 with the resume command
    S("video-still-running", "video", setattr_sim(task_seconds=30), 3, "still", extra=["--timeout", "0.6"]),
    S("image-still-running", "image_async", setattr_sim(task_seconds=30), 3, "still",
      extra=["--timeout", "0.6"]),
    # the disk: a folder that cannot be created once the task is paid, and a full disk (EFBIG)
    S("video-output-blocked-after-submit", "video", block_subfolder, 1, "cannot write",
      extra=["--output", "out/sub/clip.mp4"]),
    S("image-output-blocked-after-submit", "image_async", block_subfolder, 1, "cannot write",
      extra=["--output", "out/sub/pic.png"]),
    S("video-disk-full", "video", None, 1, "File too large", fsize=1024),
    S("image-sync-disk-full", "image_sync", None, 1, "File too large", fsize=1024),
    S("image-async-disk-full", "image_async", None, 1, "File too large", fsize=1024),
]


def run_limited(script, args, cwd, sim, env, fsize, python=None):
    """conftest.run with a file-size limit (RLIMIT_FSIZE): writes past it fail with EFBIG, a full disk."""
    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    home = os.path.join(os.path.dirname(str(cwd)), "home")
    proc = subprocess.run([python or sys.executable, SCRIPTS[script]] + list(args), cwd=str(cwd),
                          env=script_env(sim, home, env), capture_output=True, text=True, timeout=120,
                          preexec_fn=limit)
    return Result(proc)


def prepare(workdir, keep):
    (workdir / "in.png").write_bytes(PNG)
    (workdir / "out").mkdir()
    (workdir / keep).write_bytes(SENTINEL)
    (workdir / "out" / "notes.txt").write_bytes(SENTINEL)
    return {str(workdir / keep), str(workdir / "out" / "notes.txt")}


def served_size(sim, path):
    """The size of the result file the simulator serves for a saved file (real PNGs bigger than
    sim.result_bytes keep their own size)."""
    sizes = {storage.result_bytes(r["path"][len(FILES):], sim.result_bytes)[1] for r in sim.seen("GET", FILES)}
    assert len(sizes) == 1, sizes  # each scenario fetches one kind of file
    return sizes.pop()


def check_common(result, sim, workdir, kept, code, token, posts, saved):
    assert result.code == code, result
    assert "Traceback" not in result.stdout + result.stderr, result
    assert_no_key(result.stdout, result.stderr, all_files_text(workdir))
    for path in kept:  # no file that existed before the run changed
        with open(path, "rb") as handle:
            assert handle.read() == SENTINEL, path
    assert len(sim.tasks) <= 1, "one run created %d tasks" % len(sim.tasks)
    # A create that may have arrived is never sent again: only refused (429) creates are repeated.
    assert len(sim.task_posts()) <= posts, [r["path"] for r in sim.task_posts()]
    assert not [n for _b, _d, names in os.walk(str(workdir)) for n in names if n.endswith(".part")]
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    if code == 0:
        assert not errors, result
        out = result.json
        for path in out.get("local_paths") or [out["local_path"]]:
            assert os.path.getsize(path) == served_size(sim, path) and path not in kept
        return out
    if code == 1:
        assert len(errors) == 1, result
        assert token in errors[0], result
    else:
        assert token in result.stderr and not errors, result
    for task_id in sim.tasks:  # every paid task is named with its resume command
        assert re.search(r"task_id: %s\n" % task_id, result.stderr), result
        assert re.search(r"resume.*--task-id %s" % task_id, result.stderr), result
    return None


@pytest.mark.parametrize("kind,setup,code,token,env,extra,fsize,posts,saved,again", SCENARIOS)
def test_fault(sim, workdir, kind, setup, code, token, env, extra, fsize, posts, saved, again):
    run_scenario(sim, workdir, kind, setup, code, token, env, extra, fsize, posts, saved, again)


ON_EACH_PYTHON = ("video-echo-key-submit", "video-drop-submit-answer-adopted", "video-drop-download-resumes",
                  "image-async-disk-full", "image-slow-sync")


@pytest.mark.parametrize("kind,setup,code,token,env,extra,fsize,posts,saved,again",
                         [s for s in SCENARIOS if s.id in ON_EACH_PYTHON])
def test_fault_on_each_python(sim, workdir, python, kind, setup, code, token, env, extra, fsize, posts, saved,
                              again):
    run_scenario(sim, workdir, kind, setup, code, token, env, extra, fsize, posts, saved, again, python)


def run_scenario(sim, workdir, kind, setup, code, token, env, extra, fsize, posts, saved, again=None,
                 python=None):
    script, args, keep = RUNS[kind]
    kept = prepare(workdir, keep)
    sim.task_seconds = 0.3 if sim.task_seconds == 0.4 else sim.task_seconds
    if setup:
        setup(sim, workdir)
    args = args + extra
    if fsize:
        result = run_limited(script, args, workdir, sim, env, fsize, python)
    else:
        result = run(script, args, workdir, sim=sim, env=env, python=python)
    out = check_common(result, sim, workdir, kept, code, token, posts, saved)
    if saved and out is not None and sim.tasks:
        assert out["task_id"] in sim.tasks
    if again:  # QWEN_HTTP_TIMEOUT bounds this call too: the slow answer was abandoned and asked for again
        assert len(sim.seen(None, again)) >= 2, [r["path"] for r in sim.requests]


@pytest.mark.parametrize("setup,valid", [
    pytest.param(fault(COMPAT, status=401, echo_key=True), False, id="auth-echo-key"),
    pytest.param(fault(COMPAT, status=403), False, id="auth-403"),
    pytest.param(fault(COMPAT, status=429), True, id="auth-429-key-works"),
    pytest.param(fault(COMPAT, status=500), False, id="auth-500"),
    pytest.param(fault(COMPAT, body="<html>proxy</html>"), False, id="auth-garbled"),
    pytest.param(fault(COMPAT, drop=True), False, id="auth-drop"),
    pytest.param(fault(COMPAT, delay=1.0), False, id="auth-slow"),
])
def test_check_auth_faults(sim, workdir, setup, valid):  # A-section: the probe under faults
    setup(sim, workdir)
    result = run("check_auth", ["--print-response", "--output", "evidence"], workdir, sim=sim,
                 env={"QWEN_HTTP_TIMEOUT": "0.5"})
    assert "Traceback" not in result.stdout + result.stderr, result
    assert_no_key(result.stdout, result.stderr, all_files_text(workdir))
    assert result.json["valid"] is valid and (result.code == 0) is valid, result
    assert result.code == result.json["exit_code"]
    assert len(sim.seen("POST", COMPAT)) == 1  # the probe is never repeated
    assert FAKE_KEY not in str(result.json)
