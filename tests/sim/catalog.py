"""Route table of the simulator: which path serves which models, and the shared checks."""

from . import hosts, images, misc, ossbucket, storage, tasks, videos
from .server import Reply, api_error

ASYNC_ONLY = {
    "/api/v1/services/aigc/image-generation/generation": images.image_generation,
    "/api/v1/services/aigc/text2image/image-synthesis": images.text2image,
    "/api/v1/services/aigc/image2image/image-synthesis": images.image2image,
    "/api/v1/services/aigc/video-generation/video-synthesis": videos.video_synthesis,
    "/api/v1/services/aigc/image2video/video-synthesis": videos.kf2v_synthesis,
}
SYNC_ONLY = {
    "/api/v1/services/aigc/multimodal-generation/generation": images.multimodal_generation,
}


def route(sim, method, path, query, headers, raw, entry):
    """Answer one request the way DashScope would."""
    if ossbucket.is_bucket_path(sim, path):
        return ossbucket.handle(sim, method, path, query, headers, raw)
    if path.startswith("/files/"):
        return storage.serve_file(sim, path, headers)
    if path == "/oss" or path.startswith("/oss/"):
        return storage.oss_post(sim, headers, raw)
    if path == "/version.json":
        return misc.version(sim)
    if path.startswith("/compatible-mode/v1/"):
        return misc.compat(sim, method, path, headers, entry.get("json"))
    if not path.startswith("/api/v1/"):
        return api_error(404, "NotFound", "no such path")
    refused = sim.check_key(headers)
    if refused:
        return refused
    if path == "/api/v1/uploads" and method == "GET":
        return hosts.policy_refusal(sim) or storage.get_policy(sim, query)
    if path.startswith("/api/v1/tasks"):
        return hosts.tasks_refusal(sim, method, path) or tasks.tasks_route(sim, method, path, query)
    handler = ASYNC_ONLY.get(path) or SYNC_ONLY.get(path)
    if handler is None or method != "POST":
        return api_error(404, "NotFound", "the requested url %s is not found" % path)
    refused = hosts.route_refusal(sim, path)
    if refused:
        return refused
    body = entry.get("json")
    if not isinstance(body, dict):
        return api_error(400, "InvalidParameter", "the request body is not valid JSON")
    is_async = headers.get("X-DashScope-Async", "").lower() == "enable"
    if path in ASYNC_ONLY and not is_async:
        return api_error(403, "AccessDenied", "current user api does not support synchronous calls")
    if path in SYNC_ONLY and is_async:
        # Simulator choice: the real answer to this mistake is not documented.
        return api_error(403, "AccessDenied", "current user api does not support asynchronous calls")
    if not isinstance(body.get("model"), str) or not body.get("model"):
        return api_error(400, "BadRequest.EmptyModel", "Required parameter(s) missing or invalid: model")
    problem = (hosts.model_refusal(sim, body, storage.oss_refs(body))
               or storage.check_oss_refs(sim, body, headers))
    if problem:
        return problem
    return handler(sim, body)


def submit_task(sim, model, body, result, failure=None):
    """Create the task; failure=(code, message) makes it end FAILED with that reason."""
    task_id = sim.create_task(model, body, result, failure=failure)
    return Reply(200, {"request_id": task_id[:8] + "-req",
                       "output": {"task_id": task_id, "task_status": "PENDING"}})
