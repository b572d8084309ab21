"""check_auth.py against the simulator: each key source and kind, each answer, never a key shown."""

import json
import os

import pytest
from qianwen_common import config

from tests.conftest import FAKE_KEY, all_files_text, assert_no_key, run
from tests.sim import Sim
from tests.sim.misc import unreachable_url

PLAN_KEY = "sk-sp-plan0000000000000000000000000000"
ODD_KEY = "dashkey0000000000000000000000000000"
EVIDENCE = os.path.join("output", "qianwen-ops-auth")


def check(workdir, sim=None, python=None, env=None, key=FAKE_KEY, args=("--print-response",)):
    return run("check_auth", list(args), workdir, sim=sim, python=python, env=env, key=key)


def evidence(workdir):
    folder = workdir / EVIDENCE
    return sorted(os.listdir(str(folder))) if folder.is_dir() else []


def assert_clean(result, workdir, key=FAKE_KEY):  # no part of any key anywhere
    assert_no_key(result.stdout, result.stderr, all_files_text(workdir / "output"), key=key)


# -- where the key comes from

def test_valid_key_from_the_environment(workdir, sim, python):
    result = check(workdir, sim, python)
    assert result.code == 0, result
    answer = result.json
    assert answer["key_source"] == "DASHSCOPE_API_KEY (environment)" and answer["key_file"] is None
    assert answer["key_kind"] == "standard" and answer["verdict"] == "valid" and answer["valid"]
    assert answer["probe"]["http_status"] == 200 and answer["probe"]["has_content"]
    assert answer["endpoint"] == sim.base_url + "/compatible-mode/v1/chat/completions"
    assert answer["region"] == "cn-beijing"
    post = sim.seen("POST", "/compatible-mode/v1/chat/completions")
    assert len(post) == 1
    assert post[0]["json"] == {"model": "qwen-turbo", "messages": [{"role": "user", "content": "hi"}],
                               "max_tokens": 1}
    files = evidence(workdir)
    assert len(files) == 2 and files[0].endswith(".json") and files[1].endswith(".txt")
    saved = json.loads((workdir / EVIDENCE / files[0]).read_text())
    assert saved["verdict"] == "valid" and saved["probe"]["http_status"] == 200
    assert "verdict: valid" in (workdir / EVIDENCE / files[1]).read_text()
    assert_clean(result, workdir)


@pytest.mark.parametrize("variable", ["QIANWEN_API_KEY", "QWEN_API_KEY"])
def test_alias_variables(workdir, sim, variable):
    result = check(workdir, sim, key=None, env={variable: FAKE_KEY})
    assert result.code == 0 and result.json["key_variable"] == variable
    assert_clean(result, workdir)


def test_key_from_cwd_env_file(workdir, sim):
    (workdir / ".env").write_text("DASHSCOPE_API_KEY=%s\n" % FAKE_KEY)
    result = check(workdir, sim, key=None)
    assert result.code == 0
    assert result.json["key_file"] == str(workdir / ".env")
    assert result.json["key_source"] == "DASHSCOPE_API_KEY (%s line 1)" % (workdir / ".env")
    assert_clean(result, workdir)


def test_key_from_repo_root_env_file(workdir, sim):
    (workdir / ".git").mkdir()
    (workdir / ".env").write_text("QIANWEN_API_KEY='%s'\n" % FAKE_KEY)
    deep = workdir / "app" / "src"
    deep.mkdir(parents=True)
    result = check(deep, sim, key=None)
    assert result.code == 0
    assert result.json["key_variable"] == "QIANWEN_API_KEY"
    assert result.json["key_file"] == str(workdir / ".env")
    assert (deep / EVIDENCE).is_dir()
    assert_clean(result, deep)


def test_environment_wins_over_env_file(workdir, sim):
    (workdir / ".env").write_text("DASHSCOPE_API_KEY=sk-other0000000000000000000000000\n")
    result = check(workdir, sim)
    assert result.json["key_source"] == "DASHSCOPE_API_KEY (environment)" and result.code == 0


# -- key kinds

@pytest.fixture
def plan_host():
    """The simulator as the Token Plan host (QWEN_TOKEN_PLAN_BASE_URL); plan keys never go to QWEN_BASE_URL."""
    server = Sim(key=PLAN_KEY, role="token_plan").start()
    yield server
    server.stop()


def check_plan(workdir, plan_host, sim=None):
    env = {"QWEN_TOKEN_PLAN_BASE_URL": plan_host.base_url}
    return check(workdir, sim, env=env, key=PLAN_KEY)


