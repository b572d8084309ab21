"""JSON over urllib: bounded exchanges, retries that never pay twice, the key kept on the API host."""

from __future__ import annotations

import http.client
import json
import os
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from .errors import ApiError, DeadlineReached, NetworkError, SubmissionUnknown
from .redact import mask, one_line
from .version import VERSION

USER_AGENT = "qianwen-ai-skills/%s (+https://github.com/QianWen-AI/qianwen-ai)" % VERSION
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 60.0
RETRY_STATUSES = (429, 500, 502, 503, 504)
REDIRECTS = (301, 302, 303, 307, 308)
MAX_ATTEMPTS = 4
BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0
RETRY_AFTER_CAP = 60.0
MAX_JSON_BYTES = 16 * 1024 * 1024
# One exchange (connect, headers, JSON body) may take this many read timeouts in all, so a server
# trickling a byte at a time cannot hold a call for ever.
EXCHANGE_FACTOR = 2.0

# A retry policy says which failures may be sent again.
# "read": safe to repeat (GET, getPolicy, downloads). "create": billed; repeat only when the
# server provably did not take it (connection refused, 429). "once": a streamed body that
# cannot be replayed; the caller decides.
READ, CREATE, ONCE = "read", "create", "once"
_LOCAL = threading.local()


class _ConnectTimeout:
    """Connection mixin: a short connect timeout, then the read timeout; the socket is remembered
    so the caller can bound the whole exchange."""

    def connect(self):
        read_timeout = self.timeout
        self.timeout = min(CONNECT_TIMEOUT, read_timeout or CONNECT_TIMEOUT)
        try:
            super().connect()
        finally:
            self.timeout = read_timeout
        self.sock.settimeout(read_timeout)
        box = getattr(_LOCAL, "box", None)
        if box is not None:
            box["sock"] = self.sock


class _HTTPConnection(_ConnectTimeout, http.client.HTTPConnection):
    pass


class _HTTPSConnection(_ConnectTimeout, http.client.HTTPSConnection):
    pass


class _HTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_HTTPConnection, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, cafile=None, capath=None):
        super().__init__()
        self._ca = (cafile, capath)

    def https_open(self, req):
        if self._context is None:  # loading the CA store costs ~25 ms: only when https is used
            self._context = ssl.create_default_context(cafile=self._ca[0], capath=self._ca[1])
        return self.do_open(_HTTPSConnection, req, context=self._context)


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only for reads, only to http(s); the key goes along only to the same origin."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        target = urlsplit(newurl)
        if req.get_method() != "GET" or target.scheme not in ("http", "https"):
            return None  # urllib then raises HTTPError with the 3xx: reported, never followed
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and _origin(req.full_url) == _origin(newurl) and req.has_header("Authorization"):
            new.add_unredirected_header("Authorization", req.get_header("Authorization"))
        return new


class _Proxies(urllib.request.ProxyHandler):
    """Proxies from the settings (never os.environ); NO_PROXY from the settings too."""

    def __init__(self, proxies, no_proxy):
        super().__init__(proxies)
        self._no_proxy = no_proxy or ""

    def proxy_open(self, req, proxy, type):
        if req.host and urllib.request.proxy_bypass_environment(req.host, {"no": self._no_proxy}):
            return None
        return super().proxy_open(req, proxy, type)


_OPENERS = {}


def opener(config=None):
    """One opener per configuration: its proxies, CA settings and our connection classes."""
    key = (tuple(sorted(getattr(config, "proxies", {}).items())), getattr(config, "no_proxy", ""),
           getattr(config, "ca_file", None), getattr(config, "ca_dir", None))
    if key not in _OPENERS:
        handlers = [_Proxies(dict(key[0]), key[1]), _HTTPHandler(), _HTTPSHandler(key[2], key[3]), _Redirects()]
        _OPENERS[key] = urllib.request.build_opener(*handlers)
    return _OPENERS[key]


