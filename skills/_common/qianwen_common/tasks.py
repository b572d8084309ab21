"""Async tasks: submit once, poll on an adaptive schedule, stop cleanly with a resume command."""

import email.utils
import json
import time

from . import http
from .errors import ApiError, NetworkError, StillRunning, SubmissionUnknown

ASYNC_HEADER = {"X-DashScope-Async": "enable"}
WAITING = ("PENDING", "RUNNING", "SUSPENDED")
# An id the gateway does not know yet answers UNKNOWN for a moment after creation.
UNKNOWN_GRACE_POLLS = 3
MAX_INTERVAL = 15.0
# A lost task is matched by creation time on the server's clock (its Date header), give or take.
CLOCK_SLACK_S = 3
RECOVERY_WAITS = (1.0, 2.0, 4.0)


def submit(config, path, body, headers=None, notify=None, timeout=120):
    """POST a task once; returns (task_id, answer). Never re-sent after it may have arrived:
    a lost answer is looked up in the task list instead."""
    all_headers = dict(ASYNC_HEADER)
    all_headers.update(headers or {})
    started = time.time()
    try:
        answer = http.request_json("POST", config.api_base + path, body, all_headers,
                                   api_key=config.api_key, timeout=timeout, policy=http.CREATE,
                                   notify=notify)
    except SubmissionUnknown as exc:
        return _recover(config, body.get("model"), started, exc, notify)
    task_id = (answer.get("output") or {}).get("task_id")
    if not task_id:
        raise ApiError("the service accepted the request but returned no task id (request_id %s)"
                       % answer.get("request_id"))
    return task_id, answer


def recent_tasks(config, model, age, notify=None):
    """Ids of tasks of model created in the last `age` seconds (server clock), newest first."""
    # Filter on our side: the list API's time parameters have an unconfirmed time zone.
    url = "%s/tasks?model_name=%s&page_no=1&page_size=20" % (config.api_base, model)
    response = http.send("GET", url, api_key=config.api_key, timeout=30, notify=notify)
    with response:
        server_now = _server_time(response.headers.get("Date"))
        try:
            answer = json.loads(response.read().decode("utf-8"))
        except ValueError:
            raise ApiError("the task list answer is not JSON") from None
    items = answer.get("data") or answer.get("tasks") or []
    found = []
    for item in items:
        created = item.get("gmt_create")
        if isinstance(created, (int, float)) and created / 1000.0 >= server_now - age - CLOCK_SLACK_S:
            found.append((created, item.get("task_id")))
    return [task_id for _created, task_id in sorted(found, reverse=True) if task_id]


def _server_time(date_header):
    try:
        return email.utils.parsedate_to_datetime(date_header).timestamp()
    except (TypeError, ValueError, IndexError):
        return time.time()


def _recover(config, model, started, error, notify):
    """After a lost answer: adopt the one task created since, or explain what to check."""
    if notify:
        notify("%s; looking for the task in the task list instead of sending it again" % error)
    found = []
    try:
        for wait in RECOVERY_WAITS if model else ():
            time.sleep(wait)  # give the server a moment to list what it took
            found = recent_tasks(config, model, time.time() - started, notify)
            if found:
                break
    except (ApiError, NetworkError) as exc:
        raise SubmissionUnknown("%s; the task list could not be read either (%s). Do not resubmit "
                                "yet: check the console's task list first" % (error, exc)) from None
    if len(found) == 1:
        if notify:
            notify("found task %s (created after the lost answer); following it" % found[0])
        return found[0], {"output": {"task_id": found[0], "task_status": "PENDING"}, "recovered": True}
    if found:
        raise SubmissionUnknown("%s; %d recent %s tasks could be it: %s. Resume the right one with "
                                "--task-id instead of resubmitting" % (error, len(found), model,
                                                                        ", ".join(found)))
    raise SubmissionUnknown("%s; no %s task is listed yet. It may still appear: wait a minute and "
                            "check the console's task list before resubmitting" % (error, model))


def fetch(config, task_id, notify=None):
    """One GET of the task; returns the whole answer."""
    return http.request_json("GET", "%s/tasks/%s" % (config.api_base, task_id),
                             api_key=config.api_key, timeout=30, notify=notify)


def next_interval(elapsed, fixed=None):
    """Seconds to the next poll: 1 s for the first seconds, then growing to 15 s, so a task done
    at 6 s is seen within a second and a 60 s task takes at most 15 polls (the first one counted)."""
    if fixed:
        return fixed
    if elapsed < 6.5:
        return 1.0
    return min(MAX_INTERVAL, elapsed * 0.45)


def status_of(answer):
    return ((answer.get("output") or {}).get("task_status") or "UNKNOWN").upper()


def wait(config, task_id, resume, timeout=600.0, interval=None, once=False, notify=None,
         sleep=time.sleep):
    """Poll until the task leaves PENDING/RUNNING; StillRunning on deadline, once, or Ctrl-C."""
    start = time.monotonic()
    last, unknown_seen = None, 0
    try:
        while True:
            answer = fetch(config, task_id, notify)
            status = status_of(answer)
            elapsed = time.monotonic() - start
            if status != last and notify:
                notify("task %s: %s (%ds)" % (task_id, status, elapsed))
            last = status
            if status == "UNKNOWN" and unknown_seen < UNKNOWN_GRACE_POLLS and elapsed < 10 and not once:
                unknown_seen += 1
            elif status not in WAITING:
                return answer
            if once:
                raise StillRunning("task %s is still %s" % (task_id, status), task_id, resume)
            delay = next_interval(elapsed, interval)
            if elapsed + delay > timeout:
                delay = max(0.0, timeout - elapsed)
                if delay == 0.0:
                    raise StillRunning("task %s is still %s after %ds (--timeout)"
                                       % (task_id, status, elapsed), task_id, resume)
            sleep(delay)
    except KeyboardInterrupt:
        raise StillRunning("interrupted; task %s keeps running on the server" % task_id,
                           task_id, resume) from None
