"""Local media → a URL the API can read: temporary storage (oss://) or the user's own bucket."""

import os
import re
import uuid
from urllib.parse import quote

from . import http
from .errors import ApiError, NetworkError, UsageError
from .redact import register_secret

RESOLVE_HEADER = {"X-DashScope-OssResourceResolve": "enable"}
CHUNK = 1024 * 1024
INLINE_MAX_MB = 10  # data: URIs of images ("Upload a local file" page caps Base64 images at 10 MB; UNCONFIRMED)
PASS_THROUGH = ("http://", "https://", "oss://", "data:")
_said_lifetime = []
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]+:")


def media_kind(value):
    """'remote' for http(s)/oss/data values, 'local' for a path, 'bad' for other schemes."""
    lowered = value.strip().lower()
    if lowered.startswith(PASS_THROUGH):
        return "remote"
    if _SCHEME.match(lowered):  # a one-letter "scheme" is a Windows drive
        return "bad"
    return "local"


def check_local_file(path, field, extensions=None, max_mb=None):
    """Raise UsageError unless path is a readable file of an allowed type and size."""
    shown = "%s=%s" % (field, path)
    if not os.path.exists(path):
        raise UsageError("%s: file not found; give an existing path or an http(s)/oss:// URL" % shown)
    if os.path.isdir(path):
        raise UsageError("%s is a folder; give a file" % shown)
    if not os.access(path, os.R_OK):
        raise UsageError("%s: PermissionError, the file is not readable" % shown)
    ext = os.path.splitext(path)[1].lower().lstrip(".")
    if extensions and ext not in extensions:
        raise UsageError("%s: .%s files are not accepted here; use one of %s"
                         % (shown, ext or "(none)", ", ".join(sorted(extensions))))
    size = os.path.getsize(path)
    if size == 0:
        raise UsageError("%s: the file is empty" % shown)
    if max_mb and size > max_mb * 1024 * 1024:
        raise UsageError("%s: %.1f MB is over the %d MB limit for this field"
                         % (shown, size / 1048576.0, max_mb))


def place(config, slot, model, notify=None, inline_mb=INLINE_MAX_MB):
    """The URL that replaces a local file slot: inlined for plan keys, else uploaded."""
    path = os.path.expanduser(slot.local)
    if config.token_plan:
        # Token Plan keys cannot use the temporary upload (official QianWen and Model Studio CLIs):
        # images go inline as data: URIs; video and audio need a public URL.
        if slot.kind != "image":
            raise UsageError("%s: a local %s cannot be sent with a plan key (sk-sp-); give a public http(s) "
                             "URL instead" % (slot.local, slot.kind))
        return data_uri(path, slot.local, inline_mb)
    return upload(config, path, model, notify)


def data_uri(path, shown, max_mb=INLINE_MAX_MB):
    """data:image/...;base64,... of a local image (within the inline cap)."""
    import base64

    size = os.path.getsize(path)
    if size > max_mb * 1024 * 1024:
        raise UsageError("%s: %.1f MB is over the %d MB an inline image may have; give a public http(s) URL"
                         % (shown, size / 1048576.0, max_mb))
    ext = os.path.splitext(path)[1].lower().lstrip(".")
    mime = {"jpg": "jpeg", "jpeg": "jpeg", "png": "png", "bmp": "bmp", "webp": "webp", "gif": "gif",
            "tif": "tiff", "tiff": "tiff"}.get(ext, "png")
    with open(path, "rb") as handle:
        return "data:image/%s;base64,%s" % (mime, base64.b64encode(handle.read()).decode("ascii"))


