"""Uploads, submit, poll, download and the saved task JSON: everything after validation."""

from __future__ import annotations

import json
import os
import shlex
import time

import video_models as vm
from qianwen_common import files, output, tasks, upload
from qianwen_common.errors import ApiError, QianwenError, StillRunning, UsageError
from qianwen_common.redact import mask_data

SKILL = "qianwen-video-generation"
SKILLS_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INSPECTION_HINT = ("content inspection flagged the prompt, an input or the generated video; reword the "
                   "prompt or replace the flagged image/video/audio, then submit again")
CODE_HINTS = (
    ("DataInspection", INSPECTION_HINT),
    ("IPInfringement", "the prompt or an input looks like protected IP; change it (prompt_extend: false "
                       "can help) and submit again"),
    ("InvalidParameter", "fix the field the message names (see references/request-fields.md) and "
                         "submit again"),
    ("Arrearage", "the account is overdue; settle it in the console, then submit again"),
    ("InternalError", "a failure on the service side; submitting again usually works (a new paid task)"),
)


def resume_command(script, task_id, out=None):
    command = "%s --task-id %s" % (output.python_command(script), shlex.quote(task_id))
    if out:
        command += " --output %s" % shlex.quote(os.path.abspath(out))
    return command


def output_target(out, mode, cwd=None):
    """(folder, file name or None) for the video; refused inside the skills tree or when not writable."""
    if out:
        path = output.check_output_target(out, SKILLS_ROOT)
        is_file = not (os.path.isdir(path) or out.endswith(("/", os.sep)) or not os.path.splitext(path)[1])
        folder, name = (os.path.dirname(path), os.path.basename(path)) if is_file else (path, None)
    else:
        folder, name = output.check_output_target(output.default_output_dir(SKILL, cwd), SKILLS_ROOT), None
    output.check_writable(folder)
    return folder, name


def local_slots(body):
    """(container, key, path) for every local file in a media field of the body's input."""
    slots, data = [], body.get("input", {})
    for key in vm.FIELD_KINDS:
        value = data.get(key)
        if isinstance(value, str) and upload.media_kind(value) == "local":
            slots.append((data, key, value))
        elif isinstance(value, list):
            slots += [(value, i, v) for i, v in enumerate(value)
                      if isinstance(v, str) and upload.media_kind(v) == "local"]
    for item in data.get("media") or []:
        if upload.media_kind(item["url"]) == "local":
            slots.append((item, "url", item["url"]))
    return slots


def upload_locals(config, body, notify):
    """Upload each local file for the body's model and put its URL in place; returns extra headers."""
    for container, key, path in local_slots(body):
        container[key] = upload.upload(config, os.path.expanduser(path), body["model"], notify)
    text = json.dumps(body.get("input", {}))
    return dict(upload.RESOLVE_HEADER) if "oss://" in text else {}


def submit(config, plan, notify):
    headers = upload_locals(config, plan["body"], notify)
    return tasks.submit(config, plan["endpoint"], plan["body"], headers, notify)


