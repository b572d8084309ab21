"""check_update.py against the simulator's /version.json: each outcome, the 24 h memory, --force."""

import json
import time

import pytest

from tests.conftest import SCRIPTS, SKILLS, run
from tests.sim.misc import SilentServer, unreachable_url

COPY_COMMAND = "copy the new release of QianWen-AI/qianwen-ai over %s" % SKILLS  # a checkout is a plain copy
LOCAL = json.load(open(SCRIPTS["check_update"].rsplit("/scripts/", 1)[0] + "/version.json"))["version"]


def check(workdir, url, args=("--print-response",), python=None, env=None):
    extra = {"QWEN_NO_UPDATE_CHECK": None, "QWEN_UPDATE_URL": url}
    extra.update(env or {})
    return run("check_update", list(args), workdir, python=python, env=extra, key=None)


def state_file(workdir):
    return workdir.parent / "home" / ".agents" / "state.json"


@pytest.mark.parametrize("published, has_update", [
    ("99.0.0", True), (LOCAL, False), ("0.0.1", False), (LOCAL + "-rc.1", False)])
def test_outcomes(workdir, sim, python, published, has_update):  # U-2, U-5
    sim.version = published
    result = check(workdir, sim.base_url + "/version.json", python=python)
    assert result.code == 0, result
    answer = result.json
    assert answer["checked"] is True and answer["cached"] is False
    assert answer["has_update"] is has_update
    assert answer["local_version"] == LOCAL and answer["latest_version"] == published
    assert answer["update_command"] == COPY_COMMAND
    assert "[ACTION_REQUIRED]" not in result.stderr and "[UPDATE_AVAILABLE]" not in result.stderr
    if has_update:
        assert "update available: %s -> %s" % (LOCAL, published) in result.stderr


def test_human_line_without_print_response(workdir, sim):
    sim.version = "99.0.0"
    result = check(workdir, sim.base_url + "/version.json", args=())
    assert result.code == 0 and result.stdout == ""
    assert COPY_COMMAND in result.stderr


@pytest.mark.parametrize("body", ["<html>oops</html>", '{"name": "x"}', '{"version": "latest"}', "[1]"])
def test_malformed_remote_json(workdir, sim, body):
    sim.inject("/version.json", body=body)
    result = check(workdir, sim.base_url + "/version.json")
    assert result.code == 0
    assert result.json["checked"] is False and result.json["latest_version"] is None
    assert result.json["has_update"] is False and "version.json" in result.json["error"]


def test_http_error_is_not_a_crash(workdir, sim):
    sim.inject("/version.json", status=404, body="Not Found")
    result = check(workdir, sim.base_url + "/version.json")
    assert result.code == 0 and result.json["checked"] is False and "HTTP 404" in result.json["error"]


def test_offline(workdir, python):
    result = check(workdir, unreachable_url(), python=python)
    assert result.code == 0 and result.json["checked"] is False
    assert result.json["local_version"] == LOCAL and "offline" in result.json["error"]


def test_server_that_never_answers(workdir):
    with SilentServer() as silent:
        result = check(workdir, silent.base_url + "/version.json",
                       args=("--print-response", "--timeout", "0.3"))
    assert result.code == 0 and result.json["checked"] is False


def test_24_hour_memory_and_force(workdir, sim):  # U-4, CONTRACT --force
    sim.version = "99.0.0"
    url = sim.base_url + "/version.json"
    first = check(workdir, url).json
    second = check(workdir, url).json
    assert second["cached"] is True and second["latest_version"] == "99.0.0"
    assert second["checked_at"] == first["checked_at"]
    assert len(sim.seen("GET", "/version.json")) == 1
    forced = check(workdir, url, args=("--print-response", "--force")).json
    assert forced["cached"] is False and len(sim.seen("GET", "/version.json")) == 2
    whole = json.loads(state_file(workdir).read_text())
    whole["qianwen_update"]["checked_at"] = time.time() - 25 * 3600
    state_file(workdir).write_text(json.dumps(whole))
    assert check(workdir, url).json["cached"] is False
    assert len(sim.seen("GET", "/version.json")) == 3


def test_a_failed_check_is_not_remembered_as_a_result(workdir, sim):
    url = sim.base_url + "/version.json"
    sim.inject("/version.json", status=503, body="busy")
    assert check(workdir, url).json["checked"] is False
    assert check(workdir, url).json["checked"] is True


def test_a_different_url_is_checked_afresh(workdir, sim):
    check(workdir, sim.base_url + "/version.json")
    sim.version = "99.0.0"
    other = check(workdir, sim.base_url + "/version.json?fork").json
    assert other["cached"] is False and other["latest_version"] == "99.0.0"


def test_state_lives_at_the_project_root(workdir, sim):  # CONTRACT state location
    (workdir / ".git").mkdir()
    deep = workdir / "src" / "pkg"
    deep.mkdir(parents=True)
    check(deep, sim.base_url + "/version.json")
    state = json.loads((workdir / ".agents" / "state.json").read_text())
    assert state["qianwen_update"]["latest_version"] == sim.version
    assert not state_file(workdir).exists()


def test_corrupt_and_foreign_state_files(workdir, sim):
    path = state_file(workdir)
    path.parent.mkdir(parents=True)
    path.write_text("{broken")
    assert check(workdir, sim.base_url + "/version.json").json["checked"] is True
    whole = json.loads(path.read_text())
    whole["some-other-tool"] = {"keep": True}
    path.write_text(json.dumps(whole))
    check(workdir, sim.base_url + "/version.json", args=("--force",))
    assert json.loads(path.read_text())["some-other-tool"] == {"keep": True}


def test_opt_out_means_no_traffic(workdir, sim):
    result = check(workdir, sim.base_url + "/version.json", env={"QWEN_NO_UPDATE_CHECK": "1"})
    assert result.code == 0 and result.json["checked"] is False
    assert "QWEN_NO_UPDATE_CHECK" in result.json["error"] and sim.requests == []


def test_bad_settings_exit_2(workdir):
    result = run("check_update", ["--print-response"], workdir, key=None,
                 env={"QWEN_NO_UPDATE_CHECK": None, "QWEN_SKILLS_REPO": "no slash here"})
    assert result.code == 2 and "QWEN_SKILLS_REPO" in result.stderr and result.stdout == ""
    assert check(workdir, "ftp://x/v.json").code == 2
    assert check(workdir, "http://x", args=("--timeout", "0")).code == 2


def test_help(workdir):
    result = run("check_update", ["--help"], workdir, key=None)
    assert result.code == 0
    for flag in ("--print-response", "--force", "--timeout", "QWEN_UPDATE_URL", "QWEN_SKILLS_REPO"):
        assert flag in result.stdout
