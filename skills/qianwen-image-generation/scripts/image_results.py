"""Read an image answer (sync or finished task), save every image (and interleaved text) with its
sidecar, and build the stdout JSON."""

from __future__ import annotations

import os
import time

from image_models import size_dims
from qianwen_common import files, output, results
from qianwen_common.errors import ApiError, UsageError
from qianwen_common.redact import mask, one_line

SKILL = "qianwen-image-generation"
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp", ".bmp")


def _dicts(value):
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def collect(answer):
    """(items in answer order, failed sub-results): {type: image, url} or {type: text, text}; answers of
    the wrong shape give no items, never an AttributeError."""
    out = answer.get("output") if isinstance(answer.get("output"), dict) else {}
    items, failures = [], []
    for choice in _dicts(out.get("choices")):
        message = choice.get("message") if isinstance(choice.get("message"), dict) else {}
        for item in _dicts(message.get("content")):
            if isinstance(item.get("image"), str):
                items.append({"type": "image", "url": item["image"]})
            elif isinstance(item.get("text"), str):
                items.append({"type": "text", "text": item["text"]})
    for result in _dicts(out.get("results")):
        if isinstance(result.get("url"), str):
            items.append({"type": "image", "url": result["url"]})
        else:
            failures.append(one_line("%s - %s" % (result.get("code"), result.get("message")), 300))
    return items, failures


def is_file_name(path):
    return bool(path) and not path.endswith(("/", os.sep)) and not os.path.isdir(path) \
        and path.lower().endswith(IMAGE_EXTENSIONS)


def target(args, in_batch):
    """(folder, file name or None) for the images; refused inside the skills tree or when not writable."""
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "image.py")
    if in_batch and is_file_name(args.output):
        raise UsageError("--output %s: a batch writes many images; give a folder, not a file name" % args.output)
    if is_file_name(args.output):
        folder, name = os.path.dirname(os.path.abspath(args.output)), os.path.basename(args.output)
    else:
        folder, name = os.path.abspath(args.output or output.default_output_dir(SKILL)), None
    output.check_output_target(folder, script)
    output.check_writable(folder)
    return folder, name


def names_for(folder, name, stem, count):
    """File names for count images: the given name for one image, numbered names for several."""
    base = os.path.join(folder, name or (stem + ".png"))
    if count == 1:
        return [base]
    return [files.numbered(base, number) for number in range(1, count + 1)]


def save_all(images, names, notify, config=None):
    """Download each image to its name (never overwriting); on failure name the links not yet saved."""
    saved = []
    for index, (image, name) in enumerate(zip(images, names)):
        try:
            path, size = files.download(image["url"], name, notify, config=config)
        except BaseException as exc:
            left = ", ".join(mask(i["url"]) for i in images[index:])
            if isinstance(exc, ApiError):
                raise ApiError("%s. Not saved (links valid 24 h): %s" % (exc, left)) from None
            raise
        notify("saved %s (%d bytes)" % (path, size))
        saved.append(path)
    return saved


def write_markdown(items, local_paths, base_name, notify):
    """The interleaved text and images, in order, as one Markdown file beside the images."""
    folder = os.path.dirname(base_name)
    lines, image_index = [], 0
    for item in items:
        if item["type"] == "text":
            lines.append(item["text"].strip() + "\n")
        else:
            image_index += 1
            lines.append("![image %d](%s)\n" % (image_index, os.path.relpath(local_paths[image_index - 1], folder)))
    path = files.write_new(os.path.splitext(base_name)[0] + ".md", "\n".join(lines))
    notify("saved %s (text and images in order)" % path)
    return path


def dimensions(answer, sent_size):
    """(width, height): from usage (width/height, output_width/height or size), else the size sent."""
    usage = answer.get("usage") if isinstance(answer.get("usage"), dict) else {}
    for w_key, h_key in (("width", "height"), ("output_width", "output_height")):
        if isinstance(usage.get(w_key), int) and isinstance(usage.get(h_key), int):
            return usage[w_key], usage[h_key]
    width, height = size_dims(usage.get("size"))
    return (width, height) if width else size_dims(sent_size)


def finisher(args, folder, name, config=None):
    """The function that turns a final answer into saved files and the stdout JSON."""
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "image.py")

    def finish(plan, answer, task_id):
        notify = output.Progress(args.quiet)
        items, failures = collect(answer)
        for failure in failures:
            notify.warn("one image failed on the server: %s" % failure)
        images = [item for item in items if item["type"] == "image"]
        if not images:
            raise ApiError("the answer holds no image%s (request_id %s)" % (
                ": " + "; ".join(failures) if failures else "", one_line(str(answer.get("request_id")), 80)))
        stem = _stem(plan)
        local_paths = save_all(images, names_for(folder, name, stem, len(images)), notify, config)
        sidecars = [results.write_sidecar(path, plan, task_id, answer, script, {"image_url": image["url"]})
                    for path, image in zip(local_paths, images)]
        facts = plan.facts
        width, height = dimensions(answer, facts.get("size"))
        result = {"model": plan.model, "mode": plan.mode,
                  "task_id": task_id, "task_status": "SUCCEEDED", "image_url": images[0]["url"],
                  "image_urls": [i["url"] for i in images], "image_count": len(images),
                  "local_path": local_paths[0], "local_paths": local_paths, "width": width, "height": height,
                  "seed": facts.get("seed"), "interleaved_content": None, "sidecar": sidecars[0],
                  "sidecars": sidecars, "billing": plan.billing, "usage": answer.get("usage")}
        if any(item["type"] == "text" for item in items):
            result["markdown_path"] = write_markdown(items, local_paths, names_for(folder, name, stem, 1)[0], notify)
            paths = iter(local_paths)
            result["interleaved_content"] = [
                {"type": "text", "text": item["text"]} if item["type"] == "text"
                else {"type": "image", "image": item["url"], "local_path": next(paths)} for item in items]
        notify("done: %d image(s), %s, seed %s" % (len(images), "%sx%s" % (width, height) if width else
                                                   "size not reported", facts.get("seed")))
        if args.print_response:
            result["response"] = answer
        return result

    return finish


def _stem(plan):
    model = plan.model or "image"
    label = "".join(c if c.isalnum() else "" for c in plan.label)
    return "%s%s-%s" % (label + "_" if label else "", model, time.strftime("%Y%m%d-%H%M%S"))
