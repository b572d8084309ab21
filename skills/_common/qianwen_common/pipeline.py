"""The one code path that sends a plan: upload local files, add headers, call sync or submit async,
recover a lost answer, wait, and hand the final answer to the skill's finisher (downloads, sidecars).

Single runs, batches, --task-id resumes and --resume BATCH all come through here.
"""

from __future__ import annotations

import sys

from . import http
from .errors import ApiError, QianwenError, StillRunning, SubmissionUnknown, TaskFailed
from .records import dataclass
from .redact import mask, one_line

SYNC_TIMEOUT = 300  # a slow success must not become an ambiguous (possibly billed) timeout
SUBMIT_TIMEOUT = 120
# 4xx answers the API documents as "wrong endpoint or call style", refused before any work
# ("current user api does not support synchronous calls": Model Studio error codes page; Token Plan
# FAQ: "url error"). Only these let send() try the plan's other documented route.
ROUTING_REFUSALS = ("does not support synchronous calls", "does not support asynchronous calls", "url error")
INSPECTION_HINT = ("content inspection flagged the prompt, an input or the result; reword the prompt or replace "
                   "the flagged image/video/audio, then submit again")
# What to do per error code of a FAILED task (Model Studio "Error codes" page).
CODE_HINTS = (
    ("DataInspection", INSPECTION_HINT),
    ("IPInfringement", "the prompt or an input looks like protected IP; change it (prompt_extend: false can "
                       "help) and submit again"),
    ("InvalidParameter", "fix the field the message names (see the skill's references) and submit again"),
    ("Arrearage", "the account is overdue; settle it in the console, then submit again"),
    ("InternalError", "a failure on the service side; submitting again usually works (a new paid task)"),
)
MAY_BE_BILLED = ("the call may have been billed: do not re-send it blindly; check the console's usage and "
                 "task list first")


@dataclass
class Run:
    """How to wait and what to do with the answer; the script fills it once."""

    notify: object                       # Progress
    resume_for: object                   # task_id -> the resume command
    check_for: object = None             # task_id -> the check command (--poll-once)
    finish: object = None                # (plan, answer, task_id) -> result dict
    timeout: float = 600.0
    interval: float = None
    once: bool = False
    submit_only: bool = False
    on_task: object = None               # (task_id, plan sent) -> None: after the id is on stderr


def prepare(plan, config, notify, placed=None):
    """(body, headers) of the plan with its local files uploaded (or inlined for plan keys); `placed`
    maps local paths already uploaded for this request to their URLs (the fallback route reuses them)."""
    placed = {} if placed is None else placed
    if plan.files:
        from . import upload  # loaded only when there is something to upload

        cap = plan.facts.get("input_mb") or upload.INLINE_MAX_MB  # the model's image cap, for inlined images
        for slot in plan.files:
            if slot.local not in placed:
                placed[slot.local] = upload.place(config, slot, plan.model, notify, cap)
    body = plan.with_urls([placed[slot.local] for slot in plan.files])
    return body, plan.headers(body)


def start(plan, config, run):
    """Upload and send once: ('answer', sync answer, plan) or ('task', task id, plan); the plan is the
    fallback route's when the first route was refused before any work."""
    placed = {}
    body, headers = prepare(plan, config, run.notify, placed)
    try:
        kind, value = _call(plan, body, headers, config, run)
    except ApiError as exc:
        if plan.fallback is None or not _routing_refusal(exc):
            raise
        run.notify.warn("%s refused this call style (%s); nothing was billed; trying the other documented "
                        "route once: %s" % (plan.endpoint, exc, plan.fallback.endpoint))
        plan = plan.fallback  # same model, so the uploaded files serve it too
        body, headers = prepare(plan, config, run.notify, placed)
        kind, value = _call(plan, body, headers, config, run)
    return kind, value, plan


def send(plan, config, run):
    """Send the plan once and return the finisher's result; every exit after a submit names the task."""
    kind, value, plan = start(plan, config, run)
    if kind == "answer":
        return run.finish(plan, value, None)
    return follow(value, config, run, plan)


