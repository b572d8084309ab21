"""gossamer.py as scripts use it: each signal, dismiss, never, opt-out, every install layout."""

import json
import os
import shutil
import time

import pytest

from tests.conftest import ROOT, run
from tests.sim.misc import SilentServer, unreachable_url

CANONICAL = os.path.join(ROOT, "skills", "_common", "gossamer.py")
PACKAGE = os.path.join(ROOT, "skills", "_common", "qianwen_common")
ACTION = "[ACTION_REQUIRED] qianwen-update-check skill is not installed"
CALLER = "import gossamer\ngossamer.signal_updates(__file__)\nprint('done')\n"


def make_skill(container, name, version="0.1.0"):
    """A minimal installed skill: SKILL.md, scripts/gossamer.py, the version file, a caller."""
    scripts = container / name / "scripts"
    scripts.mkdir(parents=True)
    shutil.copytree(PACKAGE, str(scripts / "qianwen_common"), ignore=shutil.ignore_patterns("__pycache__"))
    (container / name / "SKILL.md").write_text("---\nname: %s\n---\n" % name)
    shutil.copy(CANONICAL, str(scripts / "gossamer.py"))
    (scripts / "qianwen_common" / "version.py").write_text('VERSION = "%s"\n' % version)
    (scripts / "caller.py").write_text(CALLER)
    return scripts / "caller.py"


def call(script, cwd, url=None, env=None, python=None):
    extra = {"QWEN_NO_UPDATE_CHECK": None, "QWEN_UPDATE_URL": url or unreachable_url()}
    extra.update(env or {})
    return run(str(script), [], cwd, python=python, env=extra, key=None)


def home_of(workdir):
    return workdir.parent / "home"


def state_of(path):
    try:
        return json.loads(path.read_text()).get("qianwen_update", {})
    except (OSError, ValueError):
        return {}


def wait_for(predicate, seconds=15.0):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


# -- [ACTION_REQUIRED]

def test_action_required_when_update_check_is_missing(workdir, sim, python):
    caller = make_skill(workdir / ".agents" / "skills", "qianwen-image-generation")
    result = call(caller, workdir, url=sim.base_url + "/version.json", python=python)
    assert result.code == 0 and result.stdout == "done\n"
    assert result.stderr.splitlines() == [ACTION]
    assert sim.requests == []                      # no update traffic without the update skill
    again = call(caller, workdir, url=sim.base_url + "/version.json", python=python)
    assert again.stderr.splitlines() == [ACTION]   # not snoozed before the user answers


def test_dismiss_silences_for_24_hours(workdir):
    caller = make_skill(workdir / ".agents" / "skills", "qianwen-image-generation")
    gossamer_py = str(caller.parent / "gossamer.py")
    answer = run(gossamer_py, ["--dismiss"], workdir, env={"QWEN_NO_UPDATE_CHECK": None}, key=None)
    assert answer.code == 0 and answer.stdout == ""
    assert ACTION not in call(caller, workdir).stderr
    state = workdir / ".agents" / "state.json"
    whole = json.loads(state.read_text())
    whole["qianwen_update"]["dismissed_until"] = time.time() - 1      # a day later
    state.write_text(json.dumps(whole))
    assert ACTION in call(caller, workdir).stderr


def test_never_install_is_for_good_in_every_project(workdir, tmp_path):
    caller = make_skill(tmp_path / "global" / ".claude" / "skills", "qianwen-video-generation")
    answer = run(str(caller.parent / "gossamer.py"), ["--never-install"], workdir,
                 env={"QWEN_NO_UPDATE_CHECK": None}, key=None)
    assert answer.code == 0
    assert ACTION not in call(caller, workdir).stderr
    other = tmp_path / "other-project"
    (other / ".git").mkdir(parents=True)
    assert ACTION not in call(caller, other).stderr        # the home state remembers the answer
    assert state_of(home_of(workdir) / ".agents" / "state.json")["never_install"] is True


