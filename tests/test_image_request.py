"""image_request.build in process: exact bodies per family and route, fallbacks, seeds, Qwen-Image 3.0,
the fact-sheet corrections, unknown models, --allow-field, Token Plan rules, billing and local image checks."""

import os
import sys

import mediafiles
import pytest
from conftest import SKILLS
from test_image_helpers import make_jpeg, make_png

sys.path.insert(0, os.path.join(SKILLS, "qianwen-image-generation", "scripts"))
sys.path.insert(0, os.path.join(SKILLS, "_common"))  # the canonical helper, not a vendored copy
import image_models as models  # noqa: E402
import image_request  # noqa: E402
from qianwen_common.errors import UsageError  # noqa: E402
from qianwen_common.plan import FileSlot, Plan, Target  # noqa: E402

URL = "https://example.com/a.jpg"
PLAN_KEY = Target(token_plan=True)


def build(model=None, use_async=False, **request):
    return image_request.build(request, model=model, use_async=use_async)


def refused(words, request, **options):
    with pytest.raises(UsageError) as caught:
        image_request.build(request, **options)
    message = str(caught.value)
    assert words in message and "\n" not in message, message
    return message


def messages(*content):
    return {"messages": [{"role": "user", "content": list(content)}]}


# ---- bodies per family, sync and async, and the fallback plan ----------------------------------------------

def test_wan26_t2i_sync_then_async_fallback():
    plan = build("wan2.6-t2i", prompt="a red bicycle", seed=7)
    body = {"model": "wan2.6-t2i", "input": messages({"text": "a red bicycle"}),
            "parameters": {"n": 1, "seed": 7, "size": "1280*1280"}}
    assert isinstance(plan, Plan) and plan.mode == "t2i" and plan.checked and plan.files == ()
    assert (plan.endpoint, plan.is_async, plan.body) == (models.MULTIMODAL, False, body)
    assert (plan.fallback.endpoint, plan.fallback.is_async, plan.fallback.body) == (models.IMAGE_GENERATION, True,
                                                                                    body)
    assert plan.fallback.fallback is None
    forced = build("wan2.6-t2i", True, prompt="a red bicycle", seed=7)
    assert (forced.endpoint, forced.is_async, forced.fallback.endpoint) == (models.IMAGE_GENERATION, True,
                                                                            models.MULTIMODAL)


def test_prompt_style_async_only():  # fact sheet §2.3
    plan = build("wan2.2-t2i-flash", prompt="a paper crane", negative_prompt="blurry", seed=3)
    assert plan.body == {"model": "wan2.2-t2i-flash", "input": {"prompt": "a paper crane", "negative_prompt": "blurry"},
                         "parameters": {"n": 1, "seed": 3, "size": "1024*1024"}}
    assert (plan.endpoint, plan.is_async, plan.fallback) == (models.TEXT2IMAGE, True, None)
    assert any("async task" in note for note in plan.notes)


def test_image2image_body_and_slot(tmp_path):
    local = mediafiles.png(tmp_path / "b.png", 600, 400)
    plan = build("wan2.5-i2i-preview", prompt="fuse", reference_images=[URL, local], seed=1)
    assert plan.endpoint == models.IMAGE2IMAGE and plan.is_async and plan.fallback is None
    assert plan.body["input"] == {"prompt": "fuse", "images": [URL, local]}
    assert plan.files == (FileSlot(("input", "images", 1), local, "image"),)
    assert plan.with_urls(["oss://x/b.png"])["input"]["images"] == [URL, "oss://x/b.png"]


def test_qwen_plus_sync_messages_async_prompt_same_seed():  # fact sheet §2.1
    plan = build("qwen-image-plus", prompt="tea house")
    assert plan.body["input"] == messages({"text": "tea house"})
    assert plan.body["parameters"]["size"] == "1328*1328" and plan.endpoint == models.MULTIMODAL
    other = plan.fallback
    assert other.endpoint == models.TEXT2IMAGE and other.is_async and other.body["input"] == {"prompt": "tea house"}
    assert other.body["parameters"] == plan.body["parameters"]
    refused("sync only", {"prompt": "p"}, model="qwen-image-max", use_async=True)
    assert build("qwen-image-max", prompt="p").fallback is None


