"""Hostile servers and interruptions, one test (or more) per point of the hostile-answers issue: no key,
file or payment escapes, printed commands are safe, nothing is paid twice or taken from another run."""

import json
import os
import shlex
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import FAKE_KEY, SCRIPTS, all_files_text, run, script_env
from tests.sim import Sim
from tests.sim.hostile import KEY_VARIANTS, key_echo

SYNTH = "/api/v1/services/aigc/video-generation/video-synthesis"
SYNC_I = "/api/v1/services/aigc/multimodal-generation/generation"
ASYNC_I = "/api/v1/services/aigc/image-generation/generation"
POLL = "/api/v1/tasks/"
FAST = ["--poll-interval", "0.2", "--timeout", "30"]
VIDEO = ["--request", json.dumps({"prompt": "a cat on a roof", "size": "1280*720", "duration": 5})]
IMAGE = ["--request", json.dumps({"prompt": "a red bicycle"})]
GOSSAMER = os.path.join(os.path.dirname(SCRIPTS["video"]), "gossamer.py")


def no_key_run(text, key=FAKE_KEY):
    """No run of 12 characters of the key (past its prefix) appears, in any case or spelling."""
    bare = key[3:]
    low = text.lower().replace("\u200b", "")
    for start in range(0, len(bare) - 11):
        assert bare[start:start + 12].lower() not in low, "key material leaked: %r" % text[-400:]


def lines_of(text, prefix):
    return [line for line in text.splitlines() if line.startswith(prefix)]


# 1. Credentials never leave the API host -------------------------------------------------------------

def test_redirected_poll_does_not_carry_the_key(sim, workdir):
    other = Sim(key=FAKE_KEY).start()
    try:
        sim.inject(POLL, method="GET", location=other.base_url + "/api/v1/tasks/x", status=302, times=20)
        result = run("video", VIDEO + FAST, workdir, sim=sim)
        assert result.code == 1, result
        assert other.requests and not other.auth_seen(), "Authorization crossed the redirect"
        assert lines_of(result.stderr, "task_id: ") and lines_of(result.stderr, "resume: ")
    finally:
        other.stop()


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_paid_post_is_never_redirected(sim, workdir, status):
    other = Sim(key=FAKE_KEY).start()
    try:
        sim.inject(SYNTH, method="POST", location=other.base_url + SYNTH, status=status)
        result = run("video", VIDEO + FAST, workdir, sim=sim, env={"QWEN_HTTP_TIMEOUT": "5"})
        assert result.code == 1, result
        assert "redirect" in result.stderr and "may have been" in result.stderr
        assert other.requests == [] and len(sim.task_posts()) == 1
    finally:
        other.stop()


# 2. Only http(s) results are fetched ------------------------------------------------------------------

@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://x/y"])
@pytest.mark.parametrize("script,args", [("video", VIDEO), ("image", IMAGE), ("image", IMAGE + ["--async"])])
def test_other_schemes_in_results_are_refused(sim, workdir, url, script, args):
    (workdir / ".env").write_text("SECRET=1\n")
    sim.result_url_override = url
    result = run(script, args + FAST, workdir, sim=sim)
    assert result.code == 1, result
    assert "only http(s)" in result.stderr
    output = workdir / "output"
    assert "SECRET=1" not in all_files_text(output) if output.exists() else True
    assert len(sim.task_posts()) == 1


def test_redirect_to_a_file_url_is_refused(sim, workdir):
    sim.inject("/files/", method="GET", location="file:///etc/passwd", status=302, times=10)
    result = run("video", VIDEO + FAST, workdir, sim=sim)
    assert result.code == 1 and "redirect" in result.stderr, result


# 3. Masking covers what servers really echo ------------------------------------------------------------

@pytest.mark.parametrize("variant", KEY_VARIANTS)
def test_echoed_key_variants_are_masked_everywhere(sim, workdir, variant):
    sim.inject(POLL, method="GET", status=401, echo_key=variant)
    result = run("video", VIDEO + FAST + ["--print-response"], workdir, sim=sim)
    assert result.code == 1, result
    no_key_run(result.stdout + result.stderr)
    if (workdir / "output").exists():
        no_key_run(all_files_text(workdir / "output"))