def test_help_lists_the_answers(workdir):
    result = run(CANONICAL, ["--help"], workdir, key=None)
    assert result.code == 0 and "--dismiss" in result.stdout and "--never-install" in result.stdout
    assert run(CANONICAL, [], workdir, key=None).code == 2


def test_opt_out_means_no_signal_no_state_no_traffic(workdir, sim):  # CONTRACT QWEN_NO_UPDATE_CHECK
    make_skill(workdir / "skills", "qianwen-update-check")
    caller = make_skill(workdir / "skills", "qianwen-image-generation", version="0.0.1")
    alone = make_skill(workdir / "elsewhere", "qianwen-video-generation")
    for script in (caller, alone):
        result = call(script, workdir, url=sim.base_url + "/version.json",
                      env={"QWEN_NO_UPDATE_CHECK": "1"})
        assert result.code == 0 and result.stderr == ""
    time.sleep(0.3)                                # a refresh would have started by now
    assert sim.requests == []
    assert not (workdir / ".agents").exists()


# -- [UPDATE_AVAILABLE] and the background refresh

def test_update_available_shown_next_run_then_once_a_day(workdir, sim, python):  # X-47, U-4
    sim.version = "0.2.0"
    make_skill(workdir / "skills", "qianwen-update-check")
    caller = make_skill(workdir / "skills", "qianwen-image-generation")
    url = sim.base_url + "/version.json"
    first = call(caller, workdir, url=url, python=python)
    assert first.code == 0 and first.stderr == ""          # nothing known yet; refresh detached
    state = workdir / ".agents" / "state.json"
    assert wait_for(lambda: state_of(state).get("latest_version") == "0.2.0")
    second = call(caller, workdir, url=url, python=python)
    assert second.stderr.splitlines() == [   # a plain skills/ folder: the copy's own update advice
        "[UPDATE_AVAILABLE] 0.1.0 -> 0.2.0: copy the new release of QianWen-AI/qianwen-ai over %s"
        % (workdir / "skills")]
    third = call(caller, workdir, url=url, python=python)
    assert third.stderr == ""                              # at most once a day
    assert len(sim.seen("GET", "/version.json")) == 1     # one network check per 24 h


def test_update_signal_uses_the_configured_repository(workdir, sim):
    sim.version = "1.0.0"
    make_skill(workdir / "skills", "qianwen-update-check")
    caller = make_skill(workdir / "skills", "qianwen-image-generation")
    env = {"QWEN_SKILLS_REPO": "me/fork"}
    call(caller, workdir, url=sim.base_url + "/version.json", env=env)
    assert wait_for(lambda: state_of(workdir / ".agents" / "state.json").get("latest_version"))
    line = call(caller, workdir, url=sim.base_url + "/version.json", env=env).stderr.strip()
    assert line == "[UPDATE_AVAILABLE] 0.1.0 -> 1.0.0: copy the new release of me/fork over %s" % (
        workdir / "skills")


def test_update_line_fits_a_skills_cli_project_install(workdir, sim):
    # Issue 15.2: installed by `npx skills add` (skills-lock.json lists all four): the CLI command.
    sim.version = "0.2.0"
    container = workdir / ".agents" / "skills"
    for name in ("qianwen-ops-auth", "qianwen-update-check", "qianwen-video-generation"):
        make_skill(container, name)
    caller = make_skill(container, "qianwen-image-generation")
    names = ["qianwen-image-generation", "qianwen-ops-auth", "qianwen-update-check", "qianwen-video-generation"]
    (workdir / "skills-lock.json").write_text(json.dumps({"version": 1, "skills": {n: {} for n in names}}))
    url = sim.base_url + "/version.json"
    call(caller, workdir, url=url)
    assert wait_for(lambda: state_of(workdir / ".agents" / "state.json").get("latest_version"))
    line = call(caller, workdir, url=url).stderr.strip()
    assert line == "[UPDATE_AVAILABLE] 0.1.0 -> 0.2.0: npx skills add QianWen-AI/qianwen-ai -y"


