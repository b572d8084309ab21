"""Batches: many plans at once; a locked state file holds every plan and task id so nothing is paid twice."""

from __future__ import annotations

import os
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from . import billing, files, pipeline, tasks
from .errors import ApiError, NetworkError, QianwenError, StillRunning, SubmissionUnknown, UsageError
from .plan import Plan
from .redact import one_line

MAX_CONCURRENCY = 10
OPEN = ("new", "submitting") + tasks.WAITING
LOOKUP_WAITS = (0.0,)       # a resumed run looks once: the task list had all the time it needed


def parse_items(text, path):
    """(items, labels) from a batch file's text: a JSON array of objects, or JSON Lines."""
    from .cli import read_json

    stripped = text.strip()
    if stripped.startswith("["):
        items = read_json(stripped, "--file %s" % path)
        where = ["item %d" % (i + 1) for i in range(len(items))]
    else:
        items, where = [], []
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                items.append(read_json(line, "--file %s line %d" % (path, number)))
                where.append("line %d" % number)
    if not items:
        raise UsageError("--file %s holds no requests" % path)
    for label, item in zip(where, items):
        if not isinstance(item, dict):
            raise UsageError("--file %s %s: each request must be a JSON object" % (path, label))
    return items, where


def file_batch(text, path):
    """(items, labels) when the --file text holds a batch (JSON array or JSON Lines); None for one object."""
    stripped = text.strip()
    if stripped.startswith("{") and sum(1 for line in text.splitlines() if line.strip().startswith("{")) < 2:
        return None  # one object (maybe pretty-printed): the single-request reader handles it
    return parse_items(text, path)


def new_state(folder, saved, plans):
    """A fresh batch: its id, state path and one entry per plan (the exact plan that will be sent)."""
    batch_id = time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]
    path = os.path.join(folder, "batches", batch_id + ".json")
    state = {"batch_id": batch_id, "created": time.time(), "args": saved,
             "billing": billing.total([plan.billing for plan in plans]),
             "items": [{"index": i + 1, "label": plan.label, "plan": plan.to_dict(), "status": "new",
                        "task_id": None, "result": None, "error": None, "submit_started": None,
                        "submit_ended": None} for i, plan in enumerate(plans)]}
    return state, path


def load_state(ref, folder):
    """The state of an earlier batch, by id or path; UsageError when there is none."""
    import json

    if not ref.endswith(".json") and not all(c.isalnum() or c in "-_" for c in ref):
        raise UsageError("--resume %s: give a batch id (like 20261201-120000-ab12cd) or its state file path"
                         % one_line(ref, 80))
    path = ref if ref.endswith(".json") else os.path.join(folder, "batches", ref + ".json")
    try:
        with open(path, "r", encoding="utf-8") as handle:
            state = json.load(handle)
    except (OSError, ValueError) as exc:
        raise UsageError("--resume %s: no readable batch state at %s (%s)"
                         % (one_line(ref, 80), one_line(path, 200), type(exc).__name__)) from None
    if not isinstance(state, dict) or not isinstance(state.get("items"), list) or "batch_id" not in state:
        raise UsageError("--resume %s: %s is not a batch state file" % (one_line(ref, 80), path))
    return state, path


def lock(path, batch_id):
    """Hold the batch for this whole run: a second run of the same batch is exit 2, naming the holder."""
    try:
        import fcntl
    except ImportError:
        return None   # no flock here: the atomic state file alone
    os.makedirs(os.path.dirname(path), exist_ok=True)
    handle = open(path + ".lock", "a+")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise UsageError("batch %s is being run by process %s; wait for it to finish, then --resume it"
                         % (batch_id, one_line(holder, 20))) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


