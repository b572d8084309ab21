"""Media checks: URL schemes, local files (type, MB, pixels, seconds, fps), media item counts and mixes.

Everything here runs before anything is uploaded or paid. Local files are read with
qianwen_common.media.inspect (headers only); a file it cannot read passes with a note.
"""

from __future__ import annotations

import os

import video_models as vm
from qianwen_common import upload
from qianwen_common.errors import UsageError
from video_checks import _bad, extension, json_text


def check_one(field, value, kind, entry, name=None):
    """One URL or path: scheme allowed, and a local file that exists with the right type and size."""
    if not isinstance(value, str) or not value.strip():
        _bad(field, value, "a URL (http(s)://, oss://) or a local file path")
    where = upload.media_kind(value)
    if where == "bad":
        _bad(field, value, "http(s)://, oss:// or a local path (other URL schemes are not read)")
    if kind == "link":
        if not value.lower().startswith(("http://", "https://")):
            _bad(field, value, "a public http(s) web page (no login)")
        return
    if where == "remote":
        if value.lower().startswith("data:") and kind != "image":
            _bad(field, value[:30] + "...", "a URL or local path; data: URIs work for images only")
        return
    rule = vm.slot(entry, name, kind)
    upload.check_local_file(os.path.expanduser(value), field, rule.ext if entry else None,
                            rule.mb if entry else None)


def kind_of(name, value):
    """What a field or media type holds; reference_urls items by their extension."""
    kind = vm.MEDIA_KINDS.get(name) or vm.FIELD_KINDS.get(name)
    if kind in ("image|video", vm.BY_EXTENSION, None):
        ext = extension(value) if isinstance(value, str) else ""
        return "video" if ext in vm.VIDEO_EXT else "audio" if ext in vm.AUDIO_EXT else "image"
    return kind


def check_items(media, model, entry):
    """Shape, types, counts and allowed mixes of input.media; returns the types in order."""
    if not isinstance(media, list) or not media:
        _bad("media", media, "a list of {\"type\": ..., \"url\": ...} items")
    counts = {}
    for index, item in enumerate(media):
        if not isinstance(item, dict) or not isinstance(item.get("type"), str) or "url" not in item:
            _bad("media[%d]" % index, item, "an object {\"type\": ..., \"url\": ...}")
        kind = item["type"]
        if kind not in entry.media:
            _bad("media[%d].type" % index, kind, "%s takes %s" % (model, ", ".join(entry.media)))
        counts[kind] = counts.get(kind, 0) + 1
        check_one("media[%d].url" % index, item["url"], vm.MEDIA_KINDS[kind], entry, kind)
    for kind, (low, high) in entry.media.items():
        if not low <= counts.get(kind, 0) <= high:
            raise UsageError("media: %d item(s) of type %s; %s takes %d-%d"
                             % (counts.get(kind, 0), kind, model, low, high))
    if entry.media_sets and frozenset(counts) not in {frozenset(s) for s in entry.media_sets}:
        raise UsageError("media types %s: %s takes only these combinations: %s" % (
            "+".join(sorted(counts)), model, "; ".join("+".join(s) for s in entry.media_sets)))
    _check_mix(counts, model, entry, len(media))
    return [item["type"] for item in media]


def _check_mix(counts, model, entry, total):
    """Wan 3.0 mixes (API reference, 素材组合): the API reports a bad mix only as a FAILED, paid-for task."""
    if entry.media_total and total > entry.media_total:
        raise UsageError("media: %d items; %s takes at most %d in all" % (total, model, entry.media_total))
    groups = [[t for t in group if t in counts] for group in entry.exclusive]
    groups = [group for group in groups if group]
    if len(groups) > 1:
        raise UsageError("media types %s and %s: %s never mixes frames with references, file or link; "
                         "send first_frame(+last_frame) alone, or references only"
                         % ("+".join(groups[0]), "+".join(groups[1]), model))
    if "last_frame" in counts and "first_frame" in entry.media and "first_frame" not in counts:
        raise UsageError("media: last_frame without first_frame; %s needs first_frame with it "
                         "(first_frame_url + last_frame_url)" % model)
    docs = [t for t in entry.doc_types if t in counts]
    if len(docs) > 1:
        raise UsageError("media types %s: %s takes one of them, not both" % ("+".join(docs), model))


