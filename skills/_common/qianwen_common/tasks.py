"""Async tasks: submit once, poll on an adaptive schedule, stop cleanly with a resume command.

Task query, list and cancel follow the "Asynchronous task management" pages of Model Studio
(GET /tasks/{id}, GET /tasks, POST /tasks/{id}/cancel; ids are valid for 24 h).
"""

from __future__ import annotations

import email.utils
import json
import re
import threading
import time
from urllib.parse import quote

from . import http
from .errors import ApiError, DeadlineReached, NetworkError, StillRunning, SubmissionUnknown, UsageError
from .redact import one_line

WAITING = ("PENDING", "RUNNING", "SUSPENDED")
# An id the gateway does not know yet answers UNKNOWN for a moment after creation.
UNKNOWN_GRACE_POLLS = 3
MAX_INTERVAL = 15.0
# The task list's times are matched on the server's clock (its Date header, whole seconds).
CLOCK_SLACK_S = 2.0
RECOVERY_WAITS = (1.0, 2.0, 4.0)
MAX_BROKEN_POLLS = 5
TASK_ID = re.compile(r"[A-Za-z0-9_-]{1,128}$")
_SUBMITS = []          # (model, started, ended or None, task id or None) of this process's creates
_SUBMITS_LOCK = threading.Lock()


def checked_id(value, source="the server"):
    """A task id as the API shapes them (letters, digits, '-', '_', at most 128), else an error."""
    if isinstance(value, str) and TASK_ID.match(value):
        return value
    shown = one_line(str(value), 60)
    if source == "the server":
        raise ApiError("the server returned a malformed task id (%s); it was not used" % shown)
    raise UsageError("%s %s is not a task id (letters, digits, '-' and '_', up to 128)" % (source, shown))


def submit(config, path, body, headers=None, notify=None, timeout=120, prompt=None):
    """POST a task once; returns (task_id, answer). Never re-sent after it may have arrived:
    a lost answer is looked up in the task list instead."""
    model = body.get("model")
    record = [model, time.time(), None, None]
    with _SUBMITS_LOCK:
        _SUBMITS.append(record)
    try:
        answer = http.request_json("POST", config.api_base + path, body, headers, api_key=config.api_key,
                                   timeout=timeout, policy=http.CREATE, notify=notify, config=config)
    except SubmissionUnknown as exc:
        record[2] = time.time()
        task_id, answer = _recover(config, record, prompt, exc, notify)
        record[3] = task_id
        return task_id, answer
    finally:
        record[2] = record[2] or time.time()
    output = answer.get("output")
    task_id = output.get("task_id") if isinstance(output, dict) else None
    if not task_id:
        raise ApiError("the service accepted the request but returned no output.task_id (request_id %s)"
                       % one_line(str(answer.get("request_id")), 80))
    record[3] = checked_id(task_id)
    return task_id, answer


def listed(config, model=None, page_size=20, notify=None):
    """(items, seconds the server's clock is ahead of ours) of the task list's first page, newest first;
    the array is `data` in the docs and `tasks` in SDK 2.0 ("Asynchronous task management" page)."""
    url = "%s/tasks?%spage_no=1&page_size=%d" % (config.api_base, "model_name=%s&" % quote(model) if model else "",
                                                 page_size)
    response = http.send("GET", url, api_key=config.api_key, timeout=30, notify=notify, config=config)
    offset = _server_time(response.headers.get("Date")) - time.time()
    try:
        answer = json.loads(http.read_body(response).decode("utf-8"))
    except ValueError:
        raise ApiError("the task list answer is not JSON") from None
    items = (answer.get("data") or answer.get("tasks") or []) if isinstance(answer, dict) else []
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else [], offset


def recent_tasks(config, model, notify=None):
    """[(created on our clock, task id)] of model's tasks in the list, newest first."""
    items, offset = listed(config, model, notify=notify)
    found = []
    for item in items:
        created, task_id = item.get("gmt_create"), item.get("task_id")
        if isinstance(created, (int, float)) and isinstance(task_id, str) and TASK_ID.match(task_id):
            found.append((created / 1000.0 - offset, task_id))
    return sorted(found, reverse=True)


def _server_time(date_header):
    try:
        return email.utils.parsedate_to_datetime(date_header).timestamp()
    except (TypeError, ValueError, IndexError):
        return time.time()


def find_lost(config, model, started, ended, prompt=None, known=(), notify=None):
    """Ids of tasks created during one POST (our clock, [started, ended] with slack) that no other
    submit owns and whose echoed prompt (when the API echoes one) is ours."""
    listed = recent_tasks(config, model, notify)
    window = [tid for created, tid in listed
              if started - CLOCK_SLACK_S <= created <= ended + CLOCK_SLACK_S and tid not in known]
    return [tid for tid in window if not _other_prompt(config, tid, prompt, notify)]


def _other_prompt(config, task_id, prompt, notify):
    """True when the task echoes a prompt (after success) and it is not ours."""
    if not prompt:
        return False
    try:
        output = fetch(config, task_id, notify).get("output") or {}
    except (ApiError, NetworkError):
        return False
    echoed = output.get("orig_prompt")
    results = output.get("results")
    if echoed is None and isinstance(results, list) and results and isinstance(results[0], dict):
        echoed = results[0].get("orig_prompt")
    return isinstance(echoed, str) and echoed.strip() != prompt.strip()


