"""Image routes: messages style (multimodal/image-generation) and prompt style (text2image, image2image)."""

import uuid

from . import qwenimage3
from .server import Reply, api_error

MESSAGES_SYNC = {"wan2.6-t2i", "wan2.6-image", "wan2.7-image", "wan2.7-image-pro", "qwen-image-2.0-pro",
                 "qwen-image-2.0", "qwen-image-edit-max", "qwen-image-edit-plus", "qwen-image-edit",
                 "qwen-image-max", "qwen-image-plus", "qwen-image"} | qwenimage3.MODELS
MESSAGES_ASYNC = {"wan2.6-t2i", "wan2.6-image", "wan2.7-image", "wan2.7-image-pro"} | qwenimage3.MODELS
TEXT2IMAGE = {"wan2.5-t2i-preview", "wan2.2-t2i-flash", "wan2.2-t2i-plus", "wan2.1-t2i-turbo",
              "wan2.1-t2i-plus", "qwen-image-plus", "qwen-image"}
IMAGE2IMAGE = {"wan2.5-i2i-preview"}
ALL_MODELS = MESSAGES_SYNC | TEXT2IMAGE | IMAGE2IMAGE
# Highest n each model takes, and how many input images (a wrong count is a 400, as on the real API).
N_MAX = {"wan2.6-t2i": 4, "wan2.6-image": 4, "wan2.7-image": 12, "wan2.7-image-pro": 12, "wan2.5-t2i-preview": 4,
         "wan2.2-t2i-flash": 4, "wan2.2-t2i-plus": 4, "wan2.5-i2i-preview": 4, "qwen-image-2.0-pro": 6,
         "qwen-image-2.0": 6, "qwen-image-edit-max": 6, "qwen-image-edit-plus": 6, "qwen-image-3.0": 6,
         "qwen-image-3.0-pro": 6}
IMAGES = {"wan2.6-t2i": (0, 0), "wan2.6-image": (1, 4), "wan2.7-image": (0, 9), "wan2.7-image-pro": (0, 9),
          "qwen-image-2.0-pro": (0, 3), "qwen-image-2.0": (0, 3), "qwen-image-edit-max": (1, 3),
          "qwen-image-edit-plus": (1, 3), "qwen-image-edit": (1, 3), "qwen-image-max": (0, 0),
          "qwen-image-plus": (0, 0), "qwen-image": (0, 0), "qwen-image-3.0": (0, 3),
          "qwen-image-3.0-pro": (0, 3)}
# The size a result has when none is sent (fact sheet §2.4; "model decides" models: a likely value), and
# what the named tiers stand for; result files are named <i>_<W>x<H>.png so the file server can draw them.
DEFAULT_SIZE = {"wan2.6-t2i": "1280*1280", "wan2.6-image": "1280*1280", "wan2.7-image": "2048*2048",
                "wan2.7-image-pro": "2048*2048", "wan2.5-t2i-preview": "1280*1280", "wan2.5-i2i-preview": "1280*1280",
                "qwen-image-max": "1328*1328", "qwen-image-plus": "1328*1328", "qwen-image": "1328*1328",
                "qwen-image-2.0-pro": "2048*2048", "qwen-image-2.0": "2048*2048",
                "qwen-image-3.0": qwenimage3.DEFAULT_SIZE, "qwen-image-3.0-pro": qwenimage3.DEFAULT_SIZE}
TIERS = {"wan2.6-image": {"1K": "1280*1280", "2K": "2048*2048"},
         "wan2.7-image": {"1K": "1024*1024", "2K": "2048*2048"},
         "wan2.7-image-pro": {"1K": "1024*1024", "2K": "2048*2048", "4K": "4096*4096"}}
# W*H rules checked here: (least pixels, most pixels, widest aspect). wan2.6-image: the correction at the top
# of the fact sheet (768² to 1280²); its 1K/2K tiers are kept because the sheet is unsure about them.
SIZE_RULES = {"wan2.6-image": (768 * 768, 1280 * 1280, 4.0)}
# Parameters a model refuses (fact sheet corrections: plain qwen-image-edit takes no size or prompt_extend).
REFUSED_PARAMS = {"qwen-image-edit": ("size", "prompt_extend")}
API_DEFAULT_N = {"wan2.6-t2i": 4, "wan2.6-image": 4, "wan2.5-t2i-preview": 4, "wan2.2-t2i-flash": 4,
                 "wan2.2-t2i-plus": 4, "wan2.5-i2i-preview": 4}


