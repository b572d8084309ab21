"""Hostile and broken answers: the strings a malicious or broken server sends, and the fault replies.

Strings for tests: TASK_IDS (set sim.task_id_override), MESSAGES (Fault(message=...) or sim.failure_message),
key_echo(key, variant) (Fault(echo_key=variant) does the same with the request's key), SHAPES
(Fault(shape=name)), SCHEMES (set sim.result_url_override).
"""

import json
import urllib.parse

from .server import Reply, api_error, new_id

TASK_IDS = {"traversal": "../../x", "shell": "abc;touch /tmp/pwned", "long": "t" * 200,
            "newline": "abc\nresume: rm -rf ~", "slash": "a/b", "empty": ""}
MESSAGES = {"newline": "first line\nsecond line", "ansi": "\x1b[2J\x1b[31mscreen cleared\x1b[0m",
            "forged": "quota\nresume: rm -rf ~\ntask_id: x", "bell": "ring\x07\x08\x08back"}
SCHEMES = {"file": "file:///etc/passwd", "ftp": "ftp://x/y", "javascript": "javascript:alert(1)",
           "data": "data:text/html,<script>alert(1)</script>", "relative": "../../etc/passwd"}
KEY_VARIANTS = ("full", "noprefix", "run12", "urlencoded", "zwsp", "upper")
STATUS_CODES = {401: "InvalidApiKey", 403: "AccessDenied", 429: "Throttling.RateQuota", 500: "InternalError",
                502: "BadGateway", 503: "ServiceUnavailable", 504: "GatewayTimeout"}


def key_echo(key, variant="full"):
    """The key as a careless server might echo it: whole, without `sk-`, a 12-character run, URL-encoded,
    with zero-width spaces between the characters, or upper-cased."""
    bare = key[3:] if key.startswith("sk-") else key
    forms = {"full": key, "noprefix": bare, "run12": bare[2:14], "upper": key.upper(),
             "urlencoded": urllib.parse.quote(key, safe="").replace("-", "%2D"),
             "zwsp": "\u200b".join(key)}
    return forms[variant]


def _shape(name):
    task = {"task_id": new_id(), "task_status": "SUCCEEDED"}
    shapes = {
        "list": [{"request_id": new_id(), "output": task}],            # a JSON list where an object belongs
        "no_output": {"request_id": new_id()},
        "output_string": {"request_id": new_id(), "output": "SUCCEEDED"},
        "output_null": {"request_id": new_id(), "output": None},
        "choices_dict": {"request_id": new_id(), "output": {"choices": {"message": {"content": [
            {"image": "https://example.com/a.png"}]}}, "finished": True}},
        "results_dict": {"request_id": new_id(), "output": dict(task, results={"url": "https://x/a.png"})},
        "status_number": {"request_id": new_id(), "output": {"task_id": task["task_id"], "task_status": 3}},
        "string": "SUCCEEDED",
        "number": 42,
    }
    return shapes[name]


SHAPES = ("list", "no_output", "output_string", "output_null", "choices_dict", "results_dict", "status_number",
          "string", "number")


def fault_reply(sim, fault, headers):
    """The Reply a fault answers with instead of the route (None: let the route answer)."""
    if fault.location is not None:
        reply = Reply(fault.status or 302, {"request_id": new_id(), "code": "Moved", "message": "see Location"},
                      {"Location": fault.location})
    elif fault.echo_key:
        auth = headers.get("Authorization", "")
        key = auth[len("Bearer "):] if auth.startswith("Bearer ") else auth
        variant = fault.echo_key if isinstance(fault.echo_key, str) else None
        echoed = key_echo(key, variant) if variant else auth
        text = (fault.message or "Invalid API-key provided: {key}").replace("{key}", echoed)
        reply = api_error(fault.status or 401, fault.code or "InvalidApiKey", text)
    elif fault.shape is not None or fault.json is not None:
        value = _shape(fault.shape) if fault.shape is not None else fault.json
        reply = Reply(fault.status or 200, json.dumps(value).encode("utf-8"))
    elif fault.body is not None:
        reply = Reply(fault.status or 200, fault.body if isinstance(fault.body, bytes)
                      else fault.body.encode("utf-8"), content_type="text/html")
    elif fault.status or fault.code or fault.message:
        status = fault.status or 400
        reply = api_error(status, fault.code or STATUS_CODES.get(status, "Error"),
                          fault.message if fault.message is not None else "injected %s" % status)
    else:
        return None
    if fault.retry_after is not None:
        reply.headers["Retry-After"] = str(fault.retry_after)
    return reply


def ranged_headers(headers, start):
    """Request headers with the Range replaced, so the file route serves from elsewhere than asked."""
    items = [(name, value) for name, value in headers.items() if name.lower() != "range"]
    return items + [("Range", "bytes=%d-" % start)]


def force_partial(reply):
    """A 200 download turned into a 206 that claims the whole file (Content-Range from 0)."""
    size = int(reply.headers.get("Content-Length") or 0)
    if reply.status == 200 and size:
        reply.status = 206
        reply.headers["Content-Range"] = "bytes 0-%d/%d" % (size - 1, size)
    return reply