def test_key_variants_are_masked_in_files(sim, workdir):
    """A server echoing the key in the prompt it returns: the sidecar and batch state stay clean."""
    batch = workdir / "b.jsonl"
    lines = [{"prompt": "a cat " + key_echo(FAKE_KEY, v), "size": "1280*720"} for v in ("noprefix", "upper")]
    batch.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    result = run("video", ["--file", str(batch)] + FAST, workdir, sim=sim)
    assert result.code == 0, result
    no_key_run(all_files_text(workdir / "output") + result.stdout + result.stderr)


# 4. Keys with whitespace, control or non-ASCII characters are refused at load time ---------------------

@pytest.mark.parametrize("line", ['DASHSCOPE_API_KEY="sk-abc\ndef0123456789"',
                                  "DASHSCOPE_API_KEY=sk-abc\u00e9def0123456789",
                                  'DASHSCOPE_API_KEY="sk-abc def0123456789"'])
def test_bad_key_characters_exit_2_naming_the_line(sim, workdir, line):
    (workdir / ".env").write_text("# keys\n" + line + "\n", encoding="utf-8")
    result = run("video", VIDEO, workdir, sim=sim, key=None)
    assert result.code == 2, result
    assert "DASHSCOPE_API_KEY" in result.stderr and "line 2" in result.stderr
    assert "abc" not in result.stderr and sim.requests == []


# 5. Userinfo in QWEN_BASE_URL is never printed ---------------------------------------------------------

def test_userinfo_in_base_url_is_never_shown(sim, workdir):
    url = sim.base_url.replace("http://", "http://alice:s3cretpassw0rd@")
    for script in ("video", "image", "check_auth"):
        result = run(script, (VIDEO if script == "video" else IMAGE if script == "image" else []), workdir,
                     env={"QWEN_BASE_URL": url})
        assert result.code == 2, result
        assert "s3cretpassw0rd" not in result.stdout + result.stderr and "alice" not in result.stderr
    assert sim.requests == []


# 6, 7. Ids are validated; printed commands are quoted ---------------------------------------------------

@pytest.mark.parametrize("task_id", ["../../x", "abc;touch /tmp/pwned", "t" * 200, "abc\nresume: rm -rf ~"])
@pytest.mark.parametrize("script,args", [("video", VIDEO), ("image", IMAGE + ["--async"])])
def test_hostile_task_ids_are_refused(sim, workdir, task_id, script, args):
    sim.task_id_override = task_id
    result = run(script, args + FAST, workdir, sim=sim)
    assert result.code == 1, result
    assert "malformed task id" in result.stderr
    assert not lines_of(result.stderr, "resume: ") and "rm -rf" not in "\n".join(lines_of(result.stderr, "resume"))
    assert len(sim.task_posts()) == 1  # never resubmitted
    assert not os.path.exists(os.path.join(str(workdir), "..", "x"))


def test_hostile_task_id_flag_is_refused(sim, workdir):
    for script in ("video", "image"):
        result = run(script, ["--task-id", "abc;touch pwned"], workdir, sim=sim)
        assert result.code == 2 and "--task-id" in result.stderr, result
    assert sim.requests == []


def test_printed_commands_are_shell_quoted(sim, workdir):
    out = workdir / "my clips; touch pwned" / "x.mp4"
    result = run("video", VIDEO + ["--submit-only", "--output", str(out)], workdir, sim=sim)
    assert result.code == 0, result
    for prefix in ("resume: ", "check: "):
        (line,) = lines_of(result.stderr, prefix)
        words = shlex.split(line[len(prefix):])
        assert words[0] == "python3" and words[words.index("--output") + 1] == str(out)


# 8. Server text is printed on one line ----------------------------------------------------------------

@pytest.mark.parametrize("message", ["quota\nresume: rm -rf ~\ntask_id: x", "\x1b[2J\x1b[31mcleared\x1b[0m"])
def test_server_text_cannot_forge_lines(sim, workdir, message):
    sim.outcome = "FAILED"
    sim.failure_message = message
    result = run("video", VIDEO + FAST, workdir, sim=sim)
    assert result.code == 1, result
    assert "\x1b" not in result.stderr
    assert all("rm -rf" not in line for line in lines_of(result.stderr, "resume: "))
    assert len(lines_of(result.stderr, "error: ")) == 1
    assert not lines_of(result.stderr, "task_id: x")