def _wrong_route(model):
    if model not in ALL_MODELS:
        return api_error(404, "ModelNotFound", "Model not exist.")
    return api_error(400, "InvalidParameter", "Model %s is not supported by this API url" % model)


def _messages(body):
    """(prompt, image list) of a messages body, or an error Reply."""
    messages = (body.get("input") or {}).get("messages")
    if not isinstance(messages, list) or len(messages) != 1 or messages[0].get("role") != "user":
        return api_error(400, "InvalidParameter", "input.messages must hold one user message")
    content = messages[0].get("content")
    if not isinstance(content, list):
        return api_error(400, "InvalidParameter", "message content must be a list")
    texts = [item["text"] for item in content if isinstance(item, dict) and "text" in item]
    images = [item["image"] for item in content if isinstance(item, dict) and "image" in item]
    if len(texts) != 1:
        return api_error(400, "InvalidParameter", "exactly one text item is required")
    return texts[0], images


def _count(sim, model, params):
    n = params.get("n", API_DEFAULT_N.get(model, 1))
    if params.get("enable_interleave"):
        if n != 1:
            return None
        return int(params.get("max_images", 5))
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= N_MAX.get(model, 1):
        return None
    return int(n)


def pixel_size(model, params):
    """(W, H) of the results: the size sent (a tier resolved), else the model's default."""
    size = params.get("size") or DEFAULT_SIZE.get(model, "1024*1024")
    size = TIERS.get(model, {}).get(size, size)
    return qwenimage3.parse_size(size) or qwenimage3.parse_size(DEFAULT_SIZE.get(model, "1024*1024"))


def result_urls(sim, model, params, count):
    width, height = pixel_size(model, params)
    folder = uuid.uuid4().hex[:12]
    return [sim.result_url("%s/%d_%dx%d.png" % (folder, i + 1, width, height)) for i in range(count)]


def _check_size(model, params):
    rule, size = SIZE_RULES.get(model), params.get("size")
    if rule is None or size is None or size in TIERS.get(model, {}):
        return None
    parsed = qwenimage3.parse_size(size)
    if parsed is None or not rule[0] <= parsed[0] * parsed[1] <= rule[1] or max(parsed) > rule[2] * min(parsed):
        return api_error(400, "InvalidParameter", "The size is not match the model.")
    return None


def _image_result(sim, model, params, count, interleave, images=()):
    urls = result_urls(sim, model, params, count)
    if interleave:
        content = []
        for i, url in enumerate(urls):
            content.append({"type": "text", "text": "Step %d." % (i + 1)})
            content.append({"type": "image", "image": url})
        choices = [{"finish_reason": "stop", "message": {"role": "assistant", "content": content}}]
    else:
        choices = [{"finish_reason": "stop", "message": {"role": "assistant", "content": [
            {"type": "image", "image": url}]}} for url in urls]
    if model in qwenimage3.MODELS:
        output = {"choices": choices, "finished": True, "rewrite_status": "not_use"}
        return output, qwenimage3.usage(*pixel_size(model, params), count, images)
    size = str(params.get("size") or "1280*1280")
    usage = {"image_count": count, "size": size}
    if model.startswith("qwen-image") and "*" in size:
        usage["width"], usage["height"] = (int(x) for x in size.split("*"))
    return {"choices": choices, "finished": True}, usage


