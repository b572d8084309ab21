"""Task query, list and cancel."""

import time
import uuid

from .server import Reply, api_error


def _task_answer(sim, task):
    status = sim.task_status(task)
    output = {"task_id": task["id"], "task_status": status,
              "submit_time": time.strftime("%Y-%m-%d %H:%M:%S.000", time.localtime(task["created"]))}
    answer = {"request_id": str(uuid.uuid4()), "output": output}
    if status == "SUCCEEDED":
        output.update(task["result"]["output"])
        answer["usage"] = task["result"].get("usage", {})
    elif status == "FAILED":
        output.update({"code": "InvalidParameter.DataInspection" if task.get("inspection") else
                       "InternalError.Algo", "message": "simulated failure"})
    elif status == "UNKNOWN":
        output = {"task_id": task["id"], "task_status": "UNKNOWN"}
        answer["output"] = output
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
        task["canceled"] = True
        return Reply(200, {"request_id": str(uuid.uuid4())})
    if len(parts) != 5 or method != "GET":
        return api_error(404, "NotFound", "no such path")
    if task is None:
        return Reply(200, {"request_id": str(uuid.uuid4()),
                           "output": {"task_id": parts[4], "task_status": "UNKNOWN"}})
    return Reply(200, _task_answer(sim, task))


def _list(sim, query):
    items = []
    for task in sorted(sim.tasks.values(), key=lambda t: t["created"], reverse=True):
        if query.get("model_name") and task["model"] != query["model_name"]:
            continue
        items.append({"task_id": task["id"], "status": sim.task_status(task), "model_name": task["model"],
                      "gmt_create": int(task["created"] * 1000)})
    size = int(query.get("page_size", 10))
    return Reply(200, {"request_id": str(uuid.uuid4()), "data": items[:size], "total": len(items),
                       "total_page": 1, "page_no": 1, "page_size": size})
