"""Value checks per model: prompt, ranges, required fields, durations, VACE functions, reference lists."""

from __future__ import annotations

import json
import os
from urllib.parse import urlsplit

import video_models as vm
from qianwen_common.errors import UsageError

SEED_MAX = vm.SEED_MAX
NEGATIVE_MAX = 500


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _bad(field, value, allowed):
    if isinstance(value, str):
        shown = value if len(value) <= 80 else value[:77] + "..."
    elif isinstance(value, bool):
        shown = "true" if value else "false"
    else:
        shown = json_text(value)
    raise UsageError("%s=%s: not allowed; %s" % (field, shown, allowed))


def json_text(value):
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


def check_values(fields, model, entry, notes):
    """Ranges and rules for scalar fields; UsageError names the field, the value and what is allowed."""
    _check_prompt(fields, model, entry, notes)
    _check_required(fields, model, entry)
    _check_params(fields, model, entry)
    _check_duration(fields, model, entry)
    if entry.body == vm.VACE:
        _check_vace(fields, model)
    if entry.refs:
        _check_references(fields, model, entry.refs)
    if entry.prompt_note and entry.prompt_note[0] not in fields.get("prompt", ""):
        notes.append(entry.prompt_note[1])
    if fields.get("audio") is False and fields.get("audio_url"):
        notes.append("audio=false makes the video silent and overrides audio_url")


def _check_required(fields, model, entry):
    """The key fields of each mode, per model: nothing is paid for a request that must fail."""
    what = {"media": "media [{\"type\", \"url\"}] or the short fields %s" % ", ".join(entry.short),
            "img_url": "an input image (img_url or reference_image)",
            "first_frame_url": "first_frame_url and last_frame_url",
            "reference_urls": "reference_urls (1-5 images or videos)"}
    for key in entry.required:
        if key not in fields:
            raise UsageError("%s: missing; %s needs %s" % (key, model, what.get(key, key)))
    for group in entry.one_of:
        if not any(key in fields for key in group):
            raise UsageError("%s: missing; %s needs at least one of them" % (" / ".join(group), model))


def _check_prompt(fields, model, entry, notes):
    prompt = fields.get("prompt")
    if prompt is None or (isinstance(prompt, str) and not prompt.strip()):
        if entry.prompt_required:
            raise UsageError("prompt: missing; %s needs a text prompt (up to %d characters)"
                             % (model, entry.prompt_max))
        fields.pop("prompt", None)
        return
    if not isinstance(prompt, str):
        _bad("prompt", prompt, "a text string")
    limit = entry.prompt_max
    if entry.cjk_half and any("\u4e00" <= ch <= "\u9fff" for ch in prompt):
        limit //= 2  # Chinese text counts at half the length
    if len(prompt) > limit:
        if not entry.prompt_truncated:
            raise UsageError("prompt: %d characters; %s takes at most %d" % (len(prompt), model, limit))
        notes.append("prompt: %d characters; %s reads the first %d and silently drops the rest"
                     % (len(prompt), model, limit))
    negative = fields.get("negative_prompt")
    if negative is not None and (not isinstance(negative, str) or len(negative) > NEGATIVE_MAX):
        _bad("negative_prompt", negative, "text of at most %d characters" % NEGATIVE_MAX)


def _check_params(fields, model, entry):
    seed = fields.get("seed")
    if "seed" in fields and (not _is_int(seed) or not entry.seed_min <= seed <= SEED_MAX):
        _bad("seed", seed, "an integer %d-%d" % (entry.seed_min, SEED_MAX))
    for key in ("watermark", "prompt_extend", "audio"):
        if key in fields and not isinstance(fields[key], bool):
            _bad(key, fields[key], "true or false")
    for key, allowed in (("resolution", entry.resolutions), ("ratio", entry.ratios), ("size", entry.sizes)):
        if key in fields and fields[key] not in allowed:
            _bad(key, fields[key], "%s takes %s" % (model, ", ".join(allowed)))
    if "shot_type" in fields:
        if fields["shot_type"] not in ("single", "multi"):
            _bad("shot_type", fields["shot_type"], "single or multi")
        if entry.multi_needs_extend and fields["shot_type"] == "multi" and fields.get("prompt_extend") is not True:
            raise UsageError("shot_type=multi: multi-shot needs \"prompt_extend\": true as well (given: %s)"
                             % fields.get("prompt_extend", "absent"))
    if "audio_setting" in fields and fields["audio_setting"] not in ("auto", "origin"):
        _bad("audio_setting", fields["audio_setting"], "auto or origin")
    if "template" in fields and not isinstance(fields["template"], str):
        _bad("template", fields["template"], "an effect template name")