def _check_messages_model(model, prompt, images, params, legacy=False):
    if model in qwenimage3.MODELS:
        return _check_images(model, images, 0, 3) or qwenimage3.check(params, images)
    for key in () if legacy else REFUSED_PARAMS.get(model, ()):
        if key in params:
            return api_error(400, "InvalidParameter", "parameters.%s is not supported by %s" % (key, model))
    problem = None if legacy else _check_size(model, params)
    if problem:
        return problem
    low, high = IMAGES.get(model, (0, 9))
    if params.get("enable_interleave"):
        if model != "wan2.6-image":
            return api_error(400, "InvalidParameter", "enable_interleave is not supported by %s" % model)
        low, high = 0, 1
    problem = _check_images(model, images, low, high)
    if problem:
        return problem
    if model == "wan2.6-image" and not images and not params.get("enable_interleave"):
        return api_error(400, "InvalidParameter", "wan2.6-image needs at least one input image")
    if model == "wan2.6-t2i" and images:
        return api_error(400, "InvalidParameter", "wan2.6-t2i takes no input image")
    if model in ("qwen-image-max", "qwen-image-plus", "qwen-image") and params.get("size") not in (
            None, "1664*928", "1472*1104", "1328*1328", "1104*1472", "928*1664"):
        return api_error(400, "InvalidParameter", "The size is not match the model.")
    if model.startswith("qwen-image-edit") and not images:
        return api_error(400, "InvalidParameter", "an input image is required")
    return None


def _check_images(model, images, low, high):
    if not low <= len(images) <= high:
        return api_error(400, "InvalidParameter", "%s takes %d to %d input images, got %d"
                         % (model, low, high, len(images)))
    return None


def multimodal_generation(sim, body):
    model = body["model"]
    if model not in MESSAGES_SYNC:
        return _wrong_route(model)
    parsed = _messages(body)
    if isinstance(parsed, Reply):
        return parsed
    params = body.get("parameters") or {}
    if params.get("enable_interleave"):
        return api_error(400, "InvalidParameter", "enable_interleave in sync mode needs streaming (SSE)")
    problem = _check_messages_model(model, parsed[0], parsed[1], params, sim.legacy_rules)
    if problem:
        return problem
    count = _count(sim, model, params)
    if count is None:
        return api_error(400, "InvalidParameter", "n is out of range for %s" % model)
    output, usage = _image_result(sim, model, params, count, False, parsed[1])
    return Reply(200, {"request_id": str(uuid.uuid4()), "output": output, "usage": usage})


def image_generation(sim, body):
    from .catalog import submit_task

    model = body["model"]
    if model not in MESSAGES_ASYNC:
        return _wrong_route(model)
    parsed = _messages(body)
    if isinstance(parsed, Reply):
        return parsed
    params = body.get("parameters") or {}
    problem = _check_messages_model(model, parsed[0], parsed[1], params, sim.legacy_rules)
    if problem:
        return problem
    count = _count(sim, model, params)
    if count is None:
        return api_error(400, "InvalidParameter", "n is out of range for %s" % model)
    output, usage = _image_result(sim, model, params, count, bool(params.get("enable_interleave")), parsed[1])
    return submit_task(sim, model, body, {"output": output, "usage": usage})


def _prompt_task(sim, body, models, needs_images):
    from .catalog import submit_task

    model = body["model"]
    if model not in models:
        return _wrong_route(model)
    data = body.get("input") or {}
    if "messages" in data or not isinstance(data.get("prompt"), str) or not data["prompt"]:
        return api_error(400, "InvalidParameter", "input.prompt is required")
    images = data.get("images")
    if needs_images and (not isinstance(images, list) or not 1 <= len(images) <= 3):
        return api_error(400, "InvalidParameter", "input.images must hold 1 to 3 images")
    if not needs_images and images is not None:
        return api_error(400, "InvalidParameter", "%s takes no input images" % model)
    params = body.get("parameters") or {}
    count = _count(sim, model, params)
    if count is None:
        return api_error(400, "InvalidParameter", "n is out of range for %s" % model)
    if model in ("qwen-image-plus", "qwen-image") and params.get("size") not in (
            None, "1664*928", "1472*1104", "1328*1328", "1104*1472", "928*1664"):
        return api_error(400, "InvalidParameter", "The size is not match the model.")
    results = [{"url": url, "orig_prompt": data["prompt"], "actual_prompt": data["prompt"]}
               for url in result_urls(sim, model, params, count)]
    output = {"results": results, "task_metrics": {"TOTAL": count, "SUCCEEDED": count, "FAILED": 0}}
    return submit_task(sim, model, body, {"output": output, "usage": {"image_count": count}})


def text2image(sim, body):
    return _prompt_task(sim, body, TEXT2IMAGE, False)


def image2image(sim, body):
    return _prompt_task(sim, body, IMAGE2IMAGE, True)
