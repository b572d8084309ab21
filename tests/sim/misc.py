"""The OpenAI-compatible chat probe (key check), the published version.json (set sim.version per
test), a version server that never answers, and a URL where nothing listens."""

import uuid

from .server import Reply, api_error


def version(sim):
    return Reply(200, {"version": sim.version})


def compat(sim, method, path, headers, body):
    if path != "/compatible-mode/v1/chat/completions" or method != "POST":
        return api_error(404, "NotFound", "no such path")
    from .hosts import key_refusal

    if key_refusal(sim, headers.get("Authorization", "")):
        return Reply(401, {"error": {"message": "Incorrect API key provided.", "type":
                                     "invalid_request_error", "param": None, "code": "invalid_api_key"},
                           "request_id": str(uuid.uuid4())})
    if not isinstance(body, dict) or not body.get("messages"):
        return Reply(400, {"error": {"message": "messages is required", "type": "invalid_request_error",
                                     "code": "invalid_parameter_error"}})
    return Reply(200, {"id": "chatcmpl-" + uuid.uuid4().hex[:8], "object": "chat.completion",
                       "model": body.get("model"), "choices": [{"index": 0, "finish_reason": "stop",
                       "message": {"role": "assistant", "content": "Hi"}}],
                       "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})


class SilentServer:
    """A version server that accepts connections and never answers (the kernel completes the
    handshake from the listen backlog; nothing is ever read or sent)."""

    def __init__(self):
        import socket

        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(128)

    @property
    def base_url(self):
        return "http://127.0.0.1:%d" % self._sock.getsockname()[1]

    def close(self):
        self._sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def unreachable_url(path="/version.json"):
    """A loopback URL where nothing listens (connection refused): the network is down."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return "http://127.0.0.1:%d%s" % (port, path)
