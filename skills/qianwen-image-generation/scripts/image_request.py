"""The user's request (short or raw API form) -> checked fields -> a Plan per documented route.

build() is the only entry point: everything is checked here, before any upload or paid call; the seed is
drawn once, so the dry run, the plan sent and its fallback carry the same one.
"""

from __future__ import annotations

import copy

import image_billing
import image_models as models
import image_refs
from qianwen_common.errors import UsageError
from qianwen_common.plan import FileSlot, Plan, Target, draw_seed

SHORT_EXTRA = frozenset(("prompt", "reference_images", "reference_image", "model"))
# Every field some model takes in the short form (the docs test checks SKILL.md against it).
SHORT_FIELDS = SHORT_EXTRA.union(*(e.params for modes in models.MODELS.values() for e in modes.values()))
RAW_INPUT = ("messages", "prompt", "negative_prompt", "images")
NOT_PARAMS = ("prompt", "reference_images", "negative_prompt")
DEFAULT_TARGET = Target()
PLAN_MODELS = tuple(name for name, modes in models.MODELS.items() if any(e.token_plan for e in modes.values()))


def build(request, model=None, use_async=False, endpoint=None, allow_fields=(), target=DEFAULT_TARGET, label=""):
    """The Plan of one call (with .fallback on the other documented route), or UsageError (one line)."""
    if not isinstance(request, dict):
        raise UsageError("the request must be a JSON object, e.g. {\"prompt\": \"a red bicycle\"}")
    endpoint = check_endpoint(endpoint)
    if target.token_plan and use_async:
        raise UsageError("--async: the Token Plan host documents only the sync image call "
                         "(multimodal-generation); drop --async")
    raw = "input" in request
    name = model or request.get("model") or models.DEFAULT_MODEL
    if not isinstance(name, str) or not name.strip() or any(c.isspace() for c in name):
        raise UsageError("model=%r: give a model id such as %s" % (name, models.DEFAULT_MODEL))
    allow = frozenset(allow_fields or ())
    if models.entries(name) is None:
        return _unknown(name, request, raw, use_async, endpoint, target, label)
    fields, placed = from_raw(request, allow) if raw else (dict(request), {})
    fields.pop("model", None)
    return _known(name, _references(fields), placed, use_async, endpoint, allow, target, label)


def check_endpoint(path):
    """--endpoint: a path under /api/v1 starting /services/, without '..', a query or a scheme."""
    if path is None:
        return None
    if (not isinstance(path, str) or not path.startswith("/services/") or ".." in path
            or any(c in path for c in "?#\\") or "://" in path or any(c.isspace() or ord(c) < 32 for c in path)):
        raise UsageError("--endpoint %r: give the path under /api/v1, starting /services/ (no '..', query or "
                         "scheme), e.g. --endpoint %s" % (str(path)[:80], models.MULTIMODAL))
    return path


def from_raw(request, allow=frozenset()):
    """(short fields, {field: "input"} for allowed extra input fields) from the raw {model, input, parameters}."""
    extra = sorted(set(request) - {"model", "input", "parameters"})
    if extra:
        raise UsageError("raw request: unknown top-level field %s; allowed: model, input, parameters"
                         % ", ".join(extra))
    data, params = request.get("input"), request.get("parameters", {})
    if not isinstance(data, dict) or not isinstance(params, dict):
        raise UsageError("raw request: input and parameters must be JSON objects")
    short, placed = dict(params), {}
    for name in sorted(set(data) - set(RAW_INPUT)):
        if name not in allow:
            raise UsageError("raw request: input.%s is not a field; allowed: messages, or prompt, negative_prompt, "
                             "images (or send it anyway with --allow-field %s)" % (name, name))
        short[name], placed[name] = data[name], "input"
    if "messages" in data:
        short.update(_from_messages(data["messages"]))
    for name in ("prompt", "negative_prompt"):
        if name in data:
            short[name] = data[name]
    if "images" in data:
        short["reference_images"] = data["images"]
    return short, placed


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
        raise UsageError("raw request: the message needs exactly one {\"text\": ...} item, got %d" % len(texts))
    short = {"prompt": texts[0]}
    if images:
        short["reference_images"] = images
    return short


def _references(fields):
    """reference_images as a list of stripped strings; reference_image is its one-item shorthand."""
    single = fields.pop("reference_image", None)
    refs = fields.get("reference_images")
    if refs is None and single is not None:
        refs = [single]
    if isinstance(refs, str):
        refs = [refs]
    if refs is not None and (not isinstance(refs, list)
                             or not all(isinstance(r, str) and r.strip() for r in refs)):
        raise UsageError("reference_images must be a list of URLs or local paths, e.g. [\"cat.png\"]")
    fields["reference_images"] = [r.strip() for r in refs or []]
    return fields