def mix_mode(types):
    """The mode a Wan 3.0 media mix stands for (video_models.MIX_MODES)."""
    present = set(types)
    for needed, mode in vm.MIX_MODES:
        if present == set(needed):
            return mode
    return "r2v"


def require_extend(fields, model, entry, types, notes):
    """A file or link needs prompt_extend true: set it with a note, or refuse false."""
    docs = [t for t in entry.doc_types if t in types]
    if not docs:
        return
    if fields.get("prompt_extend") is False:
        raise UsageError("prompt_extend=false: %s needs \"prompt_extend\": true with a %s input; drop it "
                         "or set true" % (model, docs[0]))
    if "prompt_extend" not in fields:
        fields["prompt_extend"] = True
        notes.append("%s with a %s input needs prompt_extend true: sending \"prompt_extend\": true"
                     % (model, docs[0]))


def all_media(body):
    """(where, value, kind, name) of every value in the body's media fields and input.media items."""
    found = []
    for part in ("input", "parameters"):
        values = body.get(part)
        if not isinstance(values, dict):
            continue
        for key, value in values.items():
            if key == "media" and isinstance(value, list):
                for index, item in enumerate(value):
                    if isinstance(item, dict) and isinstance(item.get("url"), str):
                        kind = kind_of(item.get("type"), item["url"])
                        found.append(((part, "media", index, "url"), item["url"], kind, item.get("type")))
            elif key in vm.FIELD_KINDS:
                items = value if isinstance(value, list) else [value]
                for index, item in enumerate(items):
                    if isinstance(item, str):
                        where = (part, key, index) if isinstance(value, list) else (part, key)
                        found.append((where, item, kind_of(key, item), key))
    return found


def local_files(body):
    """The all_media() entries that are local paths (uploaded, or inlined for plan keys, by send())."""
    return [entry for entry in all_media(body) if _is_local(entry[1])]


def _is_local(value):
    return isinstance(value, str) and value.strip() != "" and upload.media_kind(value) == "local"


def label(where):
    """media[1].url / reference_urls[0] / img_url: how a slot is named in messages."""
    text = where[1]
    for step in where[2:]:
        text += "[%d]" % step if isinstance(step, int) else ".%s" % step
    return text


def plan_key_rule(files, model):
    """Plan keys cannot use the temporary upload: local images go inline, video and audio need a URL."""
    for where, path, kind, _name in files:
        if kind != "image":
            raise UsageError("%s=%s: plan keys cannot use the temporary upload; give a public http(s) URL "
                             "for %s files (local images are sent inline)" % (label(where), path, kind))


def inspect_all(paths, notes):
    """{path: MediaInfo or None}; a file that cannot be read gets a note and passes."""
    try:
        from qianwen_common import media
    except ImportError:  # an older vendored copy without the media helper
        media = None
    infos = {}
    for path in paths:
        if path in infos:
            continue
        info = None
        if media is not None:
            try:
                info = media.inspect(os.path.expanduser(path))
            except OSError:
                info = None
        infos[path] = info
        if info is None:
            notes.append("could not read %s's dimensions or length; the API decides" % path)
    return infos


