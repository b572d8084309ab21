"""The image models as data: routes, body style, limits per model and mode (see dashscope-api.md §2)."""

MULTIMODAL = "/services/aigc/multimodal-generation/generation"   # sync, messages
IMAGE_GENERATION = "/services/aigc/image-generation/generation"   # async, messages
TEXT2IMAGE = "/services/aigc/text2image/image-synthesis"          # async, input.prompt
IMAGE2IMAGE = "/services/aigc/image2image/image-synthesis"        # async, input.prompt + input.images

COMMON = frozenset(("negative_prompt", "size", "n", "seed", "prompt_extend", "watermark"))
SEED_MAX = 2147483647
NEGATIVE_MAX = 500
QWEN_FIXED = ("1664*928", "1472*1104", "1328*1328", "1104*1472", "928*1664")

# Input image limits: formats (extensions), pixels per side, MB per file.
WAN_INPUT = {"formats": ("jpg", "jpeg", "png", "bmp", "webp"), "side": (240, 8000), "mb": 10}
# wan2.7: 20 MB in several third-party copies, 10 MB in another (UNCONFIRMED): stay at the safe 10.
WAN27_INPUT = {"formats": ("jpg", "jpeg", "png", "bmp", "webp"), "side": (240, 8000), "mb": 10}
I2I_INPUT = {"formats": ("jpg", "jpeg", "png", "bmp", "webp"), "side": (384, 5000), "mb": 10}
QWEN_INPUT = {"formats": ("jpg", "jpeg", "png", "bmp", "tif", "tiff", "webp", "gif"),
              "side": (384, 3072), "mb": 10}


def pixels(low, high, aspect=None, tiers=(), min_total=None):
    """Free W*H with a total-pixel range (low² to high²), optional aspect limit and named tiers."""
    return {"kind": "pixels", "min": min_total or low * low, "max": high * high, "aspect": aspect,
            "tiers": tiers, "text": "W*H with %d*%d to %d*%d pixels in total" % (low, low, high, high)}


def sides(low, high):
    """W*H with each side in [low, high]."""
    return {"kind": "sides", "min": low, "max": high, "aspect": None, "tiers": (),
            "text": "W*H with each side %d to %d" % (low, high)}


def fixed(*sizes):
    return {"kind": "fixed", "sizes": sizes, "tiers": (), "text": "one of " + ", ".join(sizes)}


def spec(sync=None, async_=None, prompt_max=2000, refs=(0, 0), n=(1, 4), size=None,
         default_size=None, params=COMMON, inputs=WAN_INPUT, images_first=False):
    """One model in one mode. sync/async_ are (path, body style) or None when not offered."""
    return {"sync": sync, "async": async_, "prompt_max": prompt_max, "refs": refs, "n": n,
            "size": size, "default_size": default_size, "params": frozenset(params),
            "inputs": inputs, "images_first": images_first}


SYNC_MSG = (MULTIMODAL, "messages")
ASYNC_MSG = (IMAGE_GENERATION, "messages")
ASYNC_PROMPT = (TEXT2IMAGE, "prompt")
ASYNC_I2I = (IMAGE2IMAGE, "images")

# The docs say 1280*1280 to 1440*1440 pixels yet suggest 960*1696 and 1696*960 (0.6 % fewer):
# accept the suggested sizes.
_WAN_T2I = pixels(1280, 1440, aspect=4.0, min_total=960 * 1696)
# wan2.7 W*H bounds are not in the sources read (UNCONFIRMED): a loose check; the API decides the rest.
_WAN27 = pixels(512, 2048, aspect=8.0, tiers=("1K", "2K"))
_WAN27_PRO_T2I = pixels(512, 4096, aspect=8.0, tiers=("1K", "2K", "4K"))
_WAN27_EXTRA = {"t2i": ("thinking_mode", "color_palette"), "edit": ("bbox_list", "color_palette"),
                "sequential": ("enable_sequential",)}


def _wan27(pro):
    modes = {}
    for mode, refs, n in (("t2i", (0, 0), (1, 4)), ("edit", (1, 9), (1, 4)), ("sequential", (0, 9), (1, 12))):
        size = _WAN27_PRO_T2I if (pro and mode == "t2i") else _WAN27
        modes[mode] = spec(SYNC_MSG, ASYNC_MSG, 5000, refs, n, size, None,
                           COMMON | set(_WAN27_EXTRA[mode]), WAN27_INPUT)
    return modes


def _qwen_gen():
    size = pixels(512, 2048)
    return {"t2i": spec(SYNC_MSG, None, 800, (0, 0), (1, 6), size, images_first=True),
            "edit": spec(SYNC_MSG, None, 800, (1, 3), (1, 6), size, inputs=QWEN_INPUT, images_first=True)}


def _qwen_edit(n_max):
    return {"edit": spec(SYNC_MSG, None, 800, (1, 3), (1, n_max), sides(512, 2048), inputs=QWEN_INPUT,
                         images_first=True)}


