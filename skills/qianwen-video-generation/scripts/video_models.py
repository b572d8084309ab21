"""Video models as data: one entry per model (endpoint, size rule, limits, accepted fields).

Source: dashscope-api.md §3 (the fact sheet). Where it says UNCONFIRMED the entry takes the
narrower reading, so a wrong guess ends in a clear exit 2 here or an API error, never a silent change.
"""

SYNTHESIS = "/services/aigc/video-generation/video-synthesis"
KF2V_PATH = "/services/aigc/image2video/video-synthesis"  # kf2v only: its own endpoint

MODES = ("t2v", "i2v", "kf2v", "r2v", "vace", "videoedit")
DEFAULT_MODELS = {"t2v": "wan2.6-t2v", "i2v": "wan2.6-i2v-flash", "kf2v": "wan2.2-kf2v-flash",
                  "r2v": "wan2.6-r2v-flash", "vace": "wanx2.1-vace-plus", "videoedit": "wan2.7-videoedit"}
# The VACE id differs by region (fact sheet §3.1): both names are accepted and mapped.
VACE_IDS = {False: "wanx2.1-vace-plus", True: "wan2.1-vace-plus"}

SIZES = {
    "480P": ("832*480", "480*832", "624*624"),
    "720P": ("1280*720", "720*1280", "960*960", "1088*832", "832*1088"),
    "1080P": ("1920*1080", "1080*1920", "1440*1440", "1632*1248", "1248*1632"),
}
# What resolution + ratio produce (wan2.7 table); the exact size <-> resolution+ratio translation.
RATIO_SIZES = {
    ("720P", "16:9"): "1280*720", ("720P", "9:16"): "720*1280", ("720P", "1:1"): "960*960",
    ("720P", "4:3"): "1104*832", ("720P", "3:4"): "832*1104",
    ("1080P", "16:9"): "1920*1080", ("1080P", "9:16"): "1080*1920", ("1080P", "1:1"): "1440*1440",
    ("1080P", "4:3"): "1648*1248", ("1080P", "3:4"): "1248*1648",
}
RATIOS5 = ("16:9", "9:16", "1:1", "4:3", "3:4")
RATIOS9 = RATIOS5 + ("4:5", "5:4", "9:21", "21:9")

SIZE, RES_RATIO, RES = "size", "resolution+ratio", "resolution"

IMAGE_EXT = ("jpg", "jpeg", "png", "bmp", "webp")
VIDEO_EXT = ("mp4", "mov")
AUDIO_EXT = ("wav", "mp3")
# kind -> (extensions, MB); a model's "limits" entry overrides single kinds.
LIMITS = {"image": (IMAGE_EXT, 20), "video": (VIDEO_EXT, 100), "audio": (AUDIO_EXT, 15)}

# Where each request field lives in the API body; everything else goes to `parameters`.
INPUT_FIELDS = ("prompt", "negative_prompt", "img_url", "audio_url", "template", "media",
                "first_frame_url", "last_frame_url", "reference_urls", "function", "ref_images_url",
                "video_url", "mask_image_url", "mask_video_url", "mask_frame_id", "first_clip_url",
                "last_clip_url")
# Media fields by what they hold (local files are checked and uploaded by this kind).
FIELD_KINDS = {"img_url": "image", "first_frame_url": "image", "last_frame_url": "image",
               "ref_images_url": "image", "mask_image_url": "image", "audio_url": "audio",
               "driving_audio_url": "audio", "video_url": "video", "first_clip_url": "video",
               "last_clip_url": "video", "mask_video_url": "video", "reference_urls": "image|video"}
MEDIA_KINDS = {"first_frame": "image", "last_frame": "image", "reference_image": "image",
               "first_clip": "video", "video": "video", "driving_audio": "audio"}

COMMON = ("prompt_extend", "watermark", "seed")
WAN26_T2V_IN = ("prompt", "negative_prompt", "audio_url")
I2V_IN = ("prompt", "negative_prompt", "img_url", "audio_url", "template")
KF2V_IN = ("prompt", "negative_prompt", "first_frame_url", "last_frame_url", "template")
R2V_IN = ("prompt", "negative_prompt", "reference_urls")
VACE_IN = ("prompt", "function", "ref_images_url", "video_url", "mask_image_url", "mask_video_url",
           "mask_frame_id", "first_clip_url", "last_clip_url", "first_frame_url", "last_frame_url")
VACE_PARAMS = ("size", "obj_or_bg", "control_condition", "strength", "mask_type", "expand_ratio",
               "top_scale", "bottom_scale", "left_scale", "right_scale") + COMMON
HH_MEDIA_IN = ("prompt", "media")

# Short-form names that become `media` items, per media model family.
I2V27_SHORT = {"first_frame_url": "first_frame", "img_url": "first_frame", "reference_image": "first_frame",
               "last_frame_url": "last_frame", "first_clip_url": "first_clip",
               "driving_audio_url": "driving_audio", "audio_url": "driving_audio"}
