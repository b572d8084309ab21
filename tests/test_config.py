"""config: key chain, .env parsing, key kinds, regions, base URL, own-bucket settings."""

import os
import socket

import pytest
from conftest import FAKE_KEY
from qianwen_common import config, http, tasks
from qianwen_common.errors import NetworkError, UsageError
from qianwen_common.redact import mask

KEY = "sk-cfg1111111111111111111111"


def load(tmp_path, environ=None, **kwargs):
    return config.load_config(cwd=str(tmp_path), environ=environ or {}, **kwargs)


def test_environment_order(tmp_path):
    # DASHSCOPE_API_KEY, then QIANWEN_API_KEY, then QWEN_API_KEY
    env = {"QWEN_API_KEY": "sk-third333333", "QIANWEN_API_KEY": "sk-second22222"}
    assert load(tmp_path, env).api_key == "sk-second22222"
    env["DASHSCOPE_API_KEY"] = KEY
    cfg = load(tmp_path, env)
    assert cfg.api_key == KEY and cfg.key_source == "DASHSCOPE_API_KEY (environment)"


def test_env_file_never_overrides_environment(tmp_path):
    (tmp_path / ".env").write_text("DASHSCOPE_API_KEY=sk-fromfile999999\n")
    assert load(tmp_path, {"DASHSCOPE_API_KEY": KEY}).api_key == KEY
    cfg = load(tmp_path)
    assert cfg.api_key == "sk-fromfile999999"
    assert cfg.key_source == "DASHSCOPE_API_KEY (%s line 1)" % (tmp_path / ".env")


def test_cwd_env_before_repo_root_env(tmp_path):
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / ".env").write_text("DASHSCOPE_API_KEY=sk-root11111111\nQWEN_REGION=ap-southeast-1\n")
    sub = root / "a" / "b"
    sub.mkdir(parents=True)
    cfg = load(sub)
    assert cfg.api_key == "sk-root11111111" and cfg.region == "ap-southeast-1"
    (sub / ".env").write_text("DASHSCOPE_API_KEY=sk-cwd2222222222\n")
    cfg = load(sub)
    assert cfg.api_key == "sk-cwd2222222222"
    assert cfg.region == "ap-southeast-1"  # merged: the root file still supplies the region


# The .env parser itself (BOM, CRLF, export, quotes, skipped lines by number) is in test_settings.py.


def test_missing_key_message(tmp_path):
    # the exact advice, before any request
    with pytest.raises(UsageError) as err:
        load(tmp_path)
    text = str(err.value)
    assert "DASHSCOPE_API_KEY" in text
    assert "echo 'DASHSCOPE_API_KEY=sk-your-key-here' >> .env" in text
    assert "export DASHSCOPE_API_KEY" in text and "https://platform.qianwenai.com/home/api-keys" in text
    assert err.value.exit_code == 2
    assert load(tmp_path, require_key=False).key_kind == "missing"


@pytest.mark.parametrize("key,kind", [("sk-abc123456", "standard"), ("sk-ws-abc12345", "standard"),
                                      ("sk-sp-abc12345", "plan"), ("abc123456", "unknown")])
def test_key_kinds(key, kind):
    assert config.key_kind(key) == kind


@pytest.mark.parametrize("raw,expected", [
    ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
    ("http://127.0.0.1:8000/", "http://127.0.0.1:8000"),
    ("https://dashscope.aliyuncs.com/api/v1", "https://dashscope.aliyuncs.com"),
    ("https://dashscope-intl.aliyuncs.com/compatible-mode/v1/", "https://dashscope-intl.aliyuncs.com"),
])
def test_base_url_forms(tmp_path, raw, expected):
    cfg = load(tmp_path, {"DASHSCOPE_API_KEY": KEY, "QWEN_BASE_URL": raw})
    assert cfg.base_url == expected
    assert cfg.api_base == expected + "/api/v1"
    assert cfg.compat_base == expected + "/compatible-mode/v1"


@pytest.mark.parametrize("raw", ["dashscope.aliyuncs.com", "ftp://x.com", "http://", "http://h:99999",
                                 "https://h.com/api/v1?x=1"])
def test_bad_base_url_names_the_variable(tmp_path, raw):
    with pytest.raises(UsageError, match="QWEN_BASE_URL"):
        load(tmp_path, {"DASHSCOPE_API_KEY": KEY, "QWEN_BASE_URL": raw})