def _call(plan, body, headers, config, run):
    """('answer', sync answer) or ('task', task id) once the task exists (already announced)."""
    url = config.api_base + plan.endpoint
    run.notify("%s %s (%s)" % (plan.model, "async task" if plan.is_async else "sync call", plan.endpoint))
    if not plan.is_async:
        try:
            return "answer", http.request_json("POST", url, body, headers, api_key=config.api_key,
                                               timeout=SYNC_TIMEOUT, policy=http.CREATE, notify=run.notify,
                                               config=config)
        except SubmissionUnknown as exc:
            raise SubmissionUnknown("%s. %s" % (exc, MAY_BE_BILLED)) from None
        except KeyboardInterrupt:
            raise SubmissionUnknown("interrupted during the sync call; " + MAY_BE_BILLED) from None
    from . import tasks

    try:
        task_id, _answer = tasks.submit(config, plan.endpoint, body, headers, notify=run.notify,
                                        timeout=SUBMIT_TIMEOUT, prompt=plan.facts.get("prompt"))
    except SubmissionUnknown as exc:
        raise SubmissionUnknown("%s. A task may have been created and billed" % exc) from None
    except KeyboardInterrupt:
        raise SubmissionUnknown("interrupted while submitting; the task may exist: check the console's "
                                "task list before resubmitting") from None
    announce(task_id, run, plan)
    return "task", task_id


def announce(task_id, run, plan):
    """The task id goes to stderr first, before it is written anywhere (a full disk cannot lose it)."""
    lines = "task_id: %s\nresume: %s\n" % (task_id, run.resume_for(task_id))
    if run.check_for:
        lines += "check: %s\n" % run.check_for(task_id)
    _stderr(lines)
    if run.on_task:
        try:
            run.on_task(task_id, plan)
        except Exception as exc:  # noqa: BLE001 - stop with the task named (its id is on stderr already)
            raise _about(exc if isinstance(exc, ApiError) else ApiError(str(exc)), task_id, run) from None


def follow(task_id, config, run, plan):
    """Wait for a task and finish it; any failure carries the task id and the resume command."""
    if run.submit_only:
        return {"task_id": task_id, "task_status": "PENDING", "submitted": True}
    from . import tasks

    resume = run.resume_for(task_id)
    try:
        answer = tasks.wait(config, task_id, resume, timeout=run.timeout, interval=run.interval,
                            once=run.once, notify=run.notify)
        status = tasks.status_of(answer)
        if status != "SUCCEEDED":
            raise _about(failed(task_id, status, answer), task_id, run)
        return run.finish(plan, answer, task_id)
    except StillRunning as exc:
        if exc.check is None and run.check_for:
            exc.check = run.check_for(task_id)
        raise
    except KeyboardInterrupt:
        raise _about(StillRunning("interrupted; task %s is on the server" % task_id), task_id, run) from None
    except Exception as exc:  # noqa: BLE001 - an unexpected failure must still name the task
        if not isinstance(exc, QianwenError):
            exc = ApiError("%s: %s" % (type(exc).__name__, exc))
        raise _about(exc, task_id, run) from None


def _about(exc, task_id, run):
    return exc.about(task_id, run.resume_for(task_id), run.check_for(task_id) if run.check_for else None)


def failed(task_id, status, answer):
    """TaskFailed for a task that ended without a result: the API's code and message on one line."""
    output = answer.get("output") if isinstance(answer.get("output"), dict) else {}
    code, message = output.get("code"), output.get("message")
    if status == "UNKNOWN":
        line = ("task %s is UNKNOWN: the id does not exist for this key, region and host, or it is older than "
                "24 h (task ids expire). Check the id, QWEN_REGION / QWEN_BASE_URL and the key; otherwise "
                "submit the request again" % task_id)
    elif status in ("CANCELED", "CANCELLED"):
        line = ("task %s was CANCELED (cancel API or console); there is nothing to download. Submit again if "
                "you still want the result" % task_id)
    else:
        hint = next((text for mark, text in CODE_HINTS if mark in str(code)),
                    "read the message, fix the request and submit again; a FAILED task is not retried")
        line = "task %s %s: %s - %s (request_id %s). What to do: %s" % (
            task_id, one_line(status, 20), code or "(no code)", message or "(no message)",
            answer.get("request_id"), hint)
    return TaskFailed(one_line(mask(line), 800), code=code if isinstance(code, str) else None)


def _routing_refusal(exc):
    message = str(exc).lower()
    return exc.status in (400, 403) and any(words in message for words in ROUTING_REFUSALS)


def _stderr(text):
    try:
        sys.stderr.write(mask(text))
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
