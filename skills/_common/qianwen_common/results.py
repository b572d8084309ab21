"""What a person keeps of a result: a sidecar NAME.json beside each saved file, the folder's gallery,
and the saved task record that lets --task-id name the model and mode later."""

from __future__ import annotations

import json
import os
import time

from . import files
from .plan import Plan

SIDECAR_KIND = "qianwen-result"
TASKS_FOLDER = "tasks"


def sidecar_path(media_path):
    return os.path.splitext(media_path)[0] + ".json"


def write_sidecar(media_path, plan, task_id, answer, script, extra=None):
    """NAME.json beside a saved file: what was asked, what was sent (local paths, never keys or presigned
    queries), what it billed and what the API reported; returns its path."""
    facts = plan.facts
    data = {"kind": SIDECAR_KIND, "file": os.path.basename(media_path), "saved_at": _now(),
            "prompt": facts.get("prompt"), "model": plan.model,
            "mode": plan.mode, "seed": facts.get("seed"),
            "size": facts.get("size"), "resolution": facts.get("resolution"), "task_id": task_id,
            "request_id": answer.get("request_id"), "endpoint": plan.endpoint,
            "checked": plan.checked, "body": plan.body,
            "billing": plan.billing, "usage": answer.get("usage"),
            "rerun": rerun_command(script, sidecar_path(media_path))}
    data.update(extra or {})
    path = files.write_json_new(sidecar_path(media_path), data)
    if path != sidecar_path(media_path):  # the numbered name: keep the rerun command true
        files.replace_json(path, dict(data, rerun=rerun_command(script, path)))
    return path


def rerun_command(script, sidecar):
    from .cli import command

    return command(script, "--from", os.path.abspath(sidecar))


def refresh_gallery(folder, title):
    """Rewrite the folder's index.html from every sidecar in it; returns its path (None if nothing)."""
    from . import gallery

    items = []
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return None
    for name in names:
        if not name.endswith(".json"):
            continue
        data = _read(os.path.join(folder, name))
        if not data or data.get("kind") != SIDECAR_KIND or not data.get("file"):
            continue
        local = os.path.join(folder, data["file"])
        if os.path.isfile(local):
            items.append(dict(data, local_path=local, sidecar=os.path.join(folder, name),
                              kind="video" if local.lower().endswith((".mp4", ".mov")) else "image"))
    if not items:
        return None
    items.sort(key=lambda item: item.get("saved_at") or "")
    try:
        return gallery.write(folder, items, title)
    except OSError:
        return None  # a gallery is a convenience: never fail a paid result over it


def save_task_record(folder, task_id, plan):
    """<folder>/tasks/<task id>.json: the plan behind a task, for a later --task-id (model, mode, sidecar)."""
    path = os.path.join(folder, TASKS_FOLDER, task_id + ".json")
    files.replace_json(path, {"task_id": task_id, "saved_at": _now(), "plan": plan.to_dict()})
    return path


def load_task_record(folder, task_id):
    """The plan saved for task_id, or None."""
    data = _read(os.path.join(folder, TASKS_FOLDER, task_id + ".json"))
    try:
        return Plan.from_dict(data["plan"]) if data else None
    except (KeyError, TypeError, ValueError):
        return None


def _read(path):
    try:
        with open(path, "r", encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _now():
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")
