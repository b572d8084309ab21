"""Reference images: URL kinds, data: URIs, and local files checked against a model's input limits
(format, pixels per side, aspect, MB) before anything is uploaded or paid."""

from __future__ import annotations

from qianwen_common.errors import UsageError

FORMAT_NAMES = {"jpg": "jpeg", "tif": "tiff"}


def kind(ref, label):
    """'local' or 'remote'; UsageError for other schemes and for data: URIs that are not images."""
    from qianwen_common.upload import media_kind  # loaded only when there are references

    if not isinstance(ref, str) or not ref.strip():
        raise UsageError("%s must be a URL or a local path, e.g. \"cat.png\"" % label)
    lowered = ref.strip().lower()
    if lowered.startswith("data:") and not lowered.startswith("data:image/"):
        # Image fields take data:image/{jpeg|png|bmp|webp};base64 only (fact sheet §2.4), never video/audio.
        raise UsageError("%s: a %s URI is not an image; image fields take data:image/...;base64,..., an "
                         "http(s)/oss:// URL or a local image path" % (label, ref.strip().split(";")[0][:40]))
    found = media_kind(ref)
    if found == "bad":
        raise UsageError("%s=%s: unsupported URL scheme; use http(s)://, oss://, data:image/... or a local path"
                         % (label, ref[:60]))
    return found


def check_exists(path, label):
    """A local file of a model not in the table: it must exist and be readable; no model limits."""
    from qianwen_common.upload import check_local_file

    check_local_file(path, label)


def check_local(path, label, model, limits, notes):
    """Raise UsageError when the file breaks limits; add a note when its content cannot be read locally."""
    from qianwen_common.upload import check_local_file

    check_local_file(path, label, limits.extensions, limits.mb)
    try:
        info = inspect(path)
    except OSError as exc:
        raise UsageError("%s=%s: cannot read (%s)" % (label, path, type(exc).__name__)) from None
    if info is None:
        notes.append("%s=%s: format and size not read locally; the API decides" % (label, path))
        return
    media, fmt, width, height, alpha = info
    if media not in (None, "image"):
        raise UsageError("%s=%s holds %s, not an image" % (label, path, media))
    if fmt not in limits.formats:
        raise UsageError("%s=%s: the file is not a %s image (it holds %s)"
                         % (label, path, "/".join(sorted(limits.formats)), fmt or "unknown data"))
    if not width or not height:
        notes.append("%s=%s: pixel size not read locally; the API decides" % (label, path))
        return
    if limits.side and not all(limits.side[0] <= s <= limits.side[1] for s in (width, height)):
        raise UsageError("%s=%s is %dx%d pixels; each side must be %d to %d for %s"
                         % (label, path, width, height, limits.side[0], limits.side[1], model))
    if limits.aspect and max(width / height, height / width) > limits.aspect:
        raise UsageError("%s=%s is %dx%d pixels; %s takes an aspect ratio from 1:%g to %g:1"
                         % (label, path, width, height, model, limits.aspect, limits.aspect))
    if alpha and not limits.alpha:
        notes.append("%s=%s has an alpha channel; the %s docs list PNG without alpha: the API may refuse it "
                      "(save it without transparency, or as JPEG)" % (label, path, model))


def inspect(path):
    """(kind, format, width, height, alpha) of a local file, or None when its bytes are not understood."""
    from qianwen_common.media import inspect as media_inspect  # header reader, loaded only for local files

    info = media_inspect(path)
    if info is None:
        return None
    fmt = str(info.format or "").lower()
    return info.kind, FORMAT_NAMES.get(fmt, fmt), info.width, info.height, info.alpha


def raw_slots(body):
    """(where, value) of every image reference in a raw API body: message image items and input.images."""
    found = []
    data = body.get("input") if isinstance(body.get("input"), dict) else {}
    messages = data.get("messages")
    if isinstance(messages, list):
        for m, message in enumerate(messages):
            content = message.get("content") if isinstance(message, dict) else None
            for c, item in enumerate(content if isinstance(content, list) else ()):
                if isinstance(item, dict) and isinstance(item.get("image"), str):
                    found.append((("input", "messages", m, "content", c, "image"), item["image"]))
    if isinstance(data.get("images"), list):
        found += [(("input", "images", i), ref) for i, ref in enumerate(data["images"]) if isinstance(ref, str)]
    return found
