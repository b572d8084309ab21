"""Batches: many requests at once; a state file holds every task id so nothing is paid twice."""

import json
import os
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from . import tasks
from .errors import QianwenError, StillRunning, SubmissionUnknown, UsageError

MAX_CONCURRENCY = 10


def read_items(path):
    """The requests of a batch file: a JSON array of objects, or JSON Lines."""
    try:
        with open(path, "r", encoding="utf-8-sig") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError("--file %s: cannot read (%s)" % (path, type(exc).__name__)) from None
    return parse_items(text, path)


def parse_items(text, path):
    """(items, labels) from a batch file's text; labels name the item or line for messages."""
    stripped = text.strip()
    if stripped.startswith("["):
        try:
            items = json.loads(stripped)
        except ValueError as exc:
            raise UsageError("--file %s is not valid JSON (%s)" % (path, exc)) from None
        where = ["item %d" % (i + 1) for i in range(len(items))]
    else:
        items, where = [], []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                items.append(json.loads(line))
            except ValueError as exc:
                raise UsageError("--file %s line %d is not valid JSON (%s)" % (path, number, exc)) from None
            where.append("line %d" % number)
    if not items:
        raise UsageError("--file %s holds no requests" % path)
    for label, item in zip(where, items):
        if not isinstance(item, dict):
            raise UsageError("--file %s %s: each request must be a JSON object" % (path, label))
    return items, where


def file_batch(path):
    """(items, labels) when the --file holds a batch (JSON array or JSON Lines); None for one object."""
    try:
        with open(path, "r", encoding="utf-8-sig") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError):
        return None  # the single-request reader reports it
    try:
        value = json.loads(text)
    except ValueError:
        if sum(1 for line in text.splitlines() if line.strip()) < 2:
            return None  # one broken object: the single-request error message fits better
        value = None
    return None if isinstance(value, dict) else parse_items(text, path)


def new_state(folder, mode_args, requests):
    """A fresh batch: its id, state path and one entry per request."""
    batch_id = time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]
    path = os.path.join(folder, "batches", batch_id + ".json")
    state = {"batch_id": batch_id, "created": time.time(), "args": mode_args,
             "items": [{"index": i + 1, "request": request, "status": "new", "task_id": None,
                        "result": None, "error": None} for i, request in enumerate(requests)]}
    return state, path


def load_state(ref, folder):
    """The state of an earlier batch, by id or path; UsageError when there is none."""
    path = ref if ref.endswith(".json") else os.path.join(folder, "batches", ref + ".json")
    try:
        with open(path, "r", encoding="utf-8") as handle:
            state = json.load(handle)
    except (OSError, ValueError) as exc:
        raise UsageError("--resume %s: no readable batch state at %s (%s)"
                         % (ref, path, type(exc).__name__)) from None
    if not isinstance(state, dict) or not isinstance(state.get("items"), list):
        raise UsageError("--resume %s: %s is not a batch state file" % (ref, path))
    return state, path


