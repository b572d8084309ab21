"""Turn a short-form or raw API request into one validated body, before anything is uploaded or paid."""

from __future__ import annotations

import video_checks as checks
import video_models as vm
from qianwen_common.errors import UsageError

RAW_KEYS = ("model", "input", "parameters")


def flatten(request):
    """(fields, model, form): raw {model, input, parameters} and the short form become one flat dict."""
    if "input" not in request and "parameters" not in request:
        fields = dict(request)
        return fields, fields.pop("model", None), "short"
    extra = [key for key in request if key not in RAW_KEYS]
    if extra:
        raise UsageError("request field %s: a raw API request holds only model, input and parameters; "
                         "put %s inside input or parameters (or use the short form)" % (extra[0], extra[0]))
    fields = {}
    for part in ("input", "parameters"):
        value = request.get(part, {})
        if not isinstance(value, dict):
            raise UsageError("request %s=%r: must be a JSON object" % (part, value))
        for key, item in value.items():
            if key in fields:
                raise UsageError("request field %s appears in both input and parameters; give it once" % key)
            fields[key] = item
    return fields, request.get("model"), "raw"


def detect_mode(fields):
    """(mode, reason) from the request's fields alone; used when neither --mode nor a model is given."""
    media_types = [item.get("type") for item in fields.get("media") or [] if isinstance(item, dict)]
    if "function" in fields:
        return "vace", "`function` is a vace field"
    if "video" in media_types or ("video_url" in fields and "function" not in fields):
        return "videoedit", "a source video (`video_url` or a media item of type video) without `function`"
    if "reference_urls" in fields or "reference_image" in media_types:
        return "r2v", "`reference_urls` (reference-to-video)"
    if "first_frame_url" in fields and ("last_frame_url" in fields or "template" in fields):
        return "kf2v", "`first_frame_url` with `last_frame_url` or `template`"
    i2v_keys = ("img_url", "reference_image", "first_frame_url", "first_clip_url", "driving_audio_url")
    if any(key in fields for key in i2v_keys) or media_types:
        return "i2v", "an input image (%s)" % ", ".join(
            "`%s`" % k for k in i2v_keys + ("media",) if k in fields)
    return "t2v", "only a prompt and parameters (text-to-video)"


def choose_model(fields, request_model, args_model, args_mode, international, notes):
    """(mode, model id as sent, table entry, reason); UsageError for unknown or mismatched models."""
    model = args_model or request_model
    if args_model and request_model and args_model != request_model:
        notes.append("--model %s overrides the request's model %s" % (args_model, request_model))
    if model is not None and (not isinstance(model, str) or model not in vm.MODELS):
        raise UsageError("model=%s: unknown video model; use one of %s"
                         % (model, ", ".join(sorted(vm.MODELS))))
    if model is None:
        if args_mode:
            mode, reason = args_mode, "--mode %s" % args_mode
        else:
            mode, reason = detect_mode(fields)
        model = vm.DEFAULT_MODELS[mode]
        reason += "; default model for %s" % mode
    else:
        mode = vm.MODELS[model]["mode"]
        reason = "model %s is a %s model" % (model, mode)
        if args_mode and args_mode != mode:
            raise UsageError("--mode %s: model %s is made for %s; for %s use one of %s"
                             % (args_mode, model, mode, args_mode, ", ".join(vm.models_for(args_mode))))
    if mode == "vace":
        wanted = vm.vace_id(international)
        if model != wanted:
            notes.append("VACE is %s on this host; sending that id instead of %s" % (wanted, model))
        model = wanted
    return mode, model, vm.MODELS[model], reason


def to_media(fields, entry):
    """Short-form media fields (first_frame_url, video_url, reference_urls, ...) become input.media."""
    short = [key for key in fields if key in entry["short"]]
    if not short:
        return
    if "media" in fields:
        raise UsageError("request field %s: give either media or the short fields, not both" % short[0])
    media = []
    for key in short:
        value = fields.pop(key)
        values = value if isinstance(value, list) else [value]
        if key in ("reference_urls", "reference_images") and not isinstance(value, list):
            raise UsageError("request field %s=%r: must be a list of URLs or paths" % (key, value))
        for item in values:
            checks.check_one(key, item, vm.MEDIA_KINDS[entry["short"][key]], entry)  # name the user's field
            media.append({"type": entry["short"][key], "url": item})
    media.sort(key=lambda item: item["type"] == "reference_image")  # the main item first
    fields["media"] = media


