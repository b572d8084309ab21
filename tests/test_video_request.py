"""video_request.build in process: bodies per model family, Wan 3.0 mixes, unknown models, plan keys,
corrections, seeds, billing and local media checks on real small files."""

import os
import sys

import pytest
from conftest import SKILLS

from tests import mediafiles

sys.path.append(os.path.join(SKILLS, "qianwen-video-generation", "scripts"))  # after _common: no shadowing
import video_models as vm  # noqa: E402
import video_request  # noqa: E402
from qianwen_common.errors import UsageError  # noqa: E402
from qianwen_common.plan import Plan, Target  # noqa: E402

IMG, IMG2, VID, AUD = ("https://example.com/a.png", "https://example.com/b.png", "https://example.com/v.mp4",
                       "https://example.com/a.mp3")
DOC, LINK = "https://example.com/deck.pdf", "https://example.com/news"
INTL = Target(international=True)
PLAN_KEY = Target(token_plan=True)


def build(request, **kwargs):
    return video_request.build(request, **kwargs)


def refused(request, *words, **kwargs):
    with pytest.raises(UsageError) as caught:
        build(request, **kwargs)
    message = str(caught.value)
    assert "\n" not in message
    for word in words:
        assert word in message, message
    return message


def media(*pairs):
    return [{"type": kind, "url": url} for kind, url in pairs]


# (model, short-form request with a seed, body input, body parameters, mode, endpoint)
BODIES = [
    ("wan2.6-t2v", {"prompt": "p", "size": "1280*720", "duration": 5}, {"prompt": "p"},
     {"size": "1280*720", "duration": 5}, "t2v", vm.SYNTHESIS),
    ("wan2.7-t2v", {"prompt": "p", "resolution": "720p", "ratio": "16:9"}, {"prompt": "p"},
     {"resolution": "720P", "ratio": "16:9"}, "t2v", vm.SYNTHESIS),
    ("wan2.2-t2v-plus", {"prompt": "p", "size": "832*480"}, {"prompt": "p"}, {"size": "832*480"}, "t2v",
     vm.SYNTHESIS),
    ("wan2.6-i2v-flash", {"prompt": "p", "reference_image": IMG, "audio": False}, {"prompt": "p", "img_url": IMG},
     {"audio": False}, "i2v", vm.SYNTHESIS),
    ("wan2.7-i2v", {"first_frame_url": IMG, "driving_audio_url": AUD},
     {"media": media(("first_frame", IMG), ("driving_audio", AUD))}, {}, "i2v", vm.SYNTHESIS),
    ("wan2.2-kf2v-flash", {"first_frame_url": IMG, "last_frame_url": IMG2},
     {"first_frame_url": IMG, "last_frame_url": IMG2}, {}, "kf2v", vm.KF2V_PATH),
    ("wan2.6-r2v-flash", {"prompt": "character1 waves", "reference_urls": [IMG, VID], "shot_type": "multi"},
     {"prompt": "character1 waves", "reference_urls": [IMG, VID]}, {"shot_type": "multi"}, "r2v", vm.SYNTHESIS),
    ("wanx2.1-vace-plus", {"prompt": "p", "function": "image_reference", "ref_images_url": [IMG],
                           "obj_or_bg": ["obj"], "size": "1280*720"},
     {"prompt": "p", "function": "image_reference", "ref_images_url": [IMG]},
     {"obj_or_bg": ["obj"], "size": "1280*720"}, "vace", vm.SYNTHESIS),
    ("wan2.7-videoedit", {"prompt": "snow", "reference_images": [IMG], "video_url": VID, "duration": 0},
     {"prompt": "snow", "media": media(("video", VID), ("reference_image", IMG))}, {"duration": 0},
     "videoedit", vm.SYNTHESIS),
    ("happyhorse-1.0-t2v", {"prompt": "p", "resolution": "720P", "ratio": "21:9"}, {"prompt": "p"},
     {"resolution": "720P", "ratio": "21:9"}, "t2v", vm.SYNTHESIS),
    ("happyhorse-1.1-i2v", {"img_url": IMG, "watermark": False}, {"media": media(("first_frame", IMG))},
     {"watermark": False}, "i2v", vm.SYNTHESIS),
    ("happyhorse-1.1-r2v", {"prompt": "[Image 1] runs", "reference_images": [IMG, IMG2]},
     {"prompt": "[Image 1] runs", "media": media(("reference_image", IMG), ("reference_image", IMG2))}, {},
     "r2v", vm.SYNTHESIS),
    ("happyhorse-1.0-video-edit", {"prompt": "p", "video_url": VID, "audio_setting": "origin"},
     {"prompt": "p", "media": media(("video", VID))}, {"audio_setting": "origin"}, "videoedit", vm.SYNTHESIS),
    ("wan3.0-video", {"prompt": "p", "size": "1280*720", "duration": -1, "audio": False},
     {"prompt": "p"}, {"resolution": "720P", "ratio": "16:9", "duration": -1, "audio": False}, "t2v", vm.SYNTHESIS),
    ("wan3.0-video-prime", {"prompt": "Video 1 hugs Image 1", "reference_urls": [IMG, VID, AUD]},
     {"prompt": "Video 1 hugs Image 1",
      "media": media(("reference_image", IMG), ("reference_video", VID), ("reference_audio", AUD))}, {},
     "r2v", vm.SYNTHESIS),
]


