"""Wan 3.0 video (wan3.0-video, wan3.0-video-prime): one all-in-one model on video-synthesis, the mode
follows input.media (addendum A1, "Wan 3.0 video generation API reference")."""

import uuid

from .server import api_error

MODELS = {"wan3.0-video", "wan3.0-video-prime"}
# Most items of each media type; no other type exists (A1.4).
MEDIA_MAX = {"first_frame": 1, "last_frame": 1, "reference_image": 10, "reference_video": 5,
             "reference_audio": 5, "file": 1, "link": 1}
MEDIA_TOTAL = 20  # "单次支持最多20个多模态素材参考" (whether file/link count is UNCONFIRMED)
FRAMES = {"first_frame", "last_frame"}
REFERENCES = {"reference_image", "reference_video", "reference_audio", "file", "link"}
RESOLUTIONS = {"1080P": 1080, "720P": 720, "480P": 480}
RATIOS = ("adaptive", "21:9", "16:9", "4:3", "1:1", "3:4", "9:16")
# input.extend_prompt and input.function ("video-synthesis") are what the official SDK adds to every video
# call (dashscope 2.0.2 VideoSynthesis._get_input); the rest is the documented input.
INPUTS = {"prompt", "media", "extend_prompt", "function"}
PARAMS = {"resolution", "ratio", "duration", "audio", "seed", "prompt_extend", "watermark"}
MIXED = ("The two modes are mutually exclusive. Do not pass reference_xx and first_frame/last_frame at the "
         "same time.")
# Simulator choice: each reference video counts this long in usage.input_video_duration.
REFERENCE_VIDEO_SECONDS = 3.0


def _bad(message):
    return api_error(400, "InvalidParameter", message)


def _is_bool(value):
    return isinstance(value, bool)


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _check_media(media):
    """The media list's types, or an error Reply (counts and shapes are checked at create)."""
    if not isinstance(media, list):
        return _bad("input.media must be a list")
    types = []
    for item in media:
        if not isinstance(item, dict) or set(item) - {"type", "url"}:
            return _bad("input.media items are {\"type\", \"url\"} objects")
        if item.get("type") not in MEDIA_MAX:
            return _bad("input.media type %r is not supported" % (item.get("type"),))
        if not isinstance(item.get("url"), str) or not item["url"]:
            return _bad("input.media url is required")
        types.append(item["type"])
    for kind, most in MEDIA_MAX.items():
        if types.count(kind) > most:
            return _bad("input.media: at most %d %s items" % (most, kind))
    if len(types) > MEDIA_TOTAL:
        return _bad("input.media: at most %d items" % MEDIA_TOTAL)
    return types


def _check_params(params, types):
    for key in params:
        if key not in PARAMS:
            return _bad("parameters.%s is not supported by wan3.0-video" % key)
    checks = (("resolution", lambda v: v in RESOLUTIONS), ("ratio", lambda v: v in RATIOS),
              ("duration", lambda v: _is_int(v) and (v == -1 or 2 <= v <= 30)), ("audio", _is_bool),
              ("seed", lambda v: _is_int(v) and -1 <= v <= 2147483647), ("prompt_extend", _is_bool),
              ("watermark", _is_bool))
    for key, good in checks:
        if key in params and not good(params[key]):
            return _bad("parameters.%s has an invalid value %r" % (key, params[key]))
    if ({"file", "link"} & set(types)) and params.get("prompt_extend", True) is not True:
        return _bad("prompt_extend must be true when a file or link is given")
    return None


def _check(data, params):
    """The media types of a valid body, or an error Reply."""
    for key in data:
        if key not in INPUTS:
            return _bad("input.%s is not supported by wan3.0-video" % key)
    if data.get("function") not in (None, "video-synthesis"):
        return _bad("input.function is not supported by wan3.0-video")
    if "extend_prompt" in data and not _is_bool(data["extend_prompt"]):
        return _bad("input.extend_prompt must be a boolean")
    prompt, media = data.get("prompt"), data.get("media")
    if prompt is not None and not isinstance(prompt, str):
        return _bad("input.prompt must be a string")
    if not (prompt or "").strip() and not media:
        return _bad("one of input.prompt and input.media is required")
    types = _check_media(media) if media is not None else []
    if not isinstance(types, list):
        return types
    return _check_params(params, types) or types


def _mixed(types):
    """True for the combinations the API takes at create and then fails (A1.5, A1.7)."""
    kinds = set(types)
    if kinds & FRAMES and kinds & REFERENCES:
        return True
    return (kinds & FRAMES) == {"last_frame"} or {"file", "link"} <= kinds


def synthesis(sim, body, kf2v_route):
    """Create a Wan 3.0 task; an illegal media mix is accepted and the task then FAILS."""
    from .catalog import submit_task

    if kf2v_route:
        return _bad("Model %s is not supported by this API url" % body["model"])
    data, params = body.get("input") or {}, body.get("parameters") or {}
    if not isinstance(data, dict) or not isinstance(params, dict):
        return api_error(400, "BadRequest.EmptyInput", "Required parameter(s) missing or invalid: input")
    types = _check(data, params)
    if not isinstance(types, list):
        return types
    duration = float(params.get("duration", 5) if params.get("duration", 5) != -1 else 5)
    ratio = params.get("ratio", "adaptive")
    input_seconds = REFERENCE_VIDEO_SECONDS * types.count("reference_video")
    output = {"video_url": sim.result_url("%s/video.mp4" % uuid.uuid4().hex[:12]),
              "orig_prompt": data.get("prompt") or ""}
    usage = {"video_count": 1, "duration": duration + input_seconds, "input_video_duration": input_seconds,
             "output_video_duration": duration, "fps": 30,
             "SR": RESOLUTIONS[params.get("resolution", "1080P")],
             "ratio": "16:9" if ratio == "adaptive" else ratio}
    failure = ("InvalidParameter", MIXED) if _mixed(types) else None
    return submit_task(sim, body["model"], body, {"output": output, "usage": usage}, failure=failure)