def test_qwen_images_first_and_wan_text_first(tmp_path):
    local = mediafiles.jpeg(tmp_path / "a.jpg", 640, 480)
    qwen = build("qwen-image-edit-plus", prompt="replace the sky", reference_images=[local, URL])
    assert qwen.body["input"] == messages({"image": local}, {"image": URL}, {"text": "replace the sky"})
    assert qwen.files == (FileSlot(("input", "messages", 0, "content", 0, "image"), local, "image"),)
    wan = build("wan2.6-image", prompt="ink sketch", reference_images=[URL, local], negative_prompt="x")
    assert wan.body["input"] == messages({"text": "ink sketch"}, {"image": URL}, {"image": local})
    assert wan.files[0].where == ("input", "messages", 0, "content", 2, "image")
    assert wan.body["parameters"]["enable_interleave"] is False and wan.body["parameters"]["negative_prompt"] == "x"
    assert wan.fallback.files == wan.files and wan.headers()["X-DashScope-OssResourceResolve"] == "enable"


def test_interleave_and_image_sets():
    plan = build("wan2.6-image", prompt="a 3-step guide", enable_interleave=True)
    assert plan.mode == "interleave" and plan.is_async and plan.fallback is None
    params = plan.body["parameters"]
    assert params["enable_interleave"] is True and params["max_images"] == 5 and params["n"] == 1
    assert plan.billing["summary"] == "up to 5 images (wan2.6-image)"
    assert plan.facts["max_images"] == 5
    sets = build("wan2.7-image", prompt="four seasons", enable_sequential=True, n=4)
    assert sets.mode == "sequential" and sets.body["parameters"]["enable_sequential"] is True
    assert sets.body["parameters"]["n"] == 4 and sets.billing["summary"] == "up to 4 images (wan2.7-image)"
    assert any(n.startswith("image set: up to 4 images") and "12" in n for n in sets.notes)
    default = build("wan2.7-image", prompt="four seasons", enable_sequential=True)
    assert default.body["parameters"]["n"] == 1 and any("n not given" in n for n in default.notes)


def test_raw_form_rebuilt_for_known_models():
    raw = {"model": "wan2.6-image", "input": messages({"image": URL}, {"text": "p"}),
           "parameters": {"n": 2, "seed": 5}}
    plan = image_request.build(raw)
    assert plan.body["input"] == messages({"text": "p"}, {"image": URL}) and plan.body["parameters"]["n"] == 2
    assert image_request.build(raw, model="qwen-image-2.0-pro").model == "qwen-image-2.0-pro"
    refused("exactly one", {"input": messages({"text": "a"}, {"text": "b"})})
    refused("input.text", {"input": {"text": "a"}})


# ---- seeds ---------------------------------------------------------------------------------------------------

def test_seed_drawn_once_and_shared_with_fallback():
    plan = build("wan2.6-t2i", prompt="p")
    seed = plan.facts["seed"]
    assert 0 <= seed <= models.SEED_MAX
    assert plan.body["parameters"]["seed"] == seed == plan.fallback.body["parameters"]["seed"]
    assert plan.fallback.facts["seed"] == seed
    assert Plan.from_dict(plan.to_dict()) == plan  # the dry run shows exactly what is sent
    refused("seed=-1", {"prompt": "p", "seed": -1})
    refused("seed=2147483648", {"prompt": "p", "seed": 2147483648})


# ---- Qwen-Image 3.0 (addendum A2) -----------------------------------------------------------------------------