def finish(config, task_id, args, script, mode, model, notify):
    """Poll to the end, download, save the task JSON; returns the stdout summary."""
    resume = resume_command(script, task_id, args.output)
    answer = tasks.wait(config, task_id, resume, timeout=args.timeout, interval=args.poll_interval,
                        once=args.poll_once, notify=notify)
    out = answer.get("output") or {}
    status = tasks.status_of(answer)
    if status != "SUCCEEDED":
        error = ApiError(failure_line(task_id, status, out, answer.get("request_id")), code=out.get("code"))
        error.task_ended = True  # nothing left to resume
        raise error
    url = out.get("video_url") or next((r.get("url") for r in out.get("results") or [] if r.get("url")), None)
    if not url:
        raise ApiError("task %s SUCCEEDED but the answer has no video_url (request_id %s)"
                       % (task_id, answer.get("request_id")))
    try:
        folder, name = output_target(args.output, mode)
    except UsageError as exc:  # the task is paid already: a local failure now is exit 1, not bad input
        raise files.LocalWriteError(str(exc)) from None
    name = name or "%s_%s_%s.mp4" % (mode or "video", time.strftime("%Y%m%d-%H%M%S"), task_id[:8])
    try:
        local, size = files.download(url, os.path.join(folder, name), notify)
    except KeyboardInterrupt:
        raise StillRunning("interrupted during the download; task %s is done and its video stays "
                           "available for 24 h" % task_id, task_id, resume) from None
    except QianwenError as exc:
        exc.args = ("%s. Task %s succeeded; download it again with: %s (works while the result link "
                    "lives, 24 h after the task finished)" % (exc, task_id, resume),)
        raise
    notify("saved %s (%d bytes)" % (local, size))
    response_path = save_json(answer, os.path.splitext(local)[0] + ".json")
    summary = {"task_id": task_id, "task_status": status, "mode": mode, "model": model,
               "video_url": url, "local_path": local, "response_path": response_path,
               "bytes": size, "usage": answer.get("usage"),
               "orig_prompt": out.get("orig_prompt"), "actual_prompt": out.get("actual_prompt")}
    if args.print_response:
        summary["response"] = mask_data(answer)
    return summary


def follow(config, task_id, args, script, mode, model, notify):
    """finish() whose every failure still names the task and its resume command: never lose a task."""
    resume = resume_command(script, task_id, args.output)
    try:
        return finish(config, task_id, args, script, mode, model, notify)
    except StillRunning:
        raise
    except KeyboardInterrupt:
        raise StillRunning("interrupted; task %s is on the server" % task_id, task_id, resume) from None
    except QianwenError as exc:
        if not getattr(exc, "task_ended", False) and task_id not in str(exc):
            exc.args = ("%s\ntask_id: %s\nresume: %s" % (exc, task_id, resume),)
        raise
    except Exception as exc:  # noqa: BLE001 - an unexpected failure must still name the task
        raise ApiError("%s: %s\ntask_id: %s\nresume: %s" % (type(exc).__name__, exc, task_id, resume)) from None


def save_json(answer, path):
    """The final task answer, masked, beside the video; never overwriting."""
    number = 0
    while True:
        candidate = path if number == 0 else files.numbered(path, number)
        try:
            with open(candidate, "x", encoding="utf-8") as handle:
                json.dump(mask_data(answer), handle, ensure_ascii=False, indent=2)
            return candidate
        except FileExistsError:
            number += 1
        except OSError as exc:
            raise files.LocalWriteError("cannot write %s (%s)" % (candidate, type(exc).__name__)) from None


def failure_line(task_id, status, out, request_id):
    """One line for a task that ended without a video: the API's code and message, and what to do."""
    if status == "UNKNOWN":
        return ("task %s is UNKNOWN: the id does not exist for this key and region, or it is older than "
                "24 h (task ids expire). Check the id, QWEN_REGION / QWEN_BASE_URL and the key; "
                "otherwise submit the request again" % task_id)
    if status in ("CANCELED", "CANCELLED"):
        return ("task %s was CANCELED (cancel API or console); there is nothing to download. Submit again "
                "if you still want the video" % task_id)
    code, message = out.get("code") or "(no code)", out.get("message") or "(no message)"
    hint = next((text for mark, text in CODE_HINTS if mark in code), "read the message, fix the request "
                "and submit again; a FAILED task is not retried automatically")
    return "task %s %s: %s - %s (request_id %s). What to do: %s" % (task_id, status, code, message,
                                                                   request_id, hint)


def check_task_id(task_id):
    if not task_id or not all(ch.isalnum() or ch in "-_" for ch in task_id) or len(task_id) > 128:
        raise UsageError("--task-id %s: not a task id; expected like 0385dc79-5ff8-4d82-bcb6-..." % task_id)