def test_env_file_opt_out_is_honoured(workdir, sim):
    # Issue 12.3: QWEN_NO_UPDATE_CHECK from the project's .env silences signals like the variable.
    (workdir / ".git").mkdir()
    (workdir / ".env").write_text("QWEN_NO_UPDATE_CHECK=1\n")
    caller = make_skill(workdir / ".agents" / "skills", "qianwen-image-generation")
    assert call(caller, workdir, url=sim.base_url + "/version.json").stderr == ""


@pytest.mark.parametrize("published", ["0.1.0", "0.0.9", "0.1.0-rc.1"])
def test_no_signal_when_current_or_newer(workdir, sim, published):
    sim.version = published
    make_skill(workdir / "skills", "qianwen-update-check")
    caller = make_skill(workdir / "skills", "qianwen-image-generation")
    url = sim.base_url + "/version.json"
    call(caller, workdir, url=url)
    assert wait_for(lambda: state_of(workdir / ".agents" / "state.json").get("latest_version"))
    assert call(caller, workdir, url=url).stderr == ""


def test_dismiss_also_silences_update_available(workdir, sim):
    sim.version = "0.2.0"
    make_skill(workdir / "skills", "qianwen-update-check")
    caller = make_skill(workdir / "skills", "qianwen-image-generation")
    url = sim.base_url + "/version.json"
    call(caller, workdir, url=url)
    assert wait_for(lambda: state_of(workdir / ".agents" / "state.json").get("latest_version"))
    run(str(caller.parent / "gossamer.py"), ["--dismiss"], workdir, key=None,
        env={"QWEN_NO_UPDATE_CHECK": None})
    assert call(caller, workdir, url=url).stderr == ""


@pytest.mark.parametrize("server", ["unreachable", "silent", "malformed"])
def test_bad_version_server_never_reaches_the_caller(workdir, sim, server):
    make_skill(workdir / "skills", "qianwen-update-check")
    caller = make_skill(workdir / "skills", "qianwen-image-generation")
    silent = SilentServer()
    url = {"unreachable": unreachable_url(), "silent": silent.base_url + "/version.json",
           "malformed": sim.base_url + "/version.json"}[server]
    sim.inject("/version.json", body="<html>not json</html>", times=5)
    try:
        for _ in range(3):
            result = call(caller, workdir, url=url)
            assert result.code == 0 and result.stdout == "done\n" and result.stderr == ""
        state = state_of(workdir / ".agents" / "state.json")
        assert state["attempted_url"] == url and "latest_version" not in state
    finally:
        silent.close()
    if server == "malformed":
        assert wait_for(lambda: "not JSON" in state_of(workdir / ".agents" / "state.json")
                        .get("last_error", ""))
        assert len(sim.seen("GET", "/version.json")) == 1


# -- finding qianwen-update-check in every layout

def _repo(base, home):
    make_skill(base / "skills", "qianwen-update-check")
    return make_skill(base / "skills", "qianwen-image-generation")


def _agents(base, home):
    make_skill(base / ".agents" / "skills", "qianwen-update-check")
    return make_skill(base / ".agents" / "skills", "qianwen-image-generation")


def _claude(base, home):
    make_skill(base / ".claude" / "skills", "qianwen-update-check")
    return make_skill(base / ".claude" / "skills", "qianwen-image-generation")


def _claude_links_to_agents(base, home):
    """npx skills: the copies live in .agents/skills, .claude/skills holds links to some of them."""
    make_skill(base / ".agents" / "skills", "qianwen-update-check")
    make_skill(base / ".agents" / "skills", "qianwen-image-generation")
    (base / ".claude" / "skills").mkdir(parents=True)
    link = base / ".claude" / "skills" / "qianwen-image-generation"
    link.symlink_to(base / ".agents" / "skills" / "qianwen-image-generation")
    return link / "scripts" / "caller.py"