def test_regions(tmp_path):
    assert load(tmp_path, {"DASHSCOPE_API_KEY": KEY}).base_url == "https://dashscope.aliyuncs.com"
    intl = load(tmp_path, {"DASHSCOPE_API_KEY": KEY, "QWEN_REGION": "ap-southeast-1"})
    assert intl.base_url == "https://dashscope-intl.aliyuncs.com" and intl.international
    assert not load(tmp_path, {"DASHSCOPE_API_KEY": KEY}).international
    with pytest.raises(UsageError, match="QWEN_REGION=mars-1"):
        load(tmp_path, {"DASHSCOPE_API_KEY": KEY, "QWEN_REGION": "mars-1"})
    # Frankfurt has only workspace hosts (Regions and workspaces page): say what to set, send nothing
    with pytest.raises(UsageError, match="QWEN_REGION=eu-central-1 has only workspace hosts.*QWEN_WORKSPACE_ID"):
        load(tmp_path, {"DASHSCOPE_API_KEY": KEY, "QWEN_REGION": "eu-central-1"})
    cfg = load(tmp_path, {"DASHSCOPE_API_KEY": KEY, "QWEN_REGION": "eu-central-1", "QWEN_WORKSPACE_ID": "llm-Ab12"})
    assert cfg.base_url == "https://llm-ab12.eu-central-1.maas.aliyuncs.com" and cfg.international
    assert cfg.base_source == "QWEN_WORKSPACE_ID" and cfg.upload_fallback is None
    with pytest.raises(UsageError, match="QWEN_WORKSPACE_ID"):
        load(tmp_path, {"DASHSCOPE_API_KEY": KEY, "QWEN_WORKSPACE_ID": "llm-a.evil.com/x"})


@pytest.mark.parametrize("region,shared", [("cn-beijing", "https://dashscope.aliyuncs.com"),
                                           ("cn-hongkong", "https://cn-hongkong.dashscope.aliyuncs.com")])
def test_workspace_host_in_regions_without_a_digit(tmp_path, region, shared):
    cfg = load(tmp_path, {"DASHSCOPE_API_KEY": KEY, "QWEN_WORKSPACE_ID": "llm-ab12", "QWEN_REGION": region})
    assert cfg.base_url == "https://llm-ab12.%s.maas.aliyuncs.com" % region
    assert cfg.upload_fallback == shared  # getPolicy fallback (addendum A4.3)


def test_base_source_names_the_setting(tmp_path):
    assert load(tmp_path, {"DASHSCOPE_API_KEY": KEY}).base_source == "default"
    assert load(tmp_path, {"DASHSCOPE_API_KEY": KEY, "QWEN_REGION": "ap-southeast-1"}).base_source == "QWEN_REGION"
    assert load(tmp_path, {"DASHSCOPE_API_KEY": KEY, "QWEN_BASE_URL": "http://127.0.0.1:1"}).base_source == \
        "QWEN_BASE_URL"


def test_plan_host_warning(tmp_path):
    cfg = load(tmp_path, {"DASHSCOPE_API_KEY": KEY,
                          "QWEN_BASE_URL": "https://token-plan.cn-beijing.maas.aliyuncs.com"})
    assert any("plan" in w for w in cfg.warnings)


def test_own_bucket_needs_region(tmp_path):
    #
    with pytest.raises(UsageError, match="QWEN_TMP_OSS_REGION"):
        load(tmp_path, {"DASHSCOPE_API_KEY": KEY, "QWEN_TMP_OSS_BUCKET": "b"})
    cfg = load(tmp_path, {"DASHSCOPE_API_KEY": KEY, "QWEN_TMP_OSS_BUCKET": "b", "QWEN_TMP_OSS_REGION": "r",
                          "OSS_ACCESS_KEY_ID": "id1234", "OSS_ACCESS_KEY_SECRET": "secret1234"})
    assert cfg.oss.bucket == "b" and cfg.oss.access_key_id == "id1234"
    assert "secret1234" not in repr(cfg) and KEY not in repr(cfg)


def test_proxy_settings_from_env_file_reach_urllib(sim, tmp_path, monkeypatch):
    # a proxy given in .env is honoured like one in the environment, through http.opener(config);
    # nothing is written to os.environ. The simulator stands in as the proxy: a request for a host that
    # does not exist reaches it only through the proxy.
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / ".env").write_text("HTTP_PROXY=%s\nHTTPS_PROXY=http://127.0.0.1:3128\nDASHSCOPE_API_KEY=%s\n"
                                   "QWEN_BASE_URL=http://qianwen-sim.invalid\n" % (sim.base_url, FAKE_KEY))
    cfg = load(tmp_path)
    assert cfg.proxies == {"http": sim.base_url, "https": "http://127.0.0.1:3128"}
    assert "HTTPS_PROXY" not in os.environ and "HTTP_PROXY" not in os.environ
    assert tasks.status_of(tasks.fetch(cfg, "x")) == "UNKNOWN"
    assert [r["path"] for r in sim.seen("GET")] == ["/api/v1/tasks/x"]


def test_no_proxy_from_settings_goes_direct(sim, tmp_path, monkeypatch):
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with socket.socket() as probe:  # a proxy address where nothing listens
        probe.bind(("127.0.0.1", 0))
        dead = "http://127.0.0.1:%d" % probe.getsockname()[1]
    env = {"DASHSCOPE_API_KEY": FAKE_KEY, "QWEN_BASE_URL": sim.base_url, "HTTP_PROXY": dead}
    monkeypatch.setattr(http, "BACKOFF_BASE", 0.01)
    with pytest.raises(NetworkError, match="cannot reach"):
        tasks.fetch(load(tmp_path, env), "x")
    assert not sim.requests
    direct = load(tmp_path, dict(env, NO_PROXY="localhost,127.0.0.1"))
    assert tasks.status_of(tasks.fetch(direct, "x")) == "UNKNOWN"


