"""Turn a short-form or raw API request into one checked Plan, before anything is uploaded or paid.

Short-form names beyond the API's own fields (mapped to input.media where the model uses it):
img_url / first_frame_url / reference_image -> first_frame; last_frame_url -> last_frame;
first_clip_url, driving_audio_url / audio_url (wan2.7-i2v); video_url -> video (edit models);
reference_images / reference_urls -> reference_image (HappyHorse r2v, edit models). Wan 3.0 also takes
reference_images, reference_videos, reference_audios (lists, in prompt order: Image 1, Video 1, Audio 1),
reference_urls (a list; image, video or audio by extension), file_url -> file, link_url -> link.
"""

from __future__ import annotations

import re

import video_billing
import video_checks as checks
import video_media as media
import video_models as vm
import video_unknown
from qianwen_common.errors import UsageError
from qianwen_common.plan import FileSlot, Plan, Target, draw_seed

RAW_KEYS = ("model", "input", "parameters")
ENDPOINT_RE = re.compile(r"^/services/[A-Za-z0-9._/-]+$")
ANY_HOST = Target()  # China (Beijing) pay-as-you-go: no id mapping, no plan rules


def build(request, model=None, mode=None, endpoint=None, allow_fields=(), target=ANY_HOST, label=""):
    """The Plan of one request: body as sent (local paths in place), files, billing, notes, facts."""
    if not isinstance(request, dict):
        raise UsageError("request: must be a JSON object, e.g. {\"prompt\": \"...\"}")
    if mode is not None and mode not in vm.MODES:
        raise UsageError("--mode %s: use one of %s" % (mode, ", ".join(vm.MODES)))
    fields, request_model, form, placed = flatten(request)
    notes = []
    path = check_endpoint(endpoint) if endpoint is not None else None
    name = pick_name(model, request_model, notes)
    if name is not None and name not in vm.MODELS:
        mode, path, body = video_unknown.prepare(name, fields, form, request, mode, path, detect_mode, notes)
        return finish(name, mode, None, body, fields, path, target, label, notes)
    args_mode = mode
    mode, name, entry = choose(fields, name, args_mode, target, notes)
    media.to_media(fields, entry.short, tuple(entry.media or ()), entry)
    apply_aliases(fields, entry)
    size_rule(fields, name, entry, notes)
    extras = check_known(fields, name, entry, allow_fields, form, placed, notes)
    checks.check_values(fields, name, entry, notes)
    check_fields(dict(fields, **{key: value for key, (_part, value) in extras.items()}), entry)
    types = media.check_items(fields["media"], name, entry) if "media" in fields else []
    if entry.mode == vm.AUTO:
        mode = mix_mode(name, types, args_mode)
        media.require_extend(fields, name, entry, types, notes)
    if "seed" in entry.params and "seed" not in fields:
        # The API picks a random seed and never echoes it; choosing it here makes the result repeatable.
        fields["seed"] = draw_seed(vm.SEED_MAX)
    if path is not None and path != entry.endpoint:
        notes.append("--endpoint: sending to %s instead of %s's documented %s" % (path, name, entry.endpoint))
    body = {"model": name, "input": {}, "parameters": {}}
    for key, value in fields.items():
        body["input" if key in entry.inputs else "parameters"][key] = value
    for key, (part, value) in extras.items():
        body[part][key] = value
    return finish(name, mode, entry, body, fields, path or entry.endpoint, target, label, notes)


def finish(name, mode, entry, body, fields, endpoint, target, label, notes):
    """Local files, plan-key rules, local media checks, billing and facts: the Plan."""
    files = media.local_files(body)
    if target.token_plan:
        media.plan_key_rule(files, name)
        if name not in vm.TOKEN_PLAN:
            notes.append("%s is not in the Token Plan model list; sending anyway (the API answers 404/403 if "
                         "your plan lacks it)" % name)
    infos = {}
    if entry is not None:
        infos = media.inspect_all([f[1] for f in files if f[2] in ("image", "video", "audio")], notes)
        totals = media.check_local(files, infos, name, entry)
        media.check_combined(fields, totals, name, entry)
        if entry.watermark_default and "watermark" not in fields:
            notes.append("%s adds a watermark by default; pass \"watermark\": false to remove it" % name)
    billing = video_billing.make(name, entry, fields, media.all_media(body), infos)
    return Plan(model=name, mode=mode, endpoint=endpoint, is_async=True, body=body, label=label,
                files=tuple(FileSlot(where, path, kind) for where, path, kind, _name in files),
                billing=billing, notes=tuple(notes), checked=entry is not None,
                facts=dict(facts_of(entry, fields, billing), input_mb=vm.image_mb(name)))