def _qwen_t2i(async_route):
    return {"t2i": spec(SYNC_MSG, async_route, 800, (0, 0), (1, 1), fixed(*QWEN_FIXED), "1328*1328")}


def _wan_old_t2i(prompt_max, size, default_size):
    return {"t2i": spec(None, ASYNC_PROMPT, prompt_max, (0, 0), (1, 4), size, default_size)}


# model -> {mode -> spec}; modes: t2i, edit (reference images), interleave, sequential.
MODELS = {
    "wan2.6-t2i": {"t2i": spec(SYNC_MSG, ASYNC_MSG, 2100, (0, 0), (1, 4), _WAN_T2I, "1280*1280")},
    "wan2.6-image": {
        "edit": spec(SYNC_MSG, ASYNC_MSG, 2000, (1, 4), (1, 4),
                     pixels(768, 2048, aspect=4.0, tiers=("1K", "2K")), None, COMMON | {"enable_interleave"}),
        # Interleave in sync mode needs SSE streaming; the async route gives the same result whole.
        "interleave": spec(None, ASYNC_MSG, 2000, (0, 1), (1, 1), pixels(768, 1280, aspect=4.0), "1280*1280",
                           (COMMON - {"prompt_extend"}) | {"enable_interleave", "max_images"}),
    },
    "wan2.7-image": _wan27(pro=False),
    "wan2.7-image-pro": _wan27(pro=True),
    "wan2.5-t2i-preview": _wan_old_t2i(2000, _WAN_T2I, "1280*1280"),
    "wan2.2-t2i-flash": _wan_old_t2i(500, sides(512, 1440), "1024*1024"),
    "wan2.2-t2i-plus": _wan_old_t2i(500, sides(512, 1440), "1024*1024"),
    "wan2.5-i2i-preview": {"edit": spec(None, ASYNC_I2I, 2000, (1, 3), (1, 4), pixels(768, 1280, aspect=4.0),
                                        inputs=I2I_INPUT)},
    "qwen-image-2.0-pro": _qwen_gen(),
    "qwen-image-2.0": _qwen_gen(),
    "qwen-image-edit-max": _qwen_edit(6),
    "qwen-image-edit-plus": _qwen_edit(6),
    "qwen-image-edit": _qwen_edit(1),
    "qwen-image-plus": _qwen_t2i(ASYNC_PROMPT),
    "qwen-image": _qwen_t2i(ASYNC_PROMPT),
    # Only qwen-image-plus and qwen-image have the async text2image route (fact sheet §2.1, SR-2).
    "qwen-image-max": _qwen_t2i(None),
}
DEFAULT_MODEL = "wan2.6-t2i"

# What to suggest when a model lacks the mode asked for.
SUGGEST = {"t2i": "wan2.6-t2i (or qwen-image-2.0-pro for text in images)",
           "edit": "wan2.6-image (or qwen-image-2.0-pro / qwen-image-edit-plus)",
           "interleave": "wan2.6-image", "sequential": "wan2.7-image"}
MODE_WORDS = {"t2i": "text-to-image (no reference images)", "edit": "editing with reference images",
              "interleave": "interleaved text-and-image output (enable_interleave)",
              "sequential": "image sets (enable_sequential)"}


def mode_spec(model, mode):
    """The spec of model in mode, or a one-line reason why the model cannot do it."""
    modes = MODELS[model]
    if mode in modes:
        return modes[mode], None
    if model == "wan2.6-image" and mode == "t2i":
        return None, ("wan2.6-image needs reference_images (or enable_interleave: true); for "
                      "text-to-image use --model wan2.6-t2i")
    offered = ", ".join(MODE_WORDS[m] for m in modes)
    return None, ("%s does not do %s (it offers %s); use --model %s"
                  % (model, MODE_WORDS[mode], offered, SUGGEST[mode]))


def check_size(value, rule):
    """None when value fits rule, else a description of what is allowed."""
    if not isinstance(value, str):
        return rule["text"]
    text = value.strip()
    if text.upper() in rule["tiers"]:
        return None
    if rule["kind"] == "fixed":
        return None if text in rule["sizes"] else rule["text"]
    allowed = rule["text"] + (" (or %s)" % "/".join(rule["tiers"]) if rule["tiers"] else "")
    parts = text.split("*")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return allowed
    width, height = int(parts[0]), int(parts[1])
    if rule["kind"] == "sides":
        ok = rule["min"] <= width <= rule["max"] and rule["min"] <= height <= rule["max"]
    else:
        ok = rule["min"] <= width * height <= rule["max"]
    if ok and rule.get("aspect") and height and width:
        ok = max(width / height, height / width) <= rule["aspect"]
    if not ok:
        aspect = ", aspect 1:%d to %d:1" % (rule["aspect"], rule["aspect"]) if rule.get("aspect") else ""
        return allowed + aspect
    return None


def size_dims(value):
    """(width, height) of a W*H size string, else (None, None)."""
    parts = str(value or "").split("*")
    if len(parts) == 2 and all(p.strip().isdigit() for p in parts):
        return int(parts[0]), int(parts[1])
    return None, None
