"""Docs rules that hold for every skill: size, frontmatter, identity, links, brand, agent set-up."""

import glob
import os
import re
from urllib.parse import urlsplit

import pytest

from tests.conftest import ROOT, SCRIPTS, SKILLS
from tests.test_install import AGENT_DIRS, install

SKILL_NAMES = ["qianwen-image-generation", "qianwen-ops-auth", "qianwen-update-check", "qianwen-video-generation"]
COMPAT = os.path.join("references", "agent-compatibility.md")
START, END = "<!-- qianwen-ai skills:start -->", "<!-- qianwen-ai skills:end -->"

# and CONTRACT.md "URLs in docs": the QianWen console pages, model pages, and otherwise only
# API hosts, official documentation hosts and placeholders. Never a constructed billing/pricing link.
EXACT_URLS = {"https://platform.qianwenai.com/home", "https://platform.qianwenai.com/home/api-keys"}
MODEL_PAGE = re.compile(r"https://www\.qianwenai\.com/models/[A-Za-z0-9<{][^\s]*$")
ALLOWED_HOST_SUFFIXES = (
    ".aliyuncs.com",             # DashScope API hosts, Token Plan / Coding Plan hosts, OSS
    "help.aliyun.com", "www.alibabacloud.com",         # official documentation
    "docs.python.org", "www.python.org", "ffmpeg.org", "nodejs.org", "agentskills.io",
    "example.com", "example.org", "localhost", "127.0.0.1",     # placeholders
)
ALLOWED_PREFIXES = ("https://github.com/QianWen-AI/qianwen-ai", "https://raw.githubusercontent.com/QianWen-AI/qianwen-ai",
                    "https://www.npmjs.com/package/skills")
URL = re.compile(r"https?://[^\s)\]\"'`>|]+")
# no other brand. A qianwen family name is the only prefix for these skill names.
OTHER_BRAND = re.compile(r"qwen[\s_-]?cloud", re.I)
SKILL_LIKE = re.compile(r"\b([a-z0-9]+)-(image-generation|video-generation|ops-auth|update-check|model-selector)\b")
REPO_LIKE = re.compile(r"\b[A-Za-z0-9_.-]+-AI/[A-Za-z0-9_.-]+")


def doc_files():
    """Every text file an agent or a user reads: all of skills/ (docs, scripts, json) and README.md."""
    files = [os.path.join(ROOT, "README.md")]
    for base, dirs, names in os.walk(SKILLS):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        files += [os.path.join(base, n) for n in names if n.endswith((".md", ".py", ".json", ".txt"))]
    return [path for path in files if os.path.isfile(path)]


def read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def skill_md(skill):
    return read(os.path.join(SKILLS, skill, "SKILL.md"))


def host_allowed(host):
    return any(host.endswith(s) if s.startswith(".") else host == s or host.endswith("." + s)
               for s in ALLOWED_HOST_SUFFIXES)


def url_allowed(url):
    url = url.rstrip(".,;:")
    if url in EXACT_URLS or MODEL_PAGE.match(url) or url.startswith(ALLOWED_PREFIXES):
        return True
    authority = url.split("//", 1)[1].split("/", 1)[0]
    if "." not in authority or re.search(r"%s|%\(|[{<$]", url):
        return True  # a placeholder ("http://host:port", "https://<WorkspaceId>...", "https://%s/...")
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return False
    if host.endswith("qianwenai.com"):
        return False  # only the console pages and model pages above
    return host_allowed(host)


@pytest.mark.parametrize("skill", SKILL_NAMES)
def test_skill_md_is_short(skill):
    lines = skill_md(skill).splitlines()
    assert len(lines) < 300, "%s/SKILL.md has %d lines; move detail to references/" % (skill, len(lines))


@pytest.mark.parametrize("skill", SKILL_NAMES)
def test_frontmatter_opens_the_file(skill):
    text = skill_md(skill)
    assert text.startswith("---\n"), "SKILL.md starts with the frontmatter"
    head, _, body = text[4:].partition("\n---\n")
    assert re.search(r"^name: %s\s*$" % re.escape(skill), head, re.M), "name: equals the folder"
    assert re.search(r"^description:", head, re.M)
    assert body.strip(), "SKILL.md has a body"


@pytest.mark.parametrize("skill", SKILL_NAMES)
def test_skill_md_names_the_repository(skill):
    #
    assert "QianWen-AI/qianwen-ai" in skill_md(skill)


