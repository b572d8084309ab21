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


OPENCLAW_KEY = {"qianwen-image-generation": True, "qianwen-video-generation": True,
                "qianwen-ops-auth": False, "qianwen-update-check": False}


@pytest.mark.parametrize("skill", SKILL_NAMES)
def test_openclaw_metadata(skill):
    # OpenClaw (ClawHub "Skill format") reads metadata.openclaw: requires.env gates a skill on the key;
    # ops-auth stays loadable without one (it sets the key up); the bundle version rides along.
    import json

    import strictyaml
    text = (Path(SKILLS) / skill / "SKILL.md").read_text(encoding="utf-8")
    meta = strictyaml.load(text.split("---\n")[1]).data["metadata"]
    claw = meta["openclaw"]
    with open(os.path.join(SKILLS, "qianwen-update-check", "version.json")) as handle:
        assert meta["version"] == json.load(handle)["version"]
    assert "python3" in claw["requires"]["bins"]
    assert ("DASHSCOPE_API_KEY" in claw["requires"].get("env", [])) is OPENCLAW_KEY[skill]
    if skill != "qianwen-update-check":
        assert claw["primaryEnv"] == "DASHSCOPE_API_KEY"