def detect_mode(fields):
    if fields.get("enable_interleave") is True:
        return "interleave"
    if fields.get("enable_sequential") is True:
        return "sequential"
    return "edit" if fields.get("reference_images") else "t2i"


def _known(name, fields, placed, use_async, endpoint, allow, target, label):
    notes, filled = [], set()
    for flag in sorted(models.BOOLEANS & set(fields)):
        if not isinstance(fields[flag], bool):
            raise UsageError("%s=%r: must be true or false" % (flag, fields[flag]))
    for switch in ("enable_interleave", "enable_sequential"):
        if fields.get(switch) is False:
            del fields[switch]  # off is the default; the entry restates it where it matters
    mode = detect_mode(fields)
    entry, reason = models.mode_entry(name, mode)
    if entry is None:
        raise UsageError(reason)
    extra = _check_taken(name, mode, entry, fields, allow, notes)
    _check_prompt(name, entry, fields)
    _check_numbers(name, entry, fields, filled)
    _check_size(name, mode, entry, fields, filled, notes)
    _check_refs(name, entry, fields["reference_images"], notes)
    _check_structures(fields)
    routes = _routes(name, mode, entry, use_async, endpoint, notes)
    if target.token_plan and not entry.token_plan:
        notes.append("%s is not on the Token Plan image list (%s): sending anyway; the plan host may answer "
                     "404 or 403 (not in your plan)" % (name, ", ".join(PLAN_MODELS)))
    set_note = image_billing.set_note(entry, fields, filled)
    if set_note:
        notes.append(set_note)
    facts = {"prompt": fields["prompt"], "negative_prompt": fields.get("negative_prompt"),
             "seed": fields["seed"], "size": fields.get("size"), "n": fields["n"],
             "max_images": fields.get("max_images"), "reference_images": list(fields["reference_images"]),
             "input_mb": entry.input_mb}
    billed = image_billing.for_entry(name, entry, fields, filled)
    plans = []
    for path, style, is_async in reversed(routes):  # the fallback first: the primary holds it
        body, files = _body(name, style, fields, entry.images_first, entry.sends, extra, placed)
        plans.append(Plan(model=name, mode=mode, endpoint=path, is_async=is_async, body=body, label=label,
                          files=files, billing=billed, notes=tuple(notes) if len(plans) == len(routes) - 1
                          else (), checked=True, facts=facts, fallback=plans[-1] if plans else None))
    return plans[-1]


def _check_taken(name, mode, entry, fields, allow, notes):
    """Fields the entry does not take: exit 2, unless --allow-field names them (then sent, with a note)."""
    taken = entry.params | {"prompt", "reference_images"}
    extra = set()
    for field in sorted(set(fields) - taken):
        if field not in allow:
            raise UsageError("%s is not taken by %s (%s); accepted fields: %s; to send it anyway add "
                             "--allow-field %s" % (field, name, models.MODE_WORDS[mode], ", ".join(sorted(taken)),
                                                   field))
        extra.add(field)
        notes.append("%s is not documented for %s: sent as given because of --allow-field (the API decides)"
                     % (field, name))
    return extra


def _check_prompt(name, entry, fields):
    prompt = fields.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise UsageError("prompt is required: a non-empty string describing the image")
    if entry.prompt_max and len(prompt) > entry.prompt_max:
        raise UsageError("prompt is %d characters; %s takes at most %d" % (len(prompt), name, entry.prompt_max))
    negative = fields.get("negative_prompt")
    if negative is not None and (not isinstance(negative, str) or len(negative) > entry.negative_max):
        raise UsageError("negative_prompt must be a string of at most %d characters (got %s)"
                         % (entry.negative_max, len(negative) if isinstance(negative, str) else
                            type(negative).__name__))
    for field, values, why in entry.choices:
        if field in fields and fields[field] not in values:
            raise UsageError("%s=%r is not allowed for %s%s; allowed: %s"
                             % (field, fields[field], name, " (%s)" % why if why else "", ", ".join(values)))


def _int_in(fields, field, low, high, model):
    value = fields[field]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        allowed = "%d" % low if low == high else "an integer from %d to %d" % (low, high)
        raise UsageError("%s=%r is not allowed for %s; allowed: %s" % (field, value, model, allowed))


