"""Temporary upload (getPolicy + the OSS form POST), oss:// checks and result-file downloads."""

import re
import tempfile
import time
import uuid

from .server import Reply, api_error

CHUNK = 1024 * 1024
ACCESS_KEY_ID = "LTAIsimulatorUploadKey"


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
    """Deterministic file content with a real signature for the file type."""
    magic = b"\x89PNG\r\n\x1a\n" if name.endswith(".png") else b"\x00\x00\x00\x18ftypmp42"
    return magic, size


def serve_file(sim, path, headers):
    name = path[len("/files/"):]
    magic, size = result_bytes(name, sim.result_bytes)
    if name.startswith("expired/"):
        return _oss_error(403, "AccessDenied", "Request has expired.")
    start = 0
    ranged = headers.get("Range", "")
    if ranged and sim.range_support:
        match = re.match(r"bytes=(\d+)-$", ranged)
        if match and int(match.group(1)) < size:
            start = int(match.group(1))
    reply = Reply(206 if start else 200, _chunks(magic, start, size),
                  {"Content-Length": str(size - start), "Accept-Ranges": "bytes"},
                  content_type="image/png" if name.endswith(".png") else "video/mp4")
    if start:
        reply.headers["Content-Range"] = "bytes %d-%d/%d" % (start, size - 1, size)
    return reply


def _chunks(magic, start, size):
    block = (magic + bytes(range(256)) * 4096)[:CHUNK]
    position = start
    while position < size:
        offset = position % len(block)
        piece = block[offset:offset + min(CHUNK, size - position)]
        yield piece
        position += len(piece)
