"""Async tasks: submit once, poll on an adaptive schedule, stop cleanly with a resume command."""

import time

from . import http
from .errors import ApiError, StillRunning

ASYNC_HEADER = {"X-DashScope-Async": "enable"}
WAITING = ("PENDING", "RUNNING", "SUSPENDED")
# An id the gateway does not know yet answers UNKNOWN for a moment after creation.
UNKNOWN_GRACE_POLLS = 3
MAX_INTERVAL = 15.0


def submit(config, path, body, headers=None, notify=None):
    """POST a task once (never re-sent after it may have arrived); returns (task_id, answer)."""
    all_headers = dict(ASYNC_HEADER)
    all_headers.update(headers or {})
    answer = http.request_json("POST", config.api_base + path, body, all_headers,
                               api_key=config.api_key, timeout=120, policy=http.CREATE,
                               notify=notify)
    task_id = (answer.get("output") or {}).get("task_id")
    if not task_id:
        raise ApiError("the service accepted the request but returned no task id (request_id %s)"
                       % answer.get("request_id"))
    return task_id, answer


def fetch(config, task_id, notify=None):
    """One GET of the task; returns the whole answer."""
    return http.request_json("GET", "%s/tasks/%s" % (config.api_base, task_id),
                             api_key=config.api_key, timeout=30, notify=notify)


def next_interval(elapsed, fixed=None):
    """Seconds to the next poll: about 1 s for the first seconds, then growing to 15 s."""
    if fixed:
        return fixed
    if elapsed < 6.5:
        return 1.0
    return min(MAX_INTERVAL, elapsed * 0.31)


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
