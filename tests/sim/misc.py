"""The OpenAI-compatible chat probe (key check) and the published version.json."""

import uuid

from .server import Reply, api_error


def version(sim):
    return Reply(200, {"version": sim.version})


def compat(sim, method, path, headers, body):
    if path != "/compatible-mode/v1/chat/completions" or method != "POST":
        return api_error(404, "NotFound", "no such path")
    auth = headers.get("Authorization", "")
    if auth[len("Bearer "):] not in sim.keys:
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
