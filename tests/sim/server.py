"""The simulator's HTTP core: routing, auth, request log, fault injection, file streaming.

Sim options (constructor keywords, also plain attributes): role ("standard", "workspace", "token_plan"),
plan_models, refuse_plan_keys, no_upload_policy, hide_new_models -- see hosts.py. Attributes only:
coding_plan_keys (sk-sp- keys the plan host answers 401), result_url_override (every new result URL; "{name}"
is replaced by the file name), task_id_override (every new task gets this id), failure_code and
failure_message (the code/message of FAILED tasks), legacy_rules (accept what the fact-sheet corrections
refuse). Fault keywords are listed on Fault.
"""

import json
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class Reply:
    """An answer: status, headers and a body (bytes, or an iterator of byte chunks)."""

    def __init__(self, status=200, body=b"", headers=None, content_type="application/json"):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode("utf-8")
        self.status, self.body = status, body
        self.headers = dict(headers or {})
        self.headers.setdefault("Content-Type", content_type)


def api_error(status, code, message, request_id=None):
    return Reply(status, {"request_id": request_id or new_id(), "code": code, "message": message})


def new_id():
    return str(uuid.uuid4())


STANDARD_KEY = "sk-test7c4e9a1f3b8d2065e7a9c4f1b3d8e2a6"
PLAN_KEY = "sk-sp-test5b2f8d4a9c1e7306b4d9a2f5c8e1b7d3"


class Headers(dict):
    """Request headers as logged: lookups ignore case, as HTTP does."""

    def __init__(self, items):
        super().__init__((name.lower(), value) for name, value in items)

    def __getitem__(self, name):
        return super().__getitem__(name.lower())

    def get(self, name, default=None):
        return super().get(name.lower(), default)

    def __contains__(self, name):
        return super().__contains__(name.lower())


class Fault:
    """One injected failure, matched by method and path prefix, used `times` times (-1: always).

    Answer instead of the route: status (+ code, message: a native error body), body (text/html), json (any
    JSON value), shape (a named wrong shape, hostile.SHAPES), location (a redirect, status default 302),
    echo_key (True: the whole Authorization header in the message; or a hostile.KEY_VARIANTS name).
    Change how the answer travels: delay (s before answering), retry_after (header), drop (close at once),
    drop_after (close after N body bytes), trickle (s between body bytes), no_length (no Content-Length, the
    body ends at close), chunked (chunked encoding; with drop_after no final chunk), range_start (a download
    served as if Range: bytes=N- was asked, always a 206). after_route: serve first (a task is created),
    then answer with the fault (a gateway 5xx or garbage after the backend took the request) or drop.
    """

    def __init__(self, path, method=None, status=None, times=1, retry_after=None, delay=None,
                 body=None, drop=False, echo_key=False, drop_after=None, after_route=False, location=None,
                 json=None, shape=None, code=None, message=None, trickle=None, no_length=False,
                 chunked=False, range_start=None):
        self.path, self.method, self.status, self.times = path, method, status, times
        self.retry_after, self.delay, self.body = retry_after, delay, body
        self.drop, self.echo_key, self.drop_after = drop, echo_key, drop_after
        self.after_route = after_route
        self.location, self.json, self.shape, self.code, self.message = location, json, shape, code, message
        self.trickle, self.no_length, self.chunked, self.range_start = trickle, no_length, chunked, range_start

    def matches(self, method, path):
        return self.times != 0 and path.startswith(self.path) and self.method in (None, method)


