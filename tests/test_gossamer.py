"""gossamer.py in-process: versions, URLs, the state file (atomic, tolerant, concurrent)."""

import json
import os
import subprocess
import sys

import gossamer  # the canonical copy in skills/_common (conftest puts it on sys.path)
import pytest
from qianwen_common import update_state, versions

from tests.conftest import ROOT

CANONICAL = os.path.join(ROOT, "skills", "_common", "gossamer.py")


@pytest.mark.parametrize("newer, older", [
    ("0.10.0", "0.9.0"), ("1.0.0", "0.99.99"), ("0.2.0", "0.1.9"), ("1.0.0", "1.0.0-rc.1"),
    ("1.0.0-rc.2", "1.0.0-rc.1"), ("1.0.0-alpha.1", "1.0.0-alpha"), ("1.0.0-beta", "1.0.0-alpha.9"),
    ("1.0.0-rc.1", "1.0.0-beta.11"), ("1.0.0-alpha.beta", "1.0.0-alpha.2"), ("v0.3", "0.2.9"),
])
def test_version_order(newer, older):  # U-5: 0.10.0 > 0.9.0, pre-releases before the release
    assert versions.is_newer(newer, older)
    assert not versions.is_newer(older, newer)


@pytest.mark.parametrize("text", ["", "1", "1.2.3.4", "1.x.0", "1.2.3-", "1.2.3-a..b", None, 3,
                                  "１.２.３", "1.2.3-beta!"])
def test_malformed_versions_are_refused(text):
    assert versions.parse_version(text) is None
    assert not versions.is_newer(text, "0.0.1")


def test_equal_versions_are_not_newer():
    assert not versions.is_newer("0.1.0", "0.1.0")
    assert not versions.is_newer("0.1.0+build.7", "0.1.0")


def test_update_url_defaults_and_overrides():
    default = versions.update_url({})
    assert default == ("https://raw.githubusercontent.com/QianWen-AI/qianwen-ai/HEAD/"
                       "skills/qianwen-update-check/version.json")
    assert versions.update_url({"QWEN_SKILLS_REPO": "me/fork"}).startswith(
        "https://raw.githubusercontent.com/me/fork/HEAD/")
    assert versions.update_url({"QWEN_UPDATE_URL": "http://127.0.0.1:9/v.json",
                                "QWEN_SKILLS_REPO": "me/fork"}) == "http://127.0.0.1:9/v.json"
    assert versions.update_url({"QWEN_SKILLS_REPO": "not a repo"}) is None
    assert versions.update_url({"QWEN_UPDATE_URL": "file:///etc/passwd"}) is None
    assert versions.skills_repo({"QWEN_SKILLS_REPO": "me/fork"}) == "me/fork"
    assert versions.skills_repo({}) == "QianWen-AI/qianwen-ai"


@pytest.mark.parametrize("value, off", [("1", True), ("true", True), ("0", False), ("", False)])
def test_opt_out_variable(value, off):
    assert versions.opted_out({"QWEN_NO_UPDATE_CHECK": value}) is off


def test_state_path_walks_up_to_the_project_root(tmp_path):
    (tmp_path / "proj" / ".git").mkdir(parents=True)
    deep = tmp_path / "proj" / "a" / "b"
    deep.mkdir(parents=True)
    from qianwen_common import settings
    assert update_state.state_path(settings.project_root(str(deep))) == str(
        tmp_path / "proj" / ".agents" / "state.json")
    (tmp_path / "proj" / "a" / ".agents").mkdir()
    assert update_state.state_path(settings.project_root(str(deep))) == str(
        tmp_path / "proj" / "a" / ".agents" / "state.json")


def test_state_write_keeps_foreign_keys(tmp_path):
    path = tmp_path / ".agents" / "state.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"other-tool": {"x": 1}, "theme": "dark"}))
    update_state.update_state(str(path), lambda s: s.update(dismissed_until=5.0))
    whole = json.loads(path.read_text())
    assert whole["other-tool"] == {"x": 1} and whole["theme"] == "dark"
    assert whole[update_state.STATE_KEY]["dismissed_until"] == 5.0
    assert not [name for name in os.listdir(path.parent) if name.endswith(".tmp")]