def facts_of(entry, fields, billing):
    """What the result reports: prompt, seed, and the effective size or resolution, ratio, duration, audio."""
    facts = {"prompt": fields.get("prompt"), "seed": fields.get("seed")}
    if entry is None:
        facts.update((key, fields[key]) for key in ("resolution", "ratio", "size", "duration", "audio")
                     if key in fields)
        return facts
    if entry.rule == vm.SIZE:
        facts["size"] = fields.get("size", entry.size_default)
    else:
        facts["resolution"] = fields.get("resolution", entry.resolution_default)
    if entry.rule == vm.RES_RATIO:
        facts["ratio"] = fields.get("ratio", entry.ratio_default)
    if entry.durations is not None:
        facts["duration"] = fields.get("duration", entry.duration_default)
    facts["audio"] = billing["units"][0]["audio"]
    return facts


def flatten(request):
    """(fields, model, form, placed): raw {model, input, parameters} and the short form become one flat
    dict; placed says where each raw field was (input or parameters)."""
    if "input" not in request and "parameters" not in request:
        fields = dict(request)
        return fields, fields.pop("model", None), "short", {}
    extra = [key for key in request if key not in RAW_KEYS]
    if extra:
        raise UsageError("request field %s: a raw API request holds only model, input and parameters; "
                         "put %s inside input or parameters (or use the short form)" % (extra[0], extra[0]))
    fields, placed = {}, {}
    for part in ("input", "parameters"):
        value = request.get(part, {})
        if not isinstance(value, dict):
            raise UsageError("request %s=%r: must be a JSON object" % (part, value))
        for key, item in value.items():
            if key in fields:
                raise UsageError("request field %s appears in both input and parameters; give it once" % key)
            fields[key], placed[key] = item, part
    return fields, request.get("model"), "raw", placed


def check_endpoint(path):
    """--endpoint PATH: a path under /api/v1 starting /services/; no scheme, query, fragment or '..'."""
    text = path.strip() if isinstance(path, str) else ""
    if text.startswith("/api/v1/"):
        text = text[len("/api/v1"):]
    if not ENDPOINT_RE.match(text) or ".." in text or "//" in text:
        raise UsageError("--endpoint %s: give a path under /api/v1 such as %s (no scheme, host, query or '..')"
                         % (path, vm.SYNTHESIS))
    return text


def pick_name(args_model, request_model, notes):
    if args_model and request_model and args_model != request_model:
        notes.append("--model %s overrides the request's model %s" % (args_model, request_model))
    name = args_model or request_model
    if name is not None and (not isinstance(name, str) or not re.match(r"^[A-Za-z0-9][\w./-]*$", name)):
        raise UsageError("model=%s: give a model id such as %s" % (checks.json_text(name), vm.DEFAULT_MODELS["t2v"]))
    return name


def detect_mode(fields):
    """(mode, reason) from the request's fields alone; used when neither --mode nor a model is given."""
    media_types = [item.get("type") for item in fields.get("media") or [] if isinstance(item, dict)]
    if "function" in fields:
        return "vace", "`function` is a vace field"
    if "video" in media_types or "video_url" in fields:
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


def choose(fields, name, args_mode, target, notes):
    """(mode, model id as sent, table entry); mode None for Wan 3.0 until its media mix is known."""
    if name is None:
        if args_mode:
            mode, reason = args_mode, "--mode %s" % args_mode
        else:
            mode, reason = detect_mode(fields)
        name = vm.DEFAULT_MODELS[mode]
        notes.append("mode %s (%s); model %s, the default for %s" % (mode, reason, name, mode))
    entry = vm.MODELS[name]
    mode = None if entry.mode == vm.AUTO else entry.mode
    if mode and args_mode and args_mode != mode:
        raise UsageError("--mode %s: model %s is made for %s; for %s use one of %s"
                         % (args_mode, name, mode, args_mode, ", ".join(vm.models_for(args_mode))))
    wanted = vm.region_id(entry, target.international)
    if wanted and wanted != name:
        notes.append("%s is %s on this host; sending that id instead of %s" % (name, wanted, name))
        name = wanted
    return mode, name, entry


def mix_mode(name, types, args_mode):
    """Wan 3.0: the mode its media mix stands for; --mode must agree with it."""
    mode = media.mix_mode(types)
    if args_mode and args_mode != mode:
        if vm.MIX_ALSO.get(args_mode) in types:
            return args_mode
        raise UsageError("--mode %s: this %s request is %s by its media (%s); drop --mode or change the media"
                         % (args_mode, name, mode, "+".join(sorted(set(types))) or "no media"))
    return mode


