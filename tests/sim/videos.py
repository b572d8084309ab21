"""Video routes: video-generation/video-synthesis for all modes but kf2v, image2video for kf2v."""

import uuid

from . import wan3
from .server import api_error

SIZE = "size"            # parameters.size = "W*H"
RES_RATIO = "res+ratio"  # parameters.resolution + optional ratio, no size
RES = "res"              # parameters.resolution only
MODELS = {
    "wan2.7-t2v": ("t2v", RES_RATIO), "wan2.6-t2v": ("t2v", SIZE), "wan2.5-t2v-preview": ("t2v", SIZE),
    "wan2.2-t2v-plus": ("t2v", SIZE),
    "wan2.7-i2v": ("i2v27", RES), "wan2.6-i2v-flash": ("i2v", RES), "wan2.6-i2v": ("i2v", RES),
    "wan2.5-i2v-preview": ("i2v", RES), "wan2.2-i2v-plus": ("i2v", RES), "wan2.2-i2v-flash": ("i2v", RES),
    "wan2.2-kf2v-flash": ("kf2v", RES), "wanx2.1-kf2v-plus": ("kf2v", RES), "wan2.1-kf2v-plus": ("kf2v", RES),
    "wan2.6-r2v-flash": ("r2v", SIZE), "wan2.6-r2v": ("r2v", SIZE),
    "wanx2.1-vace-plus": ("vace", SIZE), "wan2.1-vace-plus": ("vace", SIZE),
    "wan2.7-videoedit": ("videoedit", RES_RATIO),
    "happyhorse-1.0-t2v": ("hh-t2v", RES_RATIO), "happyhorse-1.1-t2v": ("hh-t2v", RES_RATIO),
    "happyhorse-1.0-i2v": ("hh-i2v", RES), "happyhorse-1.1-i2v": ("hh-i2v", RES),
    "happyhorse-1.0-r2v": ("hh-r2v", RES_RATIO), "happyhorse-1.1-r2v": ("hh-r2v", RES_RATIO),
    "happyhorse-1.0-video-edit": ("hh-edit", RES),
}
VACE_FUNCTIONS = {"image_reference", "video_repainting", "video_edit", "video_extension",
                  "video_outpainting"}
COMMON = {"seed", "watermark", "prompt_extend"}
# What the official SDK adds to every video input (dashscope 2.0.2 VideoSynthesis._get_input): the deprecated
# input.extend_prompt (a bool, default true) and input.function set to the SDK's own name "video-synthesis".
SDK_INPUTS = {"extend_prompt", "function"}
SDK_FUNCTION = "video-synthesis"
# Fact sheet corrections: HappyHorse t2v/i2v/r2v take 720P/1080P only and no prompt_extend/negative_prompt.
NOT_COMMON = {"hh-t2v": {"prompt_extend"}, "hh-i2v": {"prompt_extend"}, "hh-r2v": {"prompt_extend"}}
RESOLUTIONS = {"hh-t2v": ("720P", "1080P"), "hh-i2v": ("720P", "1080P"), "hh-r2v": ("720P", "1080P")}
# Fields each kind of model takes (fact sheet §3); anything else is refused like an unknown parameter.
INPUTS = {
    "t2v": {"prompt", "negative_prompt", "audio_url"}, "i2v27": {"prompt", "negative_prompt", "media"},
    "i2v": {"prompt", "negative_prompt", "img_url", "audio_url", "template"},
    "kf2v": {"prompt", "negative_prompt", "first_frame_url", "last_frame_url", "template"},
    "r2v": {"prompt", "negative_prompt", "reference_urls"},
    "vace": {"prompt", "function", "ref_images_url", "video_url", "mask_image_url", "mask_video_url",
             "mask_frame_id", "first_clip_url", "last_clip_url", "first_frame_url", "last_frame_url"},
    "videoedit": {"prompt", "negative_prompt", "media"}, "hh-t2v": {"prompt"}, "hh-i2v": {"prompt", "media"},
    "hh-r2v": {"prompt", "media"}, "hh-edit": {"prompt", "media"},
}
PARAMS = {
    "t2v": {"size", "resolution", "ratio", "duration", "shot_type"}, "i2v27": {"resolution", "duration"},
    "i2v": {"resolution", "duration", "shot_type", "audio"}, "kf2v": {"resolution", "duration"},
    "r2v": {"size", "duration", "shot_type", "audio"},
    "vace": {"size", "obj_or_bg", "control_condition", "strength", "mask_type", "expand_ratio",
             "top_scale", "bottom_scale", "left_scale", "right_scale"},
    "videoedit": {"resolution", "ratio", "duration", "audio_setting"},
    "hh-t2v": {"resolution", "ratio", "duration"}, "hh-i2v": {"resolution", "duration"},
    "hh-r2v": {"resolution", "ratio", "duration"}, "hh-edit": {"resolution", "audio_setting"},
}
VACE_NEEDS = {"image_reference": ("ref_images_url",), "video_repainting": ("video_url",),
              "video_edit": ("video_url",), "video_outpainting": ("video_url",), "video_extension": ()}