def check_known(fields, model, entry):
    """Every field must be one the model takes; say which models take it otherwise."""
    allowed = set(entry["inputs"]) | set(entry["params"])
    for key in fields:
        if key in allowed:
            continue
        hint = ""
        if entry["silent"] and key in ("audio", "audio_url", "driving_audio_url"):
            hint = "; %s makes silent video" % model
        elif key == "duration" and entry["durations"] is None:
            hint = "; the output length follows the input video"
        elif key == "shot_type" and model.startswith("wan2.7"):
            hint = "; wan2.7 takes multi-shot descriptions in the prompt instead"
        takers = [name for name in vm.models_taking(key) if vm.MODELS[name] is not entry]
        if takers and not hint:
            hint = "; models that take it: %s" % ", ".join(takers[:6])
        raise UsageError("request field %s: %s does not take it%s (it takes: %s)"
                         % (key, model, hint, ", ".join(sorted(allowed))))


def apply_aliases(fields, model, entry, notes):
    """reference_image is this skill's alias of img_url (SR-9); vace takes no duration field."""
    if "reference_image" in fields and "img_url" in entry["inputs"]:
        if "img_url" in fields:
            raise UsageError("request fields img_url and reference_image: give one (they are the same)")
        fields["img_url"] = fields.pop("reference_image")
    if entry["mode"] == "vace" and "duration" in fields:
        value = fields.pop("duration")
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
            raise UsageError("duration=%r: vace output is at most 5 s and follows the input; drop duration"
                             % (value,))
        notes.append("vace takes no duration (output ≤ 5 s follows the input); duration dropped")


def size_rule(fields, model, entry, notes):
    """size vs resolution(+ratio), per model; translate only exact matches (1280*720 <-> 720P + 16:9)."""
    has_size = "size" in fields
    has_res = "resolution" in fields or "ratio" in fields
    if isinstance(fields.get("size"), str):
        fields["size"] = fields["size"].strip().replace("x", "*").replace("X", "*").replace("\u00d7", "*")
    if isinstance(fields.get("resolution"), str):
        fields["resolution"] = fields["resolution"].strip().upper()
    rule = entry["rule"]
    if has_size and has_res:
        raise UsageError("request fields size and resolution/ratio: give one; %s takes %s" % (model, rule))
    if rule == vm.SIZE and has_res:
        key = (fields.get("resolution"), fields.get("ratio"))
        size = vm.RATIO_SIZES.get(key)
        if size is None or size not in entry["sizes"]:
            raise UsageError("resolution=%s ratio=%s: %s takes size (W*H), and this pair has no exact "
                             "size; use size, one of %s" % (key[0], key[1], model, ", ".join(entry["sizes"])))
        fields.pop("resolution", None)
        fields.pop("ratio", None)
        fields["size"] = size
        notes.append("%s takes size: resolution %s + ratio %s sent as size %s" % (model, key[0], key[1], size))
    elif rule != vm.SIZE and has_size:
        size = fields["size"]
        pair = next((pair for pair, value in vm.RATIO_SIZES.items() if value == size), None)
        if rule == vm.RES:
            raise UsageError("size=%s: %s takes resolution (%s) and no size; the aspect ratio follows the "
                             "input; use \"resolution\": \"%s\"" % (size, model, "/".join(entry["resolutions"]),
                                                                  pair[0] if pair else entry["resolutions"][-1]))
        if pair is None or pair[0] not in entry["resolutions"] or pair[1] not in entry["ratios"]:
            raise UsageError("size=%s: %s takes resolution (%s) + ratio (%s), and this size has no exact "
                             "match; give resolution and ratio" % (size, model, "/".join(entry["resolutions"]),
                                                                   ", ".join(entry["ratios"])))
        del fields["size"]
        fields["resolution"], fields["ratio"] = pair
        notes.append("%s takes resolution + ratio: size %s sent as resolution %s + ratio %s"
                     % (model, size, pair[0], pair[1]))


def build(request, args_model=None, args_mode=None, international=False):
    """Validate a request; returns a plan dict (mode, model, endpoint, body, notes, reason, form)."""
    fields, request_model, form = flatten(request)
    notes = []
    mode, model, entry, reason = choose_model(fields, request_model, args_model, args_mode,
                                              international, notes)
    to_media(fields, entry)
    apply_aliases(fields, model, entry, notes)
    size_rule(fields, model, entry, notes)
    check_known(fields, model, entry)
    checks.check_values(fields, model, entry, notes)
    checks.check_media(fields, model, entry)
    if entry["family"] == "happyhorse" and "watermark" not in fields:
        notes.append("HappyHorse adds a watermark by default; pass \"watermark\": false to remove it")
    body = {"model": model, "input": {}, "parameters": {}}
    for key, value in fields.items():
        body["input" if key in vm.INPUT_FIELDS else "parameters"][key] = value
    return {"mode": mode, "model": model, "endpoint": entry["endpoint"], "body": body, "notes": notes,
            "reason": reason, "form": form}
