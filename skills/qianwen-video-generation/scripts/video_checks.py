"""Value checks per model (ranges, counts, required fields) and media checks (schemes, local files)."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import video_models as vm
from qianwen_common import upload
from qianwen_common.errors import UsageError

SEED_MAX = 2147483647
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
    import json

    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


def check_values(fields, model, entry, notes):
    """Ranges and rules for scalar fields; UsageError names the field, the value and what is allowed."""
    _check_required(fields, model, entry)
    _check_prompt(fields, model, entry)
    _check_params(fields, model, entry)
    _check_duration(fields, model, entry)
    if entry["mode"] == "vace":
        _check_vace(fields, model)
    if entry["mode"] == "r2v" and entry["family"] == "wan":
        _check_references(fields, model)
        if "character1" not in fields.get("prompt", ""):
            notes.append("r2v prompts name the subjects character1, character2, ... in reference_urls order")
    if fields.get("audio") is False and fields.get("audio_url"):
        notes.append("audio=false makes the video silent and overrides audio_url")


def _check_required(fields, model, entry):
    """The key fields of each mode (V-30), per model: nothing is paid for a request that must fail."""
    what = {"media": "media [{\"type\", \"url\"}] or the short fields %s" % ", ".join(entry["short"]),
            "img_url": "an input image (img_url or reference_image)",
            "first_frame_url": "first_frame_url and last_frame_url",
            "reference_urls": "reference_urls (1-5 images or videos)"}
    for key in entry["required"]:
        if key not in fields:
            raise UsageError("%s: missing; %s needs %s" % (key, model, what[key]))
    if entry["mode"] == "kf2v" and "last_frame_url" not in fields and "template" not in fields:
        raise UsageError("last_frame_url: missing; %s needs first_frame_url and last_frame_url (or a "
                         "template); for a single image use i2v" % model)


def _check_prompt(fields, model, entry):
    prompt = fields.get("prompt")
    if prompt is None or (isinstance(prompt, str) and not prompt.strip()):
        if entry["prompt_required"]:
            raise UsageError("prompt: missing; %s needs a text prompt (up to %d characters)"
                             % (model, entry["prompt_max"]))
        fields.pop("prompt", None)
        return
    if not isinstance(prompt, str):
        _bad("prompt", prompt, "a text string")
    limit = entry["prompt_max"]
    if entry["family"] == "happyhorse" and any("\u4e00" <= ch <= "\u9fff" for ch in prompt):
        limit = 2500  # HappyHorse counts Chinese text at half the length
    if len(prompt) > limit:
        raise UsageError("prompt: %d characters; %s takes at most %d" % (len(prompt), model, limit))
    negative = fields.get("negative_prompt")
    if negative is not None and (not isinstance(negative, str) or len(negative) > NEGATIVE_MAX):
        _bad("negative_prompt", negative, "text of at most %d characters" % NEGATIVE_MAX)


def _check_params(fields, model, entry):
    if "seed" in fields and (not _is_int(fields["seed"]) or not 0 <= fields["seed"] <= SEED_MAX):
        _bad("seed", fields["seed"], "an integer 0-%d" % SEED_MAX)
    for key in ("watermark", "prompt_extend", "audio"):
        if key in fields and not isinstance(fields[key], bool):
            _bad(key, fields[key], "true or false")
    if "resolution" in fields and fields["resolution"] not in entry["resolutions"]:
        _bad("resolution", fields["resolution"], "%s takes %s" % (model, ", ".join(entry["resolutions"])))
    if "ratio" in fields and fields["ratio"] not in entry["ratios"]:
        _bad("ratio", fields["ratio"], "%s takes %s" % (model, ", ".join(entry["ratios"])))
    if "size" in fields and fields["size"] not in entry["sizes"]:
        _bad("size", fields["size"], "%s takes %s" % (model, ", ".join(entry["sizes"])))
    if "shot_type" in fields:
        if fields["shot_type"] not in ("single", "multi"):
            _bad("shot_type", fields["shot_type"], "single or multi")
        if fields["shot_type"] == "multi" and fields.get("prompt_extend") is not True:
            raise UsageError("shot_type=multi: multi-shot needs \"prompt_extend\": true as well (given: %s)"
                             % fields.get("prompt_extend", "absent"))
    if "audio_setting" in fields and fields["audio_setting"] not in ("auto", "origin"):
        _bad("audio_setting", fields["audio_setting"], "auto or origin")
    if "template" in fields and not isinstance(fields["template"], str):
        _bad("template", fields["template"], "an effect template name")


def _check_duration(fields, model, entry):
    if "duration" not in fields:
        return
    value, allowed = fields["duration"], entry["durations"]
    if entry["mode"] == "kf2v" and value != 5:
        raise UsageError("duration=%s: kf2v video is always 5 s; drop duration or give 5" % (value,))
    if entry["mode"] == "videoedit" and value == 0:
        return  # 0 = keep the input video's length
    if isinstance(allowed, tuple):
        if not _is_int(value) or not allowed[0] <= value <= allowed[1]:
            _bad("duration", value, "%s takes whole seconds %d-%d" % (model, allowed[0], allowed[1]))
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


def _check_references(fields, model):
    refs = fields.get("reference_urls")
    if not isinstance(refs, list) or not 1 <= len(refs) <= 5:
        _bad("reference_urls", refs, "%s takes a list of 1-5 image or video references" % model)
    videos = [ref for ref in refs if isinstance(ref, str) and _extension(ref) in vm.VIDEO_EXT]
    if len(videos) > 3:
        raise UsageError("reference_urls: %d videos; at most 3 of the 5 references may be videos" % len(videos))


def _extension(value):
    path = urlsplit(value).path if "://" in value else value
    return os.path.splitext(path)[1].lower().lstrip(".")


def check_media(fields, model, entry):
    """Every media value: http(s)/oss:// (data: for images) or an existing local file of the right kind."""
    for key, kind in vm.FIELD_KINDS.items():
        if key not in fields:
            continue
        values = fields[key] if isinstance(fields[key], list) else [fields[key]]
        for value in values:
            actual = kind
            if kind == "image|video":
                actual = "video" if isinstance(value, str) and _extension(value) in vm.VIDEO_EXT else "image"
            check_one(key, value, actual, entry)
    if "media" in fields:
        _check_media_items(fields["media"], model, entry)


