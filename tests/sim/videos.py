"""Video routes: video-generation/video-synthesis for all modes but kf2v, image2video for kf2v."""

import uuid

from .server import api_error

SIZE = "size"            # parameters.size = "W*H"
RES_RATIO = "res+ratio"  # parameters.resolution + optional ratio, no size
RES = "res"              # parameters.resolution only
MODELS = {
    "wan2.7-t2v": ("t2v", RES_RATIO), "wan2.6-t2v": ("t2v", SIZE), "wan2.5-t2v-preview": ("t2v", SIZE),
    "wan2.2-t2v-plus": ("t2v", SIZE),
    "wan2.7-i2v": ("i2v27", RES), "wan2.6-i2v-flash": ("i2v", RES), "wan2.6-i2v": ("i2v", RES),
    "wan2.5-i2v-preview": ("i2v", RES), "wan2.2-i2v-plus": ("i2v", RES), "wan2.2-i2v-flash": ("i2v", RES),
    "wan2.2-kf2v-flash": ("kf2v", RES), "wanx2.1-kf2v-plus": ("kf2v", RES),
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
    from .images import _wrong_route

    model = body["model"]
    if model not in MODELS:
        return api_error(404, "ModelNotFound", "Model not exist.")
    kind, style = MODELS[model]
    if (kind == "kf2v") != kf2v_route:
        return _wrong_route(model)
    data, params = body.get("input") or {}, body.get("parameters") or {}
    if not isinstance(data, dict):
        return api_error(400, "BadRequest.EmptyInput", "Required parameter(s) missing or invalid: input")
    problem = _check_size_style(style, params) or _check_input(kind, data)
    if problem:
        return problem
    if kind == "kf2v" and params.get("duration", 5) != 5:
        return _bad("duration must be 5 for %s" % model)
    url = sim.result_url("%s/video.mp4" % uuid.uuid4().hex[:12])
    output = {"video_url": url, "orig_prompt": data.get("prompt", "")}
    usage = {"duration": params.get("duration", 5), "video_count": 1}
    return submit_task(sim, model, body, {"output": output, "usage": usage})


def video_synthesis(sim, body):
    return _synthesis(sim, body, False)


def kf2v_synthesis(sim, body):
    return _synthesis(sim, body, True)
