"""Every SKILL.md embeds skills/_common/update-signals.md verbatim (X-45..X-53)."""

import os

import pytest

from tests.conftest import SKILLS

BLOCK_PATH = os.path.join(SKILLS, "_common", "update-signals.md")
HEADING = "## Update signals"


def skill_pages():
    return sorted(name for name in os.listdir(SKILLS)
                  if not name.startswith("_") and os.path.isfile(os.path.join(SKILLS, name, "SKILL.md")))


def read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def test_block_keeps_the_exact_signal_strings():
    block = read(BLOCK_PATH)
    assert block.startswith(HEADING)
    for text in ("`[ACTION_REQUIRED] qianwen-update-check skill is not installed`",
                 "[UPDATE_AVAILABLE]",
                 "npx skills add QianWen-AI/qianwen-ai --skill qianwen-update-check -y",
                 "scripts/gossamer.py --dismiss", "scripts/gossamer.py --never-install",
                 "check_update.py --print-response", "QWEN_NO_UPDATE_CHECK=1"):
        assert text in block


@pytest.mark.parametrize("skill", skill_pages())
def test_skill_embeds_the_block_verbatim(skill):
    page = read(os.path.join(SKILLS, skill, "SKILL.md"))
    if HEADING not in page:
        pytest.skip("%s/SKILL.md is still a stub (no '%s' heading)" % (skill, HEADING))
    assert read(BLOCK_PATH).strip() in page, "%s/SKILL.md: update-signal block differs" % skill