def test_qwen3_default_size_sent_with_note():
    plan = build("qwen-image-3.0", prompt="a poster")
    assert plan.body["parameters"]["size"] == "1024*1024" and plan.body["parameters"]["n"] == 1
    assert ("size not given: sending 1024*1024 (1K tier); the model would pick its own size, possibly in the "
            "2K tier") in plan.notes
    assert plan.billing["summary"] == "1 image at the 1K tier (qwen-image-3.0)"
    assert (plan.endpoint, plan.fallback.endpoint) == (models.MULTIMODAL, models.IMAGE_GENERATION)
    assert plan.fallback.body == plan.body


@pytest.mark.parametrize("size,ok", [("512*512", True), ("2048*2048", True), ("511*512", False),
                                     ("2048*2049", False), ("256*2048", True), ("240*2048", False),
                                     ("1024x1024", False), ("2K", False)])
def test_qwen3_sizes(size, ok):  # area 512²..2048², aspect 1:8..8:1
    if ok:
        assert build("qwen-image-3.0-pro", prompt="p", size=size).body["parameters"]["size"] == size
    else:
        refused("size=", {"prompt": "p", "size": size}, model="qwen-image-3.0-pro")


def test_qwen3_n_modes_and_parameters():
    assert build("qwen-image-3.0", prompt="p", n=6).body["parameters"]["n"] == 6
    refused("n=7", {"prompt": "p", "n": 7}, model="qwen-image-3.0")
    edit = build("qwen-image-3.0-pro", prompt="edit", reference_images=[URL, URL, URL], negative_prompt="dark",
                 prompt_extend_mode="direct", enable_thinking=False, watermark=True)
    assert edit.mode == "edit" and edit.body["input"]["messages"][0]["content"][-1] == {"text": "edit"}
    assert edit.body["parameters"]["negative_prompt"] == "dark" and edit.body["parameters"]["enable_thinking"] is False
    refused("1 to 3", {"prompt": "p", "reference_images": [URL] * 4}, model="qwen-image-3.0")
    message = refused("prompt_extend_mode='agent'", {"prompt": "p", "reference_images": [URL],
                                                    "prompt_extend_mode": "agent"}, model="qwen-image-3.0")
    assert "400" in message and "direct" in message
    assert build("qwen-image-3.0", prompt="p", prompt_extend_mode="agent").body["parameters"][
        "prompt_extend_mode"] == "agent"
    refused("prompt_extend_mode='deep'", {"prompt": "p", "prompt_extend_mode": "deep"}, model="qwen-image-3.0")
    refused("enable_thinking=", {"prompt": "p", "enable_thinking": "yes"}, model="qwen-image-3.0")
    assert build("qwen-image-3.0", True, prompt="p").endpoint == models.IMAGE_GENERATION


def test_qwen3_billing_tiers():
    assert build("qwen-image-3.0-pro", prompt="p", n=2, size="2048*2048").billing["summary"] == \
        "2 images at the 2K tier (qwen-image-3.0-pro)"
    assert build("qwen-image-3.0", prompt="p", size="1500*1500").billing["units"][0]["tier"] == "1K"  # 2,250,000
    assert build("qwen-image-3.0", prompt="p", size="1501*1500").billing["units"][0]["tier"] == "2K"
    edit = build("qwen-image-3.0", prompt="p", reference_images=[URL])
    assert "size" not in edit.body["parameters"] and edit.billing["units"][0]["tier"] == "2K"
    assert any("counted at the 2K tier" in line for line in edit.billing["assumed"])
    assert any(note.startswith("size not given") for note in edit.notes)


# ---- corrections from the official pages ---------------------------------------------------------------------

