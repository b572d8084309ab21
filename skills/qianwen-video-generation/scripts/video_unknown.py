"""A model id not in the table: sent as given when its endpoint follows from its name or from --endpoint.

Nothing is checked against model rules (the API decides); only URL schemes and that local files exist.
"""

from __future__ import annotations

import copy

import video_media as media
import video_models as vm
from qianwen_common.errors import UsageError


def prepare(name, fields, form, request, args_mode, endpoint, detect, notes):
    """(mode, endpoint, body) for an unknown model; detect(fields) -> (mode, reason) is the fallback."""
    path = endpoint or vm.by_name(name, vm.NAME_ENDPOINTS)
    if path is None:
        raise UsageError("model=%s: not in this bundle's table, and its endpoint does not follow from its name; "
                         "pass --endpoint PATH from its API reference (e.g. --endpoint %s)" % (name, vm.SYNTHESIS))
    short = vm.by_name(name, vm.NAME_SHORT) or {}
    if form == "raw":
        body = copy.deepcopy(request)
        body["model"] = name
    else:
        media.to_media(fields, short, tuple(vm.MEDIA_KINDS), None)
        body = {"model": name, "input": {}, "parameters": {}}
        for key, value in fields.items():
            body["input" if key in vm.INPUT_FIELDS else "parameters"][key] = value
        if not body["parameters"]:
            del body["parameters"]
    for where, value, kind, slot_name in media.all_media(body):
        media.check_one(media.label(where), value, kind, None, slot_name)
    mode = args_mode or vm.by_name(name, vm.NAME_MODES)
    if mode is None:
        types = [item.get("type") for item in fields.get("media") or () if isinstance(item, dict)]
        mode = media.mix_mode(types) if short else detect(fields)[0]
    notes.append("model %s is not in this bundle's table: not checked locally; sending to %s (the API decides)"
                 % (name, path))
    return mode, path, body