def apply_aliases(fields, entry):
    """This skill's names for API fields (reference_image is img_url on wan2.6/2.5 i2v: an alias, not an API field)."""
    for alias, real in entry.aliases.items():
        if alias in fields:
            if real in fields:
                raise UsageError("request fields %s and %s: give one (they are the same)" % (real, alias))
            fields[real] = fields.pop(alias)


def check_known(fields, model, entry, allow_fields, form, placed, notes):
    """Every field must be one the model takes, or named by --allow-field; returns {key: (part, value)}."""
    allowed = set(entry.inputs) | set(entry.params)
    extras = {}
    for key in list(fields):
        if key in allowed:
            continue
        if key in allow_fields:
            part = placed.get(key) or ("input" if key in vm.INPUT_FIELDS else "parameters")
            extras[key] = (part, fields.pop(key))
            notes.append("%s: %s does not take this field; sending it in %s anyway (--allow-field; the API "
                         "decides)" % (key, model, part))
            continue
        hint = entry.hints.get(key, "")
        if not hint and entry.sound == vm.SILENT and key in vm.SILENT_FIELDS:
            hint = "%s makes silent video" % model
        takers = [name for name in vm.models_taking(key) if vm.MODELS[name] is not entry]
        if takers and not hint:
            hint = "models that take it: %s" % ", ".join(takers[:6])
        raise UsageError("request field %s: %s does not take it%s (it takes: %s; --allow-field %s sends it "
                         "anyway)" % (key, model, "; " + hint if hint else "", ", ".join(sorted(allowed)), key))
    return extras


def check_fields(fields, entry):
    """Every URL or path in the model's flat media fields (input.media items are checked with their counts)."""
    for key, kind in vm.FIELD_KINDS.items():
        if key not in fields:
            continue
        values = fields[key] if isinstance(fields[key], list) else [fields[key]]
        for value in values:
            media.check_one(key, value, media.kind_of(key, value) if kind == "image|video" else kind, entry, key)


def size_rule(fields, model, entry, notes):
    """size vs resolution(+ratio), per model; translate only exact matches (1280*720 <-> 720P + 16:9)."""
    has_size = "size" in fields
    has_res = "resolution" in fields or "ratio" in fields
    if isinstance(fields.get("size"), str):
        fields["size"] = fields["size"].strip().replace("x", "*").replace("X", "*").replace("\u00d7", "*")
    if isinstance(fields.get("resolution"), str):
        fields["resolution"] = fields["resolution"].strip().upper()
    if has_size and has_res:
        raise UsageError("request fields size and resolution/ratio: give one; %s takes %s" % (model, entry.rule))
    if entry.rule == vm.SIZE and has_res:
        key = (fields.get("resolution"), fields.get("ratio"))
        size = vm.RATIO_SIZES.get(key)
        if size is None or size not in entry.sizes:
            raise UsageError("resolution=%s ratio=%s: %s takes size (W*H), and this pair has no exact size; use "
                             "size, one of %s" % (key[0] or "(missing)", key[1] or "(missing)", model,
                                                  ", ".join(entry.sizes)))
        fields.pop("resolution", None)
        fields.pop("ratio", None)
        fields["size"] = size
        notes.append("%s takes size: resolution %s + ratio %s sent as size %s" % (model, key[0], key[1], size))
    elif entry.rule != vm.SIZE and has_size:
        size = fields["size"]
        pair = next((pair for pair, value in vm.RATIO_SIZES.items() if value == size), None)
        if entry.rule == vm.RES:
            raise UsageError("size=%s: %s takes resolution (%s) and no size; the aspect ratio follows the "
                             "input; use \"resolution\": \"%s\"" % (size, model, "/".join(entry.resolutions),
                                                                  pair[0] if pair else entry.resolutions[-1]))
        if pair is None or pair[0] not in entry.resolutions or pair[1] not in entry.ratios:
            raise UsageError("size=%s: %s takes resolution (%s) + ratio (%s), and this size has no exact "
                             "match; give resolution and ratio" % (size, model, "/".join(entry.resolutions),
                                                                   ", ".join(entry.ratios)))
        del fields["size"]
        fields["resolution"], fields["ratio"] = pair
        notes.append("%s takes resolution + ratio: size %s sent as resolution %s + ratio %s"
                     % (model, size, pair[0], pair[1]))