def _check_numbers(name, entry, fields, filled):
    # n is always sent: several APIs default to 4 billed images (12 for wan2.7 image sets).
    defaults = [("n", entry.n[0], entry.n[1], 1), ("seed", 0, models.SEED_MAX, None)] + list(entry.ints)
    for field, low, high, default in defaults:
        if field not in fields:
            # The API picks a random seed and never echoes it; choosing it here makes the result repeatable.
            fields[field] = draw_seed(models.SEED_MAX) if field == "seed" else default
            filled.add(field)
        _int_in(fields, field, low, high, name)


def _check_size(name, mode, entry, fields, filled, notes):
    if "size" not in fields:
        if entry.default_size:
            fields["size"] = entry.default_size
            filled.add("size")
            if entry.size_default_text:
                tier = models.tier_of(entry, entry.default_size)
                notes.append("size not given: sending %s%s; %s" % (
                    entry.default_size, " (%s tier)" % tier if tier else "", entry.size_default_text))
        elif entry.bill_tiers:
            tiers = [t for _top, t in entry.bill_tiers]
            notes.append("size not given: %s picks the output size, at the %s tier (counted as %s); give size "
                         "W*H to fix it" % (name, " or ".join(tiers), tiers[-1]))
        return
    if entry.size is None:
        return  # a size the model does not take, sent because of --allow-field
    problem = models.check_size(fields["size"], entry.size)
    if problem:
        raise UsageError("size=%r is not allowed for %s (%s); allowed: %s"
                         % (fields["size"], name, models.MODE_WORDS[mode], problem))
    if fields["size"].strip().upper() in entry.size.tiers:
        fields["size"] = fields["size"].strip().upper()


def _check_refs(name, entry, refs, notes):
    low, high = entry.refs
    if not low <= len(refs) <= high:
        raise UsageError("reference_images has %d image(s); %s takes %d to %d here" % (len(refs), name, low, high))
    for index, ref in enumerate(refs):
        label = "reference_images[%d]" % index
        if image_refs.kind(ref, label) == "local":
            image_refs.check_local(ref, label, name, entry.inputs, notes)


def _check_structures(fields):
    """bbox_list and color_palette (wan2.7-image): shapes the API documents."""
    boxes = fields.get("bbox_list")
    if boxes is not None:
        ok = isinstance(boxes, list) and len(boxes) == len(fields["reference_images"]) and all(
            isinstance(per, list) and len(per) <= 2 and all(
                isinstance(b, list) and len(b) == 4 and all(isinstance(v, int) and not isinstance(v, bool)
                                                           for v in b) for b in per) for per in boxes)
        if not ok:  # at most 2 boxes per image (fact-sheet correction)
            raise UsageError("bbox_list needs one list per reference image, each with at most 2 [x1,y1,x2,y2] "
                             "boxes ([] for none), e.g. [[], [[989,515,1138,681]]]")
    palette = fields.get("color_palette")
    if palette is not None and (not isinstance(palette, list) or not 3 <= len(palette) <= 10 or not all(
            isinstance(c, dict) and "hex" in c and "ratio" in c for c in palette)):
        raise UsageError("color_palette takes 3 to 10 items like {\"hex\": \"#C0FFEE\", \"ratio\": \"25.00%\"}")


def _routes(name, mode, entry, use_async, endpoint, notes):
    """[(path, style, is_async)]: the route to send, then the other documented one (the fallback) if any."""
    documented = [(entry.sync[0], entry.sync[1], False)] if entry.sync else []
    documented += [(entry.async_[0], entry.async_[1], True)] if entry.async_ else []
    if endpoint:
        match = [r for r in documented if r[0] == endpoint]
        if match and use_async and not match[0][2]:
            raise UsageError("--endpoint %s takes sync calls for %s; drop --async" % (endpoint, name))
        if match:
            return match[:1]
        is_async = use_async or endpoint in models.ASYNC_ONLY
        notes.append("%s is not a documented route of %s (documented: %s): sending there as --endpoint asks "
                     "(the API decides)" % (endpoint, name, ", ".join(r[0] for r in documented)))
        return [(endpoint, documented[0][1], is_async)]
    if use_async and not entry.async_:
        raise UsageError("%s is sync only (no async endpoint documented); drop --async" % name)
    if not use_async and not entry.sync:
        notes.append("%s: %s runs as an async task (no plain sync call documented); waiting for it"
                     % (name, models.MODE_WORDS[mode]))
    return sorted(documented, key=lambda r: r[2] != (use_async or not entry.sync))


