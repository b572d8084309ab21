"""Video models as data: one frozen entry per model (endpoint, body style, size rule, limits, billing rule).

Source: dashscope-api.md §3 with its corrections, and the addendum (A1 Wan 3.0, A3.3 Token Plan, A5).
Where a point is UNCONFIRMED the entry takes the narrower reading, so a wrong guess ends in a clear
exit 2 here or an API error, never a silent change.
"""

from __future__ import annotations

import re

from qianwen_common.records import dataclass, field

SYNTHESIS = "/services/aigc/video-generation/video-synthesis"
KF2V_PATH = "/services/aigc/image2video/video-synthesis"  # kf2v only: its own endpoint

MODES = ("t2v", "i2v", "kf2v", "r2v", "vace", "videoedit")
AUTO = "auto"  # Wan 3.0: one model for every mode; the mode follows from input.media (addendum A1.5)
DEFAULT_MODELS = {"t2v": "wan2.6-t2v", "i2v": "wan2.6-i2v-flash", "kf2v": "wan2.2-kf2v-flash",
                  "r2v": "wan2.6-r2v-flash", "vace": "wanx2.1-vace-plus", "videoedit": "wan2.7-videoedit"}

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
# Wan 3.0 API reference; 21:9 is missing from the guide and several copies (UNCONFIRMED, allowed).
WAN3_RATIOS = ("adaptive", "21:9", "16:9", "4:3", "1:1", "3:4", "9:16")

SIZE, RES_RATIO, RES = "size", "resolution+ratio", "resolution"
FIELDS, MEDIA, VACE = "fields", "media", "vace"                  # body styles
ALWAYS, SWITCH, SILENT, UNDOCUMENTED = "always", "switch", "silent", "undocumented"  # sound

IMAGE_EXT = ("jpg", "jpeg", "png", "bmp", "webp")
HH_IMAGE_EXT = ("jpg", "jpeg", "png", "webp")
VIDEO_EXT = ("mp4", "mov")
AUDIO_EXT = ("wav", "mp3")
DOC_EXT = ("docx", "doc", "xlsx", "xls", "pptx", "ppt", "pdf", "txt", "key", "pages", "numbers", "md")
SEED_MAX = 2147483647


@dataclass(frozen=True)
class Slot:
    """Limits of one kind of local file: extensions, MB, and what media.inspect can check."""

    ext: tuple
    mb: int
    side: tuple = None       # (min, max) pixels of each side
    aspect: float = None     # longest side / shortest side at most
    seconds: tuple = None    # (min, max) length of one clip
    fps: float = None        # frame rate at least
    alpha: bool = True       # False: transparent images are refused


def image(mb=20, side=(240, 8000), aspect=None, ext=IMAGE_EXT, alpha=False):
    """Image limits; most pages say "PNG (no alpha)", so transparency is refused unless alpha=True."""
    return Slot(ext, mb, side=side, aspect=aspect, alpha=alpha)


def video(seconds=None, mb=100, side=None, aspect=None, fps=None, ext=VIDEO_EXT):
    return Slot(ext, mb, side=side, aspect=aspect, seconds=seconds, fps=fps)


def audio(seconds=None, mb=15):
    return Slot(AUDIO_EXT, mb, seconds=seconds)


DEFAULT_SLOTS = {"image": Slot(IMAGE_EXT, 20), "video": Slot(VIDEO_EXT, 100), "audio": Slot(AUDIO_EXT, 15),
                 "file": Slot(DOC_EXT, 100)}


@dataclass(frozen=True)
class Bill:
    """How the API bills a call: output seconds, and which inputs' video seconds it bills too."""

    inputs: tuple = ()       # media types / fields whose video seconds are billed as input
    output: str = "duration"  # duration | input (output length = the input video's) | fixed
    cap: int = None          # the longest output (fixed / input / smart duration)
    within: tuple = ()       # media types whose seconds count inside `duration` (wan2.7-i2v first_clip)