def _check_media_items(media, model, entry):
    spec = entry["media"]
    if not isinstance(media, list) or not media:
        _bad("media", media, "a list of {\"type\": ..., \"url\": ...} items")
    counts = {}
    for index, item in enumerate(media):
        if not isinstance(item, dict) or not isinstance(item.get("type"), str) or "url" not in item:
            _bad("media[%d]" % index, item, "an object {\"type\": ..., \"url\": ...}")
        kind = item["type"]
        if kind not in spec["types"]:
            _bad("media[%d].type" % index, kind, "%s takes %s" % (model, ", ".join(spec["types"])))
        counts[kind] = counts.get(kind, 0) + 1
        check_one("media[%d].url" % index, item["url"], vm.MEDIA_KINDS[kind], entry)
    for kind, (low, high) in spec["types"].items():
        if not low <= counts.get(kind, 0) <= high:
            raise UsageError("media: %d item(s) of type %s; %s takes %d-%d"
                             % (counts.get(kind, 0), kind, model, low, high))
    if spec.get("sets") and frozenset(counts) not in {frozenset(s) for s in spec["sets"]}:
        raise UsageError("media types %s: %s takes only these combinations: %s" % (
            "+".join(sorted(counts)), model, "; ".join("+".join(s) for s in spec["sets"])))


def check_one(field, value, kind, entry):
    """One URL or path: scheme allowed, and a local file that exists with the right type and size."""
    if not isinstance(value, str) or not value.strip():
        _bad(field, value, "a URL (http(s)://, oss://) or a local file path")
    where = upload.media_kind(value)
    if where == "bad":
        _bad(field, value, "http(s)://, oss:// or a local path (other URL schemes are not read)")
    if where == "remote":
        if value.lower().startswith("data:") and kind != "image":
            _bad(field, value[:30] + "...", "a URL or local path; data: URIs work for images only")
        return
    extensions, max_mb = vm.limits(entry, kind)
    upload.check_local_file(os.path.expanduser(value), field, extensions, max_mb)