class Sim:
    """Start with Sim().start(); point QWEN_BASE_URL at .base_url; read .requests afterwards."""

    def __init__(self, key=None, task_seconds=0.4, pending_seconds=0.1, result_bytes=4096, version="0.1.0",
                 role="standard", plan_models=None, refuse_plan_keys=False, no_upload_policy=False,
                 hide_new_models=False):
        from . import hosts

        if role not in hosts.ROLES:
            raise ValueError("role must be one of %s" % ", ".join(hosts.ROLES))
        if key is None:
            key = PLAN_KEY if role == hosts.TOKEN_PLAN else STANDARD_KEY
        self.keys = {key}
        self.key = key
        self.role, self.plan_models = role, set(hosts.PLAN_MODELS if plan_models is None else plan_models)
        self.refuse_plan_keys, self.no_upload_policy = refuse_plan_keys, no_upload_policy
        self.hide_new_models = hide_new_models
        self.coding_plan_keys = set()
        self.result_url_override = None       # e.g. "file:///etc/passwd"; "{name}" becomes the file name
        self.task_id_override = None          # e.g. hostile.TASK_IDS["traversal"]
        self.failure_code = self.failure_message = None
        # True: accept what the fact-sheet corrections refuse (HappyHorse 480P and prompt_extend, plain
        # qwen-image-edit size/prompt_extend, wan2.6-image W*H outside 768²..1280²), for tests written before them.
        self.legacy_rules = False
        self.task_seconds, self.pending_seconds = task_seconds, pending_seconds
        self.result_bytes = result_bytes
        self.version = version
        self.outcome = "SUCCEEDED"            # or FAILED, CANCELED, UNKNOWN for new tasks
        self.task_plan = None                 # optional function(body) -> (seconds, outcome)
        self.range_support = True
        self.expire_results = False           # True: new result URLs point under /files/expired/ (403)
        self.requests, self.faults, self.tasks, self.uploads = [], [], {}, {}
        self.buckets = {}                     # own-bucket name -> {key: bytes}
        self.lock = threading.Lock()
        self._server = None

    # -- lifecycle
    def start(self, port=0):
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self._server.daemon_threads = True
        self._server.sim = self
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self):
        return "http://127.0.0.1:%d" % self._server.server_address[1]

    # -- test helpers
    def inject(self, path, **kwargs):
        fault = Fault(path, **kwargs)
        with self.lock:
            self.faults.append(fault)
        return fault

    def seen(self, method=None, path_prefix=""):
        with self.lock:
            return [r for r in self.requests
                    if (method is None or r["method"] == method) and r["path"].startswith(path_prefix)]

    def task_posts(self):
        return [r for r in self.seen("POST", "/api/v1/services/")]

    def auth_seen(self, path_prefix=""):
        """Requests under path_prefix that carried an Authorization header (e.g. after a redirect)."""
        return [r for r in self.seen(None, path_prefix) if "Authorization" in r["headers"]]

    def result_url(self, name):
        if self.result_url_override is not None:
            return self.result_url_override.replace("{name}", name)
        if self.expire_results:
            name = "expired/" + name
        return "%s/files/%s?Expires=%d&OSSAccessKeyId=LTAIsimulator&Signature=sim%%2Bsig" % (
            self.base_url, name, int(time.time()) + 86400)

    # -- tasks
    def create_task(self, model, body, result, failure=None):
        seconds, outcome = (self.task_plan(body) if self.task_plan
                            else (self.task_seconds, self.outcome))
        task_id = new_id() if self.task_id_override is None else self.task_id_override
        with self.lock:
            self.tasks[task_id] = {"id": task_id, "model": model, "created": time.time(),
                                   "seconds": seconds, "outcome": "FAILED" if failure else outcome,
                                   "result": result, "canceled": False, "failure": failure}
        return task_id

    def task_status(self, task):
        if task["canceled"]:
            return "CANCELED"
        age = time.time() - task["created"]
        if age < min(self.pending_seconds, task["seconds"]):
            return "PENDING"
        if age < task["seconds"]:
            return "RUNNING"
        return task["outcome"]

    def check_key(self, headers):
        from .hosts import key_refusal

        return key_refusal(self, headers.get("Authorization", ""))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_PUT(self):
        self._handle("PUT")

    def do_HEAD(self):
        self._handle("HEAD")

    def _handle(self, method):
        sim = self.server.sim
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        raw = self._read_body(parts.path)
        entry = {"method": method, "path": parts.path, "query": query, "headers": Headers(self.headers.items()),
                 "raw_size": getattr(raw, "total", None) or len(raw or b""), "time": time.time()}
        entry["json"] = _maybe_json(raw)
        with sim.lock:
            sim.requests.append(entry)
        fault = self._take_fault(sim, method, parts.path)
        if fault and fault.delay:
            time.sleep(fault.delay)
        routed = self._route(sim, method, parts.path, query, raw, entry, fault) if fault and fault.after_route \
            else None
        if fault and fault.drop:
            self._drop()
            return
        from . import hostile

        reply = hostile.fault_reply(sim, fault, self.headers) if fault else None
        if reply is None:
            reply = routed or self._route(sim, method, parts.path, query, raw, entry, fault)
        self._send(reply, fault)

    def _route(self, sim, method, path, query, raw, entry, fault):
        from . import catalog, hostile  # the route modules import this one

        if fault is None or fault.range_start is None:
            return catalog.route(sim, method, path, query, self.headers, raw, entry)
        headers = Headers(hostile.ranged_headers(self.headers, fault.range_start))
        return hostile.force_partial(catalog.route(sim, method, path, query, headers, raw, entry))

    def _read_body(self, path):
        length = int(self.headers.get("Content-Length") or 0)
        if length > 65536 and not path.startswith("/api/"):
            from .storage import spool_upload

            return spool_upload(self.rfile, length, self.headers)
        return self.rfile.read(length) if length else b""

    def _take_fault(self, sim, method, path):
        with sim.lock:
            for fault in sim.faults:
                if fault.matches(method, path):
                    fault.times -= 1
                    return fault
        return None

    def _send(self, reply, fault=None):
        drop_after = fault.drop_after if fault else None
        framed = bool(fault and fault.chunked)
        unsized = framed or bool(fault and fault.no_length)
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                if not (unsized and name.lower() == "content-length"):
                    self.send_header(name, value)
            if framed:
                self.send_header("Transfer-Encoding", "chunked")
            elif unsized:
                self.send_header("Connection", "close")
                self.close_connection = True
            elif isinstance(reply.body, bytes):
                self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            if self.command != "HEAD":
                self._write_body(reply.body, fault, framed)
            if drop_after is not None:
                self._drop()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _write_body(self, body, fault, framed):
        """Write the body, trickled, chunk-framed and cut short as the fault says."""
        drop_after, trickle = (fault.drop_after, fault.trickle) if fault else (None, None)
        pieces = [body] if isinstance(body, bytes) else body
        sent = 0
        for piece in _split(pieces, trickle):
            if drop_after is not None and sent + len(piece) > drop_after:
                piece = piece[:drop_after - sent]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if framed and piece else piece)
                self.wfile.flush()
                return
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if framed else piece)
            sent += len(piece)
            if trickle:
                self.wfile.flush()
                time.sleep(trickle)
        if framed:
            self.wfile.write(b"0\r\n\r\n")

    def _drop(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _split(pieces, trickle):
    """The body pieces, one byte at a time when trickling; empty pieces are skipped."""
    for piece in pieces:
        if not piece:
            continue
        if trickle:
            yield from (piece[i:i + 1] for i in range(len(piece)))
        else:
            yield piece


def _maybe_json(raw):
    if not isinstance(raw, bytes) or not raw:
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except ValueError:
        return None

