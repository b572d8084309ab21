"""The flow every generating script shares: read the request once, build plans, check, signal, then a
dry run, a send, a batch, a resume or a cancel. Each skill supplies its builder and finisher."""

from __future__ import annotations

import os
import sys

from . import billing, cli, output, pipeline, results
from . import config as qconfig
from .errors import ApiError, NetworkError, UsageError
from .plan import Plan
from .records import dataclass
from .redact import one_line


@dataclass(frozen=True)
class Skill:
    """What a generating script plugs into the shared flow."""

    script: str          # the entry script's __file__
    title: str           # the gallery's title
    build: object        # (request, args, target, label, endpoint, in_batch) -> Plan
    finisher: object     # (args, folder, name, config) -> finish(plan, answer, task_id) -> result dict
    target: object       # (args, in_batch) -> (folder, file name or None), checked writable
    mode_of: object      # model id -> mode, or None for a model the table does not know


def main(skill, args):
    """Run one invocation; returns the exit code (exceptions go to cli.run_main)."""
    progress = output.Progress(args.quiet)
    config = qconfig.load_config(require_key=not args.dry_run)
    for line in config.warnings:
        progress.warn(line)
    if config.token_plan:
        progress("plan key (sk-sp-): calls go to the Token Plan host %s (%s)" % (config.base_url, config.base_source))
    try:
        return _dispatch(skill, args, config, progress)
    except ApiError as exc:
        hint = advice(exc, config, skill.script)
        if hint:
            exc.args = ("%s. %s" % (exc, hint),)
        raise


def advice(exc, config, script):
    """What to do after an API refusal that is about the key, the plan, access or the host."""
    status, message = exc.status, str(exc).lower()
    if status == 401 and config.token_plan:
        return ("The Token Plan host rejected the key: it is a Coding Plan key (no image or video models) or a "
                "Token Plan key that expired or belongs to the other site (QWEN_REGION)")
    if status == 401:
        checker = _check_auth(script)
        return ("Check the key without showing it: %s" % cli.command(checker) if checker else
                "Check the key in %s and put a valid one in .env as DASHSCOPE_API_KEY" % qconfig.CONSOLE_URL)
    if status in (403, 404) and config.token_plan:
        return "This model is not in your Token Plan (or not in your edition); pick one the plan lists"
    if status == 403 and "synchronous" not in message:
        return ("The key works but this model is not enabled for the account: models in preview (Wan 3.0, "
                "Qwen-Image 3.0) need access applied for in the console's Model Square; a 403 is not a bad key")
    if status == 404 and "model" in message and config.base_source != "QWEN_WORKSPACE_ID":
        return ("The model is not found on %s: new models are documented on workspace hosts; set "
                "QWEN_WORKSPACE_ID (the workspace id from the console's workspace details page)" % config.base_url)
    return None


def _check_auth(script):
    """qianwen-ops-auth's check_auth.py when it is installed beside this skill."""
    for skill_dir in (os.path.dirname(os.path.dirname(os.path.abspath(script))),
                      os.path.dirname(os.path.dirname(os.path.realpath(script)))):
        path = os.path.join(os.path.dirname(skill_dir), "qianwen-ops-auth", "scripts", "check_auth.py")
        if os.path.isfile(path):
            return path
    return None


def _dispatch(skill, args, config, progress):
    if args.cancel:
        return cancel(config, args, progress)
    if args.task_id:
        return resume_task(skill, config, args, progress)
    if args.resume:
        return resume_batch(skill, config, args, progress)
    requests, labels, endpoint = read_requests(args)
    plans = build_all(skill, requests, labels, args, config, endpoint)
    in_batch = labels is not None
    if in_batch and (getattr(args, "submit_only", False) or getattr(args, "poll_once", False)):
        raise UsageError("--file %s holds a batch; --submit-only and --poll-once are for one request (a batch "
                         "stops at --timeout and continues with --resume)" % args.file)
    if in_batch and config.token_plan:
        raise UsageError("batches are refused with a plan key (sk-sp-): the Token Plan allows interactive use "
                         "only; run the requests one at a time, or use a pay-as-you-go sk- key")
    folder, name = (None, None) if args.dry_run else skill.target(args, in_batch)
    _signal(skill)
    if in_batch:
        return run_batch(skill, config, args, plans, folder, progress)
    plan = plans[0]
    cli.show_plan(plan, progress)
    if args.dry_run:
        output.emit(cli.dry_run_view(plan, config))
        return 0
    run = _run(skill, config, args, progress, folder, name)
    result = pipeline.send(plan, config, run)
    if result.get("submitted"):
        return _submitted(skill, args, plan, result)
    output.emit(_with_gallery(skill, result, folder))
    return 0


def read_requests(args):
    """(requests, labels or None for one request, endpoint): from --request, --file or --from."""
    if args.from_sidecar:
        request, endpoint = cli.read_sidecar(args)
        return [request], None, args.endpoint or endpoint
    text = cli.read_text(args.file) if args.file else args.request
    if args.file:
        from .batch import file_batch

        found = file_batch(text, args.file)
        if found:
            return found[0], found[1], args.endpoint
    return [cli.read_request(args, text)], None, args.endpoint


def build_all(skill, requests, labels, args, config, endpoint):
    """Every plan before anything is uploaded or paid; the first bad item names itself."""
    plans = []
    for index, request in enumerate(requests):
        label = labels[index] if labels else ""
        try:
            plan = skill.build(request, args, config.target, label, endpoint, labels is not None)
            cli.check_plan(plan)
        except UsageError as exc:
            raise UsageError("%s: %s" % (label, exc) if label else str(exc)) from None
        plans.append(plan)
    return plans


