"""output: stderr progress masked, one JSON on stdout, exit codes, output folder rules."""

import io
import json
import os

import pytest
from qianwen_common import output
from qianwen_common.errors import UsageError


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
    # one line per call (a line break shown as backslash-n), the secret as *** with no prefix kept
    assert err == "line one\\n***\nwarning: shown\n"
    assert "secretsecret" not in err and "hidden" not in err


def test_progress_always_survives_quiet_and_is_masked():
    stream = io.StringIO()
    quiet = output.Progress(quiet=True, stream=stream)
    quiet("chatter")
    quiet.always("bills: 5 s of 720P video (wan2.6-t2v)\ntask_id: x Bearer sk-secretsecret123")
    assert stream.getvalue() == "bills: 5 s of 720P video (wan2.6-t2v)\\ntask_id: x Bearer ***\n"


# cli.render (the old output.fail) is tested in test_cli.py.


def _skill_tree(tmp_path):
    skills = tmp_path / "skills"
    scripts = skills / "qianwen-video-generation" / "scripts"
    scripts.mkdir(parents=True)
    return skills, str(scripts / "video.py")


def test_output_never_inside_skills_tree(tmp_path):
    skills, script = _skill_tree(tmp_path)
    with pytest.raises(UsageError, match="inside the installed skills folder"):
        output.check_output_target(str(skills / "qianwen-video-generation" / "output"), script)
    with pytest.raises(UsageError, match="inside the installed skills folder"):
        output.check_output_target(str(skills), script)
    assert output.check_output_target(str(tmp_path / "out"), script) == str(tmp_path / "out")
    assert output.check_output_target(str(tmp_path / "skills-out"), script) == str(tmp_path / "skills-out")


def test_output_through_a_symlink_into_the_skills_tree_is_refused(tmp_path):
    skills, script = _skill_tree(tmp_path)
    (tmp_path / "project").mkdir()
    link = tmp_path / "project" / "out"
    link.symlink_to(skills / "qianwen-video-generation")
    with pytest.raises(UsageError, match="inside the installed skills folder"):
        output.check_output_target(str(link / "clips"), script)


def test_script_reached_through_a_link_guards_its_real_tree(tmp_path):
    # .claude/skills/<skill> may be a link to the real install: both trees are off limits
    skills, _script = _skill_tree(tmp_path)
    linked = tmp_path / "project" / ".claude" / "skills"
    linked.mkdir(parents=True)
    (linked / "qianwen-video-generation").symlink_to(skills / "qianwen-video-generation")
    script = str(linked / "qianwen-video-generation" / "scripts" / "video.py")
    for target in (skills / "qianwen-video-generation" / "output", linked / "x"):
        with pytest.raises(UsageError, match="inside the installed skills folder"):
            output.check_output_target(str(target), script)


def test_default_output_dir(tmp_path):
    assert output.default_output_dir("qianwen-image-generation", str(tmp_path)) == os.path.join(
        str(tmp_path), "output", "qianwen-image-generation")


def test_not_writable_folder(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(UsageError, match="PermissionError"):
        output.check_writable(str(blocker / "sub"))
    output.check_writable(str(tmp_path / "new" / "deeper"))


# cli.read_request / cli.read_json (the old output.read_request) are tested in test_cli.py.
