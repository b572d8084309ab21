"""The simulator's HTTP core: routing, auth, request log, fault injection, file streaming."""

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
    """One injected failure, matched by method and path prefix, used `times` times."""

    def __init__(self, path, method=None, status=None, times=1, retry_after=None, delay=None,
                 body=None, drop=False, echo_key=False, drop_after=None, after_route=False):
        self.path, self.method, self.status, self.times = path, method, status, times
        self.retry_after, self.delay, self.body = retry_after, delay, body
        self.drop, self.echo_key, self.drop_after = drop, echo_key, drop_after
        # after_route: the request is served (a task is created) and only then is the answer replaced
        # by the fault (a gateway 5xx or garbage after the backend took the request) or dropped.
        self.after_route = after_route

    def matches(self, method, path):
        return self.times != 0 and path.startswith(self.path) and self.method in (None, method)


class Sim:
    """Start with Sim().start(); point QWEN_BASE_URL at .base_url; read .requests afterwards."""

    def __init__(self, key="sk-test0000000000000000000000000000", task_seconds=0.4,
                 pending_seconds=0.1, result_bytes=4096, version="0.1.0"):
        self.keys = {key}
        self.key = key
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

    def result_url(self, name):
        if self.expire_results:
            name = "expired/" + name
        return "%s/files/%s?Expires=%d&OSSAccessKeyId=LTAIsimulator&Signature=sim%%2Bsig" % (
            self.base_url, name, int(time.time()) + 86400)

    # -- tasks
    def create_task(self, model, body, result):
        seconds, outcome = (self.task_plan(body) if self.task_plan
                            else (self.task_seconds, self.outcome))
        task_id = new_id()
        with self.lock:
            self.tasks[task_id] = {"id": task_id, "model": model, "created": time.time(),
                                   "seconds": seconds, "outcome": outcome, "result": result,
                                   "canceled": False}
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
        auth = headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return api_error(401, "InvalidApiKey", "No API-key provided.")
        if auth[len("Bearer "):] not in self.keys:
            return api_error(401, "InvalidApiKey", "Invalid API-key provided.")
        return None


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
        if fault and fault.after_route:
            from . import catalog

            catalog.route(sim, method, parts.path, query, self.headers, raw, entry)
        if fault and fault.drop:
            self._drop()
            return
        if fault and (fault.status or fault.body is not None or fault.echo_key):
            self._send(self._fault_reply(sim, fault))
            return
        from . import catalog  # the route modules import this one

        reply = catalog.route(sim, method, parts.path, query, self.headers, raw, entry)
        self._send(reply, drop_after=fault.drop_after if fault else None)

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

    def _fault_reply(self, sim, fault):
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
        if fault.echo_key:
            message = "Invalid API-key provided: %s" % self.headers.get("Authorization", "")
            reply = api_error(fault.status or 401, "InvalidApiKey", message)
        elif fault.body is not None:
            reply = Reply(fault.status or 200, fault.body if isinstance(fault.body, bytes)
                          else fault.body.encode("utf-8"), content_type="text/html")
        else:
            code = {401: "InvalidApiKey", 403: "AccessDenied", 429: "Throttling.RateQuota",
                    500: "InternalError", 502: "BadGateway", 503: "ServiceUnavailable",
                    504: "GatewayTimeout"}.get(fault.status, "Error")
            reply = api_error(fault.status, code, "injected %s" % fault.status)
        reply.headers.update(headers)
        return reply

    def _send(self, reply, drop_after=None):
        body = reply.body
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if isinstance(body, bytes):
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body if drop_after is None else body[:drop_after])
            else:
                self.end_headers()
                sent = 0
                for chunk in body:
                    if drop_after is not None and sent + len(chunk) > drop_after:
                        self.wfile.write(chunk[: drop_after - sent])
                        self.wfile.flush()
                        break
                    self.wfile.write(chunk)
                    sent += len(chunk)
            if drop_after is not None:
                self._drop()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _drop(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _maybe_json(raw):
    if not isinstance(raw, bytes) or not raw:
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except ValueError:
        return None