def _signal(skill):
    import gossamer  # the skill's own copy, beside the entry script

    gossamer.signal_updates(skill.script)


def _run(skill, config, args, progress, folder, name):
    def on_task(task_id, sent):
        from .files import LocalWriteError

        try:
            results.save_task_record(folder, task_id, sent)
        except LocalWriteError as exc:  # a convenience only: the task id is on stderr already
            progress.warn("the task record could not be saved (%s)" % exc)

    return pipeline.Run(notify=progress, resume_for=lambda task_id: cli.resume_command(
                            skill.script, task_id, output=args.output),
                        check_for=lambda task_id: cli.check_command(skill.script, task_id, args.output),
                        finish=skill.finisher(args, folder, name, config), timeout=args.timeout,
                        interval=args.poll_interval, once=getattr(args, "poll_once", False),
                        submit_only=getattr(args, "submit_only", False), on_task=on_task)


def _submitted(skill, args, plan, result):
    task_id = result["task_id"]
    if args.print_response:
        output.emit({"task_id": task_id, "task_status": "PENDING", "mode": plan.mode, "model": plan.model,
                     "billing": plan.billing, "resume": cli.resume_command(skill.script, task_id, output=args.output),
                     "check": cli.check_command(skill.script, task_id, args.output)})
    else:
        sys.stdout.write(task_id + "\n")
    return 0


def _with_gallery(skill, result, folder):
    result["gallery"] = results.refresh_gallery(folder, skill.title)
    return result


def resume_task(skill, config, args, progress):
    """--task-id: follow an existing task; model and mode from the saved task record, else the task list."""
    from . import tasks

    task_id = tasks.checked_id(args.task_id.strip(), "--task-id")
    folder, name = skill.target(args, False)
    _signal(skill)
    plan = results.load_task_record(folder, task_id)
    if plan is None:
        model = args.model or _listed_model(config, task_id, progress)
        plan = Plan(model=model or "unknown", mode=(skill.mode_of(model) if model else None) or "", endpoint="",
                    is_async=True, body={})
    run = _run(skill, config, args, progress, folder, name)
    result = pipeline.follow(task_id, config, run, plan)
    output.emit(_with_gallery(skill, result, folder))
    return 0


def _listed_model(config, task_id, progress):
    """The model of a task, from the task list (no saved record here)."""
    from . import tasks

    try:
        items, _offset = tasks.listed(config, page_size=100)
    except (ApiError, NetworkError):
        return None
    for item in items:
        if item.get("task_id") == task_id and isinstance(item.get("model_name"), str):
            return one_line(item["model_name"], 80)
    progress("task %s is not in the task list's first page; model and mode unknown" % task_id)
    return None


def cancel(config, args, progress):
    """--cancel ID: exit 0 when cancelled; exit 1 with the API's reason otherwise (only PENDING tasks)."""
    from . import tasks

    task_id = tasks.checked_id(args.cancel.strip(), "--cancel")
    try:
        answer = tasks.cancel(config, task_id, progress)
    except ApiError as exc:
        raise ApiError("task %s was not cancelled: %s (only a PENDING task can be cancelled)" % (task_id, exc),
                       status=exc.status, code=exc.code) from None
    progress("task %s cancelled" % task_id)
    output.emit({"task_id": task_id, "task_status": "CANCELED", "canceled": True,
                 "request_id": answer.get("request_id")})
    return 0


def run_batch(skill, config, args, plans, folder, progress):
    """A new batch: show the totals, write its state (so --resume works from the first second), run it."""
    from . import batch

    total = billing.total([plan.billing for plan in plans])
    progress.always("bills: %s (all %d items)" % (total["summary"], len(plans)))
    if args.dry_run:
        output.emit({"dry_run": True, "batch": True, "total": len(plans), "billing": total,
                     "items": [cli.dry_run_view(plan, config) for plan in plans]})
        return 0
    state, path = batch.new_state(folder, {"folder": folder, "output": args.output}, plans)
    handle = batch.lock(path, state["batch_id"])
    from . import files

    files.replace_json(path, state)
    progress("batch %s: %d item(s), up to %d at once; state %s" % (state["batch_id"], len(plans),
                                                                  args.concurrency, path))
    return _drive(skill, config, args, state, path, folder, progress, handle)


def resume_batch(skill, config, args, progress):
    """--resume BATCH: items with a task id (or a submit in flight) are never sent again."""
    from . import batch

    folder, _name = skill.target(args, True)
    state, path = batch.load_state(args.resume, folder)
    handle = batch.lock(path, state["batch_id"])
    _signal(skill)
    folder = (state.get("args") or {}).get("folder") or folder
    output.check_writable(folder)
    progress("resuming batch %s (%s)" % (state["batch_id"], path))
    return _drive(skill, config, args, state, path, folder, progress, handle)


def _drive(skill, config, args, state, path, folder, progress, handle):
    from . import batch

    resume = cli.resume_command(skill.script, batch_id=state["batch_id"],
                                output=args.output or (state.get("args") or {}).get("output"))
    progress("resume if interrupted: %s" % resume)
    run = pipeline.Run(notify=progress, resume_for=lambda task_id: cli.resume_command(
        skill.script, task_id, output=folder), finish=skill.finisher(args, folder, None, config))
    runner = batch.Runner(config, state, path, run, args.concurrency)
    try:
        summary, lines, code = batch.drive(runner, resume, args.timeout, args.poll_interval)
    finally:
        if handle:
            handle.close()
    output.emit(_with_gallery(skill, summary, folder))
    for line in lines:
        progress.always(line)
    return code