def save_state(state, path):
    """Write the state atomically: a crash leaves the old file or the new one, never half."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temp = "%s.%d.tmp" % (path, os.getpid())
    with open(temp, "w", encoding="utf-8") as handle:
        json.dump(state, handle, indent=1, ensure_ascii=False)
    os.replace(temp, path)


class Runner:
    """Submit with bounded concurrency, poll all tasks from one loop, download concurrently.

    `adapter` supplies submit(request) -> {"task_id": id} or {"result": {...}} (sync calls), and
    finish(request, final_answer) -> result dict (downloads); both may raise QianwenError.
    """

    def __init__(self, config, adapter, state, path, concurrency=3, notify=None):
        self.config, self.adapter, self.state, self.path = config, adapter, state, path
        self.concurrency = max(1, min(MAX_CONCURRENCY, concurrency))
        self.notify = notify or (lambda line: None)
        self.lock = threading.Lock()

    def run(self, timeout=600.0, poll_interval=None):
        """Drive every item as far as it goes before the deadline; returns the summary."""
        start = time.monotonic()
        self._recover_items()
        pool = ThreadPoolExecutor(max_workers=self.concurrency)
        downloads = ThreadPoolExecutor(max_workers=self.concurrency)
        try:
            for item in self.state["items"]:
                if item["status"] == "new":
                    pool.submit(self._submit, item, downloads)
            self._poll_loop(start, timeout, poll_interval, downloads)
        except KeyboardInterrupt:
            self.notify("interrupted: every task id so far is in %s" % self.path)
            pool.shutdown(wait=True, cancel_futures=True)  # requests not yet sent stay "new"
        finally:
            pool.shutdown(wait=True)
            downloads.shutdown(wait=True)
            save_state(self.state, self.path)
        return self.summary()

    def _recover_items(self):
        """Bring the items of an interrupted run back to a state this run can continue."""
        for item in self.state["items"]:
            if item["status"] == "submitting":  # stopped mid-POST: it may exist, never re-send
                item.update(status="UNKNOWN_SUBMISSION", error="the run stopped while this request "
                            "was being sent; check the console task list (it was not re-sent)")
            elif item["status"] in ("DOWNLOADING", "DOWNLOAD_FAILED") and item["task_id"]:
                item.update(status="PENDING", error=None)  # poll again, then download again

    def _set(self, item, **changes):
        with self.lock:
            item.update(changes)
            save_state(self.state, self.path)

    def _submit(self, item, downloads):
        self._set(item, status="submitting")
        try:
            answer = self.adapter.submit(item["request"])
        except SubmissionUnknown as exc:
            self._set(item, status="UNKNOWN_SUBMISSION", error=str(exc))
            return
        except QianwenError as exc:
            self._set(item, status="FAILED", error=str(exc))
            return
        except Exception as exc:  # a bug in one item must not lose the others' task ids
            self._set(item, status="FAILED", error="%s: %s" % (type(exc).__name__, exc))
            return
        if answer.get("task_id"):
            self._set(item, status="PENDING", task_id=answer["task_id"])
            self.notify("item %d: task %s submitted" % (item["index"], answer["task_id"]))
        else:
            self._set(item, status="SUCCEEDED", result=answer.get("result"))

    def _poll_loop(self, start, timeout, poll_interval, downloads):
        next_poll = {}
        while True:
            waiting = [i for i in self.state["items"] if i["status"] in tasks.WAITING + ("new", "submitting")]
            if not waiting:
                return
            elapsed = time.monotonic() - start
            if elapsed >= timeout:
                self.notify("--timeout reached with %d item(s) unfinished" % len(waiting))
                return
            for item in waiting:
                if not item["task_id"] or next_poll.get(item["index"], 0) > elapsed:
                    continue
                self._poll(item, downloads)
                next_poll[item["index"]] = elapsed + tasks.next_interval(elapsed, poll_interval)
            time.sleep(0.2 if poll_interval is None else min(0.2, poll_interval))

    def _poll(self, item, downloads):
        try:
            answer = tasks.fetch(self.config, item["task_id"], self.notify)
        except QianwenError as exc:
            self.notify("item %d: poll failed (%s); will try again" % (item["index"], exc))
            return
        status = tasks.status_of(answer)
        if status == item["status"]:
            return
        self.notify("item %d: task %s %s" % (item["index"], item["task_id"], status))
        if status in tasks.WAITING:
            self._set(item, status=status)
        elif status == "SUCCEEDED":
            self._set(item, status="DOWNLOADING")
            downloads.submit(self._finish, item, answer)
        else:
            output = answer.get("output") or {}
            self._set(item, status=status, error="%s %s" % (output.get("code") or status,
                                                            output.get("message") or ""))

    def _finish(self, item, answer):
        try:
            self._set(item, status="SUCCEEDED", result=self.adapter.finish(item["request"], answer))
        except QianwenError as exc:
            self._set(item, status="DOWNLOAD_FAILED", error=str(exc))

    def summary(self):
        items = self.state["items"]
        running = sum(i["status"] in tasks.WAITING + ("new", "submitting", "DOWNLOADING") for i in items)
        succeeded = sum(i["status"] == "SUCCEEDED" for i in items)
        return {"batch_id": self.state["batch_id"], "state_path": self.path, "total": len(items),
                "succeeded": succeeded, "failed": len(items) - succeeded - running, "running": running,
                "items": [{"index": i["index"], "status": i["status"], "task_id": i["task_id"],
                           "result": i["result"], "error": i["error"]} for i in items]}


def exit_code(summary):
    """3 while anything still runs (resume it), else 1 if anything failed, else 0."""
    if summary["running"]:
        return 3
    return 1 if summary["failed"] else 0


def drive(runner, resume, timeout, poll_interval=None):
    """Run a batch to its end or deadline: (flat summary for stdout, stderr lines, exit code)."""
    state, path = runner.state, runner.path
    try:
        summary = runner.run(timeout=timeout, poll_interval=poll_interval)
    except KeyboardInterrupt:  # a second Ctrl-C while the Runner was closing: the ids are in the state
        ids = ", ".join(item["task_id"] for item in state["items"] if item["task_id"]) or "(none yet)"
        raise StillRunning("interrupted; every task id so far is in %s" % path, ids, resume) from None
    result = flat_summary(summary, state)
    code = exit_code(summary)
    return result, report_lines(result, code, resume), code


def flat_summary(summary, state):
    """The Runner summary with each item's result fields (video_url, image_urls...) at item level."""
    requests = {item["index"]: item["request"] for item in state["items"]}
    items = []
    for item in summary["items"]:
        request = requests[item["index"]]
        entry = {"index": item["index"], "item": request.get("label"), "model": request.get("model"),
                 "status": item["status"], "error": item["error"]}
        if "mode" in request:
            entry["mode"] = request["mode"]
        entry.update(item["result"] or {})
        entry["task_id"] = item["task_id"] or entry.get("task_id")
        items.append(entry)
    return dict(summary, items=items)


def report_lines(result, code, resume):
    """What failed and why, and the resume command whenever something can still be saved."""
    lines = ["batch %s: %d succeeded, %d failed, %d running (of %d)" % (
        result["batch_id"], result["succeeded"], result["failed"], result["running"], result["total"])]
    for item in result["items"]:
        if code == 1 and item["status"] not in ("SUCCEEDED", "new", "submitting"):
            lines.append("%s (task %s): %s %s" % (item["item"], item["task_id"] or "-", item["status"],
                                                  item["error"] or ""))
    if code == 3 or any(item["status"] == "DOWNLOAD_FAILED" for item in result["items"]):
        lines.append("resume: %s" % resume)
    return lines