def test_plan_key_is_explained(workdir, sim, plan_host):
    plan_host.coding_plan_keys.add(PLAN_KEY)  # the plan host answers 401, as to a Coding Plan key
    result = check_plan(workdir, plan_host, sim)
    assert result.code == 1
    answer = result.json
    assert answer["key_kind"] == "plan" and answer["verdict"] == "plan_key"
    assert "Token Plan" in answer["key_kind_note"] and "Coding Plan" in answer["key_kind_note"]
    assert any("tokenplan.md" in step for step in answer["next_steps"])
    assert "HTTP 401" in result.stderr
    # probed on the Token Plan host, never on QWEN_BASE_URL (ignored for plan keys, with a warning)
    assert answer["endpoint"] == plan_host.base_url + "/compatible-mode/v1/chat/completions"
    assert answer["endpoint_from"] == "QWEN_TOKEN_PLAN_BASE_URL"
    assert any("QWEN_BASE_URL is not used with a plan key" in w for w in answer["warnings"])
    assert len(plan_host.seen("POST", "/compatible-mode/")) == 1 and sim.requests == []
    assert_clean(result, workdir, key=PLAN_KEY)


def test_plan_key_accepted_by_the_plan_host_is_a_token_plan_key(workdir, plan_host):
    result = check_plan(workdir, plan_host)
    assert result.code == 0 and result.json["verdict"] == "token_plan", result
    assert any("no batches" in step and "tokenplan.md" in step for step in result.json["next_steps"])
    assert_clean(result, workdir, key=PLAN_KEY)


@pytest.mark.parametrize("status", [403, 404])
def test_plan_host_knowing_the_key_is_a_token_plan_key(workdir, plan_host, status):
    # any answer but 401 means the plan host knew the key (the probe model may be outside the plan)
    plan_host.inject("/compatible-mode/", status=status)
    result = check_plan(workdir, plan_host)
    assert result.code == 0 and result.json["verdict"] == "token_plan", result
    assert result.json["probe"]["http_status"] == status
    assert_clean(result, workdir, key=PLAN_KEY)


def test_unknown_key_shape(workdir, sim):
    sim.keys.add(ODD_KEY)
    result = check(workdir, sim, key=ODD_KEY)
    assert result.code == 0 and result.json["key_kind"] == "unknown"
    assert_clean(result, workdir, key="xx" + ODD_KEY)


# -- answers from the probe

def test_401_gives_the_four_steps(workdir, sim):
    result = check(workdir, sim, key="sk-wrong000000000000000000000000000")
    assert result.code == 1 and result.json["verdict"] == "invalid"
    steps = result.json["next_steps"]
    assert [s[:2] for s in steps[:4]] == ["1.", "2.", "3.", "4."]
    assert "https://platform.qianwenai.com/home/api-keys" in steps[0]
    assert "HTTP 401" in result.stderr and "invalid_api_key" in result.stderr
    assert_clean(result, workdir, key="sk-wrong000000000000000000000000000")


@pytest.mark.parametrize("status, verdict, code", [
    (403, "forbidden", 1), (429, "throttled", 0), (500, "server_error", 1), (503, "server_error", 1),
    (404, "not_offered", 1)])
def test_other_statuses(workdir, sim, status, verdict, code):
    sim.inject("/compatible-mode/", status=status)
    result = check(workdir, sim)
    assert result.code == code and result.json["verdict"] == verdict
    assert result.json["probe"]["http_status"] == status
    assert "HTTP %d" % status in result.stderr
    assert len(sim.seen("POST", "/compatible-mode/")) == 1       # the probe is never repeated
    if status >= 500:
        steps = " ".join(result.json["next_steps"])
        assert "HTTPS_PROXY" in steps and "SSL_CERT_FILE" in steps


def test_arrearage(workdir, sim):
    sim.inject("/compatible-mode/", status=400, body='{"code": "Arrearage", "message": "overdue"}')
    result = check(workdir, sim)
    assert result.code == 1 and result.json["verdict"] == "overdue"


def test_not_a_chat_answer(workdir, sim):
    sim.inject("/compatible-mode/", status=200, body="<html>captive portal</html>")
    result = check(workdir, sim)
    assert result.code == 1 and result.json["verdict"] == "unexpected"


def test_network_down_gives_proxy_and_certificate_hints(workdir, python):
    base = unreachable_url("")
    result = check(workdir, python=python, env={"QWEN_BASE_URL": base})
    assert result.code == 1 and result.json["verdict"] == "unreachable"
    assert result.json["probe"]["http_status"] is None
    steps = " ".join(result.json["next_steps"])
    assert "HTTPS_PROXY" in steps and "SSL_CERT_FILE" in steps
    assert "URLError" in result.stderr
    assert len(evidence(workdir)) == 2


