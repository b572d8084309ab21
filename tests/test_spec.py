"""Every skill passes the Agent Skills reference validator (skills-ref) and keeps the trigger wording."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from skills_ref import read_properties, validate

from tests.conftest import SKILLS

SKILL_NAMES = ["qianwen-image-generation", "qianwen-ops-auth", "qianwen-update-check", "qianwen-video-generation"]
YAML_HINT = ("; a description holding ': ' (as in 'TRIGGER when: ...') must be a quoted string "
             "or a '>-' block in YAML")


def agentskills_command():
    """The validator's CLI beside this interpreter (the .venv), else on PATH."""
    here = os.path.join(os.path.dirname(sys.executable), "agentskills")
    return here if os.path.isfile(here) else "agentskills"


def test_the_bundle_has_exactly_these_skills():
    present = sorted(name for name in os.listdir(SKILLS) if os.path.isfile(os.path.join(SKILLS, name, "SKILL.md")))
    assert present == SKILL_NAMES


@pytest.mark.parametrize("skill", SKILL_NAMES)
def test_reference_validator_api(skill):
    # Name equals folder, lower case and hyphens, description under 1024, no unknown fields.
    errors = validate(Path(SKILLS) / skill)
    assert errors == [], "\n".join(errors) + (YAML_HINT if any("YAML" in e for e in errors) else "")


def test_reference_validator_cli():
    # `agentskills validate DIR`, the command the issue names, exits 0 for each skill.
    for skill in SKILL_NAMES:
        proc = subprocess.run([agentskills_command(), "validate", os.path.join(SKILLS, skill)],
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, "%s: %s%s" % (skill, proc.stdout + proc.stderr, YAML_HINT)


@pytest.mark.parametrize("skill", SKILL_NAMES)
def test_description_keeps_the_trigger_wording(skill):
    # sibling discovery takes the text between "TRIGGER when:" and "DO NOT TRIGGER" as keywords.
    props = read_properties(Path(SKILLS) / skill)
    assert props.name == skill and skill.startswith("qianwen-")
    text = props.description
    match = re.search(r"TRIGGER when:(.*?)DO NOT TRIGGER", text, re.S)
    assert match and len(match.group(1).strip()) > 10, "no trigger keywords in %s's description" % skill
    assert text.index("TRIGGER when:") > 20, "the description first says what the skill does"
    assert "\n\n" not in text.strip() and "<" not in text and ">" not in text, "one paragraph, no angle brackets"
    assert len(text) < 1024