@dataclass(frozen=True, eq=False)
class Model:
    """One model id's rules. Field names below are the API's; `short` maps short-form names to media types."""

    mode: str
    rule: str
    inputs: tuple
    params: tuple
    prompt_max: int
    durations: object             # (low, high): any int in range; frozenset: only those; None: no field
    doc: str
    endpoint: str = SYNTHESIS
    body: str = FIELDS
    prompt_required: bool = False
    prompt_truncated: bool = False  # the API cuts a long prompt instead of refusing it: warn
    cjk_half: bool = False          # Chinese text counts double against prompt_max
    duration_default: int = 5
    duration_keep: bool = False     # 0 = keep the input video's length
    duration_smart: bool = False    # -1 = the model picks (up to Bill.cap)
    resolutions: tuple = ()
    resolution_default: str = None
    ratios: tuple = ()
    ratio_default: str = None
    sizes: tuple = ()
    size_default: str = None
    media: dict = None              # media type -> (min, max) items
    media_sets: tuple = None        # the only allowed combinations of media types
    media_total: int = None         # all media items at most
    totals: dict = field(default_factory=dict)  # media type -> total seconds at most
    combined_max: int = None        # input video seconds + duration at most (duration > 0)
    exclusive: tuple = ()           # groups of media types that never share a request
    doc_types: tuple = ()           # media types that need prompt_extend true (file / link)
    short: dict = field(default_factory=dict)
    aliases: dict = field(default_factory=dict)  # this skill's names for API fields
    required: tuple = ()
    one_of: tuple = ()              # groups: at least one field of each
    slots: dict = field(default_factory=dict)
    refs: tuple = None              # (field, max items, max videos) of a reference list
    sound: str = ALWAYS
    watermark_default: bool = False
    multi_needs_extend: bool = False
    seed_min: int = 0
    region_ids: tuple = None        # (China id, international id)
    token_plan: bool = False
    prompt_note: tuple = None       # (word, note): say note when the prompt lacks word
    hints: dict = field(default_factory=dict)
    bill: Bill = Bill()


# Where each field lives in the API body; everything else goes to `parameters`.
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
               "first_clip": "video", "video": "video", "driving_audio": "audio",
               "reference_video": "video", "reference_audio": "audio", "file": "file", "link": "link"}
# Short-form names that take a list (the others take one URL or path).
SHORT_LISTS = ("reference_urls", "reference_images", "reference_videos", "reference_audios")
BY_EXTENSION = "by extension"  # reference_urls: reference_image / _video / _audio from the file name

COMMON = ("prompt_extend", "watermark", "seed")
T2V_IN = ("prompt", "negative_prompt", "audio_url")
I2V_IN = ("prompt", "negative_prompt", "img_url", "audio_url", "template")
KF2V_IN = ("prompt", "negative_prompt", "first_frame_url", "last_frame_url", "template")
R2V_IN = ("prompt", "negative_prompt", "reference_urls")
VACE_IN = ("prompt", "function", "ref_images_url", "video_url", "mask_image_url", "mask_video_url",
           "mask_frame_id", "first_clip_url", "last_clip_url", "first_frame_url", "last_frame_url")
VACE_PARAMS = ("size", "obj_or_bg", "control_condition", "strength", "mask_type", "expand_ratio",
               "top_scale", "bottom_scale", "left_scale", "right_scale") + COMMON
MEDIA_IN = ("prompt", "media")

FRAME_SHORT = {"first_frame_url": "first_frame", "img_url": "first_frame", "reference_image": "first_frame"}
I2V27_SHORT = dict(FRAME_SHORT, last_frame_url="last_frame", first_clip_url="first_clip",
                   driving_audio_url="driving_audio", audio_url="driving_audio")
REFS_SHORT = {"reference_urls": "reference_image", "reference_images": "reference_image"}
EDIT_SHORT = {"video_url": "video", "reference_images": "reference_image", "reference_urls": "reference_image"}
WAN3_SHORT = dict(FRAME_SHORT, last_frame_url="last_frame", reference_images="reference_image",
                  reference_videos="reference_video", reference_audios="reference_audio",
                  reference_urls=BY_EXTENSION, file_url="file", link_url="link")
