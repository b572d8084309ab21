"""The user's request (short or raw API form) → validated fields → the API body for the chosen route."""

import random

import image_models as models
from qianwen_common.errors import UsageError

EXTRA_FIELDS = ("enable_interleave", "max_images", "enable_sequential", "thinking_mode", "bbox_list",
                "color_palette")
SHORT_FIELDS = frozenset(models.COMMON | {"prompt", "reference_images", "reference_image", "model"}
                         | set(EXTRA_FIELDS))
BOOLEANS = ("prompt_extend", "watermark", "enable_interleave", "enable_sequential", "thinking_mode")


def from_raw(request):
    """Turn the raw API form ({model, input, parameters}) into the short form."""
    extra = sorted(set(request) - {"model", "input", "parameters"})
    if extra:
        raise UsageError("raw request: unknown top-level field %s; allowed: model, input, parameters"
                         % ", ".join(extra))
    data, params = request.get("input"), request.get("parameters", {})
    if not isinstance(data, dict) or not isinstance(params, dict):
        raise UsageError("raw request: input and parameters must be JSON objects")
    short = dict(params)
    if "model" in request:
        short["model"] = request["model"]
    unknown = sorted(set(data) - {"messages", "prompt", "negative_prompt", "images"})
    if unknown:
        raise UsageError("raw request: input.%s is not a field; allowed: messages, or prompt, "
                         "negative_prompt, images" % unknown[0])
    if "messages" in data:
        short.update(_from_messages(data["messages"]))
    for name in ("prompt", "negative_prompt"):
        if name in data:
            short[name] = data[name]
    if "images" in data:
        short["reference_images"] = data["images"]
    return short


def _from_messages(messages):
    if not isinstance(messages, list) or len(messages) != 1 or not isinstance(messages[0], dict) \
            or messages[0].get("role") != "user" or not isinstance(messages[0].get("content"), list):
        raise UsageError("raw request: input.messages must be one {\"role\": \"user\", \"content\": [...]}")
    texts, images = [], []
    for item in messages[0]["content"]:
        if isinstance(item, dict) and "text" in item:
            texts.append(item["text"])
        elif isinstance(item, dict) and "image" in item:
            images.append(item["image"])
        else:
            raise UsageError("raw request: each content item is {\"text\": ...} or {\"image\": ...}")
    if len(texts) != 1:
        raise UsageError("raw request: the message needs exactly one {\"text\": ...} item, got %d"
                         % len(texts))
    short = {"prompt": texts[0]}
    if images:
        short["reference_images"] = images
    return short


def normalize(request, model_flag=None):
    """(model, fields) from either form; reference_images wins over reference_image."""
    fields = from_raw(request) if "input" in request else dict(request)
    unknown = sorted(set(fields) - SHORT_FIELDS)
    if unknown:
        raise UsageError("unknown field %s; the short form takes %s (or send the raw API form with "
                         "input/parameters)" % (unknown[0], ", ".join(sorted(SHORT_FIELDS))))
    model = model_flag or fields.pop("model", None) or models.DEFAULT_MODEL
    fields.pop("model", None)
    if not isinstance(model, str) or model not in models.MODELS:
        raise UsageError("model=%s is not supported; use one of %s" % (model, ", ".join(models.MODELS)))
    single = fields.pop("reference_image", None)
    refs = fields.get("reference_images")
    if refs is None and single is not None:
        refs = [single]
    if isinstance(refs, str):
        refs = [refs]
    if refs is not None and (not isinstance(refs, list) or not all(isinstance(r, str) and r.strip()
                                                                  for r in refs)):
        raise UsageError("reference_images must be a list of URLs or local paths, e.g. [\"cat.png\"]")
    fields["reference_images"] = [r.strip() for r in refs or []]
    return model, fields


def detect_mode(fields):
    if fields.get("enable_interleave") is True:
        return "interleave"
    if fields.get("enable_sequential") is True:
        return "sequential"
    return "edit" if fields["reference_images"] else "t2i"


def validate(model, fields, want_async):
    """Check everything before any upload or paid call; returns the plan or raises UsageError."""
    for name in BOOLEANS:
        if name in fields and not isinstance(fields[name], bool):
            raise UsageError("%s=%r: must be true or false" % (name, fields[name]))
    for switch in ("enable_interleave", "enable_sequential"):
        if fields.get(switch) is False:
            del fields[switch]  # off is the default; the body builder restates it where it matters
    mode = detect_mode(fields)
    spec, reason = models.mode_spec(model, mode)
    if spec is None:
        raise UsageError(reason)
    taken = spec["params"] | {"prompt", "reference_images"}
    for name in sorted(fields):
        if name not in taken:
            raise UsageError("%s is not taken by %s (%s); accepted fields: %s"
                             % (name, model, models.MODE_WORDS[mode], ", ".join(sorted(taken))))
    _check_prompt(fields, spec)
    _check_numbers(model, mode, fields, spec)
    _check_size(model, mode, fields, spec)
    _check_refs(model, fields, spec)
    _check_wan27_extras(fields)
    route, note = _route(model, mode, spec, want_async)
    return {"model": model, "mode": mode, "spec": spec, "fields": fields, "route": route, "note": note}


def _check_prompt(fields, spec):
    prompt = fields.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise UsageError("prompt is required: a non-empty string describing the image")
    if len(prompt) > spec["prompt_max"]:
        raise UsageError("prompt is %d characters; this model takes at most %d"
                         % (len(prompt), spec["prompt_max"]))
    negative = fields.get("negative_prompt")
    if negative is not None and (not isinstance(negative, str) or len(negative) > models.NEGATIVE_MAX):
        raise UsageError("negative_prompt must be a string of at most %d characters (got %s)"
                         % (models.NEGATIVE_MAX, len(negative) if isinstance(negative, str) else
                            type(negative).__name__))