@pytest.mark.parametrize("junk", ["{not json", "[1, 2]", "", '"text"', '{"qianwen_update": 7}'])
def test_corrupt_or_foreign_state_is_replaced(tmp_path, junk):
    path = tmp_path / "state.json"
    path.write_text(junk)
    assert update_state.read_state(str(path)) == {}
    update_state.update_state(str(path), lambda s: s.update(never_install=True))
    assert json.loads(path.read_text())[update_state.STATE_KEY] == {"never_install": True}


def test_concurrent_writers_never_corrupt_the_file(tmp_path):
    """Eight processes, 25 read-modify-writes each: valid JSON throughout, no update lost."""
    path = tmp_path / ".agents" / "state.json"
    code = ("import sys; sys.path.insert(0, %r); from qianwen_common import update_state\n"
            "for i in range(25):\n"
            "    update_state.update_state(sys.argv[1], lambda s: s.update({sys.argv[2] + str(i): i,\n"
            "        'count': s.get('count', 0) + 1}), wait=30)\n" % os.path.dirname(CANONICAL))
    procs = [subprocess.Popen([sys.executable, "-c", code, str(path), "w%d-" % n]) for n in range(8)]
    seen_bad = 0
    while any(p.poll() is None for p in procs):
        try:
            text = path.read_text()
        except FileNotFoundError:   # before the first write
            continue
        try:
            json.loads(text)
        except ValueError:
            seen_bad += 1
    assert all(p.wait() == 0 for p in procs)
    section = json.loads(path.read_text())[update_state.STATE_KEY]
    assert seen_bad == 0
    assert section["count"] == 200
    assert len([k for k in section if k.startswith("w")]) == 200


def test_record_check_keeps_the_last_good_version():
    section = {}
    update_state.record_check(section, "u", latest="0.2.0", now=100.0)
    update_state.record_check(section, "u", error="offline", now=200.0)
    assert section["latest_version"] == "0.2.0" and section["checked_at"] == 100.0
    assert section["attempted_at"] == 200.0 and section["last_error"] == "offline"


def test_settings_env_file_is_honoured(tmp_path):
    # Issue 12.3: QWEN_NO_UPDATE_CHECK, QWEN_UPDATE_URL and QWEN_SKILLS_REPO come through settings (.env too).
    from qianwen_common import settings
    (tmp_path / ".git").mkdir()
    (tmp_path / ".env").write_text("QWEN_NO_UPDATE_CHECK=1\nQWEN_SKILLS_REPO=me/fork\n")
    values = settings.load(cwd=str(tmp_path), environ={})
    assert versions.opted_out(values) and versions.skills_repo(values) == "me/fork"
    assert versions.update_url(values).startswith("https://raw.githubusercontent.com/me/fork/HEAD/")


def test_signal_updates_never_raises(tmp_path, monkeypatch):
    monkeypatch.delenv("QWEN_NO_UPDATE_CHECK", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".agents").mkdir()
    (tmp_path / ".agents" / "state.json").mkdir()   # a folder where the file should be
    monkeypatch.setattr(gossamer, "update_skill_installed", lambda *a, **k: 1 / 0)
    assert gossamer.signal_updates("/nowhere/x.py") is None


def test_import_is_cheap():
    """Importing gossamer loads no network or process modules (they load only when needed)."""
    code = ("import sys; sys.path.insert(0, %r); before = set(sys.modules); import gossamer; "
            "print(sorted(set(sys.modules) - before))" % os.path.dirname(CANONICAL))
    out = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True).stdout
    for heavy in ("urllib.request", "subprocess", "threading", "json", "argparse", "ssl", "dataclasses",
                  "re"):
        assert "'%s'" % heavy not in out