I2V27_SETS = [{"first_frame"}, {"first_frame", "driving_audio"}, {"first_frame", "last_frame"},
              {"first_frame", "last_frame", "driving_audio"}, {"first_clip"}, {"first_clip", "last_frame"}]
SHOT_TYPE_MODELS = {"wan2.6-t2v", "wan2.6-i2v-flash", "wan2.6-i2v", "wan2.6-r2v-flash", "wan2.6-r2v"}
AUDIO_SWITCH_MODELS = {"wan2.6-i2v-flash", "wan2.6-r2v-flash"}


def _bad(message):
    return api_error(400, "InvalidParameter", message)


def _check_size_style(style, params):
    if style == SIZE and "resolution" in params:
        return _bad("parameters.resolution is not supported by this model; use size")
    if style in (RES, RES_RATIO) and "size" in params:
        return _bad("parameters.size is not supported by this model; use resolution")
    if style == RES and "ratio" in params:
        return _bad("parameters.ratio is not supported by this model")
    return None


def _media_types(data):
    media = data.get("media")
    if not isinstance(media, list) or not media:
        return None
    return [item.get("type") for item in media if isinstance(item, dict) and item.get("url")]


def _check_sdk_inputs(kind, data):
    if "extend_prompt" in data and not isinstance(data["extend_prompt"], bool):
        return _bad("input.extend_prompt must be a boolean")
    if "function" in data and kind != "vace" and data["function"] != SDK_FUNCTION:
        return _bad("input.function is not supported by this model")
    return None


def _check_fields(model, kind, data, params, legacy=False):
    for key in data:
        if key not in INPUTS[kind] | SDK_INPUTS:
            return _bad("input.%s is not supported by %s" % (key, model))
    for key in params:
        if key not in PARAMS[kind] | (COMMON - (set() if legacy else NOT_COMMON.get(kind, set()))):
            return _bad("parameters.%s is not supported by %s" % (key, model))
    if not legacy and kind in RESOLUTIONS and params.get("resolution", RESOLUTIONS[kind][-1]) not in RESOLUTIONS[kind]:
        return _bad("parameters.resolution must be one of %s" % ", ".join(RESOLUTIONS[kind]))
    if "shot_type" in params and model not in SHOT_TYPE_MODELS:
        return _bad("parameters.shot_type is not supported by %s" % model)
    if "audio" in params and model not in AUDIO_SWITCH_MODELS:
        return _bad("parameters.audio is not supported by %s" % model)
    if params.get("shot_type") == "multi" and params.get("prompt_extend") is False:
        return _bad("shot_type multi requires prompt_extend")
    return None


