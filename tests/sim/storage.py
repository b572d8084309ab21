"""Temporary upload (getPolicy + the OSS form POST), oss:// checks and result-file downloads."""

import functools
import re
import struct
import tempfile
import time
import uuid
import zlib

from .. import mediafiles
from .server import Reply, api_error

CHUNK = 1024 * 1024
ACCESS_KEY_ID = "LTAIsimulatorUploadKey"
SIZED_PNG = re.compile(r"_(\d{1,5})x(\d{1,5})\.png$")
DEFAULT_PNG = (256, 256)
MAX_PNG_PIXELS = 4096 * 4096
PAD_CHUNK = b"siMp"  # ancillary, private, safe-to-copy: every PNG decoder skips it
FILLER = bytes(range(256)) * (CHUNK // 256 + 1)


def get_policy(sim, query):
    if query.get("action") != "getPolicy" or not query.get("model"):
        return api_error(400, "InvalidParameter", "action=getPolicy and model are required")
    upload_dir = "dashscope-instant/%s/%s/%s" % (uuid.uuid4().hex[:16], time.strftime("%Y-%m-%d"),
                                                 uuid.uuid4())
    with sim.lock:
        sim.uploads.setdefault("_policies", {})[upload_dir] = query["model"]
    return Reply(200, {"request_id": str(uuid.uuid4()), "data": {
        "policy": "eyJzaW0iOiJwb2xpY3kifQ==", "signature": "c2ltLXNpZw==", "upload_dir": upload_dir,
        "upload_host": sim.base_url + "/oss", "expire_in_seconds": 300, "max_file_size_mb": 1024,
        "capacity_limit_mb": 999999999, "oss_access_key_id": ACCESS_KEY_ID,
        "x_oss_object_acl": "private", "x_oss_forbid_overwrite": "true"}})


def spool_upload(stream, length, headers):
    """Large upload bodies go to a temporary file, read in chunks (bounded memory)."""
    spool = tempfile.TemporaryFile()
    left = length
    while left:
        chunk = stream.read(min(CHUNK, left))
        if not chunk:
            break
        spool.write(chunk)
        left -= len(chunk)
    spool.seek(0)
    spool.total = length - left
    return spool


def oss_post(sim, headers, raw):
    """The OSS PostObject form: fields first, `file` last; XML errors like OSS."""
    if headers.get("Authorization"):
        return _oss_error(400, "InvalidArgument", "Authorization header is not allowed with a POST policy")
    match = re.search(r"boundary=([^;]+)", headers.get("Content-Type", ""))
    if not match:
        return _oss_error(400, "InvalidArgument", "multipart/form-data expected")
    boundary = ("--" + match.group(1).strip('"')).encode()
    head, size = _split_form(raw, boundary)
    if head is None:
        return _oss_error(400, "MalformedPOSTRequest", "the body of your POST request is not well-formed")
    fields = dict(re.findall(rb'name="([^"]+)"\r\n\r\n(.*?)\r\n', head))
    fields = {k.decode(): v.decode() for k, v in fields.items()}
    required = ("OSSAccessKeyId", "Signature", "policy", "key")
    if any(not fields.get(name) for name in required):
        return _oss_error(400, "InvalidArgument", "missing form field")
    if fields["OSSAccessKeyId"] != ACCESS_KEY_ID:
        return _oss_error(403, "InvalidAccessKeyId", "The OSS Access Key Id you provided does not exist")
    key = fields["key"]
    policies = sim.uploads.get("_policies", {})
    upload_dir = key.rsplit("/", 1)[0]
    if upload_dir not in policies:
        return _oss_error(403, "AccessDenied", "Invalid according to Policy: Policy Condition failed")
    with sim.lock:
        if key in sim.uploads:
            return _oss_error(409, "FileAlreadyExists", "The object you specified already exists")
        sim.uploads[key] = {"size": size, "model": policies[upload_dir]}
    status = int(fields.get("success_action_status") or 204)
    return Reply(status if status in (200, 201, 204) else 204, b"", content_type="text/plain")


def _split_form(raw, boundary):
    """(bytes before the file's content, file size) without reading the file into memory."""
    if isinstance(raw, (bytes, bytearray)):
        data, total = bytes(raw), len(raw)
        probe = data[:65536]
    else:
        total = raw.total
        probe = raw.read(65536)
        raw.seek(max(0, total - 256))
        tail_bytes = raw.read()
        raw.close()
    marker = probe.find(b'name="file"')
    if marker < 0:
        return None, 0
    start = probe.find(b"\r\n\r\n", marker)
    if start < 0:
        return None, 0
    start += 4
    tail = data[-256:] if isinstance(raw, (bytes, bytearray)) else tail_bytes
    end_marker = tail.rfind(b"\r\n" + boundary + b"--")
    if end_marker < 0:
        return None, 0
    end = total - len(tail) + end_marker
    if probe[start:].find(boundary) >= 0 and probe[start:].find(boundary) < end - start:
        return None, 0  # another field follows the file: OSS wants the file last
    return probe[:start], end - start


def _oss_error(status, code, message):
    body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code><Message>%s</Message>"
            "<RequestId>sim</RequestId></Error>" % (code, message)).encode()
    return Reply(status, body, content_type="application/xml")