@pytest.mark.parametrize("model,request_,inputs,params,mode,endpoint", BODIES, ids=[b[0] for b in BODIES])
def test_body_per_model_family(model, request_, inputs, params, mode, endpoint):
    plan = build(dict(request_, seed=7), model=model)
    assert isinstance(plan, Plan) and plan.checked and plan.is_async
    assert plan.body == {"model": model, "input": inputs, "parameters": dict(params, seed=7)}
    assert (plan.mode, plan.endpoint, plan.files) == (mode, endpoint, ())
    assert plan.facts["seed"] == 7


def test_raw_form_is_read_and_defaults_come_from_the_mode():
    plan = build({"model": "wan2.6-t2v", "input": {"prompt": "p"}, "parameters": {"seed": 1, "duration": 3}})
    assert plan.body == {"model": "wan2.6-t2v", "input": {"prompt": "p"}, "parameters": {"seed": 1, "duration": 3}}
    plan = build({"prompt": "p", "img_url": IMG, "seed": 1})
    assert plan.model == "wan2.6-i2v-flash" and plan.mode == "i2v"
    assert any("default for i2v" in note for note in plan.notes)
    plan = build({"prompt": "character1", "reference_urls": [IMG]}, mode="r2v")
    assert plan.model == "wan2.6-r2v-flash" and any("--mode r2v" in note for note in plan.notes)
    refused({"prompt": "p"}, "--mode t2v", "wan2.6-t2v", mode="t2v", model="wan2.6-i2v-flash")
    refused({"prompt": "p"}, "--mode movie", mode="movie")


# ---- Wan 3.0 media mixes (Wan 3.0 video generation API reference, 素材组合) ------------------------

LEGAL = [
    ("t2v", {"prompt": "p"}, "t2v"),
    ("first", {"first_frame_url": IMG}, "i2v"),
    ("first-last", {"first_frame_url": IMG, "last_frame_url": IMG2}, "kf2v"),
    ("images", {"prompt": "Image 1", "reference_images": [IMG] * 10}, "r2v"),
    ("videos", {"prompt": "p", "reference_videos": [VID] * 5}, "r2v"),
    ("audios", {"prompt": "p", "reference_audios": [AUD] * 5}, "r2v"),
    ("all-refs", {"prompt": "p", "reference_images": [IMG], "reference_videos": [VID], "reference_audios": [AUD]},
     "r2v"),
    ("file", {"prompt": "p", "file_url": DOC}, "r2v"),
    ("file-refs", {"prompt": "p", "file_url": DOC, "reference_images": [IMG], "reference_videos": [VID]}, "r2v"),
    ("link-refs", {"prompt": "p", "link_url": LINK, "reference_audios": [AUD]}, "r2v"),
    ("raw-media", {"media": [{"type": "reference_image", "url": IMG}]}, "r2v"),
]