def test_wan26_image_edit_sizes_and_counts():
    for tier in ("1K", "2K", "1k"):
        message = refused("size=", {"prompt": "p", "reference_images": [URL], "size": tier}, model="wan2.6-image")
        assert "768*768 to 1280*1280" in message
    assert build("wan2.6-image", prompt="p", reference_images=[URL], size="1280*1280").checked
    refused("768*768 to 1280*1280", {"prompt": "p", "reference_images": [URL], "size": "1290*1290"},
            model="wan2.6-image")
    plan = build("wan2.6-image", prompt="p", reference_images=[URL])
    assert plan.body["parameters"]["n"] == 1 and "size" not in plan.body["parameters"]
    assert "n not given: 1 image (sent as n=1; the API's own default is 4)" in plan.billing["assumed"]
    refused("--model wan2.6-t2i", {"prompt": "p"}, model="wan2.6-image")


def test_wan26_image_input_pixels(tmp_path):  # 384..5000 per side
    assert build("wan2.6-image", prompt="p", reference_images=[mediafiles.png(tmp_path / "ok.png", 400, 384)])
    refused("each side must be 384 to 5000", {"prompt": "p", "reference_images": [
        mediafiles.png(tmp_path / "small.png", 383, 500)]}, model="wan2.6-image")
    refused("6000x600", {"prompt": "p", "reference_images": [make_jpeg(tmp_path / "wide.jpg", 6000, 600)]},
            model="wan2.6-image")


def test_wan27_sizes_boxes_and_20_mb(tmp_path):
    assert build("wan2.7-image", prompt="p", size="2048*2048").checked
    assert build("wan2.7-image", prompt="p", size="2k").body["parameters"]["size"] == "2K"
    refused("768*768 to 2048*2048", {"prompt": "p", "size": "700*700"}, model="wan2.7-image")
    refused("size=", {"prompt": "p", "size": "4K"}, model="wan2.7-image")
    assert build("wan2.7-image-pro", prompt="p", size="4K").checked
    two = [[1, 2, 3, 4], [5, 6, 7, 8]]
    assert build("wan2.7-image", prompt="p", reference_images=[URL], bbox_list=[two]).checked
    refused("at most 2", {"prompt": "p", "reference_images": [URL], "bbox_list": [two + [[1, 1, 2, 2]]]},
            model="wan2.7-image")
    big = make_png(tmp_path / "big.png", 800, 600)
    with open(big, "r+b") as handle:
        handle.truncate(15 * 1024 * 1024)
    assert build("wan2.7-image", prompt="p", reference_images=[big]).facts["input_mb"] == 20
    refused("10 MB", {"prompt": "p", "reference_images": [big]}, model="wan2.6-image")
    refused("1:8", {"prompt": "p", "reference_images": [make_jpeg(tmp_path / "thin.jpg", 4500, 500)]},
            model="wan2.7-image")


def test_prompt_caps_and_plain_qwen_edit():
    assert build("wan2.2-t2i-plus", prompt="x" * 800).checked
    refused("at most 800", {"prompt": "x" * 801}, model="wan2.2-t2i-flash")
    refused("at most 800", {"prompt": "x" * 801}, model="qwen-image-2.0")
    refused("at most 2100", {"prompt": "x" * 2101}, model="wan2.6-t2i")
    for field, value in (("size", "1024*1024"), ("prompt_extend", True)):
        refused("%s is not taken by qwen-image-edit" % field, {"prompt": "p", "reference_images": [URL],
                                                               field: value}, model="qwen-image-edit")
    assert build("qwen-image-edit-plus", prompt="p", reference_images=[URL], prompt_extend=False).checked


# ---- models not in the table -----------------------------------------------------------------------------------