class Runner:
    """Submit with bounded concurrency, poll all tasks from one loop, finish (download) concurrently."""

    def __init__(self, config, state, path, run, concurrency=3):
        self.config, self.state, self.path, self.run = config, state, path, run
        self.concurrency = max(1, min(MAX_CONCURRENCY, concurrency))
        self.notify = run.notify
        self.lock = threading.Lock()

    def drive(self, timeout=600.0, poll_interval=None):
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
            pool.shutdown(wait=True, cancel_futures=True)  # past the deadline: unsent items stay "new"
        except KeyboardInterrupt:
            self.notify("interrupted: every task id so far is in %s and printed above" % self.path)
            pool.shutdown(wait=True, cancel_futures=True)  # requests not yet sent stay "new"
        finally:
            pool.shutdown(wait=True)
            downloads.shutdown(wait=True)
            self._save()
        return self.summary()

    def _recover_items(self):
        """Items of an interrupted run: a submit that was in flight is looked up, never re-sent."""
        known = {item["task_id"] for item in self.state["items"] if item["task_id"]}
        stopped = [item for item in self.state["items"] if item["status"] == "submitting"]
        for item in stopped:
            self._lookup(item, known, stopped)
        for item in self.state["items"]:
            if item["status"] in ("DOWNLOADING", "DOWNLOAD_FAILED") and item["task_id"]:
                item.update(status="PENDING", error=None)  # poll again, then download again

    def _lookup(self, item, known, stopped):
        plan = Plan.from_dict(item["plan"])
        started = item.get("submit_started") or self.state.get("created", 0)
        ended = item.get("submit_ended") or started + 150
        rivals = sum(1 for other in stopped if other is not item and other["plan"]["model"] == plan.model
                     and (other.get("submit_started") or 0) <= ended)
        try:
            adopted, found, why = tasks.lookup(self.config, plan.model, started, ended, plan.facts.get("prompt"),
                                               known, rivals, self.notify, waits=LOOKUP_WAITS)
        except (ApiError, NetworkError) as exc:
            adopted, found, why = None, [], "the task list could not be read (%s)" % exc
        if adopted:
            known.add(adopted)
            item.update(status="PENDING", task_id=adopted, error=None)
            self.notify("item %d: the submit in flight when the run stopped became task %s; following it"
                        % (item["index"], adopted))
        else:
            item.update(status="UNKNOWN_SUBMISSION", error="the run stopped while this request was being sent "
                        "and %s%s; it was not re-sent: check the console's task list" % (
                            why, (" (candidates: %s)" % ", ".join(found)) if found else ""))

    def _save(self):
        try:
            files.replace_json(self.path, self.state)
        except files.LocalWriteError as exc:
            self.notify.warn("the batch state could not be saved (%s); the task ids are printed above" % exc)

    def _set(self, item, **changes):
        with self.lock:
            item.update(changes)
            self._save()

    def _submit(self, item, downloads):
        self._set(item, status="submitting", submit_started=time.time())
        plan = Plan.from_dict(item["plan"])
        run = pipeline.Run(notify=self.notify, resume_for=self.run.resume_for,
                           on_task=lambda task_id, sent: self._set(item, status="PENDING", task_id=task_id,
                                                                   plan=sent.to_dict(), submit_ended=time.time()))
        try:
            kind, value, used = pipeline.start(plan, self.config, run)
        except SubmissionUnknown as exc:
            self._set(item, status="UNKNOWN_SUBMISSION", error=str(exc), submit_ended=time.time())
            return
        except QianwenError as exc:
            self._set(item, status="FAILED", error=str(exc), submit_ended=time.time())
            return
        except Exception as exc:  # noqa: BLE001 - a bug in one item must not lose the others' task ids
            self._set(item, status="FAILED", error="%s: %s" % (type(exc).__name__, exc))
            return
        if used is not plan:
            self._set(item, plan=used.to_dict())
        if kind == "answer":
            self._set(item, status="DOWNLOADING", submit_ended=time.time())
            downloads.submit(self._finish, item, value, used)
        else:
            self.notify("item %d: task %s submitted" % (item["index"], value))

    def _poll_loop(self, start, timeout, poll_interval, downloads):
        next_poll = {}
        while True:
            waiting = [i for i in self.state["items"] if i["status"] in OPEN]
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
            downloads.submit(self._finish, item, answer, Plan.from_dict(item["plan"]))
        else:
            self._set(item, status=status, error=str(pipeline.failed(item["task_id"], status, answer)))

    def _finish(self, item, answer, plan):
        try:
            self._set(item, status="SUCCEEDED", result=self.run.finish(plan, answer, item["task_id"]))
        except QianwenError as exc:
            self._set(item, status="DOWNLOAD_FAILED", error=str(exc))
        except Exception as exc:  # noqa: BLE001 - keep the task id and the reason
            self._set(item, status="DOWNLOAD_FAILED", error="%s: %s" % (type(exc).__name__, exc))

    def summary(self):
        items = self.state["items"]
        running = sum(i["status"] in OPEN + ("DOWNLOADING",) for i in items)
        succeeded = sum(i["status"] == "SUCCEEDED" for i in items)
        entries = []
        for item in items:
            plan = item["plan"]
            entry = {"index": item["index"], "item": item.get("label"), "model": plan["model"],
                     "mode": plan["mode"], "status": item["status"], "error": item["error"]}
            entry.update(item["result"] or {})
            entry["task_id"] = item["task_id"] or entry.get("task_id")
            entries.append(entry)
        return {"batch_id": self.state["batch_id"], "state_path": self.path, "total": len(items),
                "succeeded": succeeded, "failed": len(items) - succeeded - running, "running": running,
                "billing": self.state.get("billing"), "items": entries}


def exit_code(summary):
    """3 while anything still runs (resume it), else 1 if anything failed, else 0."""
    if summary["running"]:
        return 3
    return 1 if summary["failed"] else 0


def drive(runner, resume, timeout, poll_interval=None):
    """Run a batch to its end or deadline: (summary for stdout, stderr lines, exit code)."""
    try:
        summary = runner.drive(timeout=timeout, poll_interval=poll_interval)
    except KeyboardInterrupt:  # a second Ctrl-C while the Runner was closing: the ids are in the state
        raise StillRunning("interrupted; every task id so far is in %s" % runner.path, None, resume) from None
    code = exit_code(summary)
    return summary, report_lines(summary, code, resume), code


def report_lines(result, code, resume):
    """What failed and why, and the resume command whenever something can still be saved."""
    lines = ["batch %s: %d succeeded, %d failed, %d running (of %d)" % (
        result["batch_id"], result["succeeded"], result["failed"], result["running"], result["total"])]
    for item in result["items"]:
        if code == 1 and item["status"] not in ("SUCCEEDED", "new", "submitting"):
            lines.append("%s (task %s): %s %s" % (item["item"], item["task_id"] or "-", item["status"],
                                                  one_line(item["error"] or "", 400)))
    if code == 3 or any(item["status"] == "DOWNLOAD_FAILED" for item in result["items"]):
        lines.append("resume: %s" % resume)
    return lines