def oss_refs(value):
    if isinstance(value, str):
        return [value] if value.startswith("oss://") else []
    if isinstance(value, list):
        return [ref for item in value for ref in oss_refs(item)]
    if isinstance(value, dict):
        return [ref for item in value.values() for ref in oss_refs(item)]
    return []


def check_oss_refs(sim, body, headers):
    refs = oss_refs(body)
    if not refs:
        return None
    if headers.get("X-DashScope-OssResourceResolve", "").lower() != "enable":
        return api_error(400, "InvalidParameter", "The provided URL does not appear to be valid. "
                         "Ensure it is correctly formatted.")
    for ref in refs:
        entry = sim.uploads.get(ref[len("oss://"):])
        if not entry:
            return api_error(400, "InvalidParameter", "The provided URL %s does not exist" % ref)
        if entry["model"] != body.get("model"):
            return api_error(400, "InvalidParameter", "The file %s was uploaded for another model" % ref)
    return None


def result_bytes(name, size):
    """(layout, total) of the result file NAME: a real PNG (`..._<W>x<H>.png`, else 256x256) or a playable
    H.264 MP4, padded up to SIZE bytes so resume tests keep their sizes; a bigger real file keeps its size."""
    if name.endswith(".png"):
        match = SIZED_PNG.search(name)
        width, height = (int(match.group(1)), int(match.group(2))) if match else DEFAULT_PNG
        if not 0 < width * height <= MAX_PNG_PIXELS:
            width, height = DEFAULT_PNG
        return _padded("png", width, height, size)
    return _padded("mp4", 0, 0, size)


@functools.lru_cache(maxsize=64)
def _padded(kind, width, height, size):
    """(head, filler length, tail): PNG pads with a private ancillary chunk before IEND, MP4 with a 'free'
    box; decoders skip both (PNG spec 5.4 chunk naming, ISO/IEC 14496-12 free space box)."""
    real = mediafiles.png_bytes(width, height) if kind == "png" else mediafiles.mp4_bytes()
    gap = size - len(real)
    if gap <= 0:
        return (real, 0, b""), len(real)
    if kind == "png" and gap >= 12:
        crc = zlib.crc32(PAD_CHUNK)
        for offset in range(0, gap - 12, CHUNK):
            crc = zlib.crc32(_filler(offset, min(CHUNK, gap - 12 - offset)), crc)
        head = real[:-12] + struct.pack(">I", gap - 12) + PAD_CHUNK
        return (head, gap - 12, struct.pack(">I", crc & 0xFFFFFFFF) + real[-12:]), size
    if kind == "mp4" and gap >= 8:
        box = struct.pack(">I4s", gap, b"free") if gap < 1 << 32 else struct.pack(">I4sQ", 1, b"free", gap)
        return (real + box, gap - len(box), b""), size
    return (real, gap, b""), size  # fewer bytes than a chunk or box header: trailing bytes readers ignore


def serve_file(sim, path, headers):
    name = path[len("/files/"):]
    layout, size = result_bytes(name, sim.result_bytes)
    if name.startswith("expired/"):
        return _oss_error(403, "AccessDenied", "Request has expired.")
    start = 0
    ranged = headers.get("Range", "")
    if ranged and sim.range_support:
        match = re.match(r"bytes=(\d+)-$", ranged)
        if match and int(match.group(1)) < size:
            start = int(match.group(1))
    reply = Reply(206 if start else 200, _chunks(layout, start, size),
                  {"Content-Length": str(size - start), "Accept-Ranges": "bytes"},
                  content_type="image/png" if name.endswith(".png") else "video/mp4")
    if start:
        reply.headers["Content-Range"] = "bytes %d-%d/%d" % (start, size - 1, size)
    return reply


def _filler(offset, length):
    return FILLER[offset % 256:offset % 256 + length]


def _chunks(layout, start, size):
    """Bytes [start, size) of LAYOUT (head, filler length, tail) in pieces of at most CHUNK bytes.
    A bare signature (the older call) stands for the default file of that type."""
    if isinstance(layout, bytes):
        layout = result_bytes("r.png" if layout.startswith(b"\x89PNG") else "r.mp4", size)[0]
    head, pad, tail = layout
    position = start
    while position < size:
        if position < len(head):
            piece = head[position:position + CHUNK]
        elif position < len(head) + pad:
            piece = _filler(position - len(head), min(CHUNK, len(head) + pad - position))
        else:
            piece = tail[position - len(head) - pad:][:CHUNK]
        if not piece:
            return
        piece = piece[:size - position]
        yield piece
        position += len(piece)
