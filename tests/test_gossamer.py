"""gossamer.py in-process: versions, URLs, the state file (atomic, tolerant, concurrent)."""

import json
import os
import subprocess
import sys

import gossamer  # the canonical copy in skills/_common (conftest puts it on sys.path)
import pytest

from tests.conftest import ROOT

CANONICAL = os.path.join(ROOT, "skills", "_common", "gossamer.py")


@pytest.mark.parametrize("newer, older", [
    ("0.10.0", "0.9.0"), ("1.0.0", "0.99.99"), ("0.2.0", "0.1.9"), ("1.0.0", "1.0.0-rc.1"),
    ("1.0.0-rc.2", "1.0.0-rc.1"), ("1.0.0-alpha.1", "1.0.0-alpha"), ("1.0.0-beta", "1.0.0-alpha.9"),
    ("1.0.0-rc.1", "1.0.0-beta.11"), ("1.0.0-alpha.beta", "1.0.0-alpha.2"), ("v0.3", "0.2.9"),
])
def test_version_order(newer, older):  # U-5: 0.10.0 > 0.9.0, pre-releases before the release
    assert gossamer.is_newer(newer, older)
    assert not gossamer.is_newer(older, newer)


@pytest.mark.parametrize("text", ["", "1", "1.2.3.4", "1.x.0", "1.2.3-", "1.2.3-a..b", None, 3,
                                  "１.２.３", "1.2.3-beta!"])
def test_malformed_versions_are_refused(text):
    assert gossamer.parse_version(text) is None
    assert not gossamer.is_newer(text, "0.0.1")


def test_equal_versions_are_not_newer():
    assert not gossamer.is_newer("0.1.0", "0.1.0")
    assert not gossamer.is_newer("0.1.0+build.7", "0.1.0")


def test_update_url_defaults_and_overrides():
    default = gossamer.update_url({})
    assert default == ("https://raw.githubusercontent.com/QianWen-AI/qianwen-ai/HEAD/"
                       "skills/qianwen-update-check/version.json")
    assert gossamer.update_url({"QWEN_SKILLS_REPO": "me/fork"}).startswith(
        "https://raw.githubusercontent.com/me/fork/HEAD/")
    assert gossamer.update_url({"QWEN_UPDATE_URL": "http://127.0.0.1:9/v.json",
                                "QWEN_SKILLS_REPO": "me/fork"}) == "http://127.0.0.1:9/v.json"
    assert gossamer.update_url({"QWEN_SKILLS_REPO": "not a repo"}) is None
    assert gossamer.update_url({"QWEN_UPDATE_URL": "file:///etc/passwd"}) is None
    assert gossamer.update_command({"QWEN_SKILLS_REPO": "me/fork"}) == "npx skills add me/fork -y"
    assert gossamer.update_command({}) == "npx skills add QianWen-AI/qianwen-ai -y"


@pytest.mark.parametrize("value, off", [("1", True), ("true", True), ("0", False), ("", False)])
def test_opt_out_variable(value, off):
    assert gossamer.opted_out({"QWEN_NO_UPDATE_CHECK": value}) is off


def test_state_path_walks_up_to_the_project_root(tmp_path):
    (tmp_path / "proj" / ".git").mkdir(parents=True)
    deep = tmp_path / "proj" / "a" / "b"
    deep.mkdir(parents=True)
    assert gossamer.state_path(str(deep)) == str(tmp_path / "proj" / ".agents" / "state.json")
    (tmp_path / "proj" / "a" / ".agents").mkdir()
    assert gossamer.state_path(str(deep)) == str(tmp_path / "proj" / "a" / ".agents" / "state.json")


def test_state_write_keeps_foreign_keys(tmp_path):
    path = tmp_path / ".agents" / "state.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"other-tool": {"x": 1}, "theme": "dark"}))
    gossamer.update_state(str(path), lambda s: s.update(dismissed_until=5.0))
    whole = json.loads(path.read_text())
    assert whole["other-tool"] == {"x": 1} and whole["theme"] == "dark"
    assert whole[gossamer.STATE_KEY]["dismissed_until"] == 5.0
    assert not [name for name in os.listdir(path.parent) if name.endswith(".tmp")]


@pytest.mark.parametrize("junk", ["{not json", "[1, 2]", "", '"text"', '{"qianwen_update": 7}'])
def test_corrupt_or_foreign_state_is_replaced(tmp_path, junk):
    path = tmp_path / "state.json"
    path.write_text(junk)
    assert gossamer.read_state(str(path)) == {}
    gossamer.update_state(str(path), lambda s: s.update(never_install=True))
    assert json.loads(path.read_text())[gossamer.STATE_KEY] == {"never_install": True}


def test_concurrent_writers_never_corrupt_the_file(tmp_path):
    """Eight processes, 25 read-modify-writes each: valid JSON throughout, no update lost."""
    path = tmp_path / ".agents" / "state.json"
    code = ("import sys; sys.path.insert(0, %r); import gossamer\n"
            "for i in range(25):\n"
            "    gossamer.update_state(sys.argv[1], lambda s: s.update({sys.argv[2] + str(i): i,\n"
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
    section = json.loads(path.read_text())[gossamer.STATE_KEY]
    assert seen_bad == 0
    assert section["count"] == 200
    assert len([k for k in section if k.startswith("w")]) == 200


def test_record_check_keeps_the_last_good_version():
    section = {}
    gossamer.record_check(section, "u", latest="0.2.0", now=100.0)
    gossamer.record_check(section, "u", error="offline", now=200.0)
    assert section["latest_version"] == "0.2.0" and section["checked_at"] == 100.0
    assert section["attempted_at"] == 200.0 and section["last_error"] == "offline"


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
    for heavy in ("urllib.request", "subprocess", "threading", "json", "argparse", "ssl"):
        assert "'%s'" % heavy not in out
