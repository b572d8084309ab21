"""Read an image answer (sync or finished task), save every image (and interleaved text), build the JSON."""

import os
import sys
import time

from image_models import size_dims
from qianwen_common import files
from qianwen_common.errors import ApiError
from qianwen_common.redact import mask

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp", ".bmp")


def collect(answer):
    """(items in answer order, failed sub-results): items are {type: image, url} or {type: text, text}."""
    out = answer.get("output") or {}
    items, failures = [], []
    for choice in out.get("choices") or []:
        content = ((choice or {}).get("message") or {}).get("content") or []
        for item in content if isinstance(content, list) else []:
            if not isinstance(item, dict):
                continue
            if item.get("image"):
                items.append({"type": "image", "url": item["image"]})
            elif item.get("text"):
                items.append({"type": "text", "text": item["text"]})
    for result in out.get("results") or []:
        if isinstance(result, dict) and result.get("url"):
            items.append({"type": "image", "url": result["url"]})
        elif isinstance(result, dict):
            failures.append("%s - %s" % (result.get("code"), result.get("message")))
    return items, failures


def targets(output_arg, count, default_dir, stem):
    """File names for count images: a file --output for one image, numbered names for several."""
    if output_arg and _is_file_name(output_arg):
        base = os.path.abspath(output_arg)
    else:
        base = os.path.join(os.path.abspath(output_arg or default_dir), stem + ".png")
    if count == 1:
        return [base]
    return [files.numbered(base, number) for number in range(1, count + 1)]


def _is_file_name(path):
    return (not path.endswith(("/", os.sep)) and not os.path.isdir(path)
            and path.lower().endswith(IMAGE_EXTENSIONS))


def output_folder(output_arg, default_dir):
    """The folder results will be written to (checked for writing before anything is paid)."""
    if output_arg and _is_file_name(output_arg):
        return os.path.dirname(os.path.abspath(output_arg))
    return os.path.abspath(output_arg or default_dir)


def save_all(items, names, notify):
    """Download each image to its name (never overwriting); on failure list the URLs not yet saved."""
    urls = [item["url"] for item in items if item["type"] == "image"]
    saved = []
    for index, (url, name) in enumerate(zip(urls, names)):
        try:
            path, size = files.download(url, name, notify)
        except BaseException:
            for left in urls[index:]:
                sys.stderr.write("not saved (link valid 24 h): %s\n" % mask(left))
            raise
        notify("saved %s (%d bytes)" % (path, size))
        saved.append(path)
    return saved


def write_markdown(items, local_paths, base_name, notify):
    """The interleaved text and images, in order, as one Markdown file beside the images."""
    wanted = os.path.splitext(base_name)[0] + ".md"
    final, part = files.reserve_part(wanted)
    folder = os.path.dirname(final)
    lines, image_index = [], 0
    for item in items:
        if item["type"] == "text":
            lines.append(item["text"].strip() + "\n")
        else:
            local = local_paths[image_index]
            image_index += 1
            lines.append("![image %d](%s)\n" % (image_index, os.path.relpath(local, folder)))
    try:
        with open(part, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines))
        path = files.publish(part, final)
    except OSError:
        if os.path.exists(part):
            os.unlink(part)
        raise
    notify("saved %s (text and images in order)" % path)
    return path


def dimensions(answer, sent_size):
    """(width, height): from usage (width/height or size), else from the size that was sent."""
    usage = answer.get("usage") or {}
    if isinstance(usage.get("width"), int) and isinstance(usage.get("height"), int):
        return usage["width"], usage["height"]
    width, height = size_dims(usage.get("size"))
    if width:
        return width, height
    return size_dims(sent_size)


def finish(answer, context, notify):
    """Save everything the answer holds and return the JSON result."""
    items, failures = collect(answer)
    for failure in failures:
        getattr(notify, "warn", notify)("one image failed on the server: %s" % failure)
    images = [item for item in items if item["type"] == "image"]
    if not images:
        raise ApiError("the answer holds no image%s (request_id %s)" % (
            ": " + "; ".join(failures) if failures else "", answer.get("request_id")))
    stem = "%s-%s" % (context["model"] or "image", time.strftime("%Y%m%d-%H%M%S"))
    names = targets(context["output"], len(images), context["default_dir"], stem)
    local_paths = save_all(items, names, notify)
    interleaved = any(item["type"] == "text" for item in items)
    width, height = dimensions(answer, context.get("size"))
    result = {"model": context["model"], "task_id": context.get("task_id"), "task_status": "SUCCEEDED",
              "image_url": images[0]["url"], "image_urls": [i["url"] for i in images],
              "image_count": len(images), "local_path": local_paths[0], "local_paths": local_paths,
              "width": width, "height": height, "seed": context.get("seed"), "interleaved_content": None}
    if interleaved:
        base = targets(context["output"], 1, context["default_dir"], stem)[0]
        result["markdown_path"] = write_markdown(items, local_paths, base, notify)
        paths = iter(local_paths)
        result["interleaved_content"] = [
            {"type": "text", "text": item["text"]} if item["type"] == "text"
            else {"type": "image", "image": item["url"], "local_path": next(paths)} for item in items]
    return result