HH_I2V_SHORT = {"first_frame_url": "first_frame", "img_url": "first_frame", "reference_image": "first_frame"}
REFS_SHORT = {"reference_urls": "reference_image", "reference_images": "reference_image"}
EDIT_SHORT = {"video_url": "video", "reference_images": "reference_image",
              "reference_urls": "reference_image"}
# wan2.7-i2v accepts only these combinations of media types (fact sheet §3.3).
I2V27_SETS = (("first_frame",), ("first_frame", "driving_audio"), ("first_frame", "last_frame"),
              ("first_frame", "last_frame", "driving_audio"), ("first_clip",), ("first_clip", "last_frame"))


def _model(mode, rule, inputs, params, prompt_max, prompt_required, durations, **extra):
    entry = {"mode": mode, "endpoint": KF2V_PATH if mode == "kf2v" else SYNTHESIS, "rule": rule,
             "inputs": inputs, "params": params, "prompt_max": prompt_max,
             "prompt_required": prompt_required, "durations": durations, "resolutions": (),
             "ratios": (), "sizes": (), "media": None, "short": {}, "limits": {},
             "silent": False, "family": "wan", "required": ()}
    if "media" in inputs:
        entry["required"] = ("media",)
    elif "img_url" in inputs:
        entry["required"] = ("img_url",)
    elif mode == "kf2v":
        entry["required"] = ("first_frame_url",)
    elif mode == "r2v":
        entry["required"] = ("reference_urls",)
    entry.update(extra)
    if rule == SIZE:
        entry["sizes"] = tuple(s for res in entry.pop("size_classes") for s in SIZES[res])
    return entry


def _hh(mode, **extra):
    """HappyHorse: resolution-based, watermark on by default, prompt ≤ 5000 (≤ 2500 Chinese)."""
    base = {"resolutions": ("480P", "720P", "1080P"), "family": "happyhorse",
            "limits": {"image": (("jpg", "jpeg", "png", "webp"), 20)}}
    base.update(extra)
    return _model(mode, base.pop("rule"), base.pop("inputs"), base.pop("params"), 5000,
                  base.pop("prompt_required"), base.pop("durations", (3, 15)), **base)


