"""JSON over urllib: timeouts, retries that never pay twice, one-line errors."""

import http.client
import json
import os
import random
import socket
import ssl
import time
import urllib.error
import urllib.request

from .errors import ApiError, NetworkError, SubmissionUnknown
from .redact import mask
from .version import VERSION

USER_AGENT = "qianwen-ai-skills/%s (+https://github.com/QianWen-AI/qianwen-ai)" % VERSION
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 60.0
RETRY_STATUSES = (429, 500, 502, 503, 504)
MAX_ATTEMPTS = 4
BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0
RETRY_AFTER_CAP = 60.0

# A retry policy says which failures may be sent again.
# "read": safe to repeat (GET, getPolicy, downloads). "create": billed; repeat only when the
# server provably did not take it (connection refused, 429). "once": a streamed body that
# cannot be replayed; the caller decides.
READ, CREATE, ONCE = "read", "create", "once"


class _ConnectTimeout:
    """Connection mixin: a short connect timeout, then the (longer) read timeout."""

    def connect(self):
        read_timeout = self.timeout
        self.timeout = min(CONNECT_TIMEOUT, read_timeout or CONNECT_TIMEOUT)
        try:
            super().connect()
        finally:
            self.timeout = read_timeout
        self.sock.settimeout(read_timeout)


class _HTTPConnection(_ConnectTimeout, http.client.HTTPConnection):
    pass


class _HTTPSConnection(_ConnectTimeout, http.client.HTTPSConnection):
    pass


class _HTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_HTTPConnection, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        if self._context is None:  # loading the CA store costs ~25 ms: only when https is used
            self._context = ssl.create_default_context()
        return self.do_open(_HTTPSConnection, req, context=self._context)


_OPENER = None


def opener():
    """One opener per process: proxies from the environment, our connection classes."""
    global _OPENER
    if _OPENER is None:
        _OPENER = urllib.request.build_opener(_HTTPHandler(), _HTTPSHandler())
    return _OPENER


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
        code, message = inner.get("code"), inner.get("message")
        request_id = body.get("request_id")
    elif text.lstrip().startswith("<"):
        code = _xml_field(text, "Code")
        message = _xml_field(text, "Message")
    line = "HTTP %s" % status
    if code:
        line += " %s" % code
    line += " - %s" % (message or reason or text.strip()[:200] or "no message")
    if request_id:
        line += " (request_id %s)" % request_id
    return mask(line), code, request_id


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
    return delay * (0.75 + random.random() * 0.25)


def send(method, url, body=None, headers=None, api_key=None, timeout=READ_TIMEOUT,
         policy=READ, notify=None):
    """Send one request (with retries allowed by policy) and return the open response."""
    data = json.dumps(body, ensure_ascii=False).encode("utf-8") if isinstance(body, (dict, list)) else body
    all_headers = {"User-Agent": USER_AGENT}
    if isinstance(body, (dict, list)):
        all_headers["Content-Type"] = "application/json"
    if api_key:
        all_headers["Authorization"] = "Bearer " + api_key
    all_headers.update(headers or {})
    timeout = _timeout_setting() or timeout
    attempt = 0
    while True:
        request = urllib.request.Request(url, data=data, headers=all_headers, method=method)
        try:
            return opener().open(request, timeout=timeout)
        except urllib.error.HTTPError as exc:
            raw = _read_quietly(exc)
            line, code, request_id = describe_http_error(exc.code, raw, exc.reason)
            if exc.code in RETRY_STATUSES and attempt + 1 < MAX_ATTEMPTS and (
                    policy == READ or (policy == CREATE and exc.code == 429)):
                _wait(attempt, exc.headers.get("Retry-After"), line, notify)
                attempt += 1
                continue
            if policy == CREATE and exc.code >= 500:
                raise SubmissionUnknown(line + "; the request may have been accepted") from None
            raise ApiError(line, status=exc.code, code=code, request_id=request_id) from None
        except urllib.error.URLError as exc:
            # urllib wraps only failures before the request was fully sent: safe to repeat.
            line = connection_error_line(url, exc.reason)
            if policy != ONCE and attempt + 1 < MAX_ATTEMPTS and not _is_certificate_error(exc.reason):
                _wait(attempt, None, line, notify)
                attempt += 1
                continue
            raise NetworkError(line) from None
        except (socket.timeout, TimeoutError, ConnectionError, http.client.HTTPException, OSError) as exc:
            # The request went out but the answer did not come back: a create may exist.
            line = "no answer from %s (%s)" % (_host(url), type(exc).__name__)
            if policy == READ and attempt + 1 < MAX_ATTEMPTS:
                _wait(attempt, None, line, notify)
                attempt += 1
                continue
            if policy == CREATE:
                raise SubmissionUnknown(line + "; the request may have been accepted") from None
            raise NetworkError(line) from None


def request_json(method, url, body=None, headers=None, api_key=None, timeout=READ_TIMEOUT,
                 policy=READ, notify=None):
    """Send a request and return its JSON body as a dict; errors become ApiError/NetworkError."""
    response = send(method, url, body, headers, api_key, timeout, policy, notify)
    with response:
        try:
            raw = response.read()
        except (OSError, http.client.HTTPException) as exc:
            err = SubmissionUnknown if policy == CREATE else NetworkError
            raise err("the answer from %s broke off (%s)" % (_host(url), type(exc).__name__)) from None
    try:
        answer = json.loads(raw.decode("utf-8"))
    except ValueError:
        snippet = mask(raw[:120].decode("utf-8", "replace")).replace("\n", " ")
        err = SubmissionUnknown if policy == CREATE else ApiError
        raise err("HTTP %s - the answer from %s is not JSON: %r"
                  % (response.status, _host(url), snippet)) from None
    if not isinstance(answer, dict):
        raise ApiError("HTTP %s - unexpected answer shape from %s" % (response.status, _host(url)))
    if answer.get("code") and not answer.get("output"):
        line, code, request_id = describe_http_error(response.status, raw)
        raise ApiError(line, status=response.status, code=code, request_id=request_id)
    return answer


def connection_error_line(url, reason):
    """One line for a failure to connect, with the tokens agents match."""
    if _is_certificate_error(reason):
        return ("SSL: CERTIFICATE_VERIFY_FAILED reaching %s; install your system certificates "
                "(macOS: Install Certificates.command) or set SSL_CERT_FILE" % _host(url))
    return ("URLError: cannot reach %s (%s); check the network, or set HTTPS_PROXY behind a proxy"
            % (_host(url), mask(str(reason))))


def _is_certificate_error(reason):
    return isinstance(reason, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(reason)


def _timeout_setting():
    """QWEN_HTTP_TIMEOUT (seconds) replaces every read timeout: for slow links, and for tests."""
    try:
        value = float(os.environ.get("QWEN_HTTP_TIMEOUT", "") or 0)
    except ValueError:
        return None
    return value if value > 0 else None


def _host(url):
    return url.split("/")[2] if "://" in url else url


def _read_quietly(exc):
    try:
        return exc.read()
    except (OSError, http.client.HTTPException):
        return b""


def _wait(attempt, retry_after, line, notify):
    delay = retry_delay(attempt, retry_after)
    if notify:
        notify("%s; retrying in %.1fs" % (line, delay))
    time.sleep(delay)
