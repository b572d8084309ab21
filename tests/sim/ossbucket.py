"""A path-style OSS bucket on loopback for the own-bucket upload path (PUT object, presigned GET)."""

import hashlib

from .server import Reply


def is_bucket_path(sim, path):
    first = path.lstrip("/").split("/", 1)[0]
    return first in sim.buckets


def handle(sim, method, path, query, headers, raw):
    bucket, _, key = path.lstrip("/").partition("/")
    store = sim.buckets[bucket]
    if method == "PUT":
        if not headers.get("Authorization", "").startswith("OSS4-HMAC-SHA256") and \
                not headers.get("Authorization", "").startswith("OSS "):
            return _error(403, "AccessDenied", "signature required")
        data = raw if isinstance(raw, bytes) else _drain(raw)
        store[key] = data
        return Reply(200, b"", {"ETag": '"%s"' % hashlib.md5(data).hexdigest()},
                     content_type="text/plain")
    if method in ("GET", "HEAD"):
        if key not in store:
            return _error(404, "NoSuchKey", "The specified key does not exist.")
        if not any(name.lower().startswith(("x-oss-signature", "signature")) for name in query):
            return _error(403, "AccessDenied", "anonymous access is forbidden")
        return Reply(200, store[key], content_type="application/octet-stream")
    return _error(405, "MethodNotAllowed", "method not allowed")


def _drain(spool):
    data = spool.read()
    spool.close()
    return data


def _error(status, code, message):
    body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code><Message>%s</Message>"
            "</Error>" % (code, message)).encode()
    return Reply(status, body, content_type="application/xml")

