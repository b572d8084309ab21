"""The real `skills` installer from npm puts the bundle into a project; the installed copies work.

Issue 7. The CLI runs under Node 22+ through tools/skills_cli.py (cached in .cache/npm-tools/).
These tests skip, naming the reason, only when npm or its registry cannot be reached.
"""

import importlib.util
import json
import os

import pytest

from tests.conftest import ROOT, SCRIPTS, SKILLS, assert_no_key, run

_SPEC = importlib.util.spec_from_file_location("skills_cli", os.path.join(ROOT, "tools", "skills_cli.py"))
skills_cli = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(skills_cli)

# conftest's script key ("video") -> its skill folder, and skill folder -> entry script file name.
SKILL_OF = {key: os.path.basename(os.path.dirname(os.path.dirname(path))) for key, path in SCRIPTS.items()}
SKILL_SCRIPTS = {SKILL_OF[key]: os.path.basename(path) for key, path in SCRIPTS.items()}
ALL_SKILLS = sorted(SKILL_SCRIPTS)
# Where `skills add --agent claude-code codex` puts things (skills 1.5): Codex reads the canonical
# copy in .agents/skills/, Claude Code gets symlinks to it in .claude/skills/.
AGENT_DIRS = {"codex": os.path.join(".agents", "skills"), "claude-code": os.path.join(".claude", "skills")}
ACTION_REQUIRED = "[ACTION_REQUIRED] qianwen-update-check skill is not installed"


def install(base, *extra):
    """Install the bundle from this checkout into base/project; returns the project path."""
    project, home = os.path.join(str(base), "project"), os.path.join(str(base), "home")
    os.makedirs(project)
    os.makedirs(home)
    args = ["add", ROOT, "--agent", "claude-code", "codex", "-y"] + list(extra)
    try:
        proc = skills_cli.run(args, project, env={"HOME": home, "XDG_CONFIG_HOME": home}, timeout=180)
    except skills_cli.RegistryUnreachable as exc:
        pytest.skip("skills CLI not available: %s" % exc)
    hint = ("\nhint: the CLI skips a SKILL.md whose frontmatter is not valid YAML (a description "
            "holding ': ' must be quoted); run tests/test_spec.py" if "No valid skills" in proc.stdout else "")
    assert proc.returncode == 0, "skills add failed:\n%s\n%s%s" % (proc.stdout[-3000:], proc.stderr[-2000:], hint)
    return project


def installed_script(project, skill, agent="claude-code"):
    return os.path.join(project, AGENT_DIRS[agent], skill, "scripts", SKILL_SCRIPTS[skill])


def need(key):
    """The checkout's path of a script ("video"), or a skip naming it while it is not written yet."""
    path = SCRIPTS[key]
    if not os.path.isfile(path):
        pytest.skip("%s does not exist yet" % os.path.relpath(path, ROOT))
    return path


def need_script(skill):
    need({name: key for key, name in SKILL_OF.items()}[skill])


def local_version():
    with open(os.path.join(SKILLS, "qianwen-update-check", "version.json")) as handle:
        return json.load(handle)["version"]


def real_call(skill, sim):
    """(args, extra env, check(result, cwd)) for one cheap, real call of that skill's script."""
    if skill == "qianwen-image-generation":
        def check(result, cwd):
            answer = result.json
            assert answer["image_url"] and os.path.isfile(answer["local_path"])
            assert os.path.realpath(answer["local_path"]).startswith(os.path.realpath(str(cwd)))
        return ["--request", '{"prompt": "A cozy flower shop with wooden door"}', "--print-response"], {}, check
    if skill == "qianwen-video-generation":
        sim.task_seconds = 0.3

        def check(result, cwd):
            answer = result.json
            assert answer["task_status"] == "SUCCEEDED" and answer["video_url"]
            assert os.path.isfile(answer["local_path"])
        return (["--request", '{"prompt": "A detective in a rainy city at night", "size": "1280*720", '
                 '"duration": 5}', "--print-response", "--poll-interval", "0.2", "--timeout", "60"], {}, check)
    if skill == "qianwen-ops-auth":
        def check(result, cwd):
            assert sim.seen("POST", "/compatible-mode/v1/chat/completions"), "no compat probe was sent"
        return [], {}, check
    if skill == "qianwen-update-check":
        def check(result, cwd):
            answer = result.json
            assert answer["has_update"] is False and answer["latest_version"] == local_version()
            assert sim.seen("GET", "/version.json"), "the remote version.json was not read"
        env = {"QWEN_UPDATE_URL": sim.base_url + "/version.json", "QWEN_NO_UPDATE_CHECK": None}
        return ["--print-response", "--force"], env, check
    raise AssertionError("no real call defined for %s" % skill)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    """All four skills installed for Claude Code and Codex into one temporary project."""
    return install(tmp_path_factory.mktemp("bundle"))