@pytest.mark.parametrize("model,use_async,path,is_async,body_input", [
    ("qwen-image-9.0", False, models.MULTIMODAL, False, messages({"image": URL}, {"text": "p"})),
    ("qwen-image-9.0", True, models.IMAGE_GENERATION, True, messages({"image": URL}, {"text": "p"})),
    ("wan3.1-image", False, models.MULTIMODAL, False, messages({"text": "p"}, {"image": URL})),
    ("wan3.1-image", True, models.IMAGE_GENERATION, True, messages({"text": "p"}, {"image": URL})),
    ("wan9.0-t2i-turbo", False, models.TEXT2IMAGE, True, {"prompt": "p", "images": [URL]}),
    ("wan9.0-i2i", False, models.IMAGE2IMAGE, True, {"prompt": "p", "images": [URL]}),
])
def test_unknown_models_by_family(model, use_async, path, is_async, body_input):
    plan = build(model, use_async, prompt="p", reference_images=[URL], n=2, style="anime")
    assert (plan.endpoint, plan.is_async, plan.checked, plan.fallback) == (path, is_async, False, None)
    assert plan.body == {"model": model, "input": body_input, "parameters": {"n": 2, "style": "anime"}}
    assert plan.notes[0] == ("model %s is not in this bundle's table: not checked locally; sending to %s "
                             "(the API decides)" % (model, path))
    assert plan.billing["units"][0]["unit"] == "unknown" and "the API decides" in plan.billing["summary"]


def test_unknown_model_raw_form_and_endpoint(tmp_path):
    local = mediafiles.png(tmp_path / "a.png", 64, 64)
    raw = {"model": "acme-draw", "input": {"messages": [{"role": "user", "content": [{"text": "p"},
                                                                                     {"image": local}]}]},
           "parameters": {"anything": 1}}
    plan = image_request.build(raw, endpoint="/services/aigc/multimodal-generation/generation")
    assert plan.body == raw and plan.body is not raw and not plan.is_async and not plan.checked
    assert plan.files == (FileSlot(("input", "messages", 0, "content", 1, "image"), local, "image"),)
    synth = image_request.build({"prompt": "p"}, model="acme-draw", endpoint="/services/aigc/acme/image-synthesis")
    assert synth.body["input"] == {"prompt": "p"} and not synth.is_async  # sync unless --async
    assert image_request.build({"prompt": "p"}, model="acme", endpoint=models.TEXT2IMAGE).is_async
    assert image_request.build({"prompt": "p"}, model="acme", endpoint="/services/x/y", use_async=True).is_async
    refused("--endpoint", {"prompt": "p"}, model="acme-draw")
    refused("not found", {"prompt": "p", "reference_images": ["nope.png"]}, model="qwen-image-9.0")


def test_known_model_with_endpoint():
    plan = image_request.build({"prompt": "p"}, model="wan2.6-t2i", endpoint=models.IMAGE_GENERATION)
    assert plan.is_async and plan.fallback is None and plan.notes == ()
    other = image_request.build({"prompt": "p"}, model="wan2.6-t2i", endpoint="/services/aigc/new/generation")
    assert other.endpoint == "/services/aigc/new/generation" and not other.is_async and other.checked
    assert "not a documented route" in other.notes[0]
    refused("drop --async", {"prompt": "p"}, model="wan2.6-t2i", endpoint=models.MULTIMODAL, use_async=True)


@pytest.mark.parametrize("path", ["services/aigc/x", "/api/v1/services/x", "/services/../tasks", "/services/a?b=1",
                                  "https://host/services/a", "/services/a b"])
def test_endpoint_validation(path):
    refused("--endpoint", {"prompt": "p"}, model="acme", endpoint=path)


# ---- --allow-field, data: URIs, Token Plan --------------------------------------------------------------------

def test_allow_field():
    message = refused("style is not taken by wan2.6-t2i", {"prompt": "p", "style": "anime"})
    assert "--allow-field style" in message
    plan = image_request.build({"prompt": "p", "style": "anime"}, allow_fields=("style",))
    assert plan.body["parameters"]["style"] == "anime" and any("--allow-field" in n for n in plan.notes)
    raw = {"input": {"prompt": "p", "mask": "https://a/m.png"}, "parameters": {"strength": 0.5}}
    plan = image_request.build(raw, model="wan2.2-t2i-flash", allow_fields=("mask", "strength"))
    assert plan.body["input"]["mask"] == "https://a/m.png" and plan.body["parameters"]["strength"] == 0.5
    assert "mask" not in plan.body["parameters"]