def test_error_message_of_a_refused_submit_is_one_line(sim, workdir):
    sim.inject(SYNTH, method="POST", status=400, message="bad\nresume: rm -rf ~")
    result = run("video", VIDEO, workdir, sim=sim)
    assert result.code == 1 and not lines_of(result.stderr, "resume: "), result


# 9-12. Never pay twice, never take another run's result ------------------------------------------------

def test_batch_with_a_dropped_post_adopts_no_other_items_task(sim, workdir):
    sim.inject(SYNTH, method="POST", drop=True, after_route=True)
    sim.task_seconds = 1.0
    batch = workdir / "b.jsonl"
    batch.write_text("\n".join(json.dumps({"prompt": "item %d" % i, "size": "1280*720"}) for i in (1, 2)) + "\n")
    result = run("video", ["--file", str(batch), "--concurrency", "2"] + FAST, workdir, sim=sim, timeout=120)
    assert len(sim.task_posts()) == 2  # nothing re-sent
    items = result.json["items"]
    ids = [item["task_id"] for item in items if item["task_id"]]
    assert len(ids) == len(set(ids)), "one task was taken for two items"
    lost = [item for item in items if item["status"] == "UNKNOWN_SUBMISSION"]
    assert lost and "andidates" in (lost[0]["error"] or "") + result.stderr


def _batch_state(workdir):
    folder = workdir / "output" / "qianwen-video-generation" / "batches"
    (path,) = [p for p in folder.iterdir() if p.name.endswith(".json")]
    return path


