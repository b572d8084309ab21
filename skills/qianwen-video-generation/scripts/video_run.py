"""Where a video goes, and what a finished task becomes: the downloaded file, its sidecar, the stdout JSON."""

from __future__ import annotations

import os

from qianwen_common import files, http, output, results
from qianwen_common.errors import ApiError, UsageError
from qianwen_common.redact import one_line

SKILL = "qianwen-video-generation"
SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "video.py")
VIDEO_EXTENSIONS = (".mp4", ".mov")


def target(args, in_batch):
    """(folder, file name or None) for the video; refused inside the skills tree or when not writable."""
    out = args.output
    if out:
        path = output.check_output_target(out, SCRIPT)
        is_file = not (os.path.isdir(path) or out.endswith(("/", os.sep)) or not os.path.splitext(path)[1])
        if is_file and in_batch:
            raise UsageError("--output %s: a batch writes many videos; give a folder, not a file name" % out)
        folder, name = (os.path.dirname(path), os.path.basename(path)) if is_file else (path, None)
    else:
        folder = output.check_output_target(output.default_output_dir(SKILL), SCRIPT)
        name = None
    output.check_writable(folder)
    return folder, name


def video_url(answer):
    """The result link of a finished task: output.video_url (or a results[].url), http(s) only."""
    out = answer.get("output") if isinstance(answer.get("output"), dict) else {}
    url = out.get("video_url")
    if not isinstance(url, str):
        listed = [r.get("url") for r in out.get("results") or [] if isinstance(r, dict)] \
            if isinstance(out.get("results"), list) else []
        url = next((u for u in listed if isinstance(u, str)), None)
    if not url:
        raise ApiError("the task SUCCEEDED but the answer has no output.video_url (request_id %s)"
                       % one_line(str(answer.get("request_id")), 80))
    return http.check_fetch_url(url, "video")


def finisher(args, folder, name, config=None):
    """The function that turns a finished task into the saved video, its sidecar and the stdout JSON."""

    def finish(plan, answer, task_id):
        notify = output.Progress(args.quiet)
        url = video_url(answer)
        mode = plan.mode or "video"
        label = "".join(c for c in plan.label if c.isalnum())
        # The part file carries the task id: an interrupted download of this task is continued (Range),
        # never another task's that went to the same name.
        file_name = name or "%s%s_%s.mp4" % (label + "_" if label else "", mode, task_id)
        local, size = files.download(url, os.path.join(folder, file_name), notify, resume_key=task_id,
                                     config=config)
        notify("saved %s (%d bytes)" % (local, size))
        out = answer.get("output") if isinstance(answer.get("output"), dict) else {}
        sidecar = results.write_sidecar(local, plan, task_id, answer, SCRIPT, {
            "video_url": url, "orig_prompt": out.get("orig_prompt"), "actual_prompt": out.get("actual_prompt"),
            "response": answer})
        facts = plan.facts
        summary = {"task_id": task_id, "task_status": "SUCCEEDED", "mode": plan.mode,
                   "model": plan.model, "video_url": url, "local_path": local,
                   "response_path": sidecar, "sidecar": sidecar, "bytes": size, "seed": facts.get("seed"),
                   "billing": plan.billing, "usage": answer.get("usage"),
                   "orig_prompt": out.get("orig_prompt"), "actual_prompt": out.get("actual_prompt")}
        if args.print_response:
            summary["response"] = answer
        return summary

    return finish