# wan2.7-i2v accepts only these combinations of media types (fact sheet §3.3).
I2V27_SETS = (("first_frame",), ("first_frame", "driving_audio"), ("first_frame", "last_frame"),
              ("first_frame", "last_frame", "driving_audio"), ("first_clip",), ("first_clip", "last_frame"))
SILENT_FIELDS = ("audio", "audio_url", "driving_audio_url")
NO_SHOT_TYPE = {"shot_type": "wan2.7 takes multi-shot descriptions in the prompt instead"}
EDIT_LENGTH = {"duration": "the output length follows the input video"}

T2V_DOC, I2V_DOC, KF2V_DOC = "Text-to-video API reference", "Image-to-video API reference", \
    "Image-to-video (first and last frames) API reference"
R2V_DOC, HH_DOC = "Reference-to-video API reference", "HappyHorse video generation API reference"
WAN3_DOC = "Wan 3.0 video generation API reference"
I2V_SLOTS = {"image": image(), "audio_url": audio((3, 30))}
FRAMES10 = {"image": image(10)}


def wan(mode, rule, inputs, params, prompt_max, durations, doc, size_classes=(), **extra):
    """A Wan 2.x entry; size models list every size of their classes."""
    sizes = tuple(s for res in size_classes for s in SIZES[res])
    return Model(mode, rule, inputs, params, prompt_max, durations, doc, sizes=sizes, **extra)


def happyhorse(mode, rule, params, **extra):
    """HappyHorse: resolution-based, watermark on by default, prompt ≤ 5000 (≤ 2500 Chinese), 3-15 s."""
    extra.setdefault("resolutions", ("720P", "1080P"))  # corrected: 720P/1080P only
    extra.setdefault("durations", (3, 15))
    extra.setdefault("body", MEDIA)
    return Model(mode, rule, extra.pop("inputs", MEDIA_IN), params, 5000, extra.pop("durations"), HH_DOC,
                 cjk_half=True, resolution_default="1080P", watermark_default=True,
                 sound=UNDOCUMENTED, **extra)


