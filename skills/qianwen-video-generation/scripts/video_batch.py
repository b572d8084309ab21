"""video.py batches (--file with many requests) and --resume: validate every item first, then the shared Runner."""

from __future__ import annotations

import copy
import os
import shlex
import sys

import gossamer
import video_request
import video_run
from qianwen_common import batch, files, output
from qianwen_common.errors import ApiError, UsageError
from qianwen_common.redact import mask


def plan_all(requests, labels, model, mode, international):
    """Validate every item before anything is uploaded or paid; the first bad one names its item."""
    plans = []
    for label, request in zip(labels, requests):
        own = request.get("model") is not None  # an item's own model beats --model / --mode
        try:
            plan = video_request.build(request, None if own else model, None if own else mode,
                                       international)
        except UsageError as exc:
            raise UsageError("%s: %s" % (label, exc)) from None
        plans.append(plan)
    return plans


def folder_for(out):
    """The batch's output folder; a file name is refused (each item gets its own name)."""
    folder, name = video_run.output_target(out, None)
    if name:
        raise UsageError("--output %s: a batch writes many videos; give a folder, not a file name" % out)
    return folder


def dry_run(plans, labels, view):
    return {"dry_run": True, "batch": True, "total": len(plans),
            "items": [dict(view(plan), item=label) for label, plan in zip(labels, plans)]}


def resume_command(script, batch_id, out=None):
    command = "%s --resume %s" % (output.python_command(script), shlex.quote(batch_id))
    if out:
        command += " --output %s" % shlex.quote(os.path.abspath(out))
    return command


class Adapter:
    """Uploads and submit for one item (inside the Runner's pool); download when its task is done."""

    def __init__(self, config, folder, notify):
        self.config, self.folder, self.notify = config, folder, notify

    def submit(self, request):
        plan = {"body": copy.deepcopy(request["body"]), "endpoint": request["endpoint"]}
        task_id, _answer = video_run.submit(self.config, plan, self.notify)
        return {"task_id": task_id}

    def finish(self, request, answer):
        out = answer.get("output") or {}
        task_id = out.get("task_id") or "task"
        url = out.get("video_url") or next((r.get("url") for r in out.get("results") or []
                                            if r.get("url")), None)
        if not url:
            raise ApiError("task %s SUCCEEDED but the answer has no video_url" % task_id)
        name = "item%02d_%s_%s.mp4" % (request["index"], request["mode"], task_id[:8])
        local, size = files.download(url, os.path.join(self.folder, name), self.notify)
        self.notify("item %d: saved %s (%d bytes)" % (request["index"], local, size))
        response_path = video_run.save_json(answer, os.path.splitext(local)[0] + ".json")
        return {"video_url": url, "local_path": local, "response_path": response_path, "bytes": size,
                "usage": answer.get("usage"), "actual_prompt": out.get("actual_prompt")}


def start(config, plans, labels, folder, args, script, progress):
    """A new batch: write its state (so --resume works from the first second), then run it."""
    requests = [{"index": i + 1, "label": label, "mode": plan["mode"], "model": plan["model"],
                 "endpoint": plan["endpoint"], "body": plan["body"]}
                for i, (label, plan) in enumerate(zip(labels, plans))]
    saved = {"folder": folder, "output": args.output and os.path.abspath(args.output)}
    state, path = batch.new_state(folder, saved, requests)
    batch.save_state(state, path)
    progress("batch %s: %d item(s), up to %d at once; state %s" % (state["batch_id"], len(requests),
                                                                  args.concurrency, path))
    return drive(config, state, path, args, script, progress)


def resume(config, args, script, progress):
    """Continue a batch: items with a task id (or an unknown submission) are never sent again."""
    folder = folder_for(args.output)
    state, path = batch.load_state(args.resume, folder)
    gossamer.signal_updates(script)
    progress("resuming batch %s (%s)" % (state.get("batch_id"), path))
    return drive(config, state, path, args, script, progress)


def drive(config, state, path, args, script, progress):
    saved = state.get("args") or {}
    folder = saved.get("folder") or folder_for(args.output)
    output.check_writable(folder)
    runner = batch.Runner(config, Adapter(config, folder, progress), state, path, args.concurrency,
                          progress)
    resume = resume_command(script, state["batch_id"], args.output or saved.get("output"))
    result, lines, code = batch.drive(runner, resume, args.timeout, args.poll_interval)
    output.emit(result)
    sys.stderr.write(mask("\n".join(lines)) + "\n")
    return code