def check_local(files, infos, model, entry):
    """Pixels per side, aspect ratio, seconds, fps and total seconds per media type (fact sheet limits)."""
    totals = {}
    for where, path, kind, name in files:
        info = infos.get(path)
        if info is None:
            continue
        shown = "%s=%s" % (label(where), path)
        rule = vm.slot(entry, name, kind)
        _check_pixels(shown, info, rule, model)
        _check_time(shown, info, rule, model, name)
        if info.seconds is not None:
            totals[name] = totals.get(name, 0.0) + info.seconds
    for name, most in entry.totals.items():
        if totals.get(name, 0) > most:
            raise UsageError("%s: local clips total %.1f s; %s takes at most %d s of %s in all"
                             % (name, totals[name], model, most, name))
    return totals


def _check_pixels(shown, info, rule, model):
    if info.width and info.height and rule.side:
        low, high = rule.side
        small, large = min(info.width, info.height), max(info.width, info.height)
        if small < low or (high and large > high):
            raise UsageError("%s: %dx%d px; %s takes %s per side" % (
                shown, info.width, info.height, model, "%d-%d px" % (low, high) if high else ">= %d px" % low))
    if info.width and info.height and rule.aspect:
        ratio = max(info.width, info.height) / float(min(info.width, info.height))
        if ratio > rule.aspect:
            raise UsageError("%s: aspect %dx%d is beyond 1:%s; %s takes up to 1:%s either way; crop it"
                             % (shown, info.width, info.height, _num(rule.aspect), model, _num(rule.aspect)))
    if info.alpha and not rule.alpha:
        raise UsageError("%s: the image has transparency (alpha); %s takes none; save it as JPEG or a PNG "
                         "without alpha" % (shown, model))


def _check_time(shown, info, rule, model, name):
    if info.seconds is not None and rule.seconds:
        low, high = rule.seconds
        if not low <= info.seconds <= high + 0.05:  # container rounding
            raise UsageError("%s: %.1f s; %s takes %s clips of %s-%s s; trim it"
                             % (shown, info.seconds, model, name, _num(low), _num(high)))
    if info.fps is not None and rule.fps and info.fps < rule.fps:
        raise UsageError("%s: %s fps; %s takes %s at %s fps or more; re-encode it"
                         % (shown, _num(info.fps), model, name, _num(rule.fps)))


def check_combined(fields, totals, model, entry):
    """Input video seconds + duration at most combined_max (Wan 3.0, when both are known)."""
    duration = fields.get("duration")
    if not entry.combined_max or not isinstance(duration, int) or duration <= 0:
        return
    seconds = sum(totals.get(name, 0.0) for name in entry.bill.inputs)
    if seconds + duration > entry.combined_max:
        raise UsageError("duration=%d: with %.1f s of input video %s makes at most %d s in all; give "
                         "duration %d or less, or -1 (the model picks)"
                         % (duration, seconds, model, entry.combined_max, int(entry.combined_max - seconds)))


def _num(value):
    return ("%d" % value) if float(value).is_integer() else ("%s" % round(value, 2))


def to_media(fields, short, order, entry):
    """Short-form media fields (first_frame_url, video_url, reference_videos, ...) become input.media.

    order: the media types in the order items are sent (the main item first; within a type the
    user's order, which the prompt's "Image 1 / Video 1" numbering follows)."""
    names = [key for key in fields if key in short]
    if not names:
        return
    if "media" in fields:
        raise UsageError("request field %s: give either media or the short fields, not both" % names[0])
    media = []
    for key in names:
        value = fields.pop(key)
        if key in vm.SHORT_LISTS and not isinstance(value, list):
            raise UsageError("request field %s=%s: must be a list of URLs or paths" % (key, json_text(value)))
        for index, item in enumerate(value if isinstance(value, list) else [value]):
            kind = short[key]
            if kind == vm.BY_EXTENSION:
                kind = "reference_" + kind_of(kind, item)
            shown = "%s[%d]" % (key, index) if isinstance(value, list) else key
            check_one(shown, item, vm.MEDIA_KINDS[kind], entry, kind)  # name the user's field
            media.append({"type": kind, "url": item})
    media.sort(key=lambda item: order.index(item["type"]) if item["type"] in order else len(order))
    fields["media"] = media