# durations: (low, high) = any int in range; a set = only those values; None = not accepted.
MODELS = {
    "wan2.7-t2v": _model("t2v", RES_RATIO, WAN26_T2V_IN, ("resolution", "ratio", "duration") + COMMON,
                         5000, True, (2, 15), resolutions=("720P", "1080P"), ratios=RATIOS5),
    "wan2.6-t2v": _model("t2v", SIZE, WAN26_T2V_IN, ("size", "duration", "shot_type") + COMMON,
                         1500, True, (2, 15), size_classes=("720P", "1080P")),
    "wan2.5-t2v-preview": _model("t2v", SIZE, WAN26_T2V_IN, ("size", "duration") + COMMON, 1500, True,
                                 {5, 10}, size_classes=("480P", "720P", "1080P")),
    "wan2.2-t2v-plus": _model("t2v", SIZE, ("prompt", "negative_prompt"), ("size", "duration") + COMMON,
                              800, True, {5}, size_classes=("480P", "1080P"), silent=True),
    "wan2.7-i2v": _model("i2v", RES, ("prompt", "negative_prompt", "media"),
                         ("resolution", "duration") + COMMON, 5000, False, (2, 15),
                         resolutions=("720P", "1080P"), short=I2V27_SHORT,
                         media={"types": {"first_frame": (0, 1), "last_frame": (0, 1), "first_clip": (0, 1),
                                          "driving_audio": (0, 1)}, "sets": I2V27_SETS}),
    "wan2.6-i2v-flash": _model("i2v", RES, I2V_IN, ("resolution", "duration", "shot_type", "audio") + COMMON,
                               1500, False, (2, 15), resolutions=("720P", "1080P")),
    "wan2.6-i2v": _model("i2v", RES, I2V_IN, ("resolution", "duration", "shot_type") + COMMON, 1500, False,
                         (2, 15), resolutions=("720P", "1080P")),
    "wan2.5-i2v-preview": _model("i2v", RES, I2V_IN, ("resolution", "duration") + COMMON, 1500, False,
                                 {5, 10}, resolutions=("480P", "720P", "1080P")),
    "wan2.2-kf2v-flash": _model("kf2v", RES, KF2V_IN, ("resolution", "duration") + COMMON, 800, False, {5},
                                resolutions=("480P", "720P", "1080P"), silent=True,
                                limits={"image": (IMAGE_EXT, 10)}),
    "wanx2.1-kf2v-plus": _model("kf2v", RES, KF2V_IN, ("resolution", "duration") + COMMON, 800, False, {5},
                                resolutions=("720P",), silent=True, limits={"image": (IMAGE_EXT, 10)}),
    "wan2.6-r2v-flash": _model("r2v", SIZE, R2V_IN, ("size", "duration", "shot_type", "audio") + COMMON,
                               1500, True, (2, 10), size_classes=("720P", "1080P"),
                               limits={"image": (IMAGE_EXT, 10)}),
    # No `audio` switch on wan2.6-r2v (SR-18: only the flash model documents it).
    "wan2.6-r2v": _model("r2v", SIZE, R2V_IN, ("size", "duration", "shot_type") + COMMON, 1500, True,
                         (2, 10), size_classes=("720P", "1080P"), limits={"image": (IMAGE_EXT, 10)}),
    # VACE: output silent and at most 5 s, no duration field; 720P sizes (seed page).
    "wanx2.1-vace-plus": _model("vace", SIZE, VACE_IN, VACE_PARAMS, 1500, True, None,
                                size_classes=("720P",), silent=True,
                                limits={"image": (IMAGE_EXT, 10), "video": (("mp4",), 50)}),
    "wan2.7-videoedit": _model("videoedit", RES_RATIO, ("prompt", "negative_prompt", "media"),
                               ("resolution", "ratio", "duration", "audio_setting") + COMMON, 5000, False,
                               (2, 10), resolutions=("720P", "1080P"), ratios=RATIOS5, short=EDIT_SHORT,
                               media={"types": {"video": (1, 1), "reference_image": (0, 4)}}),
    "happyhorse-1.0-t2v": _hh("t2v", rule=RES_RATIO, inputs=("prompt",), prompt_required=True,
                              params=("resolution", "ratio", "duration") + COMMON, ratios=RATIOS9),
    "happyhorse-1.0-i2v": _hh("i2v", rule=RES, inputs=HH_MEDIA_IN, prompt_required=False,
                              params=("resolution", "duration") + COMMON, short=HH_I2V_SHORT,
                              media={"types": {"first_frame": (1, 1)}}),
    "happyhorse-1.0-r2v": _hh("r2v", rule=RES_RATIO, inputs=HH_MEDIA_IN, prompt_required=True,
                              params=("resolution", "ratio", "duration") + COMMON, ratios=RATIOS9,
                              short=REFS_SHORT, media={"types": {"reference_image": (1, 9)}}),
    # Edit: output length = input length (no duration); `ratio` UNCONFIRMED, so not accepted.
    "happyhorse-1.0-video-edit": _hh("videoedit", rule=RES, inputs=HH_MEDIA_IN, prompt_required=True,
                                     params=("resolution", "audio_setting") + COMMON, durations=None,
                                     resolutions=("720P", "1080P"), short=EDIT_SHORT,
                                     media={"types": {"video": (1, 1), "reference_image": (0, 5)}}),
}
MODELS["wan2.1-vace-plus"] = MODELS["wanx2.1-vace-plus"]
MODELS["happyhorse-1.1-t2v"] = MODELS["happyhorse-1.0-t2v"]
MODELS["happyhorse-1.1-i2v"] = MODELS["happyhorse-1.0-i2v"]
MODELS["happyhorse-1.1-r2v"] = MODELS["happyhorse-1.0-r2v"]  # id from a third party only (UNCONFIRMED)

# VACE function -> required fields, "one of" fields, max reference images, fields it takes.
VACE_FUNCTIONS = {
    "image_reference": {"required": ("ref_images_url",), "one_of": (), "refs": (1, 3),
                        "fields": ("ref_images_url", "obj_or_bg", "size")},
    "video_repainting": {"required": ("video_url", "control_condition"), "one_of": (), "refs": (0, 1),
                         "fields": ("video_url", "ref_images_url", "control_condition", "strength")},
    "video_edit": {"required": ("video_url",), "one_of": ("mask_image_url", "mask_video_url"),
                   "refs": (0, 1), "fields": ("video_url", "mask_image_url", "mask_video_url",
                                              "mask_frame_id", "ref_images_url", "mask_type",
                                              "expand_ratio", "size")},
    "video_extension": {"required": (), "refs": (0, 0),
                        "one_of": ("first_clip_url", "last_clip_url", "first_frame_url", "last_frame_url"),
                        "fields": ("first_clip_url", "last_clip_url", "first_frame_url", "last_frame_url")},
    "video_outpainting": {"required": ("video_url",), "one_of": (), "refs": (0, 0),
                          "fields": ("video_url", "top_scale", "bottom_scale", "left_scale", "right_scale")},
}
VACE_ALWAYS = ("prompt", "function", "prompt_extend", "watermark", "seed")
CONTROL_CONDITIONS = ("posebodyface", "posebody", "depth", "scribble")


def vace_id(international):
    return VACE_IDS[bool(international)]


def models_for(mode):
    return [name for name, entry in MODELS.items() if entry["mode"] == mode]


def models_taking(field):
    """Model ids that accept a request field (for 'use this model instead' hints)."""
    return [name for name, entry in MODELS.items()
            if field in entry["inputs"] or field in entry["params"] or field in entry["short"]]


def limits(entry, kind):
    return entry["limits"].get(kind, LIMITS[kind])