def test_lock_file_names_all_four(bundle):
    with open(os.path.join(bundle, "skills-lock.json")) as handle:
        lock = json.load(handle)
    assert sorted(lock["skills"]) == ALL_SKILLS
    assert all(entry["sourceType"] == "local" for entry in lock["skills"].values())


@pytest.mark.parametrize("agent", sorted(AGENT_DIRS))
def test_each_agent_sees_all_four(bundle, agent):
    folder = os.path.join(bundle, AGENT_DIRS[agent])
    assert sorted(name for name in os.listdir(folder) if not name.startswith(".")) == ALL_SKILLS


@pytest.mark.parametrize("skill", ALL_SKILLS)
def test_installed_folder_holds_vendored_helper(bundle, skill):
    # each installed skill carries its own helper and gossamer.py, identical to the checkout's.
    source = os.path.join(SKILLS, skill, "scripts")
    for agent in AGENT_DIRS:
        scripts = os.path.join(bundle, AGENT_DIRS[agent], skill, "scripts")
        names = ["gossamer.py"] + ["qianwen_common/" + n for n in os.listdir(os.path.join(source, "qianwen_common"))
                                   if n.endswith(".py")]
        assert "qianwen_common/__init__.py" in names
        for name in names:
            with open(os.path.join(source, name), "rb") as want, open(os.path.join(scripts, name), "rb") as got:
                assert got.read() == want.read(), "%s: installed %s differs" % (agent, name)


@pytest.mark.parametrize("agent", sorted(AGENT_DIRS))
@pytest.mark.parametrize("skill", ALL_SKILLS)
def test_installed_script_help(bundle, skill, agent, workdir):
    # by absolute path, from an unrelated working directory.
    need_script(skill)
    result = run(installed_script(bundle, skill, agent), ["--help"], workdir)
    assert result.code == 0, result
    assert "usage:" in result.stdout.lower() and "[ACTION_REQUIRED]" not in result.stderr


@pytest.mark.parametrize("skill", ALL_SKILLS)
def test_installed_script_real_call(bundle, skill, sim, workdir):
    # By absolute path through the Claude Code symlink, from an unrelated working directory.
    need_script(skill)
    args, env, check = real_call(skill, sim)
    result = run(installed_script(bundle, skill), args, workdir, sim=sim, env=env)
    assert result.code == 0, result
    check(result, workdir)
    assert_no_key(result.stdout, result.stderr)
    # nothing written into the installed skills tree.
    for base, dirs, _files in os.walk(os.path.join(bundle, ".agents")):
        assert "output" not in dirs, "output written inside the install: %s" % base


def test_single_skill_installed_alone(tmp_path, sim, workdir):
    # video alone works, and asks for the missing update-check skill.
    skill = "qianwen-video-generation"
    need_script(skill)
    project = install(tmp_path / "alone", "--skill", skill)
    with open(os.path.join(project, "skills-lock.json")) as handle:
        assert sorted(json.load(handle)["skills"]) == [skill]
    for agent in AGENT_DIRS:
        assert os.listdir(os.path.join(project, AGENT_DIRS[agent])) == [skill]
    args, env, check = real_call(skill, sim)
    result = run(installed_script(project, skill), args, workdir, sim=sim, env=env)
    assert result.code == 0, result
    check(result, workdir)

    # With update signals on (the fixture default turns them off): no sibling -> the exact line.
    posts = len(sim.task_posts())
    signals = {"QWEN_NO_UPDATE_CHECK": None, "QWEN_UPDATE_URL": sim.base_url + "/version.json"}
    result = run(installed_script(project, skill), ["--request", '{"prompt": "A quiet harbour at dawn"}',
                                                    "--dry-run"], workdir, sim=sim, env=signals)
    assert result.code == 0, result
    assert ACTION_REQUIRED in result.stderr.splitlines(), result
    assert len(sim.task_posts()) == posts, "a dry run must not create a task"