def describe_http_error(status, raw, reason=""):
    """One line from an error answer: HTTP status, the API's code, message and request id."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else (raw or "")
    code = message = request_id = None
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if isinstance(body, dict):
        inner = body.get("error") if isinstance(body.get("error"), dict) else body
        code, message = _text(inner.get("code")), _text(inner.get("message"))
        request_id = _text(body.get("request_id"))
    elif text.lstrip().startswith("<"):
        code = _xml_field(text, "Code")
        message = _xml_field(text, "Message")
    line = "HTTP %s" % status
    if code:
        line += " %s" % code
    line += " - %s" % (message or reason or text.strip()[:200] or "no message")
    if request_id:
        line += " (request_id %s)" % request_id
    return one_line(mask(line), 600), code, request_id


def _text(value):
    return value if isinstance(value, str) else (None if value is None else json.dumps(value)[:200])


def _xml_field(text, tag):
    start = text.find("<%s>" % tag)
    end = text.find("</%s>" % tag)
    return text[start + len(tag) + 2:end] if 0 <= start < end else None


def retry_delay(attempt, retry_after=None):
    """Seconds to wait before attempt+1: Retry-After when given, else backoff with jitter."""
    if retry_after is not None:
        try:
            return max(0.0, min(float(retry_after), RETRY_AFTER_CAP))
        except ValueError:
            pass
    delay = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** attempt))
    return delay * (0.75 + int.from_bytes(os.urandom(2), "big") / 65535.0 * 0.25)  # jitter; no random import


def check_fetch_url(url, what="result"):
    """Only http(s) URLs are fetched: a file://, ftp:// or other scheme from a server is refused."""
    scheme = urlsplit(url).scheme.lower() if isinstance(url, str) else ""
    if scheme not in ("http", "https"):
        raise ApiError("the %s URL uses %s; only http(s) URLs are fetched, so it was not read"
                       % (what, (scheme + "://") if scheme else "no scheme"))
    return url


def send(method, url, body=None, headers=None, api_key=None, timeout=READ_TIMEOUT, policy=READ,
         notify=None, config=None, deadline=None):
    """Send one request (with the retries policy allows) and return the open response.

    deadline: a time.monotonic() value no wait or retry may pass (DeadlineReached instead)."""
    check_fetch_url(url, "request")
    data = json.dumps(body, ensure_ascii=False).encode("utf-8") if isinstance(body, (dict, list)) else body
    all_headers = {"User-Agent": USER_AGENT}
    if isinstance(body, (dict, list)):
        all_headers["Content-Type"] = "application/json"
    all_headers.update(headers or {})
    timeout = getattr(config, "http_timeout", None) or timeout
    attempt = 0
    while True:
        read_timeout = _bounded(timeout, deadline)
        request = urllib.request.Request(url, data=data, headers=all_headers, method=method)
        if api_key:  # unredirected: never copied onto a redirect by urllib (see _Redirects)
            request.add_unredirected_header("Authorization", "Bearer " + api_key)
        try:
            return _open(config, request, read_timeout)
        except urllib.error.HTTPError as exc:
            raw = _read_quietly(exc)
            line, code, request_id = describe_http_error(exc.code, raw, exc.reason)
            if exc.code in REDIRECTS:
                line = "HTTP %s redirect to %s was not followed" % (exc.code, _origin(exc.headers.get("Location")))
                if policy == CREATE:
                    raise SubmissionUnknown(line + " (a paid request is never redirected); the request may "
                                            "have been accepted") from None
                raise ApiError(line, status=exc.code) from None
            if exc.code in RETRY_STATUSES and attempt + 1 < MAX_ATTEMPTS and (
                    policy == READ or (policy == CREATE and exc.code == 429)):
                _wait(attempt, exc.headers.get("Retry-After"), line, notify, deadline)
                attempt += 1
                continue
            if policy == CREATE and exc.code >= 500:
                raise SubmissionUnknown(line + "; the request may have been accepted") from None
            raise ApiError(line, status=exc.code, code=code, request_id=request_id) from None
        except urllib.error.URLError as exc:
            # urllib wraps only failures before the request was fully sent: safe to repeat.
            line = connection_error_line(url, exc.reason)
            if policy != ONCE and attempt + 1 < MAX_ATTEMPTS and not _is_certificate_error(exc.reason):
                _wait(attempt, None, line, notify, deadline)
                attempt += 1
                continue
            raise NetworkError(line) from None
        except (socket.timeout, TimeoutError, ConnectionError, http.client.HTTPException, OSError) as exc:
            # The request went out but the answer did not come back: a create may exist.
            line = "no answer from %s (%s)" % (_host(url), type(exc).__name__)
            if policy == READ and attempt + 1 < MAX_ATTEMPTS:
                _wait(attempt, None, line, notify, deadline)
                attempt += 1
                continue
            if policy == CREATE:
                raise SubmissionUnknown(line + "; the request may have been accepted") from None
            raise NetworkError(line) from None


