"""Docs blocks are generated (issue 12.5): each SKILL.md carries exactly its blocks, byte for byte.

update-signals goes into the image and video pages only (only their scripts signal); agent-setup and
install-prompt into all four; agent-compatibility.md of every skill is the one source. These tests
fail, never skip, when a block is missing or differs (run `make vendor`).
"""

import os
import sys

import pytest

from tests.conftest import ROOT, SKILLS

sys.path.insert(0, os.path.join(ROOT, "tools"))
import vendor_docs  # noqa: E402

SKILL_NAMES = ["qianwen-image-generation", "qianwen-ops-auth", "qianwen-update-check", "qianwen-video-generation"]
COMMON = os.path.join(SKILLS, "_common")


def read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def between(page, name):
    start = "<!-- BEGIN GENERATED: %s -->\n" % name
    assert start in page, "block %s is missing (run make vendor)" % name
    return page.split(start, 1)[1].split("\n<!-- END GENERATED -->", 1)[0]


def test_sources_keep_the_exact_strings():  # ..X-53
    signals, prompt = read(os.path.join(COMMON, "update-signals.md")), read(os.path.join(COMMON, "install-prompt.md"))
    assert signals.startswith("## Update signals")
    for text in ("`[ACTION_REQUIRED] qianwen-update-check skill is not installed`", "[UPDATE_AVAILABLE]",
                 "QWEN_NO_UPDATE_CHECK=1"):
        assert text in signals
    for text in ("[ACTION_REQUIRED] qianwen-update-check skill is not installed", "exactly these three options",
                 "Install now", "Skip for now", "Never remind me",
                 "npx skills add QianWen-AI/qianwen-ai --skill qianwen-update-check -y",
                 "scripts/gossamer.py --dismiss", "scripts/gossamer.py --never-install",
                 "check_update.py --print-response"):
        assert text in prompt
    setup = read(os.path.join(COMMON, "agent-setup.md"))
    assert "need nothing" in setup and "by hand" in setup and "for example Claude Code" not in setup


@pytest.mark.parametrize("skill", SKILL_NAMES)
def test_page_carries_exactly_its_blocks(skill):
    page = read(os.path.join(SKILLS, skill, "SKILL.md"))
    for name, source, only in vendor_docs.BLOCKS:
        if only is None or skill in only:
            assert between(page, name) == read(os.path.join(COMMON, source)).strip(), (
                "%s/SKILL.md: block %s differs from skills/_common/%s (run make vendor)" % (skill, name, source))
        else:
            assert "GENERATED: %s" % name not in page, "%s must not carry %s" % (skill, name)
    if skill not in vendor_docs.SIGNALLING:
        assert "## Update signals" not in page, "only the image and video scripts signal"


@pytest.mark.parametrize("skill", SKILL_NAMES)
def test_agent_compatibility_is_generated_from_one_source(skill):
    text = read(os.path.join(SKILLS, skill, "references", "agent-compatibility.md"))
    assert text == vendor_docs.DOC_HEADER % "agent-compatibility.md" + read(os.path.join(COMMON,
                                                                                         "agent-compatibility.md"))
