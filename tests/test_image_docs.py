"""qianwen-image-generation docs: SKILL.md shape, and every flag, field, model and link true to the code."""

import os
import re
import subprocess
import sys

import pytest
from conftest import SCRIPTS, SKILLS

SKILL_DIR = os.path.join(SKILLS, "qianwen-image-generation")
SCRIPTS_DIR = os.path.join(SKILL_DIR, "scripts")
OWN_REFERENCES = ("execution-guide.md", "api-guide.md", "prompt-guide.md", "sources.md")
# Flags of other commands that the docs quote (gossamer.py, check_update.py) and curl's.
OTHER_FLAGS = {"--dismiss", "--never-install", "--force", "--skill", "--version"}
# qianwen-ops-auth's reference files, named as "if installed".
SIBLING_REFERENCES = {"references/custom-oss.md", "references/tokenplan.md"}


def read(*parts):
    with open(os.path.join(SKILL_DIR, *parts), encoding="utf-8") as handle:
        return handle.read()


@pytest.fixture(scope="module")
def modules():
    sys.path.append(SCRIPTS_DIR)
    try:
        import image_models
        import image_request
        return image_models, image_request
    finally:
        sys.path.remove(SCRIPTS_DIR)


@pytest.fixture(scope="module")
def help_text():
    return subprocess.run([sys.executable, SCRIPTS["image"], "--help"], capture_output=True, text=True).stdout


def docs():
    return {"SKILL.md": read("SKILL.md")} | {name: read("references", name) for name in OWN_REFERENCES}


def test_skill_md_shape():  # STYLE
    text = read("SKILL.md")
    front = text.split("---")[1]
    assert re.search(r"^name: qianwen-image-generation$", front, re.M)
    description = re.search(r"^description: (.*)$", front, re.M).group(1)
    assert "TRIGGER when:" in description and "DO NOT TRIGGER when:" in description
    assert "DASHSCOPE_API_KEY" in description and "<" not in description
    assert len(text.splitlines()) < 300
    assert "QianWen-AI/qianwen-ai" in text and "references/agent-compatibility.md" in text
    assert "Agent setup" in text and "## Skill directory" in text


def test_update_signals_block_verbatim():  # X-45..X-53
    with open(os.path.join(SKILLS, "_common", "update-signals.md"), encoding="utf-8") as handle:
        assert handle.read().strip() in read("SKILL.md")


def test_reference_files_exist_and_long_ones_have_contents():  # I-3..I-5, I-51
    for name in OWN_REFERENCES + ("agent-compatibility.md",):
        assert os.path.isfile(os.path.join(SKILL_DIR, "references", name)), name
    for name in OWN_REFERENCES:
        text = read("references", name)
        if len(text.splitlines()) > 100:
            assert "Contents" in text.split("\n## ")[0], name
    for path in set(re.findall(r"references/[\w-]+\.md", read("SKILL.md"))) - SIBLING_REFERENCES:
        assert os.path.isfile(os.path.join(SKILL_DIR, path)), path


@pytest.mark.parametrize("name", ["SKILL.md"] + list(OWN_REFERENCES))
def test_every_flag_exists(help_text, name):
    flags = set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", docs()[name])) - OTHER_FLAGS
    missing = sorted(flag for flag in flags if flag not in help_text)
    assert not missing, "%s names flags image.py lacks: %s" % (name, missing)


@pytest.mark.parametrize("name", ["SKILL.md"] + list(OWN_REFERENCES))
def test_every_model_id_exists(modules, name):
    image_models = modules[0]
    ids = set(re.findall(r"\b((?:wan\d\.\d-|qwen-image)[\w.-]*)", docs()[name]))
    allowed_patterns = ("wan2.2-t2i-", "qwen-image-edit-", "qwen-image-2.0(", "qwen-image-plus/")
    unknown = sorted(i.rstrip(".-") for i in ids if i.rstrip(".-") not in image_models.MODELS
                     and not i.startswith(allowed_patterns) and not i.endswith("-"))
    assert not unknown, "%s names unknown models: %s" % (name, unknown)


def test_request_fields_in_skill_md_exist(modules):
    image_request = modules[1]
    table = read("SKILL.md").split("## Request fields")[1].split("\n\n")[2]
    fields = set(re.findall(r"^\| `([a-z_]+)`", table, re.M)) | set(re.findall(r", `([a-z_]+)`", table))
    assert fields and fields <= image_request.SHORT_FIELDS, fields - image_request.SHORT_FIELDS


def test_result_fields_in_skill_md_exist():  # I-45, SR-5
    source = open(os.path.join(SCRIPTS_DIR, "image_results.py"), encoding="utf-8").read()
    table = read("SKILL.md").split("## Reading the result")[1].split("\n\n")[2]
    for field in re.findall(r"`([a-z_]+)`", table):
        if field != "SUCCEEDED".lower():
            assert '"%s"' % field in source, field
    assert "output.results" in read("SKILL.md")  # the SR-5 note: JSON vs the raw API answer


@pytest.mark.parametrize("name", ["SKILL.md"] + list(OWN_REFERENCES))
def test_only_allowed_urls_and_no_prices(modules, name):  # X-55..X-59
    text = docs()[name]
    for url in re.findall(r"https?://[^\s`'\"),]+", text):
        url = url.rstrip(".")
        if "…" in url or "$" in url:
            continue  # an elided answer link or a shell variable, not a page
        model = re.match(r"https://www\.qianwenai\.com/models/(.+)$", url)
        if model:
            assert model.group(1) in modules[0].MODELS or model.group(1) == "<exact-model-id>", url
            continue
        assert url in ("https://platform.qianwenai.com/home", "https://platform.qianwenai.com/home/api-keys") \
            or re.match(r"https://dashscope(-intl|-us)?\.aliyuncs\.com(/api/v1.*)?$", url), url
    assert not re.search(r"[¥$€]\s?\d|\d\s?(元|USD|CNY|RMB)\b", text)
