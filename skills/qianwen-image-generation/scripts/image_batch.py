"""image.py batches (--file with many requests) and --resume: validate every item, then the shared Runner."""

from __future__ import annotations

import copy
import os
import shlex
import sys

import gossamer
import image_models as models
import image_request
import image_results
from qianwen_common import batch, errors, http, output, tasks, upload
from qianwen_common.redact import mask

SYNC_TIMEOUT = 300  # as image.py: a slow success must not become an ambiguous (possibly billed) timeout


def plan_all(requests, labels, model_flag, use_async):
    """Validate every item before any upload or paid call; the first bad one names its item."""
    entries = []
    for label, request in zip(labels, requests):
        own = request.get("model") is not None  # an item's own model beats --model
        try:
            model, fields = image_request.normalize(request, None if own else model_flag)
            kept = copy.deepcopy(fields)
            plan = image_request.validate(model, fields, use_async)
        except errors.UsageError as exc:
            raise errors.UsageError("%s: %s" % (label, exc)) from None
        entries.append((plan, {"label": label, "model": model, "fields": kept, "async": use_async}))
    return entries


def folder_for(out, default_dir, skills_root):
    """The batch's output folder; a file name is refused (each item gets its own names)."""
    if out and image_results.output_folder(out, default_dir) != os.path.abspath(out):
        raise errors.UsageError("--output %s: a batch writes many images; give a folder, not a file name"
                                % out)
    folder = image_results.output_folder(out, default_dir)
    output.check_output_target(folder, skills_root)
    output.check_writable(folder)
    return folder


def resume_command(script, batch_id, out=None):
    command = "%s --resume %s" % (output.python_command(script), shlex.quote(batch_id))
    if out:
        command += " --output %s" % shlex.quote(os.path.abspath(out))
    return command


class Adapter:
    """Sync models are called at once (result now); async ones become tasks polled by the Runner."""

    def __init__(self, config, folder, notify):
        self.config, self.folder, self.notify = config, folder, notify

    def submit(self, request):
        plan = image_request.validate(request["model"], copy.deepcopy(request["fields"]), request["async"])
        refs = list(plan["fields"]["reference_images"])
        for index, path in image_request.local_refs(plan):
            refs[index] = upload.upload(self.config, path, plan["model"], self.notify)
        route = plan["route"]
        body = image_request.build_body(plan, route, refs)
        headers = {} if route[0] == models.MULTIMODAL else {"X-DashScope-Async": "enable"}
        if image_request.needs_resolve(refs):
            headers["X-DashScope-OssResourceResolve"] = "enable"
        if route[0] != models.MULTIMODAL:
            task_id, _answer = tasks.submit(self.config, route[0], body, headers, notify=self.notify)
            return {"task_id": task_id}
        answer = http.request_json("POST", self.config.api_base + route[0], body, headers,
                                   api_key=self.config.api_key, timeout=SYNC_TIMEOUT, policy=http.CREATE,
                                   notify=self.notify)
        return {"result": self.finish(request, answer)}

    def finish(self, request, answer):
        task_id = (answer.get("output") or {}).get("task_id")
        name = os.path.join(self.folder, "item%02d_%s.png" % (request["index"], request["model"]))
        context = {"model": request["model"], "output": name, "size": request["fields"].get("size"),
                   "seed": request["fields"].get("seed"), "task_id": task_id, "default_dir": self.folder}
        result = image_results.finish(answer, context, self.notify)
        self.notify("item %d: saved %s" % (request["index"], ", ".join(result["local_paths"])))
        return result


def start(config, entries, folder, args, script, progress):
    """A new batch: write its state (so --resume works from the first second), then run it."""
    requests = [dict(entry, index=i + 1) for i, (_plan, entry) in enumerate(entries)]
    saved = {"folder": folder, "output": args.output and os.path.abspath(args.output)}
    state, path = batch.new_state(folder, saved, requests)
    batch.save_state(state, path)
    progress("batch %s: %d item(s), up to %d at once; state %s" % (state["batch_id"], len(requests),
                                                                  args.concurrency, path))
    return drive(config, state, path, args, script, progress)


def resume(config, args, script, progress, default_dir, skills_root):
    """Continue a batch: items with a task id (or an unknown submission) are never sent again."""
    state, path = batch.load_state(args.resume, folder_for(args.output, default_dir, skills_root))
    gossamer.signal_updates(script)
    progress("resuming batch %s (%s)" % (state.get("batch_id"), path))
    return drive(config, state, path, args, script, progress)


def drive(config, state, path, args, script, progress):
    folder = (state.get("args") or {})["folder"]
    output.check_writable(folder)
    runner = batch.Runner(config, Adapter(config, folder, progress), state, path, args.concurrency,
                          progress)
    resume = resume_command(script, state["batch_id"], args.output or state["args"].get("output"))
    result, lines, code = batch.drive(runner, resume, args.timeout, args.poll_interval)
    output.emit(result)
    sys.stderr.write(mask("\n".join(lines)) + "\n")
    return code
