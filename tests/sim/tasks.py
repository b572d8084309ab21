"""Task query, list and cancel (fact sheet §4). Result fields (video_url, orig_prompt, results[]) appear only
once a task has SUCCEEDED; a FAILED task carries code and message (the task's own failure, else
sim.failure_code / sim.failure_message)."""

import time
import uuid

from .server import Reply, api_error

TERMINAL = ("SUCCEEDED", "FAILED", "CANCELED")


def _clock(seconds):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(seconds)) + ".%03d" % (int(seconds * 1000) % 1000)


def _times(sim, task, status):
    """(started, ended) epoch seconds, None while not reached."""
    started = task["created"] + min(sim.pending_seconds, task["seconds"])
    ended = task["created"] + task["seconds"]
    if status == "CANCELED":
        return None, task.get("canceled_at")
    return (started if status != "PENDING" else None), (ended if status in TERMINAL else None)


def _failure(sim, task):
    if task.get("failure"):
        return task["failure"]
    if task.get("inspection"):
        return "InvalidParameter.DataInspection", sim.failure_message or "simulated failure"
    return sim.failure_code or "InternalError.Algo", sim.failure_message or "simulated failure"


def _task_answer(sim, task):
    status = sim.task_status(task)
    output = {"task_id": task["id"], "task_status": status, "submit_time": _clock(task["created"])}
    started, ended = _times(sim, task, status)
    if started:
        output["scheduled_time"] = _clock(started)
    if ended:
        output["end_time"] = _clock(ended)
    answer = {"request_id": str(uuid.uuid4()), "output": output}
    if status == "SUCCEEDED":
        output.update(task["result"]["output"])
        answer["usage"] = task["result"].get("usage", {})
    elif status == "FAILED":
        output["code"], output["message"] = _failure(sim, task)
    elif status == "UNKNOWN":
        answer["output"] = {"task_id": task["id"], "task_status": "UNKNOWN"}
    return answer


def tasks_route(sim, method, path, query):
    parts = path.rstrip("/").split("/")  # ['', 'api', 'v1', 'tasks', id, 'cancel']
    if len(parts) == 4 and method == "GET":
        return _list(sim, query)
    if len(parts) < 5:
        return api_error(404, "NotFound", "no such path")
    task = sim.tasks.get(parts[4])
    if len(parts) == 6 and parts[5] == "cancel" and method == "POST":
        if task is None or sim.task_status(task) != "PENDING":
            return api_error(400, "UnsupportedOperation", "Failed to cancel the task, please confirm "
                             "if the task is in PENDING status")
        task["canceled"], task["canceled_at"] = True, time.time()
        return Reply(200, {"request_id": str(uuid.uuid4())})
    if len(parts) != 5 or method != "GET":
        return api_error(404, "NotFound", "no such path")
    if task is None:
        return Reply(200, {"request_id": str(uuid.uuid4()),
                           "output": {"task_id": parts[4], "task_status": "UNKNOWN"}})
    return Reply(200, _task_answer(sim, task))


def _window(query):
    """(from, to) epoch seconds of the start_time/end_time filters (YYYYMMDDhhmmss, local time)."""
    bounds = []
    for name, default in (("start_time", 0.0), ("end_time", float("inf"))):
        text = query.get(name)
        if not text:
            bounds.append(default)
            continue
        try:
            bounds.append(time.mktime(time.strptime(text, "%Y%m%d%H%M%S")))
        except ValueError:
            return None
    return bounds


def _list(sim, query):
    window = _window(query)
    if window is None:
        return api_error(400, "InvalidParameter", "start_time/end_time must look like 20230420000000")
    items = []
    for task in sorted(sim.tasks.values(), key=lambda t: t["created"], reverse=True):
        status = sim.task_status(task)
        if query.get("model_name") and task["model"] != query["model_name"]:
            continue
        if query.get("status") and status != query["status"]:
            continue
        if not window[0] <= task["created"] <= window[1] + 1:
            continue
        started, ended = _times(sim, task, status)
        items.append({"task_id": task["id"], "status": status, "model_name": task["model"],
                      "gmt_create": int(task["created"] * 1000),
                      "start_time": int(started * 1000) if started else None,
                      "end_time": int(ended * 1000) if ended else None,
                      "request_id": task["id"][:8] + "-req", "region": "cn-beijing"})
    size = int(query.get("page_size", 10))
    page = max(1, int(query.get("page_no", 1)))
    return Reply(200, {"request_id": str(uuid.uuid4()), "data": items[(page - 1) * size:page * size],
                       "total": len(items), "total_page": max(1, -(-len(items) // size)), "page_no": page,
                       "page_size": size})
