"""image_models / image_request / image_probe in process: the model table, size rules, body shapes."""

import os
import sys

import pytest
from conftest import SKILLS
from test_image_helpers import make_jpeg, make_png

sys.path.append(os.path.join(SKILLS, "qianwen-image-generation", "scripts"))  # after _common: no shadowing
import image_models as models  # noqa: E402
import image_probe  # noqa: E402
import image_request  # noqa: E402
from qianwen_common.errors import UsageError  # noqa: E402


def plan(model, want_async=False, **fields):
    name, normal = image_request.normalize(dict(fields), model)
    return image_request.validate(name, normal, want_async)


@pytest.mark.parametrize("model,mode,path,style", [  # I-22..I-25, SR-1, SR-2
    ("wan2.6-t2i", "t2i", models.MULTIMODAL, "messages"),
    ("wan2.5-t2i-preview", "t2i", models.TEXT2IMAGE, "prompt"),
    ("wan2.2-t2i-flash", "t2i", models.TEXT2IMAGE, "prompt"),
    ("wan2.2-t2i-plus", "t2i", models.TEXT2IMAGE, "prompt"),
    ("wan2.5-i2i-preview", "edit", models.IMAGE2IMAGE, "images"),
    ("qwen-image-max", "t2i", models.MULTIMODAL, "messages"),
    ("qwen-image-plus", "t2i", models.MULTIMODAL, "messages"),
    ("qwen-image-edit", "edit", models.MULTIMODAL, "messages"),
])
def test_default_routes(model, mode, path, style):
    refs = ["https://a/b.png"] if mode == "edit" else []
    chosen = plan(model, prompt="p", reference_images=refs)
    assert chosen["route"] == (path, style) and chosen["mode"] == mode


def test_async_routes_and_forced_async():  # I-7
    assert plan("wan2.6-t2i", True, prompt="p")["route"] == (models.IMAGE_GENERATION, "messages")
    assert plan("qwen-image-plus", True, prompt="p")["route"] == (models.TEXT2IMAGE, "prompt")
    interleave = plan("wan2.6-image", prompt="p", enable_interleave=True)
    assert interleave["route"][0] == models.IMAGE_GENERATION and interleave["note"]
    assert plan("wan2.2-t2i-flash", prompt="p")["note"]
    with pytest.raises(UsageError, match="sync only"):
        plan("qwen-image-max", True, prompt="p")


def test_other_route_only_where_documented():
    assert image_request.other_route(plan("wan2.6-t2i", prompt="p"))[0] == models.IMAGE_GENERATION
    assert image_request.other_route(plan("qwen-image-plus", True, prompt="p"))[0] == models.MULTIMODAL
    assert image_request.other_route(plan("qwen-image-max", prompt="p")) is None
    assert image_request.other_route(plan("wan2.2-t2i-plus", prompt="p")) is None


def test_bodies_per_style():  # dashscope-api.md §2.5
    chosen = plan("wan2.2-t2i-flash", prompt="a crane", negative_prompt="blurry", seed=3)
    body = image_request.build_body(chosen, chosen["route"], [])
    assert body == {"model": "wan2.2-t2i-flash", "input": {"prompt": "a crane", "negative_prompt": "blurry"},
                    "parameters": {"n": 1, "seed": 3, "size": "1024*1024"}}
    chosen = plan("qwen-image-plus", prompt="tea", seed=1)
    body = image_request.build_body(chosen, (models.TEXT2IMAGE, "prompt"), [])
    assert body["input"] == {"prompt": "tea"} and body["parameters"]["size"] == "1328*1328"
    chosen = plan("wan2.6-image", prompt="edit", reference_images=["https://a/1.png"], negative_prompt="x")
    body = image_request.build_body(chosen, chosen["route"], ["oss://dir/1.png"])
    assert body["input"]["messages"][0]["content"] == [{"text": "edit"}, {"image": "oss://dir/1.png"}]
    assert body["parameters"]["negative_prompt"] == "x" and body["parameters"]["enable_interleave"] is False
    assert image_request.needs_resolve(["oss://dir/1.png"]) and not image_request.needs_resolve(["https://a"])
    chosen = plan("wan2.5-i2i-preview", prompt="fuse", reference_images=["https://a/1.png", "https://a/2.png"])
    assert image_request.build_body(chosen, chosen["route"], ["u1", "u2"])["input"]["images"] == ["u1", "u2"]


def test_wan27_modes():  # I-21
    assert plan("wan2.7-image", prompt="p", thinking_mode=True)["mode"] == "t2i"
    assert plan("wan2.7-image-pro", prompt="p", size="4K")["fields"]["size"] == "4K"
    assert plan("wan2.7-image", prompt="p", enable_sequential=True, n=12)["mode"] == "sequential"
    with pytest.raises(UsageError):
        plan("wan2.7-image", prompt="p", size="4K")
    with pytest.raises(UsageError, match="color_palette"):
        plan("wan2.7-image", prompt="p", color_palette=[{"hex": "#fff"}])


def test_raw_form_maps_to_short_form():  # I-30
    raw = {"model": "wan2.6-image", "input": {"messages": [{"role": "user", "content": [
        {"text": "p"}, {"image": "https://a/1.png"}]}]}, "parameters": {"n": 2, "size": "2K"}}
    model, fields = image_request.normalize(raw)
    assert model == "wan2.6-image" and fields == {"prompt": "p", "reference_images": ["https://a/1.png"],
                                                   "n": 2, "size": "2K"}
    model, fields = image_request.normalize(raw, "qwen-image-2.0-pro")
    assert model == "qwen-image-2.0-pro"
    model, fields = image_request.normalize({"input": {"prompt": "p", "images": ["u"]}}, "wan2.5-i2i-preview")
    assert fields["reference_images"] == ["u"]


@pytest.mark.parametrize("size,rule,ok", [
    ("1280*1280", models._WAN_T2I, True), ("1440*1440", models._WAN_T2I, True), ("1441*1440", models._WAN_T2I, False),
    ("960*1696", models._WAN_T2I, True), ("960*1600", models._WAN_T2I, False),
    ("2560*640", models._WAN_T2I, True), ("2600*640", models._WAN_T2I, False),
    ("1k", models.pixels(768, 2048, 4.0, ("1K", "2K")), True), ("x*y", models._WAN_T2I, False),
    ("1328*1328", models.fixed(*models.QWEN_FIXED), True), ("1024*1024", models.fixed(*models.QWEN_FIXED), False),
    ("512*2048", models.sides(512, 2048), True), ("511*512", models.sides(512, 2048), False),
])
def test_size_rules(size, rule, ok):  # I-39..I-41, I-19, I-18
    assert (models.check_size(size, rule) is None) == ok


def test_every_model_has_limits():
    for name, modes in models.MODELS.items():
        for mode, spec in modes.items():
            assert spec["sync"] or spec["async"], (name, mode)
            assert spec["n"][0] == 1 and spec["prompt_max"] >= 500 and spec["size"], (name, mode)


def test_probe_reads_sizes(tmp_path):
    assert image_probe.probe(make_png(tmp_path / "a.png", 321, 123)) == ("png", 321, 123)
    assert image_probe.probe(make_jpeg(tmp_path / "a.jpg", 640, 480)) == ("jpeg", 640, 480)
    (tmp_path / "a.gif").write_bytes(b"GIF89a\x10\x00\x20\x00" + b"\x00" * 20)
    assert image_probe.probe(str(tmp_path / "a.gif")) == ("gif", 16, 32)
    (tmp_path / "x.bin").write_bytes(b"nothing here")
    assert image_probe.probe(str(tmp_path / "x.bin"))[0] is None