@pytest.mark.parametrize("request_,mode", [c[1:] for c in LEGAL], ids=[c[0] for c in LEGAL])
def test_wan3_legal_mixes(request_, mode):
    plan = build(request_, model="wan3.0-video")
    assert plan.mode == mode and plan.checked
    types = [item["type"] for item in plan.body["input"].get("media", [])]
    if "file" in types or "link" in types:
        assert plan.body["parameters"]["prompt_extend"] is True
        assert any("prompt_extend true" in note for note in plan.notes)
    else:
        assert "prompt_extend" not in plan.body["parameters"]


ILLEGAL = [
    ("frame-and-ref", {"first_frame_url": IMG, "reference_images": [IMG]}, ["first_frame", "reference_image"]),
    ("last-and-video", {"first_frame_url": IMG, "last_frame_url": IMG, "reference_videos": [VID]}, ["never mixes"]),
    ("frame-and-file", {"first_frame_url": IMG, "file_url": DOC}, ["never mixes"]),
    ("last-alone", {"last_frame_url": IMG}, ["last_frame without first_frame"]),
    ("file-and-link", {"prompt": "p", "file_url": DOC, "link_url": LINK}, ["file+link", "one of them"]),
    ("eleven-images", {"prompt": "p", "reference_images": [IMG] * 11}, ["reference_image", "0-10"]),
    ("six-videos", {"prompt": "p", "reference_videos": [VID] * 6}, ["reference_video", "0-5"]),
    ("twenty-one", {"prompt": "p", "reference_images": [IMG] * 10, "reference_videos": [VID] * 5,
                    "reference_audios": [AUD] * 5, "file_url": DOC}, ["21 items", "20"]),
    ("extend-false", {"prompt": "p", "link_url": LINK, "prompt_extend": False}, ["prompt_extend=false", "link"]),
    ("local-link", {"prompt": "p", "link_url": "page.html"}, ["link_url", "http(s)"]),
    ("video-data-uri", {"prompt": "p", "reference_videos": ["data:video/mp4;base64,AAAA"]}, ["data:"]),
    ("nothing", {}, ["prompt / media", "missing"]),
    ("negative", {"prompt": "p", "negative_prompt": "blur"}, ["negative_prompt", "--allow-field"]),
    ("size-no-match", {"prompt": "p", "size": "832*480"}, ["size=832*480", "resolution"]),
    ("duration-31", {"prompt": "p", "duration": 31}, ["duration=31", "2-30", "-1"]),
    ("seed-minus-2", {"prompt": "p", "seed": -2}, ["seed=-2", "-1-2147483647"]),
    ("ratio", {"prompt": "p", "ratio": "5:4"}, ["ratio=5:4", "adaptive"]),
    ("old-name", {"prompt": "p", "video_url": VID}, ["video_url", "reference_videos"]),
]


@pytest.mark.parametrize("request_,words", [c[1:] for c in ILLEGAL], ids=[c[0] for c in ILLEGAL])
def test_wan3_illegal_mixes_and_fields_exit_2(request_, words):
    refused(request_, *words, model="wan3.0-video")


def test_wan3_mode_flag_must_agree_and_long_prompts_warn():
    refused({"prompt": "p", "reference_images": [IMG]}, "--mode i2v", "r2v", model="wan3.0-video", mode="i2v")
    plan = build({"prompt": "edit Video 1", "reference_videos": [VID]}, model="wan3.0-video", mode="videoedit")
    assert plan.mode == "videoedit"
    assert build({"first_frame_url": IMG}, model="wan3.0-video", mode="i2v").mode == "i2v"
    plan = build({"prompt": "x" * 20001, "seed": -1}, model="wan3.0-video")
    assert plan.body["parameters"]["seed"] == -1
    assert any("20000" in note and "drops" in note for note in plan.notes)


# ---- unknown models, --endpoint, --allow-field --------------------------------------------------