def _body(model, style, fields, images_first, sends, extra, placed):
    """(body, file slots) for a body style: messages, prompt, or images (prompt + input.images)."""
    params = {k: fields[k] for k in sorted(fields) if k not in NOT_PARAMS and placed.get(k) != "input"}
    params.update(sends)
    refs, files = fields["reference_images"], []
    local = [i for i, r in enumerate(refs) if image_refs.kind(r, "reference_images[%d]" % i) == "local"]
    if style == "messages":
        if "negative_prompt" in fields:
            params["negative_prompt"] = fields["negative_prompt"]  # parameters in the messages protocol
        text, images = [{"text": fields["prompt"]}], [{"image": r} for r in refs]
        offset = 0 if images_first else 1
        data = {"messages": [{"role": "user", "content": images + text if images_first else text + images}]}
        files = [FileSlot(("input", "messages", 0, "content", offset + i, "image"), refs[i], "image") for i in local]
    else:
        data = {"prompt": fields["prompt"]}
        if "negative_prompt" in fields:
            data["negative_prompt"] = fields["negative_prompt"]  # input, per SDK and schema (fact sheet §2.3)
        if refs:
            data["images"] = list(refs)
            files = [FileSlot(("input", "images", i), refs[i], "image") for i in local]
    for name in sorted(k for k in extra if placed.get(k) == "input"):
        data[name] = fields[name]
    return {"model": model, "input": data, "parameters": params}, tuple(files)


def _unknown(name, request, raw, use_async, endpoint, target, label):
    """A model not in the table: sent as given to the endpoint its name family (or --endpoint) implies."""
    found = models.family(name)
    if endpoint:
        images_first = bool(found and found[2])
        style = "images" if "image2image" in endpoint else "prompt" if "image-synthesis" in endpoint else "messages"
        if use_async and endpoint == models.MULTIMODAL:
            raise UsageError("--endpoint %s takes sync calls; drop --async" % endpoint)
        path, is_async = endpoint, use_async or endpoint in models.ASYNC_ONLY
    elif found:
        sync, async_, images_first = found
        route = async_ if (use_async or not sync) else sync
        path, style, is_async = route[0], route[1], route is async_
    else:
        raise UsageError("model=%s is not in this bundle's table and its endpoint cannot be told from the name; "
                         "pass --endpoint PATH (e.g. --endpoint %s), or use one of: %s"
                         % (name, models.MULTIMODAL, ", ".join(models.MODELS)))
    notes = ["model %s is not in this bundle's table: not checked locally; sending to %s (the API decides)"
             % (name, path)]
    if target.token_plan:
        notes.append("%s is not on the Token Plan image list (%s): the plan host may answer 404 or 403"
                     % (name, ", ".join(PLAN_MODELS)))
    if raw:
        body = copy.deepcopy(request)
        body["model"] = name
        slots = image_refs.raw_slots(body)
        params = body.get("parameters") if isinstance(body.get("parameters"), dict) else {}
        data = body.get("input") if isinstance(body.get("input"), dict) else {}
        fields = dict(params, reference_images=[v for _w, v in slots], prompt=_raw_prompt(data))
    else:
        fields = _references({k: v for k, v in request.items() if k != "model"})
        if not isinstance(fields.get("prompt"), str) or not fields["prompt"].strip():
            raise UsageError("prompt is required: a non-empty string describing the image")
        body, _files = _body(name, style, fields, images_first, (), set(), {})
        slots = image_refs.raw_slots(body)
    files = []
    for index, (where, ref) in enumerate(slots):
        label = "reference_images[%d]" % index
        if image_refs.kind(ref, label) == "local":
            image_refs.check_exists(ref, label)
            files.append(FileSlot(where, ref, "image"))
    facts = {"prompt": fields.get("prompt"), "negative_prompt": fields.get("negative_prompt"),
             "seed": fields.get("seed"), "size": fields.get("size"), "n": fields.get("n"),
             "max_images": fields.get("max_images"), "reference_images": list(fields["reference_images"]),
             "input_mb": None}
    return Plan(model=name, mode=detect_mode(fields), endpoint=path, is_async=is_async, body=body, label=label,
                files=tuple(files), billing=image_billing.for_unknown(name, fields.get("n")), notes=tuple(notes),
                checked=False, facts=facts)


def _raw_prompt(data):
    """The prompt of a raw body: input.prompt, else the first text item of the messages."""
    if isinstance(data.get("prompt"), str):
        return data["prompt"]
    messages = data.get("messages") if isinstance(data.get("messages"), list) else []
    for message in messages:
        content = message.get("content") if isinstance(message, dict) else None
        for item in content if isinstance(content, list) else ():
            if isinstance(item, dict) and isinstance(item.get("text"), str):
                return item["text"]
    return None