def _int_in(fields, name, low, high, default, model):
    value = fields.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        allowed = "%d" % low if low == high else "an integer from %d to %d" % (low, high)
        raise UsageError("%s=%r is not allowed for %s; allowed: %s" % (name, value, model, allowed))
    fields[name] = value


def _check_numbers(model, mode, fields, spec):
    low, high = spec["n"]
    _int_in(fields, "n", low, high, 1, model)  # always sent: several APIs default to 4 billed images
    if "seed" not in fields:
        # The API picks a random seed and never echoes it; choosing it here makes the result repeatable.
        fields["seed"] = random.randint(0, models.SEED_MAX)
    _int_in(fields, "seed", 0, models.SEED_MAX, None, model)
    if mode == "interleave":
        _int_in(fields, "max_images", 1, 5, 5, model)


def _check_size(model, mode, fields, spec):
    if "size" not in fields:
        if spec["default_size"]:
            fields["size"] = spec["default_size"]
        return
    problem = models.check_size(fields["size"], spec["size"])
    if problem:
        raise UsageError("size=%r is not allowed for %s (%s); allowed: %s"
                         % (fields["size"], model, models.MODE_WORDS[mode], problem))
    if fields["size"].strip().upper() in spec["size"]["tiers"]:
        fields["size"] = fields["size"].strip().upper()


def _check_refs(model, fields, spec):
    refs = fields["reference_images"]
    low, high = spec["refs"]
    if not low <= len(refs) <= high:
        raise UsageError("reference_images has %d image(s); %s takes %d to %d here"
                         % (len(refs), model, low, high))
    if not refs:
        return
    from qianwen_common.upload import media_kind  # loaded only when there are references

    for index, ref in enumerate(refs):
        kind = media_kind(ref)
        label = "reference_images[%d]" % index
        if kind == "bad":
            raise UsageError("%s=%s: unsupported URL scheme; use http(s)://, oss://, data:image/... "
                             "or a local path" % (label, ref[:60]))
        if kind == "local":
            check_local_image(ref, label, spec["inputs"])


def check_local_image(path, label, limits):
    """A local reference: exists, readable, an image of an accepted type, size and pixel range."""
    import image_probe
    from qianwen_common.upload import check_local_file

    check_local_file(path, label, limits["formats"], limits["mb"])
    try:
        kind, width, height = image_probe.probe(path)
    except OSError as exc:
        raise UsageError("%s=%s: cannot read (%s)" % (label, path, type(exc).__name__)) from None
    formats = {image_probe.EXTENSION_KIND[ext] for ext in limits["formats"]}
    if kind not in formats:
        raise UsageError("%s=%s: the file is not a %s image" % (label, path, "/".join(sorted(formats))))
    low, high = limits["side"]
    if width is not None and not (low <= width <= high and low <= height <= high):
        raise UsageError("%s=%s is %dx%d pixels; each side must be %d to %d"
                         % (label, path, width, height, low, high))


def _check_wan27_extras(fields):
    boxes = fields.get("bbox_list")
    if boxes is not None and (not isinstance(boxes, list) or len(boxes) != len(fields["reference_images"])):
        raise UsageError("bbox_list needs one list per reference image (use [] for none), e.g. "
                         "[[], [[989,515,1138,681]]]")
    palette = fields.get("color_palette")
    if palette is not None and (not isinstance(palette, list) or not 3 <= len(palette) <= 10 or not all(
            isinstance(c, dict) and "hex" in c and "ratio" in c for c in palette)):
        raise UsageError("color_palette takes 3 to 10 items like {\"hex\": \"#C0FFEE\", \"ratio\": \"25.00%\"}")


def _route(model, mode, spec, want_async):
    if want_async and spec["async"] is None:
        raise UsageError("%s is sync only (no async endpoint); drop --async" % model)
    if not want_async and spec["sync"] is None:
        why = "interleaved output" if mode == "interleave" else model
        return spec["async"], "%s runs as an async task (no plain sync call); waiting for it" % why
    return (spec["async"] if want_async else spec["sync"]), None


def other_route(plan):
    """The other documented route of the plan's model and mode, or None."""
    spec = plan["spec"]
    if spec["sync"] and spec["async"]:
        return spec["async"] if plan["route"] == spec["sync"] else spec["sync"]
    return None


def local_refs(plan):
    if not plan["fields"]["reference_images"]:
        return []
    from qianwen_common.upload import media_kind

    return [(i, r) for i, r in enumerate(plan["fields"]["reference_images"]) if media_kind(r) == "local"]


def build_body(plan, route, refs):
    """The request body for route ((path, style)) with refs already resolved to URLs."""
    fields, spec, style = plan["fields"], plan["spec"], route[1]
    params = {name: fields[name] for name in sorted(fields)
              if name not in ("prompt", "reference_images", "negative_prompt")}
    if plan["model"] == "wan2.6-image":
        params["enable_interleave"] = plan["mode"] == "interleave"  # explicit: the API's default is edit
    if style == "messages":
        if "negative_prompt" in fields:
            params["negative_prompt"] = fields["negative_prompt"]
        content = [{"image": ref} for ref in refs]
        text = {"text": fields["prompt"]}
        content = content + [text] if spec["images_first"] else [text] + content
        data = {"messages": [{"role": "user", "content": content}]}
    else:
        data = {"prompt": fields["prompt"]}
        if "negative_prompt" in fields:
            data["negative_prompt"] = fields["negative_prompt"]  # input, per SDK and schema
        if style == "images":
            data["images"] = list(refs)
    return {"model": plan["model"], "input": data, "parameters": params}


def needs_resolve(refs):
    return any(str(ref).startswith("oss://") for ref in refs)