def test_data_uris_images_only():
    for uri in ("data:video/mp4;base64,AAAA", "data:audio/wav;base64,AAAA", "data:text/plain;base64,AA"):
        refused("not an image", {"prompt": "p", "reference_images": [uri]}, model="wan2.6-image")
        refused("not an image", {"prompt": "p", "reference_images": [uri]}, model="qwen-image-9.0")
    assert build("wan2.6-image", prompt="p", reference_images=["data:image/png;base64,AAAA"]).files == ()
    refused("scheme", {"prompt": "p", "reference_images": ["ftp://h/a.png"]}, model="wan2.6-image")


def test_token_plan_rules(tmp_path):
    refused("drop --async", {"prompt": "p"}, model="wan2.7-image", use_async=True, target=PLAN_KEY)
    local = mediafiles.png(tmp_path / "a.png", 800, 600)
    plan = image_request.build({"prompt": "p", "reference_images": [local]}, model="wan2.7-image", target=PLAN_KEY)
    assert plan.notes == () and plan.files[0].local == local and plan.facts["input_mb"] == 20
    assert plan.endpoint == models.MULTIMODAL
    outside = image_request.build({"prompt": "p"}, model="wan2.6-t2i", target=PLAN_KEY)
    assert any("not on the Token Plan image list" in n for n in outside.notes)
    for name in ("qwen-image-3.0-pro", "qwen-image-2.0-pro", "qwen-image-2.0", "wan2.7-image-pro"):
        notes = image_request.build({"prompt": "p"}, model=name, target=PLAN_KEY).notes
        assert not any("Token Plan" in n for n in notes), (name, notes)
    assert any("Token Plan" in n for n in image_request.build({"prompt": "p"}, model="qwen-image-3.0",
                                                               target=PLAN_KEY).notes)


# ---- billing summaries and local media checks ------------------------------------------------------------------

def test_billing_summaries():
    assert build("wan2.6-t2i", prompt="p").billing["summary"] == "1 image (wan2.6-t2i)"
    assert build("wan2.6-t2i", prompt="p", n=3).billing["assumed"] == []
    assert build("qwen-image-edit-max", prompt="p", reference_images=[URL], n=6).billing["summary"] == \
        "6 images (qwen-image-edit-max)"


def test_media_checks_on_real_files(tmp_path):
    ok = [mediafiles.png(tmp_path / "a.png", 800, 600), mediafiles.jpeg(tmp_path / "b.jpg", 640, 480),
          mediafiles.webp(tmp_path / "c.webp", 500, 500), mediafiles.bmp(tmp_path / "d.bmp", 400, 400)]
    assert len(build("wan2.6-image", prompt="p", reference_images=ok).files) == 4
    gif = mediafiles.gif(tmp_path / "e.gif", 400, 400)
    assert build("qwen-image-edit-plus", prompt="p", reference_images=[gif]).files[0].local == gif
    disguised = str(tmp_path / "f.png")
    os.replace(mediafiles.gif(tmp_path / "f.gif", 400, 400), disguised)
    refused("not a bmp/jpeg/png/webp image", {"prompt": "p", "reference_images": [disguised]}, model="wan2.6-image")
    refused(".gif files are not accepted", {"prompt": "p", "reference_images": [gif]}, model="wan2.6-image")
    garbage = tmp_path / "g.png"
    garbage.write_bytes(b"not an image at all" * 10)
    plan = build("wan2.6-image", prompt="p", reference_images=[str(garbage)])
    assert any("the API decides" in n for n in plan.notes) and plan.files
    alpha = mediafiles.webp(tmp_path / "h.webp", 500, 500, extended=True, alpha=True)
    assert any("alpha" in n for n in build("wan2.6-image", prompt="p", reference_images=[alpha]).notes)
    refused("384", {"prompt": "p", "reference_images": [mediafiles.png(tmp_path / "t.png", 100, 100)]},
            model="wan2.5-i2i-preview")