MODELS = {
    "wan2.7-t2v": wan("t2v", RES_RATIO, T2V_IN, ("resolution", "ratio", "duration") + COMMON, 5000, (2, 15),
                      T2V_DOC, prompt_required=True, resolutions=("720P", "1080P"), resolution_default="1080P",
                      ratios=RATIOS5, ratio_default="16:9", hints=NO_SHOT_TYPE,
                      slots={"audio_url": audio((2, 30))}),
    "wan2.6-t2v": wan("t2v", SIZE, T2V_IN, ("size", "duration", "shot_type") + COMMON, 1500, (2, 15), T2V_DOC,
                      ("720P", "1080P"), prompt_required=True, size_default="1920*1080",
                      multi_needs_extend=True, slots={"audio_url": audio((3, 30))}),
    "wan2.5-t2v-preview": wan("t2v", SIZE, T2V_IN, ("size", "duration") + COMMON, 1500, frozenset({5, 10}),
                              T2V_DOC, ("480P", "720P", "1080P"), prompt_required=True, size_default="1920*1080",
                              slots={"audio_url": audio((3, 30))}),
    "wan2.2-t2v-plus": wan("t2v", SIZE, ("prompt", "negative_prompt"), ("size", "duration") + COMMON, 800,
                           frozenset({5}), T2V_DOC, ("480P", "1080P"), prompt_required=True,
                           size_default="1920*1080", sound=SILENT),
    "wan2.7-i2v": wan("i2v", RES, ("prompt", "negative_prompt", "media"), ("resolution", "duration") + COMMON,
                      5000, (2, 15), I2V_DOC, body=MEDIA, resolutions=("720P", "1080P"), resolution_default="1080P",
                      short=I2V27_SHORT, required=("media",), hints=NO_SHOT_TYPE,
                      media={"first_frame": (0, 1), "last_frame": (0, 1), "first_clip": (0, 1),
                             "driving_audio": (0, 1)}, media_sets=I2V27_SETS, bill=Bill(within=("first_clip",)),
                      slots={"image": image(aspect=8), "first_clip": video((2, 10), side=(240, 4096), aspect=8),
                             "driving_audio": audio((2, 30))}),
    "wan2.6-i2v-flash": wan("i2v", RES, I2V_IN, ("resolution", "duration", "shot_type", "audio") + COMMON, 1500,
                            (2, 15), I2V_DOC, resolutions=("720P", "1080P"), resolution_default="1080P",
                            aliases={"reference_image": "img_url"}, required=("img_url",), sound=SWITCH,
                            multi_needs_extend=True, slots=I2V_SLOTS),
    "wan2.6-i2v": wan("i2v", RES, I2V_IN, ("resolution", "duration", "shot_type") + COMMON, 1500, (2, 15),
                      I2V_DOC, resolutions=("720P", "1080P"), resolution_default="1080P",
                      aliases={"reference_image": "img_url"}, required=("img_url",), multi_needs_extend=True,
                      slots=I2V_SLOTS),
    "wan2.5-i2v-preview": wan("i2v", RES, I2V_IN, ("resolution", "duration") + COMMON, 1500, frozenset({5, 10}),
                              I2V_DOC, resolutions=("480P", "720P", "1080P"), resolution_default="1080P",
                              aliases={"reference_image": "img_url"}, required=("img_url",), slots=I2V_SLOTS),
    "wan2.2-kf2v-flash": wan("kf2v", RES, KF2V_IN, ("resolution", "duration") + COMMON, 800, frozenset({5}),
                             KF2V_DOC, endpoint=KF2V_PATH, resolutions=("480P", "720P", "1080P"),
                             resolution_default="720P", required=("first_frame_url",),
                             one_of=(("last_frame_url", "template"),), sound=SILENT, slots=FRAMES10),
    # The id differs by region (corrected fact sheet): either name is accepted and mapped.
    "wanx2.1-kf2v-plus": wan("kf2v", RES, KF2V_IN, ("resolution", "duration") + COMMON, 800, frozenset({5}),
                             KF2V_DOC, endpoint=KF2V_PATH, resolutions=("720P",), resolution_default="720P",
                             required=("first_frame_url",), one_of=(("last_frame_url", "template"),),
                             sound=SILENT, slots=FRAMES10, region_ids=("wanx2.1-kf2v-plus", "wan2.1-kf2v-plus")),
    # Reference videos are billed (usage.duration = input + output); multi-shot needs no prompt_extend here.
    "wan2.6-r2v-flash": wan("r2v", SIZE, R2V_IN, ("size", "duration", "shot_type", "audio") + COMMON, 1500,
                            (2, 10), R2V_DOC, ("720P", "1080P"), prompt_required=True, size_default="1920*1080",
                            required=("reference_urls",), refs=("reference_urls", 5, 3), sound=SWITCH,
                            bill=Bill(inputs=("reference_urls",)),
                            prompt_note=("character1", "r2v prompts name the subjects character1, character2, "
                                                       "... in reference_urls order"),
                            slots={"image": image(10, side=(240, 5000)), "video": video((1, 30))}),
    # No `audio` switch on wan2.6-r2v (only the flash model documents it); 20 MB images per the corrected
    # reference-to-video page (named for this id only).
    "wan2.6-r2v": wan("r2v", SIZE, R2V_IN, ("size", "duration", "shot_type") + COMMON, 1500, (2, 10), R2V_DOC,
                      ("720P", "1080P"), prompt_required=True, size_default="1920*1080",
                      required=("reference_urls",), refs=("reference_urls", 5, 3),
                      bill=Bill(inputs=("reference_urls",)),
                      prompt_note=("character1", "r2v prompts name the subjects character1, character2, "
                                                 "... in reference_urls order"),
                      slots={"image": image(20, side=(240, 5000)), "video": video((1, 30))}),
    # VACE: output silent and at most 5 s, no duration field; 720P sizes; the id differs by region.
    "wanx2.1-vace-plus": wan("vace", SIZE, VACE_IN, VACE_PARAMS, 1500, None, "Wan-VACE API reference",
                             ("720P",), body=VACE, prompt_required=True, sound=SILENT,
                             region_ids=("wanx2.1-vace-plus", "wan2.1-vace-plus"),
                             hints={"duration": "vace output is at most 5 s and follows the input"},
                             bill=Bill(output="fixed", cap=5),
                             slots={"image": image(10, side=None, alpha=True),
                                    "video": video((0, 5), mb=50, ext=("mp4",)),
                                    "first_clip_url": video((0, 3), mb=50, ext=("mp4",)),
                                    "last_clip_url": video((0, 3), mb=50, ext=("mp4",))}),
    "wan2.7-videoedit": wan("videoedit", RES_RATIO, ("prompt", "negative_prompt", "media"),
                            ("resolution", "ratio", "duration", "audio_setting") + COMMON, 5000, (2, 10),
                            "General video editing", body=MEDIA, resolutions=("720P", "1080P"),
                            resolution_default="1080P", ratios=RATIOS5, duration_default=0, duration_keep=True,
                            short=EDIT_SHORT, required=("media",), hints=NO_SHOT_TYPE,
                            media={"video": (1, 1), "reference_image": (0, 4)}, bill=Bill(inputs=("video",)),
                            slots={"image": image(aspect=8), "video": video((2, 10), side=(240, 4096), aspect=8)}),
    "happyhorse-1.0-t2v": happyhorse("t2v", RES_RATIO, ("resolution", "ratio", "duration", "watermark", "seed"),
                                     inputs=("prompt",), body=FIELDS, prompt_required=True, ratios=RATIOS9,
                                     ratio_default="16:9"),
    "happyhorse-1.0-i2v": happyhorse("i2v", RES, ("resolution", "duration", "watermark", "seed"),
                                     short=FRAME_SHORT, required=("media",), media={"first_frame": (1, 1)},
                                     slots={"image": image(20, (300, None), 2.5, HH_IMAGE_EXT, True)}),
    "happyhorse-1.0-r2v": happyhorse("r2v", RES_RATIO, ("resolution", "ratio", "duration", "watermark", "seed"),
                                     prompt_required=True, ratios=RATIOS9, ratio_default="16:9",
                                     short=REFS_SHORT, required=("media",), media={"reference_image": (1, 9)},
                                     slots={"image": image(20, (400, None), None, HH_IMAGE_EXT, True)}),
    # Edit: output = input length (> 15 s is cut), no duration; `ratio` UNCONFIRMED, so not accepted.
    "happyhorse-1.0-video-edit": happyhorse("videoedit", RES, ("resolution", "audio_setting") + COMMON,
                                            durations=None, prompt_required=True, short=EDIT_SHORT,
                                            required=("media",), media={"video": (1, 1), "reference_image": (0, 5)},
                                            hints=EDIT_LENGTH, bill=Bill(inputs=("video",), output="input", cap=15),
                                            slots={"image": image(20, None, None, HH_IMAGE_EXT, True),
                                                   "video": video((3, 60))}),
    # One model for every mode; illegal media mixes fail only as a FAILED task after the paid create (A1.7).
    "wan3.0-video": Model(
        AUTO, RES_RATIO, MEDIA_IN, ("resolution", "ratio", "duration", "audio") + COMMON, 20000, (2, 30),
        WAN3_DOC, body=MEDIA, prompt_truncated=True, duration_smart=True,
        resolutions=("1080P", "720P", "480P"), resolution_default="1080P", ratios=WAN3_RATIOS,
        ratio_default="adaptive", short=WAN3_SHORT, one_of=(("prompt", "media"),), sound=SWITCH, seed_min=-1,
        media={"first_frame": (0, 1), "last_frame": (0, 1), "reference_image": (0, 10), "reference_video": (0, 5),
               "reference_audio": (0, 5), "file": (0, 1), "link": (0, 1)},
        media_total=20, totals={"reference_video": 15, "reference_audio": 15}, combined_max=30,
        exclusive=(("first_frame", "last_frame"), ("reference_image", "reference_video", "reference_audio",
                                                   "file", "link")),
        doc_types=("file", "link"), token_plan=True, bill=Bill(inputs=("reference_video",), cap=30),
        hints={"negative_prompt": "Wan 3.0 has no negative_prompt; say what to avoid in the prompt",
               "video_url": "use reference_videos (a list) for Wan 3.0",
               "audio_url": "use reference_audios (a list) for Wan 3.0"},
        slots={"image": image(aspect=8), "reference_video": video((1, 15), side=(240, 4096), aspect=8, fps=16),
               "reference_audio": audio((1, 15)), "file": DEFAULT_SLOTS["file"]}),
}
MODELS["wan2.1-vace-plus"] = MODELS["wanx2.1-vace-plus"]
MODELS["wan2.1-kf2v-plus"] = MODELS["wanx2.1-kf2v-plus"]
MODELS["wan3.0-video-prime"] = MODELS["wan3.0-video"]  # same rules; not in the Token Plan list (A3.3)
for _kind in ("t2v", "i2v", "r2v"):  # 1.1 t2v/i2v/r2v are official and on the Token Plan lists (A3.3)
    MODELS["happyhorse-1.1-" + _kind] = MODELS["happyhorse-1.0-" + _kind]
