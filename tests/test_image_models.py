"""image_models in process: the table as data (routes, limits, plan membership), size rules, name families."""

import os
import sys

import pytest
from conftest import SKILLS

sys.path.insert(0, os.path.join(SKILLS, "qianwen-image-generation", "scripts"))
sys.path.insert(0, os.path.join(SKILLS, "_common"))  # the canonical helper, not a vendored copy
import image_models as models  # noqa: E402
import image_request  # noqa: E402

ALL = [(name, mode, entry) for name, modes in models.MODELS.items() for mode, entry in modes.items()]


@pytest.mark.parametrize("model,mode,sync,async_", [  # fact sheet §2.1, addendum A2.2; I-22..I-25, SR-1, SR-2
    ("wan2.6-t2i", "t2i", models.SYNC_MSG, models.ASYNC_MSG),
    ("wan2.6-image", "edit", models.SYNC_MSG, models.ASYNC_MSG),
    ("wan2.6-image", "interleave", None, models.ASYNC_MSG),
    ("wan2.7-image", "sequential", models.SYNC_MSG, models.ASYNC_MSG),
    ("wan2.5-t2i-preview", "t2i", None, models.ASYNC_PROMPT),
    ("wan2.2-t2i-flash", "t2i", None, models.ASYNC_PROMPT),
    ("wan2.5-i2i-preview", "edit", None, models.ASYNC_I2I),
    ("qwen-image-3.0", "t2i", models.SYNC_MSG, models.ASYNC_MSG),
    ("qwen-image-3.0-pro", "edit", models.SYNC_MSG, models.ASYNC_MSG),
    ("qwen-image-2.0-pro", "edit", models.SYNC_MSG, None),
    ("qwen-image-edit", "edit", models.SYNC_MSG, None),
    ("qwen-image-plus", "t2i", models.SYNC_MSG, models.ASYNC_PROMPT),
    ("qwen-image-max", "t2i", models.SYNC_MSG, None),
])
def test_routes(model, mode, sync, async_):
    entry = models.MODELS[model][mode]
    assert (entry.sync, entry.async_) == (sync, async_)


def test_every_entry_is_complete():
    for name, mode, entry in ALL:
        assert mode in models.MODES and (entry.sync or entry.async_), (name, mode)
        assert entry.n[0] == 1 and entry.doc, (name, mode)
        assert entry.prompt_max is None or entry.prompt_max >= 500, (name, mode)
        assert (entry.refs[1] == 0) == (entry.inputs is None) or mode == "t2i", (name, mode)
        if entry.default_size:
            assert models.check_size(entry.default_size, entry.size) is None, (name, mode)
        assert entry.bill_count in ("n",) + tuple(f for f, *_rest in entry.ints), (name, mode)


def test_no_model_names_in_code():  # models are data: names live only in the table
    for module in ("image_request.py", "image_billing.py", "image_refs.py"):
        with open(os.path.join(SKILLS, "qianwen-image-generation", "scripts", module), encoding="utf-8") as handle:
            source = handle.read()
        for name in models.MODELS:
            assert '"%s"' % name not in source, (module, name)


def test_token_plan_list_and_input_caps():  # addendum A3.3, fact-sheet corrections
    listed = {name for name, _mode, entry in ALL if entry.token_plan}
    assert listed == {"qwen-image-3.0-pro", "qwen-image-2.0-pro", "qwen-image-2.0", "wan2.7-image",
                      "wan2.7-image-pro"}
    assert models.MODELS["wan2.7-image"]["edit"].input_mb == 20
    assert models.MODELS["wan2.6-image"]["edit"].input_mb == 10
    assert models.MODELS["wan2.6-image"]["edit"].inputs.side == (384, 5000)
    assert models.MODELS["wan2.6-t2i"]["t2i"].input_mb is None


def test_corrected_values():
    assert models.MODELS["wan2.2-t2i-flash"]["t2i"].prompt_max == 800
    assert models.MODELS["qwen-image-2.0"]["t2i"].prompt_max == 800
    edit = models.MODELS["qwen-image-edit"]["edit"]
    assert edit.size is None and "size" not in edit.params and "prompt_extend" not in edit.params
    assert models.MODELS["wan2.6-image"]["edit"].size.tiers == ()
    assert models.MODELS["wan2.6-image"]["edit"].n_api_default == 4
    assert models.MODELS["wan2.6-image"]["interleave"].ints == (("max_images", 1, 5, 5),)
    assert models.MODELS["wan2.7-image"]["sequential"].n_api_default == 12


@pytest.mark.parametrize("size,rule,ok", [
    ("1280*1280", models._WAN_T2I, True), ("1440*1440", models._WAN_T2I, True), ("1441*1440", models._WAN_T2I, False),
    ("960*1696", models._WAN_T2I, True), ("960*1600", models._WAN_T2I, False),
    ("2560*640", models._WAN_T2I, True), ("2600*640", models._WAN_T2I, False), ("x*y", models._WAN_T2I, False),
    ("1K", models._WAN26_IMAGE, False), ("768*768", models._WAN26_IMAGE, True),
    ("1281*1280", models._WAN26_IMAGE, False),
    ("1k", models._WAN27, True), ("767*768", models._WAN27, False), ("4K", models._WAN27_PRO_T2I, True),
    ("1328*1328", models.fixed(*models.QWEN_FIXED), True), ("1024*1024", models.fixed(*models.QWEN_FIXED), False),
    ("512*2048", models.sides(512, 2048), True), ("511*512", models.sides(512, 2048), False),
    ("724*5792", models._QI3_SIZE, True), ("700*5800", models._QI3_SIZE, False),
])
def test_size_rules(size, rule, ok):
    assert (models.check_size(size, rule) is None) == ok


def test_tiers_and_dims():
    entry = models.MODELS["qwen-image-3.0"]["t2i"]
    assert models.tier_of(entry, "1500*1500") == "1K" and models.tier_of(entry, "2048*2048") == "2K"
    assert models.tier_of(entry, None) is None and models.size_dims("1280*720") == (1280, 720)


@pytest.mark.parametrize("name,found", [
    ("qwen-image-4.0", (models.SYNC_MSG, models.ASYNC_MSG, True)),
    ("wan3.0-image-max", (models.SYNC_MSG, models.ASYNC_MSG, False)),
    ("wanx2.1-t2i-turbo", (None, models.ASYNC_PROMPT, False)),
    ("wan2.9-i2i-preview", (None, models.ASYNC_I2I, False)),
    ("acme-draw", None), ("z-image-turbo", None),
])
def test_families(name, found):
    assert models.family(name) == found


def test_aliases_and_mode_hints():
    assert models.entries("qwen-image-2.0-pro-2026-06-22") is models.MODELS["qwen-image-2.0-pro"]
    assert models.entries("nope") is None
    assert "--model wan2.6-t2i" in models.mode_entry("wan2.6-image", "t2i")[1]
    assert "--model wan2.6-image" in models.mode_entry("wan2.6-t2i", "interleave")[1]
    assert {"prompt", "reference_images", "prompt_extend_mode", "bbox_list"} <= image_request.SHORT_FIELDS
