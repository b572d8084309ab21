"""Host roles of one Sim: the standard (shared) host, a workspace host and the Token Plan host.

- "standard" (default): every route. `refuse_plan_keys=True` makes it answer 401 InvalidApiKey to any
  sk-sp- key even when registered (unregistered keys get 401 anyway); `hide_new_models=True` answers 404
  ModelNotFound for Wan 3.0 and Qwen-Image 3.0 (the shared host not serving them is UNCONFIRMED, addendum A1.2).
- "workspace": like the standard host (new models always served); with `no_upload_policy=True` getPolicy
  answers 404 so a client falls back to the shared host (addendum A4.3, UNCONFIRMED).
- "token_plan": only registered sk-sp- keys (not those in `coding_plan_keys`, which get 401 like a Coding
  Plan key); only sync multimodal-generation, video-synthesis and GET /api/v1/tasks/{id} (addendum A3.2);
  a model outside `plan_models` -> 404 model_not_found; getPolicy -> 403 and oss:// in a create -> 400
  (both UNCONFIRMED, A3.4); other service paths -> 400 "url error" (A3.2).
"""

from .server import api_error

STANDARD, WORKSPACE, TOKEN_PLAN = "standard", "workspace", "token_plan"
ROLES = (STANDARD, WORKSPACE, TOKEN_PLAN)
PLAN_PREFIX = "sk-sp-"
# Addendum A3.3, the union of the official plan pages.
PLAN_MODELS = ("qwen-image-3.0-pro", "qwen-image-2.0-pro", "qwen-image-2.0", "wan2.7-image", "wan2.7-image-pro",
               "happyhorse-1.1-t2v", "happyhorse-1.1-i2v", "happyhorse-1.1-r2v", "wan3.0-video")
NEW_MODELS = frozenset(("wan3.0-video", "wan3.0-video-prime", "qwen-image-3.0", "qwen-image-3.0-pro"))
PLAN_ROUTES = ("/api/v1/services/aigc/multimodal-generation/generation",
               "/api/v1/services/aigc/video-generation/video-synthesis")
INVALID_KEY = "Invalid API-key provided."


def key_refusal(sim, auth):
    """The 401 answer for an Authorization header this host refuses, else None."""
    if not auth.startswith("Bearer "):
        return api_error(401, "InvalidApiKey", "No API-key provided.")
    key = auth[len("Bearer "):]
    if sim.role == TOKEN_PLAN:
        good = key.startswith(PLAN_PREFIX) and key in sim.keys and key not in sim.coding_plan_keys
    else:
        good = key in sim.keys and not (key.startswith(PLAN_PREFIX) and sim.refuse_plan_keys)
    return None if good else api_error(401, "InvalidApiKey", INVALID_KEY)


def policy_refusal(sim):
    """getPolicy refused on this host, else None."""
    if sim.role == TOKEN_PLAN:
        return api_error(403, "AccessDenied", "Temporary file upload is not available for this API key.")
    if sim.no_upload_policy:
        return api_error(404, "NotFound", "the requested url /api/v1/uploads is not found")
    return None


def tasks_refusal(sim, method, path):
    """The plan host serves only GET /api/v1/tasks/{id} (list and cancel there are UNCONFIRMED)."""
    parts = path.rstrip("/").split("/")
    if sim.role == TOKEN_PLAN and (method != "GET" or len(parts) != 5):
        return api_error(404, "NotFound", "the requested url %s is not found" % path)
    return None


def route_refusal(sim, path):
    if sim.role == TOKEN_PLAN and path not in PLAN_ROUTES:
        return api_error(400, "InvalidParameter", "url error, please check url!")
    return None


def model_refusal(sim, body, refs):
    """A model this host does not serve, or oss:// refs on the plan host; else None."""
    model = body.get("model")
    if sim.role == TOKEN_PLAN:
        if refs:
            return api_error(400, "InvalidParameter", "oss:// URLs are not supported with this API key.")
        if model not in sim.plan_models:
            return api_error(404, "model_not_found", "Model not exist.")
    elif sim.role == STANDARD and sim.hide_new_models and model in NEW_MODELS:
        return api_error(404, "ModelNotFound", "Model not exist.")
    return None