# Token Plan video models (addendum A3.3, [TP-VID] and [TP-ZH]); others are sent with a note.
TOKEN_PLAN = ("happyhorse-1.1-t2v", "happyhorse-1.1-i2v", "happyhorse-1.1-r2v", "wan3.0-video")

# VACE function -> required fields, "one of" fields, reference images (min, max), fields it takes.
VACE_FUNCTIONS = {
    "image_reference": {"required": ("ref_images_url",), "one_of": (), "refs": (1, 3),
                        "fields": ("ref_images_url", "obj_or_bg", "size")},
    # control_condition is optional (corrected fact sheet).
    "video_repainting": {"required": ("video_url",), "one_of": (), "refs": (0, 1),
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

# Models not in the table: the endpoint and the mode follow from the name (first match wins).
NAME_ENDPOINTS = (
    (r"^wan3[^/]*-video", SYNTHESIS),
    (r"^[a-z0-9_-]+/", SYNTHESIS),  # resold third-party models (pixverse/, kling/, vidu/): video-synthesis (A5.1)
    (r"-kf2v", KF2V_PATH),
    (r"video-?edit|-t2v|-i2v|-it2v|-r2v", SYNTHESIS),
)
NAME_MODES = ((r"-kf2v", "kf2v"), (r"video-?edit", "videoedit"), (r"-r2v", "r2v"), (r"-i2v|-it2v", "i2v"),
              (r"-t2v", "t2v"))
# The mode a Wan 3.0 media mix stands for (first match wins; anything else is r2v). Edit and extension
# are r2v-shaped requests whose intent the server reads from the prompt (addendum A1.5), so they report
# r2v; `--mode videoedit` is accepted for a mix with a reference_video.
MIX_MODES = ((("first_frame", "last_frame"), "kf2v"), (("first_frame",), "i2v"), ((), "t2v"))
MIX_ALSO = {"videoedit": "reference_video"}  # --mode that also fits a mix holding this type
NAME_SHORT = ((r"^wan3[^/]*-video", WAN3_SHORT),)  # short-form media names these families take


def by_name(model, table):
    """The value of the first (pattern, value) row whose pattern the model id matches, else None."""
    return next((value for pattern, value in table if re.search(pattern, model.lower())), None)


def region_id(entry, international):
    return entry.region_ids[1 if international else 0] if entry.region_ids else None


def models_for(mode):
    return [name for name, entry in MODELS.items() if entry.mode in (mode, AUTO)]


def models_taking(field_name):
    """Model ids that accept a request field (for 'use this model instead' hints)."""
    return [name for name, entry in MODELS.items()
            if field_name in entry.inputs or field_name in entry.params or field_name in entry.short]


def slot(entry, name, kind):
    """The limits for a media field or type `name` holding `kind`: its own, the kind's, the default."""
    slots = entry.slots if entry is not None else {}
    return slots.get(name) or slots.get(kind) or DEFAULT_SLOTS[kind]


def image_mb(model):
    """The largest image (MB) a model takes: the cap for images sent inline as data: URIs (plan keys)."""
    entry = MODELS.get(model)
    if entry is None:
        return 10  # not in the table: the smallest cap any video model documents
    caps = [s.mb for s in entry.slots.values() if "png" in s.ext]
    return min(caps) if caps else DEFAULT_SLOTS["image"].mb
