"""Issue 15.1: the install manifests, proven with the real CLIs from npm where they can be had.

Claude Code (@anthropic-ai/claude-code) validates the repository and installs the plugin from a
local marketplace into a scratch HOME; Qwen Code (@qwen-code/qwen-code) installs it as an extension
from the local path; the installed scripts run --help and a dry run. Both CLIs come through
tools/claude_cli.py (cached in .cache/npm-tools/agents/); these tests skip, saying why, only when
npm's registry cannot be reached. Codex has no npm CLI that installs plugins offline here, so its
manifest is checked against the fields its "Build plugins" documentation requires.
"""

import importlib.util
import json
import os
import re
import shutil

import pytest

from tests.conftest import ROOT, run

_SPEC = importlib.util.spec_from_file_location("claude_cli", os.path.join(ROOT, "tools", "claude_cli.py"))
claude_cli = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(claude_cli)

SKILL_NAMES = ["qianwen-image-generation", "qianwen-ops-auth", "qianwen-update-check", "qianwen-video-generation"]
SKIP = shutil.ignore_patterns(".git", ".venv", ".cache", "__pycache__", "output", "build", "*.egg-info",
                              ".pytest_cache")
KEBAB = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def load(*parts):
    with open(os.path.join(ROOT, *parts)) as handle:
        return json.load(handle)


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    """The repository as a user clones it (no venv, caches or outputs)."""
    target = tmp_path_factory.mktemp("clone") / "qianwen-ai"
    shutil.copytree(ROOT, str(target), ignore=SKIP, symlinks=True)
    return target


def cli(tool, args, cwd, home):
    try:
        proc = claude_cli.run(tool, args, cwd, env={"HOME": str(home), "XDG_CONFIG_HOME": str(home)})
    except claude_cli.RegistryUnreachable as exc:
        pytest.skip("agent CLIs not available: %s" % exc)
    assert proc.returncode == 0, "%s %s failed:\n%s\n%s" % (tool, " ".join(args), proc.stdout[-3000:],
                                                            proc.stderr[-3000:])
    return proc


def installed_works(skills_dir, workdir, expect_command):
    """--help of each entry script, an image dry run, and the update command the channel calls for."""
    for skill, script in (("qianwen-image-generation", "image.py"), ("qianwen-update-check", "check_update.py"),
                          ("qianwen-ops-auth", "gossamer.py")):
        result = run(os.path.join(str(skills_dir), skill, "scripts", script), ["--help"], workdir)
        assert result.code == 0 and "usage:" in result.stdout.lower(), result
    dry = run(os.path.join(str(skills_dir), "qianwen-image-generation", "scripts", "image.py"),
              ["--request", '{"prompt": "A cozy flower shop with wooden door"}', "--dry-run"], workdir)
    assert dry.code == 0, dry
    answer = run(os.path.join(str(skills_dir), "qianwen-update-check", "scripts", "check_update.py"),
                 ["--print-response"], workdir, key=None).json           # opted out: no traffic
    assert answer["update_command"] == expect_command


def test_claude_code_validates_and_installs_the_plugin(checkout, tmp_path, workdir):
    home = tmp_path / "home"
    proc = cli("claude", ["plugin", "validate", str(checkout)], tmp_path, home)
    assert "Validation passed" in proc.stdout + proc.stderr
    cli("claude", ["plugin", "marketplace", "add", str(checkout)], tmp_path, home)
    cli("claude", ["plugin", "install", "qianwen-ai@qianwen-ai"], tmp_path, home)
    with open(str(home / ".claude" / "plugins" / "installed_plugins.json")) as handle:
        record = json.load(handle)["plugins"]["qianwen-ai@qianwen-ai"][0]
    version = load("skills", "qianwen-update-check", "version.json")["version"]
    assert record["version"] == version
    assert record["installPath"] == str(home / ".claude" / "plugins" / "cache" / "qianwen-ai" / "qianwen-ai" / version)
    skills_dir = os.path.join(record["installPath"], "skills")
    assert sorted(n for n in os.listdir(skills_dir) if not n.startswith("_")) == SKILL_NAMES
    installed_works(skills_dir, workdir, "claude plugin marketplace update qianwen-ai && "
                                         "claude plugin update qianwen-ai@qianwen-ai")