def _links_into_a_cache(base, home):
    """Both skills are links into a shared cache; only the apparent folder shows them together."""
    make_skill(base / "cache" / "a", "qianwen-update-check")
    make_skill(base / "cache" / "b", "qianwen-image-generation")
    skills = base / "tool" / "skills"
    skills.mkdir(parents=True)
    (skills / "qianwen-update-check").symlink_to(base / "cache" / "a" / "qianwen-update-check")
    (skills / "qianwen-image-generation").symlink_to(base / "cache" / "b" / "qianwen-image-generation")
    return skills / "qianwen-image-generation" / "scripts" / "caller.py"


def _linked_skills_folder(base, home):
    """The whole skills folder is a link (a dotfiles repo)."""
    make_skill(base / "dotfiles" / "skills", "qianwen-update-check")
    make_skill(base / "dotfiles" / "skills", "qianwen-image-generation")
    (base / ".claude").mkdir()
    (base / ".claude" / "skills").symlink_to(base / "dotfiles" / "skills")
    return base / ".claude" / "skills" / "qianwen-image-generation" / "scripts" / "caller.py"


def _global_update_check(base, home):
    """The update skill installed globally, the image skill in the project."""
    make_skill(home / ".claude" / "skills", "qianwen-update-check")
    return make_skill(base / ".claude" / "skills", "qianwen-image-generation")


def _global_agents_update_check(base, home):
    make_skill(home / ".agents" / "skills", "qianwen-update-check")
    return make_skill(base / "vendor" / "qianwen", "qianwen-image-generation")


@pytest.mark.parametrize("layout", [_repo, _agents, _claude, _claude_links_to_agents, _links_into_a_cache,
                                    _linked_skills_folder, _global_update_check,
                                    _global_agents_update_check])
def test_update_check_found_in_every_layout(workdir, layout):  # X-46, U-1
    caller = layout(workdir, home_of(workdir))
    result = call(caller, workdir)
    assert result.code == 0 and ACTION not in result.stderr, layout.__name__


@pytest.mark.parametrize("container", ["skills", ".agents/skills", ".claude/skills"])
def test_missing_in_every_layout(workdir, container):
    caller = make_skill(workdir.joinpath(*container.split("/")), "qianwen-video-generation")
    make_skill(workdir / "unrelated", "qianwen-update-check")      # not a skills folder
    assert call(caller, workdir).stderr.splitlines() == [ACTION]


def test_the_update_skill_itself_never_asks_for_itself(workdir):
    caller = make_skill(workdir / "copied-alone", "qianwen-update-check")
    assert call(caller, workdir).stderr == ""


def test_real_scripts_ship_gossamer_with_answers(workdir):  # every skill, ops-auth included
    skills = os.path.join(ROOT, "skills")
    for name in sorted(os.listdir(skills)):
        path = os.path.join(skills, name, "scripts", "gossamer.py")
        if name.startswith("_") or not os.path.isfile(os.path.join(skills, name, "SKILL.md")):
            continue
        result = run(path, ["--help"], workdir, key=None)
        assert result.code == 0 and "--never-install" in result.stdout, name


def test_odd_values_in_the_state_do_not_silence_the_prompt(workdir):
    caller = make_skill(workdir / ".agents" / "skills", "qianwen-image-generation")
    (workdir / ".agents" / "state.json").write_text(json.dumps({"qianwen_update": {
        "dismissed_until": "tomorrow", "never_install": "yes", "shown": 5, "attempted_at": None}}))
    assert call(caller, workdir).stderr.splitlines() == [ACTION]
    far = {"qianwen_update": {"dismissed_until": time.time() + 400 * 86400}}   # a clock set back
    (workdir / ".agents" / "state.json").write_text(json.dumps(far))
    assert call(caller, workdir).stderr.splitlines() == [ACTION]
