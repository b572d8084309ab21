"""The video skill's docs are true to its code: flags, fields, models, paths, no prices, tables of contents."""

import importlib.util
import os
import re
import sys

import pytest

from tests.conftest import SCRIPTS, SKILLS, run

SKILL = os.path.join(SKILLS, "qianwen-video-generation")
REFS = os.path.join(SKILL, "references")
REFERENCE_FILES = ["execution-guide.md", "request-fields.md", "workflows.md", "polling-guide.md", "merge-media.md",
                   "prompt-guide.md", "examples.md", "sources.md", "agent-compatibility.md"]
# Flags of other tools the docs quote (gossamer, check_update, npx, curl, ffmpeg).
OTHER_FLAGS = {"--dismiss", "--never-install", "--force", "--skill", "--version", "--location"}
# Result and summary fields the script prints, and other words in backticks that are not request fields.
OUTPUT_WORDS = {"task_id", "task_status", "mode", "model", "video_url", "local_path", "response_path", "usage",
                "orig_prompt", "actual_prompt", "bytes", "response", "image_url", "input", "parameters",
                "media", "type", "url", "first_frame", "last_frame", "first_clip", "driving_audio", "video",
                "reference_image", "obj", "bg", "auto", "origin", "single", "multi", "tracking", "fixed",
                "check_auth", "output", "data", "code", "message", "status", "gmt_create", "model_name",
                "page_size"}


def load(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(os.path.dirname(SCRIPTS["video"]), name + ".py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses (the frozen model tables) look their module up here
    spec.loader.exec_module(module)
    return module


def text(*parts):
    with open(os.path.join(SKILL, *parts), encoding="utf-8") as handle:
        return handle.read()


@pytest.fixture(scope="module")
def models():
    sys.path.insert(0, os.path.dirname(SCRIPTS["video"]))
    return load("video_models")


@pytest.fixture(scope="module")
def help_text(tmp_path_factory):
    return run("video", ["--help"], tmp_path_factory.mktemp("help")).stdout


def known_fields(models):
    names = set(models.INPUT_FIELDS) | set(models.FIELD_KINDS)
    for entry in models.MODELS.values():  # frozen Model dataclasses
        names |= set(entry.inputs) | set(entry.params) | set(entry.short)
    for spec in models.VACE_FUNCTIONS.values():
        names |= set(spec["fields"])
    return names | set(models.VACE_FUNCTIONS) | {"reference_image"}


def test_every_reference_file_exists_and_long_ones_have_contents():
    for name in REFERENCE_FILES:
        body = text("references", name)
        if len(body.splitlines()) > 100:
            assert "## Contents" in body, name
    skill_md = text("SKILL.md")
    for name in set(re.findall(r"references/([a-z-]+\.md)", skill_md)) - {"custom-oss.md", "tokenplan.md"}:
        assert os.path.isfile(os.path.join(REFS, name)), name  # the two others are qianwen-ops-auth's
    for path in set(re.findall(r"scripts/([a-z_]+\.py)", skill_md)) - {"check_update.py", "check_auth.py"}:
        assert os.path.isfile(os.path.join(SKILL, "scripts", path)), path


@pytest.mark.parametrize("name", ["SKILL.md"] + ["references/" + n for n in REFERENCE_FILES[:-1]])
def test_every_flag_named_exists(name, help_text):
    flags = set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", text(name))) - OTHER_FLAGS
    missing = sorted(flag for flag in flags if flag not in help_text)
    assert not missing, "%s names flags video.py does not have: %s" % (name, missing)


@pytest.mark.parametrize("name", ["SKILL.md", "references/request-fields.md", "references/examples.md",
                                  "references/workflows.md"])
def test_every_model_named_exists(name, models):
    ids = set(re.findall(r"\b(?:wanx?2\.\d|happyhorse-1\.\d)-[a-z0-9.-]*[a-z0-9]", text(name)))
    missing = sorted(i for i in ids if i not in models.MODELS)
    assert not missing, "%s names unknown models: %s" % (name, missing)


def test_every_field_in_skill_md_exists(models):
    fields = known_fields(models) | OUTPUT_WORDS
    words = set(re.findall(r"`([a-z][a-z0-9_]*)`", text("SKILL.md")))
    words |= set(re.findall(r'"([a-z][a-z0-9_]*)":', text("SKILL.md")))
    modes = set(models.MODES)
    unknown = sorted(w for w in words if "_" in w and w not in fields and w not in modes)
    assert not unknown, "SKILL.md names fields the code does not know: %s" % unknown


def test_defaults_in_skill_md_match_the_code(models):
    skill_md = text("SKILL.md")
    for mode, model in models.DEFAULT_MODELS.items():
        row = next(line for line in skill_md.splitlines() if line.startswith("| `%s` |" % mode))
        assert "`%s`" % model in row, (mode, model)


def test_no_price_figures():
    price = re.compile(r"(\$\s?\d+(\.\d+)?\s*(/|per)|\$\s?\d+\.\d|¥\s?\d|\d\s?(USD|CNY|RMB|元|yuan)\b"
                       r"|\d+\.\d+\s*/\s*s(ec(ond)?)?\b)")
    for name in ["SKILL.md"] + ["references/" + n for n in REFERENCE_FILES]:
        match = price.search(text(name))
        assert not match, "%s quotes a price: %s" % (name, match.group(0))


def test_update_block_is_verbatim():
    with open(os.path.join(SKILLS, "_common", "update-signals.md"), encoding="utf-8") as handle:
        block = handle.read().strip()
    assert block in text("SKILL.md")


def test_error_table_tokens():
    skill_md = text("SKILL.md")
    for token in ("HTTP 401", "qianwen-ops-auth", "HTTP 429", "HTTP 5xx", "SSL: CERTIFICATE_VERIFY_FAILED",
                  "PermissionError", "Python 3.9+ required", "ImportError: moviepy", "DASHSCOPE_API_KEY not found",
                  "resume:", "video_url", "./output/qianwen-video-generation/"):
        assert token in skill_md, token


def example_commands(name):
    """Commands in a doc that run video.py on a request (`$S ...` / `python3 $S ...`), as argument lists."""
    import shlex

    commands = []
    for line in text(name).splitlines():
        line = line.strip()
        if line.startswith("python3 $S"):
            line = line[len("python3 "):]
        if line.startswith("$S ") and "--request" in line and "<" not in line and "$ID" not in line:
            commands.append(shlex.split(line.split("  #")[0])[1:])
    return commands


@pytest.mark.parametrize("name", ["SKILL.md", "references/examples.md"])
def test_documented_commands_pass_validation(name, sim, workdir):
    """Every documented command is accepted as written (as a dry run: nothing is sent)."""
    import json

    commands = example_commands(name)
    assert len(commands) >= 8
    for args in commands:
        body = json.loads(args[args.index("--request") + 1])
        for value in json.dumps(body).split('"'):
            if re.fullmatch(r"[\w./-]+\.(png|jpg|jpeg|webp|mp4|mp3|wav)", value):
                path = workdir / value
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(b"\x00" * 64)
        args = [a for a in args if a not in ("--print-response",)] + ["--dry-run"]
        result = run("video", args, workdir, sim=sim)
        assert result.code == 0, (args, result)
    assert sim.requests == []