def test_qwen_code_installs_the_extension_from_a_local_path(checkout, tmp_path, workdir):
    home = tmp_path / "home"
    # The repository also holds a Claude marketplace; name the plugin so the install asks nothing.
    cli("qwen", ["extensions", "install", "%s:qianwen-ai" % checkout, "--consent"], tmp_path, home)
    listing = cli("qwen", ["extensions", "list"], tmp_path, home).stdout
    for skill in SKILL_NAMES:
        assert skill in listing
    skills_dir = home / ".qwen" / "extensions" / "qianwen-ai" / "skills"
    installed_works(skills_dir, workdir, "qwen extensions update qianwen-ai")


def test_qwen_extension_manifest():
    # Qwen Code "Extensions": qwen-extension.json at the root, name and version; skills/<name>/SKILL.md.
    data = load("qwen-extension.json")
    assert re.match(r"^[A-Za-z0-9_.-]+$", data["name"]) and data["name"] not in (".", "..")
    assert data["version"] and "mcpServers" not in data
    for skill in SKILL_NAMES:
        assert os.path.isfile(os.path.join(ROOT, "skills", skill, "SKILL.md"))


def test_codex_plugin_manifest_follows_the_documented_schema():
    # Codex "Build plugins": .codex-plugin/ holds only plugin.json; `name` (kebab-case) is required,
    # version and description recommended; component paths start with ./ and stay inside the plugin.
    assert os.listdir(os.path.join(ROOT, ".codex-plugin")) == ["plugin.json"]
    data = load(".codex-plugin", "plugin.json")
    assert KEBAB.match(data["name"]) and data["version"] and data["description"]
    assert data["skills"].startswith("./") and ".." not in data["skills"]
    folder = os.path.join(ROOT, data["skills"])
    assert sorted(n for n in os.listdir(folder) if os.path.isfile(os.path.join(folder, n, "SKILL.md"))) == SKILL_NAMES
    known = {"name", "version", "description", "author", "homepage", "repository", "license", "keywords",
             "skills", "hooks", "mcpServers", "apps", "interface"}
    assert set(data) <= known
    assert set(data["interface"]) <= {"displayName", "shortDescription", "longDescription", "developerName",
                                      "category", "capabilities", "websiteURL", "privacyPolicyURL",
                                      "termsOfServiceURL", "defaultPrompt", "brandColor", "composerIcon",
                                      "logo", "screenshots"}


def test_codex_marketplace_entry_follows_the_documented_schema():
    # Codex "Build plugins": $REPO_ROOT/.agents/plugins/marketplace.json, a name, interface.displayName,
    # plugins[] each with name, source {source: local, path: ./...}, policy.installation/.authentication
    # and category.
    data = load(".agents", "plugins", "marketplace.json")
    assert data["name"] and data["interface"]["displayName"]
    (entry,) = data["plugins"]
    assert entry["name"] == load(".codex-plugin", "plugin.json")["name"]
    assert entry["source"]["source"] == "local" and entry["source"]["path"].startswith("./")
    assert os.path.isfile(os.path.join(ROOT, entry["source"]["path"], ".codex-plugin", "plugin.json"))
    assert entry["policy"]["installation"] in ("AVAILABLE", "INSTALLED_BY_DEFAULT", "NOT_AVAILABLE")
    assert entry["policy"]["authentication"] in ("ON_INSTALL", "ON_USE")
    assert entry["category"]


def test_claude_marketplace_lists_the_four_skills():
    # The layout anthropics/skills uses: the repository is the plugin source, skills listed, strict off.
    data = load(".claude-plugin", "marketplace.json")
    (plugin,) = data["plugins"]
    assert data["name"] == plugin["name"] == "qianwen-ai" and plugin["source"] == "./" and plugin["strict"] is False
    assert plugin["skills"] == ["./skills/%s" % name for name in SKILL_NAMES]