@pytest.mark.parametrize("model,endpoint,mode", [
    ("wan2.7-t2v-2026-06-12", vm.SYNTHESIS, "t2v"), ("wan2.5-i2v-plus", vm.SYNTHESIS, "i2v"),
    ("wan2.7-r2v", vm.SYNTHESIS, "r2v"), ("wan2.1-kf2v-turbo", vm.KF2V_PATH, "kf2v"),
    ("wan2.8-videoedit", vm.SYNTHESIS, "videoedit"), ("happyhorse-2.0-video-edit", vm.SYNTHESIS, "videoedit"),
    ("pixverse/pixverse-v6-kf2v", vm.SYNTHESIS, "kf2v"), ("wan3.1-video", vm.SYNTHESIS, "r2v"),
])
def test_unknown_models_follow_their_name(model, endpoint, mode):
    plan = build({"prompt": "p", "reference_images": [IMG], "quality": "high"}, model=model)
    assert (plan.endpoint, plan.mode, plan.checked) == (endpoint, mode, False)
    assert plan.notes[-1] == ("model %s is not in this bundle's table: not checked locally; sending to %s "
                              "(the API decides)" % (model, endpoint))
    assert plan.billing["units"][0]["unit"] == "unknown" and "not known locally" in plan.billing["summary"]
    assert "seed" not in plan.body.get("parameters", {})
    if model.startswith("wan3"):
        assert plan.body["input"]["media"] == media(("reference_image", IMG))
    else:
        assert plan.body["parameters"] == {"reference_images": [IMG], "quality": "high"}


def test_unknown_model_needs_an_endpoint_and_raw_bodies_pass_through():
    refused({"prompt": "p"}, "model=mystery-model", "--endpoint", model="mystery-model")
    raw = {"model": "mystery-model", "input": {"prompt": "p", "odd": 1}, "parameters": {"x": [1, 2]}}
    plan = build(raw, endpoint="/api/v1/services/aigc/video-generation/video-synthesis")
    assert plan.body == raw and plan.endpoint == vm.SYNTHESIS and plan.mode == "t2v"
    for bad in ("https://evil.example/services/x", "/services/../tasks", "/services/a?b=1", "/tasks/x", "", " "):
        refused({"prompt": "p"}, "--endpoint", model="wan2.6-t2v", endpoint=bad)
    plan = build({"prompt": "p", "seed": 1}, model="wan2.6-t2v", endpoint="/services/aigc/other/path")
    assert plan.endpoint == "/services/aigc/other/path" and any("--endpoint" in n for n in plan.notes)
    refused({"prompt": "p", "img_url": "missing.png"}, "img_url=missing.png", "not found", model="mystery-t2v")


def test_allow_field_sends_a_field_the_model_does_not_take():
    refused({"prompt": "p", "quality": "high"}, "request field quality", "--allow-field quality", model="wan2.6-t2v")
    plan = build({"prompt": "p", "quality": "high", "negative_prompt": "blur", "seed": 1}, model="wan3.0-video",
                 allow_fields=("quality", "negative_prompt"))
    assert plan.body["parameters"] == {"quality": "high", "seed": 1}
    assert plan.body["input"] == {"prompt": "p", "negative_prompt": "blur"}
    assert sum("--allow-field" in note for note in plan.notes) == 2
    raw = {"model": "wan2.6-t2v", "input": {"prompt": "p", "quality": "high"}, "parameters": {"seed": 1}}
    plan = build(raw, allow_fields=("quality",))
    assert plan.body["input"] == {"prompt": "p", "quality": "high"}


# ---- Token Plan keys ---------------------------------------------------------------------------

def test_plan_keys(tmp_path):
    plan = build({"prompt": "p"}, model="wan2.6-t2v", target=PLAN_KEY)
    assert any("not in the Token Plan model list" in note for note in plan.notes)
    plan = build({"prompt": "p"}, model="happyhorse-1.1-t2v", target=PLAN_KEY)
    assert not any("Token Plan" in note for note in plan.notes)
    image = mediafiles.png(tmp_path / "f.png", 320, 320)
    plan = build({"img_url": image}, model="happyhorse-1.1-i2v", target=PLAN_KEY)
    assert [(s.where, s.local, s.kind) for s in plan.files] == [(("input", "media", 0, "url"), image, "image")]
    clip = mediafiles.mp4(tmp_path / "v.mp4", 320, 240, 2.0, 16.0)
    refused({"prompt": "p", "reference_videos": [clip]}, "temporary upload", "public http(s) URL",
            model="wan3.0-video", target=PLAN_KEY)
    refused({"prompt": "p", "reference_audios": [mediafiles.wav(tmp_path / "a.wav", 2.0)]}, "temporary upload",
            model="wan3.0-video", target=PLAN_KEY)
    assert vm.image_mb("happyhorse-1.1-i2v") == 20 and vm.image_mb("wan2.2-kf2v-flash") == 10
    assert vm.image_mb("not-a-model") == 10