def _check_duration(fields, model, entry):
    if "duration" not in fields:
        return
    value, allowed = fields["duration"], entry.durations
    if (entry.duration_keep and value == 0) or (entry.duration_smart and value == -1):
        return  # 0 = keep the input video's length; -1 = the model picks
    extra = (" (or 0: keep the input's length)" if entry.duration_keep else "") + \
        (" (or -1: the model picks)" if entry.duration_smart else "")
    if isinstance(allowed, tuple):
        if not _is_int(value) or not allowed[0] <= value <= allowed[1]:
            _bad("duration", value, "%s takes whole seconds %d-%d%s" % (model, allowed[0], allowed[1], extra))
    elif not _is_int(value) or value not in allowed:
        _bad("duration", value, "%s takes %s s" % (model, " or ".join(str(v) for v in sorted(allowed))))


def _check_vace(fields, model):
    function = fields.get("function")
    if function not in vm.VACE_FUNCTIONS:
        raise UsageError("function=%s: vace needs function, one of %s"
                         % (function if function is not None else "(missing)",
                            ", ".join(sorted(vm.VACE_FUNCTIONS))))
    spec = vm.VACE_FUNCTIONS[function]
    for key in fields:
        if key not in spec["fields"] and key not in vm.VACE_ALWAYS:
            raise UsageError("request field %s: vace function %s does not use it (it uses: %s)"
                             % (key, function, ", ".join(spec["fields"])))
    for key in spec["required"]:
        if key not in fields:
            raise UsageError("%s: missing; vace function %s needs it" % (key, function))
    if spec["one_of"] and not any(key in fields for key in spec["one_of"]):
        raise UsageError("%s: vace function %s needs one of these fields"
                         % (" / ".join(spec["one_of"]), function))
    refs = fields.get("ref_images_url", [])
    low, high = spec["refs"]
    if not isinstance(refs, list) or not low <= len(refs) <= high:
        _bad("ref_images_url", refs, "a list of %d-%d image URLs or paths for %s" % (low, high, function))
    _check_vace_params(fields, refs)


def _check_vace_params(fields, refs):
    obj_or_bg = fields.get("obj_or_bg")
    if obj_or_bg is not None and (not isinstance(obj_or_bg, list) or len(obj_or_bg) != len(refs)
                                  or any(item not in ("obj", "bg") for item in obj_or_bg)):
        _bad("obj_or_bg", obj_or_bg, "a list of \"obj\"/\"bg\", one per ref_images_url item (%d)" % len(refs))
    if "control_condition" in fields and fields["control_condition"] not in vm.CONTROL_CONDITIONS:
        _bad("control_condition", fields["control_condition"], ", ".join(vm.CONTROL_CONDITIONS))
    if "mask_type" in fields and fields["mask_type"] not in ("tracking", "fixed"):
        _bad("mask_type", fields["mask_type"], "tracking or fixed")
    for key, low, high in (("strength", 0, 1), ("expand_ratio", 0, 1), ("top_scale", 1, 2),
                           ("bottom_scale", 1, 2), ("left_scale", 1, 2), ("right_scale", 1, 2)):
        if key in fields and (not _is_number(fields[key]) or not low <= fields[key] <= high):
            _bad(key, fields[key], "a number %s-%s" % (low, high))
    if "mask_frame_id" in fields and (not _is_int(fields["mask_frame_id"]) or fields["mask_frame_id"] < 0):
        _bad("mask_frame_id", fields["mask_frame_id"], "a frame number (1 = first frame)")


def _check_references(fields, model, spec):
    name, most, most_videos = spec
    refs = fields.get(name)
    if not isinstance(refs, list) or not 1 <= len(refs) <= most:
        _bad(name, refs, "%s takes a list of 1-%d image or video references" % (model, most))
    videos = [ref for ref in refs if isinstance(ref, str) and extension(ref) in vm.VIDEO_EXT]
    if len(videos) > most_videos:
        raise UsageError("%s: %d videos; at most %d of the %d references may be videos"
                         % (name, len(videos), most_videos, most))


def extension(value):
    """The lower-case extension of a URL's path or a file path, without the dot."""
    path = urlsplit(value).path if "://" in value else value
    return os.path.splitext(path)[1].lower().lstrip(".")