@pytest.mark.parametrize("skill", SKILL_NAMES)
def test_agent_setup_note_comes_first(skill):
    # an "Agent setup" note near the top points to references/agent-compatibility.md.
    body = skill_md(skill).split("\n---\n", 1)[-1]
    top = "\n".join(body.strip().splitlines()[:20])
    assert "references/agent-compatibility.md" in top and "agent setup" in top.lower(), top


@pytest.mark.parametrize("skill", SKILL_NAMES)
def test_agent_compatibility_exists_and_is_the_same_everywhere(skill):
    # every skill ships it; the four copies are one text (sibling discovery is the same from any skill).
    text = read(os.path.join(SKILLS, skill, COMPAT))
    assert text == read(os.path.join(SKILLS, SKILL_NAMES[0], COMPAT)), "the four copies differ"


def test_agent_compatibility_covers_the_procedure():
    #
    text = read(os.path.join(SKILLS, SKILL_NAMES[0], COMPAT))
    for needle in ("CLAUDE.md", "~/.claude/CLAUDE.md", "AGENTS.md", START, END, "TRIGGER when:", "DO NOT TRIGGER",
                   "qianwen-*/SKILL.md", "Claude Code", "Codex", "Cursor", "Qwen Code"):
        assert needle in text, "agent-compatibility.md does not mention %s" % needle
    assert re.search(r"ask the user", text, re.I) and re.search(r"absolute path", text, re.I)


def test_no_links_outside_the_allowed_ones():
    # no fabricated console, billing or pricing links.
    bad = []
    for path in doc_files():
        for url in URL.findall(read(path)):
            if not url_allowed(url):
                bad.append("%s: %s" % (os.path.relpath(path, ROOT), url))
    assert not bad, "links outside CONTRACT.md 'URLs in docs' (extend the list only for official docs):\n" + \
        "\n".join(bad)


def test_no_other_brand_names():
    # QianWen names only.
    bad = []
    for path in doc_files():
        text, rel = read(path), os.path.relpath(path, ROOT)
        bad += ["%s: %s" % (rel, m.group(0)) for m in OTHER_BRAND.finditer(text)]
        bad += ["%s: %s" % (rel, m.group(0)) for m in SKILL_LIKE.finditer(text) if m.group(1) != "qianwen"]
        bad += ["%s: %s" % (rel, m.group(0)) for m in REPO_LIKE.finditer(text)
                if not m.group(0).startswith("QianWen-AI/qianwen-ai")]
    assert not bad, "\n".join(bad)


def test_url_rules_themselves():
    assert url_allowed("https://platform.qianwenai.com/home/api-keys")
    assert url_allowed("https://www.qianwenai.com/models/wan2.6-t2i")
    assert url_allowed("https://dashscope-intl.aliyuncs.com/api/v1")
    assert not url_allowed("https://platform.qianwenai.com/home/billing")
    assert not url_allowed("https://www.qianwenai.com/pricing")
    assert not url_allowed("https://docs.example-other-brand.ai/pricing")
    assert url_allowed("http://host:port") and url_allowed("https://<WorkspaceId>.cn-beijing.maas.aliyuncs.com")


def compat_paths():
    """Paths agent-compatibility.md names with the <skills-dir>/ or <skill-dir>/ placeholders."""
    text = read(os.path.join(SKILLS, SKILL_NAMES[0], COMPAT))
    found = set(re.findall(r"<skills?-dir>/[A-Za-z0-9_.*/-]+", text))
    return sorted(path.rstrip(".") for path in found)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    return install(tmp_path_factory.mktemp("docs-install"))


def test_agent_compatibility_paths_exist_in_an_installed_copy(installed):
    # X-3 via the real installer: every path the registration guide names resolves, for each agent's folder.
    paths = compat_paths()
    assert len(paths) >= 3, "agent-compatibility.md names its paths as <skills-dir>/... and <skill-dir>/..."
    unwritten = {os.path.relpath(p, SKILLS) for p in SCRIPTS.values() if not os.path.isfile(p)}
    missing = []
    for agent, folder in AGENT_DIRS.items():
        skills_dir = os.path.join(installed, folder)
        for skill in SKILL_NAMES:
            for path in paths:
                real = path.replace("<skills-dir>", skills_dir).replace("<skill-dir>", os.path.join(skills_dir, skill))
                if glob.glob(real) or os.path.relpath(real, skills_dir) in unwritten:
                    continue
                missing.append("%s (%s, %s)" % (path, agent, skill))
    assert not missing, "named in agent-compatibility.md but absent after install:\n" + "\n".join(missing)