def _check_details(kind, data):
    types = _media_types(data) or []
    if kind == "i2v27" and (set(types) not in I2V27_SETS or len(types) != len(set(types))):
        return _bad("input.media: unsupported combination %s" % "+".join(types))
    if kind == "r2v":
        refs = data.get("reference_urls") or []
        videos = [r for r in refs if r.lower().split("?")[0].endswith((".mp4", ".mov"))]
        if len(refs) > 5 or len(videos) > 3:
            return _bad("reference_urls: at most 5 references, at most 3 videos")
    if kind == "videoedit" and types.count("reference_image") > 4:
        return _bad("input.media: at most 4 reference_image items")
    if kind == "vace":
        for key in VACE_NEEDS.get(data.get("function"), ()):
            if not data.get(key):
                return _bad("input.%s is required for function %s" % (key, data.get("function")))
    return None


def _wrong_route(model):
    return _bad("Model %s is not supported by this API url" % model)


def _check_input(kind, data):
    prompt = data.get("prompt")
    needs_prompt = kind in ("t2v", "r2v", "hh-t2v", "hh-r2v", "hh-edit")
    if needs_prompt and (not isinstance(prompt, str) or not prompt.strip()):
        return _bad("input.prompt is required")
    types = _media_types(data)
    if kind == "i2v" and not data.get("img_url"):
        return _bad("input.img_url is required")
    if kind == "kf2v" and not data.get("first_frame_url"):
        return _bad("input.first_frame_url is required")
    if kind == "kf2v" and not data.get("last_frame_url") and not data.get("template"):
        return _bad("input.last_frame_url is required")
    if kind == "r2v" and not data.get("reference_urls"):
        return _bad("input.reference_urls is required")
    if kind == "vace" and data.get("function") not in VACE_FUNCTIONS:
        return _bad("input.function must be one of %s" % ", ".join(sorted(VACE_FUNCTIONS)))
    if kind == "i2v27" and (not types or not ({"first_frame", "first_clip"} & set(types))):
        return _bad("input.media needs a first_frame or first_clip item")
    if kind in ("videoedit", "hh-edit") and (not types or types.count("video") != 1):
        return _bad("input.media needs exactly one video item")
    if kind == "hh-i2v" and types != ["first_frame"]:
        return _bad("input.media must hold exactly one first_frame item")
    if kind == "hh-r2v" and (not types or set(types) != {"reference_image"}):
        return _bad("input.media must hold reference_image items")
    return None


def _synthesis(sim, body, kf2v_route):
    from .catalog import submit_task

    model = body["model"]
    if model in wan3.MODELS:
        return wan3.synthesis(sim, body, kf2v_route)
    if model not in MODELS:
        return api_error(404, "ModelNotFound", "Model not exist.")
    kind, style = MODELS[model]
    if (kind == "kf2v") != kf2v_route:
        return _wrong_route(model)
    data, params = body.get("input") or {}, body.get("parameters") or {}
    if not isinstance(data, dict) or not isinstance(params, dict):
        return api_error(400, "BadRequest.EmptyInput", "Required parameter(s) missing or invalid: input")
    problem = (_check_size_style(style, params) or _check_input(kind, data) or _check_sdk_inputs(kind, data)
               or _check_fields(model, kind, data, params, sim.legacy_rules) or _check_details(kind, data))
    if problem:
        return problem
    if kind == "kf2v" and params.get("duration", 5) != 5:
        return _bad("duration must be 5 for %s" % model)
    url = sim.result_url("%s/video.mp4" % uuid.uuid4().hex[:12])
    output = {"video_url": url, "orig_prompt": data.get("prompt") or ""}
    usage = {"duration": params.get("duration", 5), "video_count": 1}
    return submit_task(sim, model, body, {"output": output, "usage": usage})


def video_synthesis(sim, body):
    return _synthesis(sim, body, False)


def kf2v_synthesis(sim, body):
    return _synthesis(sim, body, True)