# ---- corrections of the fact sheet -------------------------------------------------------------

def test_kf2v_plus_id_follows_the_region():
    body = {"first_frame_url": IMG, "last_frame_url": IMG2}
    for name in ("wanx2.1-kf2v-plus", "wan2.1-kf2v-plus"):
        assert build(body, model=name, target=INTL).model == "wan2.1-kf2v-plus"
        assert build(body, model=name).model == "wanx2.1-kf2v-plus"
    plan = build(body, model="wanx2.1-kf2v-plus", target=INTL)
    assert plan.body["model"] == "wan2.1-kf2v-plus" and plan.endpoint == vm.KF2V_PATH
    assert any("sending that id" in note for note in plan.notes)


def test_happyhorse_takes_720p_1080p_and_no_prompt_extend_or_negative_prompt():
    for model in ("happyhorse-1.0-t2v", "happyhorse-1.1-t2v"):
        refused({"prompt": "p", "resolution": "480P", "ratio": "16:9"}, "resolution=480P", "720P", model=model)
        refused({"prompt": "p", "prompt_extend": False}, "prompt_extend", model=model)
        refused({"prompt": "p", "negative_prompt": "x"}, "negative_prompt", model=model)
    refused({"img_url": IMG, "prompt_extend": True}, "prompt_extend", model="happyhorse-1.1-i2v")
    assert "happyhorse-1.1-r2v" in vm.MODELS and "happyhorse-1.1-r2v" in vm.TOKEN_PLAN


def test_multi_shot_needs_prompt_extend_on_t2v_and_i2v_only():
    refused({"prompt": "p", "shot_type": "multi"}, "shot_type=multi", "prompt_extend", model="wan2.6-t2v")
    refused({"img_url": IMG, "shot_type": "multi"}, "prompt_extend", model="wan2.6-i2v")
    plan = build({"prompt": "character1", "reference_urls": [IMG], "shot_type": "multi"}, model="wan2.6-r2v")
    assert plan.body["parameters"]["shot_type"] == "multi" and "prompt_extend" not in plan.body["parameters"]


def test_r2v_image_caps(tmp_path):
    big = tmp_path / "big.png"
    with open(big, "wb") as handle:  # sparse: 15 MB on paper
        handle.truncate(15 * 1024 * 1024)
    request = {"prompt": "character1", "reference_urls": [str(big)]}
    plan = build(request, model="wan2.6-r2v")
    assert plan.files[0].where == ("input", "reference_urls", 0) and plan.files[0].kind == "image"
    assert any("could not read" in note for note in plan.notes)  # not a real PNG: the API decides
    refused(request, "10 MB", model="wan2.6-r2v-flash")


def test_vace_repainting_needs_no_control_condition_and_i2v_durations():
    plan = build({"prompt": "p", "function": "video_repainting", "video_url": VID})
    assert plan.mode == "vace" and "control_condition" not in plan.body["parameters"]
    for model in ("wan2.6-i2v", "wan2.6-i2v-flash"):
        for duration in (2, 7, 15):
            assert build({"img_url": IMG, "duration": duration}, model=model).body["parameters"]["duration"] == duration
        refused({"img_url": IMG, "duration": 16}, "duration=16", "2-15", model=model)
        assert vm.MODELS[model].duration_default == 5