def upload(config, path, model, notify=None):
    """Upload a local file for model; returns the URL to put in the request."""
    if config.oss is not None:
        from .own_bucket import upload_to_bucket  # imports the OSS SDK only on this path
        return upload_to_bucket(config.oss, path, notify)
    last_error = None
    for _attempt in range(3):
        policy = _get_policy(config, model, notify)
        try:
            url = _post_file(policy, path, config)
        except (NetworkError, ApiError) as exc:
            last_error = exc  # the key is forbidden to overwrite: fetch a fresh policy and retry
            if notify:
                notify("upload of %s failed (%s); retrying" % (os.path.basename(path), exc))
            continue
        if notify:
            lifetime = "" if _said_lifetime else " (temporary storage, valid 48 h)"
            _said_lifetime.append(True)
            notify("uploaded %s -> %s%s" % (os.path.basename(path), url, lifetime))
        return url
    raise last_error


def _get_policy(config, model, notify):
    """getPolicy on the host of the model call; a workspace host that refuses it (404/405) is followed
    by one try on the region's shared host (dashscope-api-addendum A4.3: UNCONFIRMED on workspace hosts)."""
    bases = [config.api_base] + ([config.upload_fallback + "/api/v1"] if config.upload_fallback else [])
    for index, base in enumerate(bases):
        url = "%s/uploads?action=getPolicy&model=%s" % (base, quote(model))
        try:
            answer = http.request_json("GET", url, api_key=config.api_key, notify=notify, config=config)
        except ApiError as exc:
            if exc.status in (404, 405) and index + 1 < len(bases):
                if notify:
                    notify("this host does not hand out upload policies (%s); asking the region's shared "
                           "host once" % exc)
                continue
            raise
        data = answer.get("data")
        if isinstance(data, dict) and data.get("upload_host") and data.get("upload_dir"):
            http.check_fetch_url(str(data["upload_host"]), "upload host")
            return data
        raise ApiError("upload policy answer has no data (request_id %s); temporary upload may not be offered "
                       "on this host" % answer.get("request_id"))


def _post_file(policy, path, config=None):
    name = _safe_name(os.path.basename(path))
    key = "%s/%s" % (policy["upload_dir"].rstrip("/"), name)
    fields = [
        ("OSSAccessKeyId", policy.get("oss_access_key_id", "")),
        ("Signature", policy.get("signature", "")),
        ("policy", policy.get("policy", "")),
        ("key", key),
        ("x-oss-object-acl", policy.get("x_oss_object_acl", "private")),
        ("x-oss-forbid-overwrite", policy.get("x_oss_forbid_overwrite", "true")),
        ("success_action_status", "200"),
    ]
    boundary = "----qianwen" + uuid.uuid4().hex
    head = b"".join(_form_field(boundary, name_, str(value)) for name_, value in fields)
    head += ('--%s\r\nContent-Disposition: form-data; name="file"; filename="%s"\r\n'
             "Content-Type: application/octet-stream\r\n\r\n" % (boundary, name)).encode("utf-8")
    tail = ("\r\n--%s--\r\n" % boundary).encode("utf-8")
    length = len(head) + os.path.getsize(path) + len(tail)
    headers = {"Content-Type": "multipart/form-data; boundary=" + boundary,
               "Content-Length": str(length)}
    response = http.send("POST", policy["upload_host"], _stream(head, path, tail), headers,
                         timeout=300, policy=http.ONCE, config=config)
    http.read_body(response)
    return "oss://" + key


def _form_field(boundary, name, value):
    return ('--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n'
            % (boundary, name, value)).encode("utf-8")


def _stream(head, path, tail):
    """The multipart body in chunks: the file is read from disk, never held whole."""
    yield head
    with open(path, "rb") as handle:
        while True:
            chunk = handle.read(CHUNK)
            if not chunk:
                break
            yield chunk
    yield tail


def _safe_name(name):
    """ASCII file names only: some models reject URLs with other characters."""
    stem, ext = os.path.splitext(name)
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in stem)
    return (safe.strip("_") or "file") + "_" + uuid.uuid4().hex[:8] + ext.lower()


def public_form(url):
    """A URL as it may be shown: an own-bucket presigned URL loses its query string."""
    return url.split("?", 1)[0]


def remember_presigned(url):
    """Register a presigned URL so every printed text shows it without the signature."""
    register_secret(url.split("?", 1)[1] if "?" in url else "")
