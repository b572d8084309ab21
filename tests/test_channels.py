"""Issue 15.2: one function tells the install channel from where the scripts run; a test per layout.

The layouts are the ones the real installers made (skills 1.5.18, Claude Code 2.1.332, Qwen Code
0.24.4; see tests/test_install.py and tests/test_claude_plugin.py), rebuilt here in tmp folders.
"""

import json
import os

import pytest
from qianwen_common import channel

REPO = "QianWen-AI/qianwen-ai"
ALL = list(channel.BUNDLE_SKILLS)


def skill(container, name):
    scripts = container / name / "scripts"
    scripts.mkdir(parents=True)
    (container / name / "SKILL.md").write_text("---\nname: %s\n---\n" % name)
    return scripts


def command(scripts, cwd, home):
    return channel.command_for(str(scripts), REPO, cwd=str(cwd), home=str(home))


@pytest.fixture
def home(tmp_path):
    path = tmp_path / "home"
    path.mkdir()
    return path


def test_skills_cli_project_all_four(tmp_path, home):
    project = tmp_path / "project"
    container = project / ".agents" / "skills"
    scripts = [skill(container, name) for name in ALL][-1]
    (project / "skills-lock.json").write_text(json.dumps({"version": 1, "skills": {n: {} for n in ALL}}))
    assert command(scripts, project, home) == "npx skills add %s -y" % REPO
    assert command(scripts, project / "sub", home) == "cd %s && npx skills add %s -y" % (project, REPO)


def test_skills_cli_project_one_skill_through_the_claude_link(tmp_path, home):
    project = tmp_path / "project"
    real = skill(project / ".agents" / "skills", "qianwen-video-generation")
    (project / ".claude" / "skills").mkdir(parents=True)
    (project / ".claude" / "skills" / "qianwen-video-generation").symlink_to(real.parent)
    (project / "skills-lock.json").write_text(json.dumps({"skills": {"qianwen-video-generation": {}}}))
    via_link = project / ".claude" / "skills" / "qianwen-video-generation" / "scripts"
    assert command(via_link, project, home) == (
        "npx skills add %s --skill qianwen-video-generation -y" % REPO)


def test_skills_cli_global(tmp_path, home):
    scripts = [skill(home / ".agents" / "skills", name) for name in ALL][0]
    assert command(scripts, tmp_path, home) == "npx skills add %s -g -y" % REPO


def test_skills_cli_global_claude_folder_one_skill(tmp_path, home):
    scripts = skill(home / ".claude" / "skills", "qianwen-image-generation")
    assert command(scripts, tmp_path, home) == (
        "npx skills add %s --skill qianwen-image-generation -g -y" % REPO)


def test_claude_code_plugin_cache(tmp_path, home):
    base = home / ".claude" / "plugins" / "cache" / "qianwen-ai" / "qianwen-ai" / "0.1.0" / "skills"
    scripts = skill(base, "qianwen-image-generation")
    assert channel.detect(str(scripts), str(home))["channel"] == "claude-plugin"
    assert command(scripts, tmp_path, home) == (
        "claude plugin marketplace update qianwen-ai && claude plugin update qianwen-ai@qianwen-ai")


def test_qwen_code_extension(tmp_path, home):
    scripts = skill(home / ".qwen" / "extensions" / "qianwen-ai" / "skills", "qianwen-video-generation")
    assert command(scripts, tmp_path, home) == "qwen extensions update qianwen-ai"


def test_plain_copy(tmp_path, home):
    scripts = skill(tmp_path / "vendor" / "qianwen", "qianwen-video-generation")
    assert command(scripts, tmp_path, home) == "copy the new release of %s over %s" % (
        REPO, os.path.join(str(tmp_path), "vendor", "qianwen"))


def test_broken_lock_falls_back_to_the_folder(tmp_path, home):
    project = tmp_path / "project"
    scripts = skill(project / ".agents" / "skills", "qianwen-ops-auth")
    (project / "skills-lock.json").write_text("{not json")
    assert command(scripts, project, home) == "npx skills add %s --skill qianwen-ops-auth -y" % REPO