# ---- seeds ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("model", sorted(vm.MODELS))
def test_every_model_that_takes_seed_gets_one(model):
    entry = vm.MODELS[model]
    assert "seed" in entry.params
    seeds = set()
    for _ in range(3):
        plan = build(_minimal(entry), model=model)
        seed = plan.body["parameters"]["seed"]
        assert 0 <= seed <= vm.SEED_MAX and plan.facts["seed"] == seed
        seeds.add(seed)
    assert len(seeds) > 1


def _minimal(entry):
    return {"t2v": {"prompt": "p"}, "i2v": {"prompt": "p", "img_url": IMG} if "img_url" in entry.inputs
            else {"first_frame_url": IMG}, "kf2v": {"first_frame_url": IMG, "last_frame_url": IMG2},
            "r2v": {"prompt": "character1", "reference_urls": [IMG]} if entry.refs
            else {"prompt": "p", "reference_images": [IMG]},
            "vace": {"prompt": "p", "function": "video_outpainting", "video_url": VID},
            "videoedit": {"prompt": "p", "video_url": VID}, vm.AUTO: {"prompt": "p"}}[entry.mode]


# ---- billing -------------------------------------------------------------------------------------

def test_billing_summaries(tmp_path):
    def bill(request, **kwargs):
        return build(request, **kwargs).billing

    b = bill({"prompt": "p", "duration": 10}, model="wan2.6-t2v")
    assert b["summary"] == "10 s of 1080P video with audio (wan2.6-t2v)"
    assert "size not given: the API default 1920*1080 (1080P) applies" in b["assumed"]
    b = bill({"prompt": "p"}, model="wan2.2-t2v-plus")
    assert b["summary"] == "5 s of 1080P video (wan2.2-t2v-plus)"
    assert "wan2.2-t2v-plus makes silent video" in b["assumed"] and "duration not given: 5 s" in b["assumed"]
    b = bill({"img_url": IMG, "audio": False, "resolution": "720P"}, model="wan2.6-i2v-flash")
    assert b["summary"] == "5 s of 720P video without audio (wan2.6-i2v-flash)"
    assert "audio on by default" in bill({"img_url": IMG}, model="wan2.6-i2v-flash")["assumed"]
    assert bill({"prompt": "p", "duration": -1}, model="wan3.0-video")["summary"] == \
        "up to 30 s of 1080P video with audio (wan3.0-video)"
    assert bill({"prompt": "p", "function": "video_outpainting", "video_url": VID})["summary"] == \
        "up to 5 s of 720P video (wanx2.1-vace-plus)"
    clip = mediafiles.mp4(tmp_path / "c.mp4", 320, 240, 4.0, 16.0)
    b = bill({"prompt": "p", "video_url": clip, "resolution": "720P"}, model="wan2.7-videoedit")
    assert b["summary"] == "4 s of 720P video with audio (wan2.7-videoedit); 4 s of input video (wan2.7-videoedit)"
    b = bill({"prompt": "character1", "reference_urls": [IMG, clip], "size": "1280*720", "duration": 6},
             model="wan2.6-r2v-flash")
    assert b["summary"] == ("6 s of 720P video with audio (wan2.6-r2v-flash); "
                            "4 s of input video (wan2.6-r2v-flash)")
    b = bill({"prompt": "p", "reference_videos": [clip, VID], "duration": 5}, model="wan3.0-video")
    assert b["units"][1]["count"] == 15 and b["units"][1]["exact"] is False  # capped by the 15 s total
    b = bill({"prompt": "p", "video_url": VID}, model="happyhorse-1.0-video-edit")
    assert b["summary"] == "up to 15 s of 1080P video (happyhorse-1.0-video-edit); up to 60 s of input video " \
        "(happyhorse-1.0-video-edit)"
    b = bill({"first_clip_url": clip, "duration": 10}, model="wan2.7-i2v")
    assert b["summary"] == "10 s of 1080P video with audio (wan2.7-i2v)"
    assert "the first_clip's seconds count within duration" in b["assumed"]


# ---- local media checks on real files -----------------------------------------------------------

