"""Qwen-Image 3.0 (qwen-image-3.0, qwen-image-3.0-pro): parameters and usage, the same on the sync
multimodal-generation and the async image-generation route (addendum A2, "Qwen image generation and
editing 3.0 API reference")."""

from .server import api_error

MODELS = {"qwen-image-3.0", "qwen-image-3.0-pro"}
# is_async: the official SDK's ImageGeneration.async_call leaves its own switch in parameters (dashscope 2.0.2).
PARAMS = {"n", "size", "prompt_extend", "prompt_extend_mode", "enable_thinking", "negative_prompt", "seed",
          "watermark", "is_async"}
DEFAULT_SIZE = "2048*2048"  # size omitted: "由模型根据提示词自动推荐分辨率"; (3P) usually 2048²
AREA = (512 * 512, 2048 * 2048)
ASPECT = 8.0
TIER_2K_ABOVE = 2250000  # output_image_type qima_output_2k above this many pixels


def _bad(message):
    return api_error(400, "InvalidParameter", message)


def parse_size(text):
    """(W, H) of a "W*H" string, or None."""
    if not isinstance(text, str) or text.count("*") != 1:
        return None
    width, height = text.split("*")
    if not (width.isdigit() and height.isdigit()) or not int(width) or not int(height):
        return None
    return int(width), int(height)


def check(params, images):
    """An error Reply for parameters the API refuses, else None."""
    for key in params:
        if key not in PARAMS:
            return _bad("parameters.%s is not supported by this model" % key)
    n = params.get("n", 1)
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= 6:
        return _bad("n must be an integer from 1 to 6")
    if "size" in params:
        size = parse_size(params["size"])
        if size is None or not AREA[0] <= size[0] * size[1] <= AREA[1] \
                or max(size) > ASPECT * min(size):
            return _bad("The size is not match the model: W*H with 512*512 to 2048*2048 pixels, 1:8 to 8:1")
    mode = params.get("prompt_extend_mode", "direct")
    if mode not in ("direct", "agent"):
        return _bad("prompt_extend_mode must be direct or agent")
    if mode == "agent" and images:
        return _bad("prompt_extend_mode agent is not supported for image-to-image")
    for key in ("prompt_extend", "enable_thinking", "watermark", "is_async"):
        if key in params and not isinstance(params[key], bool):
            return _bad("parameters.%s must be a boolean" % key)
    seed = params.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= 2147483647:
        return _bad("seed must be an integer from 0 to 2147483647")
    if not isinstance(params.get("negative_prompt", ""), str):
        return _bad("negative_prompt must be a string")
    return None


def usage(width, height, count, images):
    """Image metering of the newest reference copy (not tokens)."""
    tier = "2k" if width * height > TIER_2K_ABOVE else "1k"
    answer = {"output_width": width, "output_height": height, "input_image_count": len(images),
              "output_image_count": count, "output_image_type": "qima_output_" + tier}
    if images:
        answer["input_image_type"] = "qima_input_" + tier  # "按输出分辨率像素面积判断" (sic)
    return answer