def test_server_echoing_the_key_leaks_nothing(workdir, sim):
    sim.inject("/compatible-mode/", echo_key=True, status=401)
    result = check(workdir, sim)
    assert result.code == 1
    assert_clean(result, workdir)
    assert FAKE_KEY[-6:] not in result.stdout + result.stderr + all_files_text(workdir / "output")


# -- no key, evidence, Qwen Code, signals

def test_no_key(workdir, sim, python):
    result = check(workdir, sim, python, key=None)
    assert result.code == 2
    assert config.MISSING_KEY in result.stderr
    assert "echo 'DASHSCOPE_API_KEY=sk-your-key-here' >> .env" in result.stderr
    assert "export DASHSCOPE_API_KEY" in result.stderr
    assert "https://platform.qianwenai.com/home/api-keys" in result.stderr
    assert result.json["verdict"] == "missing_key" and result.json["key_set"] is False
    assert sim.requests == []


def test_evidence_accumulates_and_is_never_overwritten(workdir, sim):
    for _ in range(3):
        assert check(workdir, sim, args=()).code == 0
    files = evidence(workdir)
    assert len(files) == 6 and len(set(files)) == 6


def test_output_folder_option(workdir, sim, tmp_path):
    target = tmp_path / "evidence-here"
    result = check(workdir, sim, args=("--print-response", "--output", str(target)))
    assert result.code == 0 and len(os.listdir(str(target))) == 2
    assert result.json["evidence"]["json"].startswith(str(target))


def test_qwen_code_settings_are_noted_not_shown(workdir, sim):
    other = "sk-qwencode111111111111111111111111"
    (workdir / ".qwen").mkdir()
    (workdir / ".qwen" / ".env").write_text(
        "OPENAI_API_KEY=%s\nOPENAI_BASE_URL=https://dashscope.aliyuncs.com/compatible-mode/v1\n"
        "OPENAI_MODEL=qwen3-coder-plus\n" % other)
    home = workdir.parent / "home"
    (home / ".qwen").mkdir()
    (home / ".qwen" / ".env").write_text(
        "OPENAI_API_KEY=%s\nOPENAI_BASE_URL=https://coding.dashscope.aliyuncs.com/v1\n" % PLAN_KEY)
    result = check(workdir, sim, key=None)
    assert result.code == 2
    notes = {note["path"]: note for note in result.json["qwen_code"]}
    local = notes[str(workdir / ".qwen" / ".env")]
    assert local["has_key"] and local["plan"] is None and local["base_url_host"] == "dashscope.aliyuncs.com"
    assert "DASHSCOPE_API_KEY" in local["advice"]
    assert any("qwen_code notes" in step for step in result.json["next_steps"])
    assert "Coding Plan" in notes[str(home / ".qwen" / ".env")]["advice"]
    assert_no_key(result.stdout, result.stderr, all_files_text(workdir / "output"), key=other)
    assert_clean(result, workdir, key=PLAN_KEY)


def test_qwen_code_oauth_and_environment(workdir, sim):
    (workdir / ".qwen").mkdir()
    (workdir / ".qwen" / ".env").write_text(
        "OPENAI_BASE_URL=https://dashscope-intl.aliyuncs.com/compatible-mode/v1\n")
    (workdir / ".qwen" / "settings.json").write_text("{}")
    other = "sk-envqwen22222222222222222222222222"
    result = check(workdir, sim, env={"OPENAI_API_KEY": other,
                                      "OPENAI_BASE_URL": "https://dashscope.aliyuncs.com/compatible-mode/v1"})
    assert result.code == 0
    notes = result.json["qwen_code"]
    assert not notes[0]["has_key"] and "OAuth" in notes[0]["advice"]
    assert 'export DASHSCOPE_API_KEY="$OPENAI_API_KEY"' in notes[1]["advice"]
    assert_no_key(result.stdout, result.stderr, all_files_text(workdir / "output"), key=other)


def test_no_update_signal(workdir, sim):  # CONTRACT: check_auth prints no signal
    result = check(workdir, sim, env={"QWEN_NO_UPDATE_CHECK": None})
    assert "[ACTION_REQUIRED]" not in result.stderr and "[UPDATE_AVAILABLE]" not in result.stderr


def test_help_and_bad_arguments(workdir):
    result = check(workdir, args=("--help",))
    assert result.code == 0
    for flag in ("--print-response", "--output", "--timeout", "DASHSCOPE_API_KEY", "HTTPS_PROXY"):
        assert flag in result.stdout
    assert check(workdir, args=("--timeout", "-1")).code == 2
    assert check(workdir, env={"QWEN_REGION": "mars-1"}).code == 2
