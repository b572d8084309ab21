"""The image models as data: one frozen entry per model and mode (dashscope-api.md §2, addendum A2, A3.3).

Where the sources disagree the entry takes the narrower reading, so a wrong guess ends in a clear exit 2
here or an API error, never a silent change. Mode names: t2i, edit, interleave, sequential.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

from qianwen_common.records import dataclass

MULTIMODAL = "/services/aigc/multimodal-generation/generation"   # sync, messages
IMAGE_GENERATION = "/services/aigc/image-generation/generation"   # async, messages
TEXT2IMAGE = "/services/aigc/text2image/image-synthesis"          # async, input.prompt
IMAGE2IMAGE = "/services/aigc/image2image/image-synthesis"        # async, input.prompt + input.images
# Paths that take only async calls (fact sheet §1.2: without the header "does not support synchronous calls").
ASYNC_ONLY = (IMAGE_GENERATION, TEXT2IMAGE, IMAGE2IMAGE)

SYNC_MSG = (MULTIMODAL, "messages")
ASYNC_MSG = (IMAGE_GENERATION, "messages")
ASYNC_PROMPT = (TEXT2IMAGE, "prompt")
ASYNC_I2I = (IMAGE2IMAGE, "images")

MODES = ("t2i", "edit", "interleave", "sequential")
COMMON = frozenset(("negative_prompt", "size", "n", "seed", "prompt_extend", "watermark"))
BOOLEANS = frozenset(("prompt_extend", "watermark", "enable_interleave", "enable_sequential", "thinking_mode",
                      "enable_thinking"))
SEED_MAX = 2147483647
QWEN_FIXED = ("1664*928", "1472*1104", "1328*1328", "1104*1472", "928*1664")
QI3_1K_MAX = 2250000  # Qwen-Image 3.0 usage: qima_output_1k when the area is <= 2,250,000 px, else 2k


@dataclass(frozen=True)
class Limits:
    """What a local reference image may be: formats (as media.inspect names them), file extensions,
    pixels per side, long:short aspect, MB per file, and whether the docs list alpha as accepted."""

    formats: tuple
    extensions: tuple
    side: tuple = None
    aspect: float = None
    mb: int = 10
    alpha: bool = True


@dataclass(frozen=True)
class SizeRule:
    """kind pixels: W*H with low <= W*H <= high; sides: each side in [low, high]; fixed: one of sizes.
    tiers: named sizes the API takes as they are (1K, 2K, 4K)."""

    kind: str
    text: str
    low: int = 0
    high: int = 0
    aspect: float = None
    tiers: tuple = ()
    sizes: tuple = ()


@dataclass(frozen=True)
class Entry:
    """One model in one mode. sync/async_: (path, body style) or None; style messages | prompt | images."""

    doc: str
    sync: tuple = None
    async_: tuple = None
    prompt_max: int = None          # None: no hard cap documented (the API decides)
    negative_max: int = 500
    refs: tuple = (0, 0)
    n: tuple = (1, 4)
    n_api_default: int = None       # what the API bills without n; the builder always sends n (default 1)
    size: SizeRule = None           # None: the model takes no size
    default_size: str = None        # sent when the request gives none
    size_default_text: str = ""     # what the API would do instead (stated in a note when we send ours)
    params: frozenset = COMMON      # accepted fields besides prompt and reference_images
    choices: tuple = ()             # (field, allowed values, why)
    ints: tuple = ()                # (field, low, high, default sent)
    sends: tuple = ()               # (field, value) always sent in parameters
    inputs: Limits = None
    images_first: bool = False      # content order: images, then the text (Qwen examples)
    token_plan: bool = False        # on the Token Plan image list (addendum A3.3, [TP-IMG])
    bill_tiers: tuple = ()          # ((max area or None, tier), ...): the model bills images by tier
    bill_count: str = "n"           # the field that counts billed images
    bill_exact: bool = True         # False: the count is an upper bound

    @property
    def input_mb(self):
        """MB cap of one input image (Token Plan: the cap for an inline data: URI)."""
        return self.inputs.mb if self.inputs else None


def pixels(low, high, aspect=None, tiers=(), min_total=None):
    """W*H with low² to high² pixels in total (min_total overrides low²)."""
    return SizeRule("pixels", "W*H with %d*%d to %d*%d pixels in total" % (low, low, high, high),
                    min_total or low * low, high * high, aspect, tiers)


def sides(low, high):
    return SizeRule("sides", "W*H with each side %d to %d" % (low, high), low, high)


def fixed(*sizes):
    return SizeRule("fixed", "one of " + ", ".join(sizes), sizes=sizes)


_RASTER = ("jpeg", "png", "bmp", "webp")
_RASTER_EXT = ("jpg", "jpeg", "png", "bmp", "webp")
_QWEN_FORMATS = _RASTER + ("tiff", "gif")
_QWEN_EXT = _RASTER_EXT + ("tif", "tiff", "gif")
# wan2.6-image inputs 384-5000 px per side (official page; fact-sheet correction); PNG listed without alpha.
WAN26_IN = Limits(_RASTER, _RASTER_EXT, (384, 5000), None, 10, alpha=False)
WAN27_IN = Limits(_RASTER, _RASTER_EXT, (240, 8000), 8.0, 20, alpha=False)   # 20 MB: fact-sheet correction
I2I_IN = Limits(_RASTER, _RASTER_EXT, (384, 5000), None, 10)
QWEN_IN = Limits(_QWEN_FORMATS, _QWEN_EXT, (384, 3072), None, 10)
# Qwen-Image 3.0: 384-2048 per side is only "建议" (advice) on the page, so not enforced; 10 MB is a limit.
QI3_IN = Limits(_QWEN_FORMATS, _QWEN_EXT, None, None, 10)

WAN26_DOC = "Wan2.6 image generation and editing API reference"
WAN27_DOC = "Wan2.7 image generation and editing API reference"
WAN_T2I_DOC = "Wan text-to-image API reference"
WAN_I2I_DOC = "Wan2.5 image-to-image API reference"
QWEN_DOC = "Qwen image generation and editing API reference"
QWEN_T2I_DOC = "Qwen text-to-image API reference"
QI3_DOC = "Qwen-Image 3.0 generation and editing API reference (千问-图像生成与编辑3.0 API参考)"

# The docs say 1280*1280 to 1440*1440 pixels yet suggest 960*1696 and 1696*960 (0.6 % fewer): accept them.
_WAN_T2I = pixels(1280, 1440, aspect=4.0, min_total=960 * 1696)
# wan2.6-image: W*H 768²-1280² on the official page, no 1K/2K tiers (fact-sheet correction); aspect 1:4-4:1 (U).
# A 1K/2K given is exit 2 with the W*H fix, not translated: 1K follows the last input's aspect ratio and 2K
# (about 2048²) is outside the range, so no exact W*H exists for either.
_WAN26_IMAGE = pixels(768, 1280, aspect=4.0)
_WAN27 = pixels(768, 2048, aspect=8.0, tiers=("1K", "2K"))
_WAN27_PRO_T2I = pixels(768, 4096, aspect=8.0, tiers=("1K", "2K", "4K"))   # 4K: pro t2i only (official)
_QI3_SIZE = pixels(512, 2048, aspect=8.0)
_QWEN_EDIT_SIZE = sides(512, 2048)
_QI3_AGENT_WHY = "agent with reference images: the API answers 400 (Qwen-Image 3.0 API reference)"


def _wan27(pro):
    """wan2.7-image(-pro): t2i, edit (1-9 images) and image sets (enable_sequential), sync and async."""
    base = dict(doc=WAN27_DOC, sync=SYNC_MSG, async_=ASYNC_MSG, prompt_max=5000, inputs=WAN27_IN,
                token_plan=True)
    return {
        "t2i": Entry(n=(1, 4), size=_WAN27_PRO_T2I if pro else _WAN27,
                     params=COMMON | {"thinking_mode", "color_palette"}, **base),
        "edit": Entry(refs=(1, 9), n=(1, 4), size=_WAN27, params=COMMON | {"bbox_list", "color_palette"}, **base),
        # Image sets: the API default is 12 images (fact-sheet correction); n is always sent.
        "sequential": Entry(refs=(0, 9), n=(1, 12), n_api_default=12, size=_WAN27,
                            params=COMMON | {"enable_sequential"}, sends=(("enable_sequential", True),),
                            bill_exact=False, **base),
    }


def _qwen_gen(plan):
    """qwen-image-2.0(-pro): t2i and edit (1-3 images), sync only; prompt up to 800 (fact sheet §2.4)."""
    base = dict(doc=QWEN_DOC, sync=SYNC_MSG, prompt_max=800, n=(1, 6), size=pixels(512, 2048),
                images_first=True, token_plan=plan, inputs=QWEN_IN)
    return {"t2i": Entry(**base), "edit": Entry(refs=(1, 3), **base)}


def _qwen_edit(n_max, params=COMMON, size=_QWEN_EDIT_SIZE):
    return {"edit": Entry(doc=QWEN_DOC, sync=SYNC_MSG, prompt_max=800, refs=(1, 3), n=(1, n_max), size=size,
                          params=params, inputs=QWEN_IN, images_first=True)}


def _qwen_t2i(async_route):
    # Default size UNCONFIRMED (1328*1328 vs 1664*928): always sent.
    return {"t2i": Entry(doc=QWEN_T2I_DOC, sync=SYNC_MSG, async_=async_route, prompt_max=800, n=(1, 1),
                         size=fixed(*QWEN_FIXED), default_size="1328*1328")}


def _wan_old_t2i(prompt_max, size, default_size):
    return {"t2i": Entry(doc=WAN_T2I_DOC, async_=ASYNC_PROMPT, prompt_max=prompt_max, n_api_default=4,
                         size=size, default_size=default_size)}


def _qwen3(plan):
    """Qwen-Image 3.0 (addendum A2): one id for t2i and edit; same messages body on both routes."""
    base = dict(doc=QI3_DOC, sync=SYNC_MSG, async_=ASYNC_MSG, n=(1, 6), n_api_default=1, size=_QI3_SIZE,
                params=COMMON | {"prompt_extend_mode", "enable_thinking"}, inputs=QI3_IN, images_first=True,
                token_plan=plan, bill_tiers=((QI3_1K_MAX, "1K"), (None, "2K")))
    return {
        # Without size the model picks one, possibly in the 2K tier (A7.7): send 1K-tier 1024*1024.
        "t2i": Entry(default_size="1024*1024",
                     size_default_text="the model would pick its own size, possibly in the 2K tier",
                     choices=(("prompt_extend_mode", ("direct", "agent"), ""),), **base),
        # Edit: no default size (the output follows the input images); billing counts the 2K tier then.
        "edit": Entry(refs=(1, 3), choices=(("prompt_extend_mode", ("direct",), _QI3_AGENT_WHY),), **base),
    }


# model -> {mode -> Entry}
MODELS = {
    "wan2.6-t2i": {"t2i": Entry(doc=WAN26_DOC, sync=SYNC_MSG, async_=ASYNC_MSG, prompt_max=2100,
                                n_api_default=4, size=_WAN_T2I, default_size="1280*1280")},
    "wan2.6-image": {
        "edit": Entry(doc=WAN26_DOC, sync=SYNC_MSG, async_=ASYNC_MSG, prompt_max=2000, refs=(1, 4),
                      n_api_default=4, size=_WAN26_IMAGE, params=COMMON | {"enable_interleave"},
                      sends=(("enable_interleave", False),), inputs=WAN26_IN),
        # Interleave in sync mode needs SSE streaming; the async route gives the same result whole.
        "interleave": Entry(doc=WAN26_DOC, async_=ASYNC_MSG, prompt_max=2000, refs=(0, 1), n=(1, 1),
                            size=_WAN26_IMAGE, default_size="1280*1280",
                            params=(COMMON - {"prompt_extend"}) | {"enable_interleave", "max_images"},
                            ints=(("max_images", 1, 5, 5),), sends=(("enable_interleave", True),),
                            inputs=WAN26_IN, bill_count="max_images", bill_exact=False),
    },
    "wan2.7-image": _wan27(pro=False),
    "wan2.7-image-pro": _wan27(pro=True),
    "wan2.5-t2i-preview": _wan_old_t2i(2000, _WAN_T2I, "1280*1280"),
    "wan2.2-t2i-flash": _wan_old_t2i(800, sides(512, 1440), "1024*1024"),   # 800: fact-sheet correction
    "wan2.2-t2i-plus": _wan_old_t2i(800, sides(512, 1440), "1024*1024"),
    "wan2.5-i2i-preview": {"edit": Entry(doc=WAN_I2I_DOC, async_=ASYNC_I2I, prompt_max=2000, refs=(1, 3),
                                         n_api_default=4, size=pixels(768, 1280, aspect=4.0), inputs=I2I_IN)},
    "qwen-image-3.0-pro": _qwen3(plan=True),
    "qwen-image-3.0": _qwen3(plan=False),   # on no Token Plan list (A3.3)
    "qwen-image-2.0-pro": _qwen_gen(plan=True),
    "qwen-image-2.0": _qwen_gen(plan=True),
    "qwen-image-edit-max": _qwen_edit(6),
    "qwen-image-edit-plus": _qwen_edit(6),
    # Plain qwen-image-edit takes neither size nor prompt_extend (fact-sheet correction).
    "qwen-image-edit": _qwen_edit(1, COMMON - {"size", "prompt_extend"}, None),
    "qwen-image-plus": _qwen_t2i(ASYNC_PROMPT),
    "qwen-image": _qwen_t2i(ASYNC_PROMPT),
    # Only qwen-image-plus and qwen-image have the async text2image route ("Qwen async image generation" API
    # reference); qwen-image-max is sync only.
    "qwen-image-max": _qwen_t2i(None),
}
DEFAULT_MODEL = "wan2.6-t2i"
# Dated snapshots checked like their model (addendum A5.2); the id is sent as given.
ALIASES = {"qwen-image-2.0-pro-2026-06-22": "qwen-image-2.0-pro", "qwen-image-2.0-pro-2026-04-22": "qwen-image-2.0-pro",
           "qwen-image-2.0-pro-2026-03-03": "qwen-image-2.0-pro", "qwen-image-2.0-2026-03-03": "qwen-image-2.0"}

# Models not in the table: (name pattern, sync route, async route, images first). First match wins.
FAMILIES = (
    ("qwen-image*", SYNC_MSG, ASYNC_MSG, True),
    ("wan*-image*", SYNC_MSG, ASYNC_MSG, False),
    ("*-t2i*", None, ASYNC_PROMPT, False),
    ("*-i2i*", None, ASYNC_I2I, False),
)

# What to suggest when a model lacks the mode asked for; specific lines first.
NO_MODE = {("wan2.6-image", "t2i"): "wan2.6-image needs reference_images (or enable_interleave: true); for "
                                    "text-to-image use --model wan2.6-t2i"}
SUGGEST = {"t2i": "wan2.6-t2i (or qwen-image-3.0 / qwen-image-2.0-pro for text in images)",
           "edit": "wan2.6-image (or qwen-image-3.0 / qwen-image-edit-plus)",
           "interleave": "wan2.6-image", "sequential": "wan2.7-image"}
MODE_WORDS = {"t2i": "text-to-image (no reference images)", "edit": "editing with reference images",
              "interleave": "interleaved text-and-image output (enable_interleave)",
              "sequential": "image sets (enable_sequential)"}


def entries(model):
    """{mode: Entry} of a model (snapshot ids included), or None when it is not in the table."""
    return MODELS.get(ALIASES.get(model, model))


def family(model):
    """(sync route, async route, images_first) of a model not in the table, from its name; or None."""
    for pattern, sync, async_, images_first in FAMILIES:
        if fnmatchcase(model.lower(), pattern):
            return sync, async_, images_first
    return None


def mode_entry(model, mode):
    """(entry, None) for model in mode, or (None, a one-line reason and the model that would work)."""
    modes = entries(model)
    if mode in modes:
        return modes[mode], None
    base = ALIASES.get(model, model)
    if (base, mode) in NO_MODE:
        return None, NO_MODE[(base, mode)]
    offered = ", ".join(MODE_WORDS[m] for m in modes)
    return None, ("%s does not do %s (it offers %s); use --model %s"
                  % (model, MODE_WORDS[mode], offered, SUGGEST[mode]))


def check_size(value, rule):
    """None when value fits rule, else a description of what is allowed."""
    if not isinstance(value, str):
        return rule.text
    text = value.strip()
    if text.upper() in rule.tiers:
        return None
    if rule.kind == "fixed":
        return None if text in rule.sizes else rule.text
    allowed = rule.text + (" (or %s)" % "/".join(rule.tiers) if rule.tiers else "")
    width, height = size_dims(text)
    if not width or not height:
        return allowed + ", e.g. 1280*1280 (an asterisk, not x)"
    if rule.kind == "sides":
        ok = rule.low <= width <= rule.high and rule.low <= height <= rule.high
    else:
        ok = rule.low <= width * height <= rule.high
    if ok and rule.aspect:
        ok = max(width / height, height / width) <= rule.aspect
    if not ok:
        aspect = ", aspect 1:%g to %g:1" % (rule.aspect, rule.aspect) if rule.aspect else ""
        return allowed + aspect
    return None


def size_dims(value):
    """(width, height) of a W*H size string, else (None, None)."""
    parts = str(value or "").split("*")
    if len(parts) == 2 and all(p.strip().isdigit() for p in parts):
        return int(parts[0]), int(parts[1])
    return None, None


def tier_of(entry, size):
    """The billing tier of size for a model that bills by tier; None when size is not W*H."""
    width, height = size_dims(size)
    if not width:
        return None
    for top, tier in entry.bill_tiers:
        if top is None or width * height <= top:
            return tier
    return None