def test_two_concurrent_resumes_never_submit_twice(sim, workdir):
    sim.task_seconds = 3.0
    batch = workdir / "b.jsonl"
    batch.write_text(json.dumps([{"prompt": "one", "size": "1280*720"}]))
    first = run("video", ["--file", str(batch), "--timeout", "0.5"], workdir, sim=sim)
    assert first.code == 3, first
    state = _batch_state(workdir)
    cmd = [sys.executable, SCRIPTS["video"], "--resume", str(state), "--poll-interval", "0.2"]
    env = script_env(sim)
    slow = subprocess.Popen(cmd, cwd=str(workdir), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    time.sleep(0.8)
    second = run("video", ["--resume", str(state)], workdir, sim=sim)
    slow.communicate(timeout=60)
    assert second.code == 2 and "is being run by process" in second.stderr, second
    assert len(sim.task_posts()) == 1


def test_resume_looks_up_a_submit_that_was_in_flight(sim, workdir):
    batch = workdir / "b.jsonl"
    batch.write_text(json.dumps([{"prompt": "one", "size": "1280*720"}]))
    sim.task_seconds = 30.0
    first = run("video", ["--file", str(batch), "--timeout", "0.5"], workdir, sim=sim)
    assert first.code == 3, first
    path = _batch_state(workdir)
    state = json.loads(path.read_text())
    item = state["items"][0]
    item.update(status="submitting", task_id=None)  # the run died mid-POST, after the server took it
    path.write_text(json.dumps(state))
    sim.task_seconds = 0.1
    resumed = run("video", ["--resume", str(path)] + FAST, workdir, sim=sim)
    assert resumed.code == 0, resumed
    assert "became task" in resumed.stderr and len(sim.task_posts()) == 1


def test_unwritable_state_after_submit_still_prints_every_task_id(sim, workdir):
    batch = workdir / "b.jsonl"
    batch.write_text("\n".join(json.dumps({"prompt": "p%d" % i, "size": "1280*720"}) for i in (1, 2)) + "\n")

    def block_state(body):
        state = _batch_state(workdir)
        if state.is_file():
            os.replace(str(state), str(state) + ".moved")
            os.mkdir(str(state))  # the state path becomes a folder: every later save fails
        return 0.2, "SUCCEEDED"

    sim.task_plan = block_state
    result = run("video", ["--file", str(batch), "--concurrency", "1"] + FAST, workdir, sim=sim)
    ids = [line.split()[1] for line in lines_of(result.stderr, "task_id: ")]
    assert len(ids) == 2 and len(sim.task_posts()) == 2, result
    assert "could not be saved" in result.stderr


# 13. Deadlines ----------------------------------------------------------------------------------------

def test_retry_after_beyond_the_deadline_ends_the_wait(sim, workdir):
    sim.task_seconds = 60
    sim.inject(POLL, method="GET", status=503, retry_after=3600, times=50)
    started = time.monotonic()
    result = run("video", VIDEO + ["--timeout", "3"], workdir, sim=sim)
    assert result.code == 3, result
    assert time.monotonic() - started < 20 and lines_of(result.stderr, "resume: ")


def test_a_trickling_server_cannot_hold_the_wait(sim, workdir):
    sim.task_seconds = 60
    sim.inject(POLL, method="GET", trickle=1.0, times=50)
    started = time.monotonic()
    result = run("video", VIDEO + ["--timeout", "4"], workdir, sim=sim, env={"QWEN_HTTP_TIMEOUT": "2"})
    assert result.code == 3, result
    assert time.monotonic() - started < 25 and lines_of(result.stderr, "task_id: ")


# 14. Downloads ----------------------------------------------------------------------------------------

def test_a_206_from_elsewhere_restarts_the_file(sim, workdir):
    sim.inject("/files/", method="GET", drop_after=1000)
    sim.inject("/files/", method="GET", range_start=10)
    result = run("video", VIDEO + FAST, workdir, sim=sim)
    assert result.code == 0, result
    from tests.sim import storage

    layout, size = storage.result_bytes("x/v.mp4", sim.result_bytes)
    with open(result.json["local_path"], "rb") as handle:
        assert handle.read() == b"".join(storage._chunks(layout, 0, size))


def test_download_without_length_that_ends_early_is_unverified(sim, workdir):
    sim.inject("/files/", method="GET", no_length=True, drop_after=1000, times=10)
    result = run("video", VIDEO + FAST, workdir, sim=sim)
    assert result.code == 1 and "unverified" in result.stderr, result
    assert lines_of(result.stderr, "resume: ")


# 15. SIGTERM ------------------------------------------------------------------------------------------

def _start(script, args, workdir, sim, env=None):
    return subprocess.Popen([sys.executable, SCRIPTS[script]] + args, cwd=str(workdir),
                            env=script_env(sim, extra=env), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_sigterm_during_the_wait_is_exit_3_with_resume(sim, workdir):
    sim.task_seconds = 60
    proc = _start("video", VIDEO, workdir, sim)
    time.sleep(2.5)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 3, err
    assert lines_of(err, "task_id: ") and lines_of(err, "resume: ")


def test_sigterm_during_a_sync_call_says_it_may_be_billed(sim, workdir):
    sim.inject(SYNC_I, method="POST", delay=10)
    proc = _start("image", IMAGE, workdir, sim)
    time.sleep(2.0)
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 1 and "may have been billed" in err, err


def test_sigterm_during_a_download_keeps_the_part_file(sim, workdir):
    sim.inject("/files/", method="GET", trickle=0.005)
    out_file = workdir / "clip.mp4"
    proc = _start("video", VIDEO + ["--poll-interval", "0.2", "--output", str(out_file)], workdir, sim)
    time.sleep(3.0)
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 3, err
    assert [p for p in os.listdir(str(workdir)) if p.endswith(".part")] and not out_file.exists()
    assert lines_of(err, "resume: ")
    sim.faults.clear()
    resumed = run("video", ["--task-id", lines_of(err, "task_id: ")[0].split()[1], "--output", str(out_file)],
                  workdir, sim=sim)
    assert resumed.code == 0 and os.path.getsize(str(out_file)) == sim.result_bytes, resumed
    assert any(r["headers"].get("Range") for r in sim.seen("GET", "/files/"))  # continued, not restarted


# 16. Bad input, one line each -------------------------------------------------------------------------

@pytest.mark.parametrize("text", ['{"prompt": "\\ud800"}', '{"prompt": "x", "a": ' + "[" * 100 + "]" * 100 + "}"])
@pytest.mark.parametrize("script", ["video", "image"])
def test_unencodable_or_deep_json_is_exit_2(sim, workdir, text, script):
    result = run(script, ["--request", text], workdir, sim=sim)
    assert result.code == 2 and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result
    assert sim.requests == []


def test_path_with_a_newline_is_exit_2(sim, workdir):
    result = run("video", ["--request", json.dumps({"prompt": "x", "img_url": "a\nb.png"})], workdir, sim=sim)
    assert result.code == 2 and "Traceback" not in result.stderr, result


@pytest.mark.parametrize("script,args", [("video", ["--timeout", "abc"]), ("image", ["--concurrency", "x"]),
                                         ("check_auth", ["--timeout", "x"]), ("check_update", ["--timeout", "x"]),
                                         ("image", ["--nope"]), ("check_auth", ["--nope"]),
                                         (GOSSAMER, ["--nope"]), (GOSSAMER, [])])
def test_bad_flags_are_one_line(workdir, script, args):
    result = run(script, args, workdir)
    assert result.code == 2 and len(result.stderr.strip().splitlines()) == 1, result


@pytest.mark.parametrize("script,request_", [
    ("image", {"prompt": "x", "reference_images": ["data:video/mp4;base64,AAAA"]}),
    ("video", {"prompt": "x", "video_url": "data:image/png;base64,AAAA"})])
def test_data_uri_of_the_wrong_kind_is_exit_2(sim, workdir, script, request_):
    args = ["--model", "wan2.6-image"] if script == "image" else []
    result = run(script, args + ["--request", json.dumps(request_)], workdir, sim=sim)
    assert result.code == 2 and sim.requests == [], result


def test_export_with_a_tab_in_env_is_read(sim, workdir):
    (workdir / ".env").write_text("export\tDASHSCOPE_API_KEY=%s\n" % FAKE_KEY)
    result = run("video", VIDEO + FAST, workdir, sim=sim, key=None)
    assert result.code == 0, result


# 17. Answers of the wrong shape ------------------------------------------------------------------------

@pytest.mark.parametrize("shape", ["list", "output_string", "string", "number"])
def test_wrong_shapes_on_poll_name_the_field_and_the_task(sim, workdir, shape):
    sim.inject(POLL, method="GET", shape=shape, times=50)
    result = run("video", VIDEO + FAST, workdir, sim=sim)
    assert result.code == 1 and "AttributeError" not in result.stderr and "Traceback" not in result.stderr, result
    assert lines_of(result.stderr, "task_id: ") and lines_of(result.stderr, "resume: ")


@pytest.mark.parametrize("shape", ["list", "choices_dict", "output_null"])
def test_wrong_shapes_on_a_sync_image_answer(sim, workdir, shape):
    sim.inject(SYNC_I, method="POST", shape=shape)
    result = run("image", IMAGE, workdir, sim=sim)
    assert result.code == 1 and "Traceback" not in result.stderr and "AttributeError" not in result.stderr, result


# 18. The output guard resolves symlinks ----------------------------------------------------------------

def test_output_guard_through_a_claude_skills_link(sim, workdir, tmp_path):
    import shutil

    real = workdir / ".agents" / "skills"
    real.mkdir(parents=True)
    skill = real / "qianwen-video-generation"
    shutil.copytree(os.path.dirname(os.path.dirname(SCRIPTS["video"])), str(skill))
    link_root = workdir / ".claude" / "skills"
    link_root.mkdir(parents=True)
    os.symlink(str(skill), str(link_root / "qianwen-video-generation"))
    script = str(link_root / "qianwen-video-generation" / "scripts" / "video.py")
    for target in (str(real / "out"), str(skill / "out")):
        result = run(script, VIDEO + ["--output", target], workdir, sim=sim)
        assert result.code == 2 and "inside the installed skills folder" in result.stderr, result
    inside = run(script, VIDEO, skill, sim=sim)  # the default folder from inside the skills tree
    assert inside.code == 2, inside
    assert sim.task_posts() == []


# 19. The image route fallback follows only a documented routing refusal -------------------------------

def test_fallback_after_a_routing_refusal(sim, workdir):
    sim.inject(SYNC_I, method="POST", status=403, message="current user api does not support synchronous calls")
    result = run("image", IMAGE + FAST, workdir, sim=sim)
    assert result.code == 0 and result.json["task_id"], result
    assert [r["path"] for r in sim.task_posts()] == [SYNC_I, ASYNC_I]


@pytest.mark.parametrize("status,message", [(404, "the requested url is not found"), (500, "boom"),
                                            (400, "InvalidParameter size")])
def test_no_fallback_after_other_answers(sim, workdir, status, message):
    sim.inject(SYNC_I, method="POST", status=status, message=message)
    result = run("image", IMAGE + FAST, workdir, sim=sim)
    assert result.code == 1, result
    assert len(sim.task_posts()) == 1
    if status == 500:
        assert "may have been billed" in result.stderr