def test_local_images_pixels_aspect_alpha(tmp_path):
    small = mediafiles.png(tmp_path / "small.png", 200, 260)
    refused({"img_url": small}, "img_url=", "200x260", "240-8000", model="wan2.6-i2v-flash")
    wide = mediafiles.png(tmp_path / "wide.png", 900, 300)
    refused({"img_url": wide}, "aspect", "2.5", model="happyhorse-1.1-i2v")
    assert build({"img_url": wide}, model="wan2.6-i2v-flash").files[0].local == wide
    tall = mediafiles.png(tmp_path / "tall.png", 250, 2100)
    refused({"first_frame_url": tall}, "aspect", "1:8", model="wan2.7-i2v")
    assert build({"img_url": tall}, model="wan2.6-i2v").files[0].kind == "image"  # no aspect rule documented
    narrow = mediafiles.png(tmp_path / "narrow.png", 320, 500)
    refused({"prompt": "p", "reference_images": [narrow]}, "320x500", ">= 400 px", model="happyhorse-1.1-r2v")
    alpha = mediafiles.webp(tmp_path / "alpha.webp", 400, 400, extended=True, alpha=True)
    refused({"first_frame_url": alpha}, "transparency", model="wan3.0-video")
    garbage = tmp_path / "junk.png"
    garbage.write_bytes(b"not an image at all")
    plan = build({"img_url": str(garbage)}, model="wan2.6-i2v-flash")
    assert any("could not read %s" % garbage in note for note in plan.notes)


def test_local_clips_seconds_fps_totals(tmp_path):
    slow = mediafiles.mp4(tmp_path / "slow.mp4", 320, 240, 2.0, 10.0)
    refused({"prompt": "p", "reference_videos": [slow]}, "10 fps", "16 fps", model="wan3.0-video")
    long = mediafiles.mp4(tmp_path / "long.mp4", 320, 240, 16.0, 16.0)
    refused({"prompt": "p", "reference_videos": [long]}, "16.0 s", "1-15 s", model="wan3.0-video")
    eight = mediafiles.mp4(tmp_path / "eight.mp4", 320, 240, 8.0, 16.0)
    refused({"prompt": "p", "reference_videos": [eight, eight]}, "16.0 s", "15 s", model="wan3.0-video")
    refused({"prompt": "p", "reference_videos": [eight], "duration": 23}, "duration=23", "22", model="wan3.0-video")
    plan = build({"prompt": "p", "reference_videos": [eight], "duration": 22}, model="wan3.0-video")
    assert [s.where for s in plan.files] == [("input", "media", 0, "url")]
    assert plan.billing["units"][1] == {"unit": "input_video_seconds", "count": 8.0, "model": "wan3.0-video",
                                        "tier": None, "audio": None, "exact": True}
    loud = mediafiles.wav(tmp_path / "long.wav", 16.0)
    refused({"prompt": "p", "reference_audios": [loud]}, "reference_audio", "1-15", model="wan3.0-video")
    refused({"prompt": "p", "video_url": long}, "2-10 s", model="wan2.7-videoedit")
    short_audio = mediafiles.wav(tmp_path / "short.wav", 2.0)
    refused({"prompt": "p", "audio_url": short_audio}, "audio_url", "3-30", model="wan2.6-t2v")
    assert build({"prompt": "p", "audio_url": short_audio}, model="wan2.7-t2v").files[0].kind == "audio"


def test_plan_round_trips_and_urls_replace_local_paths(tmp_path):
    image = mediafiles.png(tmp_path / "f.png", 320, 320)
    clip = mediafiles.mp4(tmp_path / "v.mp4", 320, 240, 2.0, 16.0)
    plan = build({"prompt": "p", "reference_urls": [image, clip], "seed": 3}, model="wan3.0-video", label="one")
    assert [(s.kind, s.where) for s in plan.files] == [("image", ("input", "media", 0, "url")),
                                                      ("video", ("input", "media", 1, "url"))]
    body = plan.with_urls(["oss://a", "oss://b"])
    assert [item["url"] for item in body["input"]["media"]] == ["oss://a", "oss://b"]
    again = Plan.from_dict(plan.to_dict())
    assert again.to_dict() == plan.to_dict() and again.label == "one"
    assert set(plan.facts) == {"prompt", "seed", "resolution", "ratio", "duration", "audio", "input_mb"}
