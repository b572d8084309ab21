"""output: stderr progress masked, one JSON on stdout, exit codes, output folder rules."""

import json
import os

import pytest
from qianwen_common import output
from qianwen_common.errors import ApiError, StillRunning, UsageError


def test_emit_masks_and_prints_one_object(capsys):
    output.emit({"url": "x", "echo": "Bearer sk-leakedkey12345678"})
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "leakedkey" not in out
    assert json.loads(out)["url"] == "x"


def test_progress_quiet_and_masked(capsys):
    progress = output.Progress(quiet=False)
    progress("line one\nsk-secretsecret123")
    quiet = output.Progress(quiet=True)
    quiet("hidden")
    quiet.warn("shown")
    err = capsys.readouterr().err
    assert "line one sk-***" in err and "hidden" not in err and "warning: shown" in err


def test_fail_lines_and_codes(capsys):
    assert output.fail(UsageError("bad size")) == 2
    assert output.fail(ApiError("HTTP 401 InvalidApiKey - no")) == 1
    assert output.fail(StillRunning("still RUNNING", "t-1", "python3 /a/video.py --task-id t-1")) == 3
    err = capsys.readouterr().err
    assert "error: bad size" in err and "error: HTTP 401" in err
    assert "task_id: t-1\nresume: python3 /a/video.py --task-id t-1" in err


def test_output_never_inside_skills_tree(tmp_path):
    skills = tmp_path / "skills"
    (skills / "qianwen-video-generation").mkdir(parents=True)
    with pytest.raises(UsageError, match="inside the skills folder"):
        output.check_output_target(str(skills / "qianwen-video-generation" / "output"), str(skills))
    assert output.check_output_target(str(tmp_path / "out"), str(skills)) == str(tmp_path / "out")


def test_default_output_dir(tmp_path):
    assert output.default_output_dir("qianwen-image-generation", str(tmp_path)) == os.path.join(
        str(tmp_path), "output", "qianwen-image-generation")


def test_not_writable_folder(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(UsageError, match="PermissionError"):
        output.check_writable(str(blocker / "sub"))
    output.check_writable(str(tmp_path / "new" / "deeper"))


@pytest.mark.parametrize("text", ["{bad", "[1, 2]", "3"])
def test_read_request_refuses(text):
    with pytest.raises(UsageError):
        output.read_request(text)


def test_read_request_file(tmp_path):
    path = tmp_path / "r.json"
    path.write_bytes(b'\xef\xbb\xbf{"prompt": "x"}')
    assert output.read_request(path=str(path)) == {"prompt": "x"}
    with pytest.raises(UsageError, match="not a readable file"):
        output.read_request(path=str(tmp_path))