def request_json(method, url, body=None, headers=None, api_key=None, timeout=READ_TIMEOUT,
                 policy=READ, notify=None, config=None, deadline=None):
    """Send a request and return its JSON object; errors become ApiError/NetworkError."""
    response = send(method, url, body, headers, api_key, timeout, policy, notify, config, deadline)
    try:
        raw = read_body(response)
    except (OSError, http.client.HTTPException, ValueError) as exc:
        err = SubmissionUnknown if policy == CREATE else NetworkError
        raise err("the answer from %s broke off (%s)" % (_host(url), type(exc).__name__)) from None
    try:
        answer = json.loads(raw.decode("utf-8"))
    except ValueError:
        snippet = one_line(mask(raw[:120].decode("utf-8", "replace")))
        err = SubmissionUnknown if policy == CREATE else ApiError
        raise err("HTTP %s - the answer from %s is not JSON: %s" % (response.status, _host(url), snippet)) from None
    if not isinstance(answer, dict):
        err = SubmissionUnknown if policy == CREATE else ApiError
        raise err("HTTP %s - the answer from %s is a JSON %s, not an object" % (
            response.status, _host(url), type(answer).__name__))
    if answer.get("code") and not answer.get("output"):
        line, code, request_id = describe_http_error(response.status, raw)
        raise ApiError(line, status=response.status, code=code, request_id=request_id)
    return answer


def read_body(response, limit=MAX_JSON_BYTES):
    """The whole (bounded) body of a JSON answer; the exchange watchdog ends a trickle."""
    with response:
        try:
            raw = response.read(limit + 1)
        finally:
            _unwatch(response)
    if len(raw) > limit:
        raise ValueError("answer larger than %d bytes" % limit)
    length = response.headers.get("Content-Length")
    if length and length.isdigit() and len(raw) < int(length):
        # the watchdog closed a trickling answer, or the server stopped early
        raise ConnectionError("%d of %s bytes before the connection closed" % (len(raw), length))
    return raw


def _open(config, request, read_timeout):
    """Open with a watchdog that closes the socket when the exchange runs past its bound."""
    box = {}
    timer = threading.Timer(read_timeout * EXCHANGE_FACTOR, _abort, (box,))
    timer.daemon = True
    _LOCAL.box = box
    timer.start()
    try:
        response = opener(config).open(request, timeout=read_timeout)
    except BaseException:
        timer.cancel()
        raise
    finally:
        _LOCAL.box = None
    response.qianwen_watchdog = timer
    return response


def _unwatch(response):
    timer = getattr(response, "qianwen_watchdog", None)
    if timer is not None:
        timer.cancel()


def stop_watch(response):
    """Downloads stream for longer than one exchange: they check progress themselves instead."""
    _unwatch(response)


def _abort(box):
    sock = box.get("sock")
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _bounded(timeout, deadline):
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise DeadlineReached("the --timeout deadline was reached")
    return max(0.5, min(timeout, left))


def connection_error_line(url, reason):
    """One line for a failure to connect, with the tokens agents match."""
    if _is_certificate_error(reason):
        return ("SSL: CERTIFICATE_VERIFY_FAILED reaching %s; install your system certificates "
                "(macOS: Install Certificates.command) or set SSL_CERT_FILE" % _host(url))
    return ("URLError: cannot reach %s (%s); check the network, or set HTTPS_PROXY behind a proxy"
            % (_host(url), one_line(mask(str(reason)), 200)))


def _is_certificate_error(reason):
    return isinstance(reason, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(reason)


def _origin(url):
    parts = urlsplit(url or "")
    try:
        port = parts.port
    except ValueError:
        port = None
    return "%s://%s%s" % (parts.scheme, parts.hostname or "", ":%d" % port if port else "")


def _host(url):
    return urlsplit(url).netloc.rpartition("@")[2] if "://" in url else url


def _read_quietly(exc):
    try:
        return exc.read(65536)
    except (OSError, http.client.HTTPException):
        return b""


def _wait(attempt, retry_after, line, notify, deadline):
    delay = retry_delay(attempt, retry_after)
    if deadline is not None and time.monotonic() + delay >= deadline:
        raise DeadlineReached("%s; the retry would pass the --timeout deadline" % line)
    if notify:
        notify("%s; retrying in %.1fs" % (line, delay))
    time.sleep(delay)