def test_environment_proxy_is_not_read_behind_the_settings(sim, tmp_path, monkeypatch):
    # only settings.load reads os.environ: a Config built from an explicit environ has no proxy
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    cfg = load(tmp_path, {"DASHSCOPE_API_KEY": FAKE_KEY, "QWEN_BASE_URL": sim.base_url})
    assert cfg.proxies == {}
    assert tasks.status_of(tasks.fetch(cfg, "x")) == "UNKNOWN"


def test_http_settings(tmp_path):
    cfg = load(tmp_path, {"DASHSCOPE_API_KEY": KEY, "QWEN_HTTP_TIMEOUT": "2.5", "SSL_CERT_FILE": "/ca.pem",
                          "SSL_CERT_DIR": "/certs"})
    assert cfg.http_timeout == 2.5 and cfg.ca_file == "/ca.pem" and cfg.ca_dir == "/certs"
    assert load(tmp_path, {"DASHSCOPE_API_KEY": KEY}).http_timeout is None
    for bad in ("0", "-1", "soon", "3601"):
        with pytest.raises(UsageError, match="QWEN_HTTP_TIMEOUT"):
            load(tmp_path, {"DASHSCOPE_API_KEY": KEY, "QWEN_HTTP_TIMEOUT": bad})


@pytest.mark.parametrize("bad", ["sk-abc 123456", "sk-abc\t123456", "sk-abc\x07123456", "sk-abc\u00e9123456",
                                 "sk-abc\u200b123456"])
def test_keys_with_odd_characters_are_refused_unseen(tmp_path, bad):
    with pytest.raises(UsageError) as err:
        load(tmp_path, {"DASHSCOPE_API_KEY": bad})
    assert err.value.exit_code == 2 and "DASHSCOPE_API_KEY (environment)" in str(err.value)
    assert "123456" not in str(err.value) and "sk-abc" not in str(err.value)


def test_key_with_a_line_break_in_env_file_names_the_line(tmp_path):
    (tmp_path / ".env").write_text('QWEN_REGION=cn-beijing\nDASHSCOPE_API_KEY="sk-abc\n123456"\n')
    with pytest.raises(UsageError) as err:
        load(tmp_path)
    assert "%s line 2" % (tmp_path / ".env") in str(err.value) and "123456" not in str(err.value)


def test_base_url_with_userinfo_is_refused_never_shown(tmp_path):
    with pytest.raises(UsageError, match="QWEN_BASE_URL holds a user name or password") as err:
        load(tmp_path, {"DASHSCOPE_API_KEY": KEY, "QWEN_BASE_URL": "https://bob:hunter2secret@h.example.com"})
    assert err.value.exit_code == 2
    assert "hunter2secret" not in str(err.value) and "bob" not in str(err.value)
    assert "hunter2secret" not in mask("echo https://bob:hunter2secret@h.example.com")


def test_plan_keys_go_to_the_token_plan_host(tmp_path):
    plan = "sk-sp-plan1111111111111111"
    cfg = load(tmp_path, {"DASHSCOPE_API_KEY": plan})
    assert cfg.key_kind == "plan" and cfg.token_plan and cfg.target.token_plan
    assert cfg.base_url == "https://token-plan.cn-beijing.maas.aliyuncs.com"
    intl = load(tmp_path, {"DASHSCOPE_API_KEY": plan, "QWEN_REGION": "ap-southeast-1"})
    assert intl.base_url == "https://token-plan.ap-southeast-1.maas.aliyuncs.com" and intl.international
    # QWEN_BASE_URL is ignored for plan keys (a warning); QWEN_TOKEN_PLAN_BASE_URL moves the host
    ignored = load(tmp_path, {"DASHSCOPE_API_KEY": plan, "QWEN_BASE_URL": "http://127.0.0.1:1"})
    assert ignored.base_url == "https://token-plan.cn-beijing.maas.aliyuncs.com"
    assert any("QWEN_BASE_URL is not used with a plan key" in w for w in ignored.warnings)
    moved = load(tmp_path, {"DASHSCOPE_API_KEY": plan, "QWEN_TOKEN_PLAN_BASE_URL": "http://127.0.0.1:2/api/v1"})
    assert moved.base_url == "http://127.0.0.1:2" and moved.base_source == "QWEN_TOKEN_PLAN_BASE_URL"
    with pytest.raises(UsageError, match="cn-beijing or ap-southeast-1"):
        load(tmp_path, {"DASHSCOPE_API_KEY": plan, "QWEN_REGION": "us-east-1"})
    assert not load(tmp_path, {"DASHSCOPE_API_KEY": KEY}).token_plan
