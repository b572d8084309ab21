"""config: key chain, .env parsing, key kinds, regions, base URL, own-bucket settings."""

import os

import pytest
from qianwen_common import config
from qianwen_common.errors import UsageError

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
    assert cfg.api_key == "sk-fromfile999999" and cfg.key_source.endswith(".env)")


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


def test_env_parser_copes_with_real_files(tmp_path):
    path = tmp_path / ".env"
    path.write_bytes(b"\xef\xbb\xbf# comment\r\nexport DASHSCOPE_API_KEY='sk-quoted1234567'  # note\r\n"
                     b'QWEN_REGION="ap-southeast-1"\r\nPLAIN=value # trailing\r\n\r\nnot a line\r\n'
                     b"BROKEN='unterminated\r\n")
    values, warnings = config.parse_env_file(str(path))
    assert values["DASHSCOPE_API_KEY"] == "sk-quoted1234567"
    assert values["QWEN_REGION"] == "ap-southeast-1"
    assert values["PLAIN"] == "value"
    assert len(warnings) == 2 and "line 6" in warnings[0] and "line 7" in warnings[1]
    assert all("unterminated" not in w and "sk-" not in w for w in warnings)


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
    with pytest.raises(UsageError, match="QWEN_BASE_URL"):
        load(tmp_path, {"DASHSCOPE_API_KEY": KEY, "QWEN_REGION": "eu-central-1"})


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


def test_proxy_settings_from_env_file_reach_urllib(tmp_path, monkeypatch):
    # a proxy given in .env is honoured like one in the environment
    monkeypatch.delenv("HTTPS_PROXY", raising=False)
    (tmp_path / ".env").write_text("HTTPS_PROXY=http://127.0.0.1:3128\nDASHSCOPE_API_KEY=%s\n" % KEY)
    try:
        load(tmp_path)
        assert os.environ.get("HTTPS_PROXY") == "http://127.0.0.1:3128"
    finally:
        os.environ.pop("HTTPS_PROXY", None)