def lookup(config, model, started, ended, prompt=None, known=(), rivals=0, notify=None, waits=RECOVERY_WAITS):
    """(adopted task id or None, candidates, why none was adopted) after a lost create answer. With
    rivals (other submits of the same model in flight then) a single candidate is still ambiguous."""
    found = []
    for wait in waits if model else ():
        time.sleep(wait)  # give the server a moment to list what it took
        found = find_lost(config, model, started, ended, prompt, known, notify)
        if found:
            break
    if len(found) == 1 and not rivals:
        return found[0], found, None
    if found:
        return None, found, ("another request of this run was in flight with the same model" if rivals
                             else "%d tasks were created in that moment" % len(found))
    return None, [], "no %s task is listed yet" % model


def _recover(config, record, prompt, error, notify):
    """After a lost answer: adopt the one task created during this POST, or explain what to check."""
    model, started, ended = record[0], record[1], record[2]
    if notify:
        notify("%s; looking for the task in the task list instead of sending it again" % error)
    with _SUBMITS_LOCK:
        others = [r for r in _SUBMITS if r is not record and r[0] == model]
    known = {r[3] for r in others if r[3]}
    rivals = sum(1 for r in others if r[3] is None and (r[2] is None or r[2] >= started))
    try:
        adopted, found, why = lookup(config, model, started, ended, prompt, known, rivals, notify)
    except (ApiError, NetworkError) as exc:
        raise SubmissionUnknown("%s; the task list could not be read either (%s). Do not resubmit yet: "
                                "check the console's task list first" % (error, exc)) from None
    if adopted:
        if notify:
            notify("found task %s (created during the lost answer); following it" % adopted)
        return adopted, {"output": {"task_id": adopted, "task_status": "PENDING"}, "recovered": True}
    if found:
        raise SubmissionUnknown("%s; %s, so none was adopted. Candidates: %s. Resume the right one with "
                                "--task-id instead of resubmitting" % (error, why, ", ".join(found)))
    raise SubmissionUnknown("%s; %s. It may still appear: wait a minute and check the console's task list "
                            "before resubmitting" % (error, why))


def fetch(config, task_id, notify=None, deadline=None):
    """One GET of the task; returns the whole answer (its output checked to be an object)."""
    answer = http.request_json("GET", "%s/tasks/%s" % (config.api_base, checked_id(task_id)),
                               api_key=config.api_key, timeout=30, notify=notify, config=config,
                               deadline=deadline)
    if "output" in answer and not isinstance(answer["output"], dict):
        raise ApiError("the task answer's output is a %s, not an object" % type(answer["output"]).__name__)
    return answer


def cancel(config, task_id, notify=None):
    """Cancel a PENDING task (the API allows nothing else); ApiError with the API's reason otherwise."""
    return http.request_json("POST", "%s/tasks/%s/cancel" % (config.api_base, checked_id(task_id)),
                             api_key=config.api_key, timeout=30, policy=http.ONCE, notify=notify,
                             config=config)


def next_interval(elapsed, fixed=None):
    """Seconds to the next poll: 1 s for the first seconds, then growing to 15 s, so a task done
    at 6 s is seen within a second and a 60 s task takes at most 15 polls (the first one counted)."""
    if fixed:
        return fixed
    if elapsed < 6.5:
        return 1.0
    return min(MAX_INTERVAL, elapsed * 0.45)


def status_of(answer):
    output = answer.get("output") if isinstance(answer, dict) else None
    status = output.get("task_status") if isinstance(output, dict) else None
    return status.upper() if isinstance(status, str) else "UNKNOWN"


def wait(config, task_id, resume, timeout=600.0, interval=None, once=False, notify=None, sleep=time.sleep):
    """Poll until the task leaves PENDING/RUNNING; StillRunning at the deadline, once, or Ctrl-C."""
    start = time.monotonic()
    deadline = start + timeout
    last, unknown_seen, status, broken, failure = None, 0, None, 0, None
    try:
        while True:
            try:
                answer = fetch(config, task_id, notify, deadline=deadline)
                broken = 0
            except DeadlineReached:
                raise
            except NetworkError as exc:
                # A poll that broke (after its own retries) does not end a long wait: the task runs on.
                broken, failure = broken + 1, exc
                if broken >= MAX_BROKEN_POLLS or once:
                    raise
                if notify:
                    notify("poll of task %s failed (%s); trying again" % (task_id, exc))
                sleep(max(0.0, min(next_interval(time.monotonic() - start, interval), deadline - time.monotonic())))
                continue
            status = status_of(answer)
            elapsed = time.monotonic() - start
            if status != last and notify:
                notify("task %s: %s (%ds)" % (task_id, one_line(status, 20), elapsed))
            last = status
            if status == "UNKNOWN" and unknown_seen < UNKNOWN_GRACE_POLLS and elapsed < 10 and not once:
                unknown_seen += 1
            elif status not in WAITING:
                return answer
            if once:
                raise StillRunning("task %s is still %s" % (task_id, status), task_id, resume)
            delay = min(next_interval(elapsed, interval), deadline - time.monotonic())
            if delay <= 0:
                raise DeadlineReached("deadline")
            sleep(delay)
    except DeadlineReached:
        waited = time.monotonic() - start
        if status is None:
            raise StillRunning("task %s: no poll answered within %ds (--timeout; last: %s); it is still running on "
                               "the server" % (task_id, waited, failure or "no answer"), task_id, resume) from None
        raise StillRunning("task %s is still %s after %ds (--timeout)" % (task_id, status, waited),
                           task_id, resume) from None
    except KeyboardInterrupt:
        raise StillRunning("interrupted; task %s keeps running on the server" % task_id, task_id,
                           resume) from None
