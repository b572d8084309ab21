"""A request plan: one frozen, serialisable description of a paid call, built once and sent as is.

Each skill's request module builds the plan (seed included); the dry run prints it, a batch state
file stores it, and `pipeline.send(plan)` is the only code that sends it.
"""

from __future__ import annotations

import copy
import os

from .records import dataclass, field

ASYNC_HEADER = {"X-DashScope-Async": "enable"}
RESOLVE_HEADER = {"X-DashScope-OssResourceResolve": "enable"}


@dataclass(frozen=True)
class Target:
    """What a request builder must know of where the call goes (model ids and rules differ)."""

    international: bool = False   # a host outside mainland China (some model ids differ there)
    token_plan: bool = False      # an sk-sp- key on the Token Plan host


@dataclass(frozen=True)
class FileSlot:
    """A local file in the body: where it sits (keys and indexes from the body root) and its kind."""

    where: tuple                  # e.g. ("input", "media", 0, "url")
    local: str                    # the path as given (shown in the dry run and the sidecar)
    kind: str                     # image | video | audio | file


@dataclass(frozen=True)
class Plan:
    """One paid call. `body` holds local paths where `files` say; send() works on a copy."""

    model: str
    mode: str
    endpoint: str                 # path under /api/v1, e.g. /services/aigc/video-generation/video-synthesis
    is_async: bool
    body: dict
    label: str = ""
    files: tuple = ()             # FileSlot items
    billing: dict = None          # billing.make(...) of the request's units
    notes: tuple = ()             # stderr notes (defaults made explicit, ids mapped, ...)
    checked: bool = True          # False: a model not in the table, sent as given
    facts: dict = field(default_factory=dict)   # prompt, seed, size/resolution, duration, n: for results
    fallback: Plan = None         # the other documented route, tried only after a routing refusal

    def headers(self, body=None):
        """The extra headers of this call: async, and the oss:// resolve header when the body sent (or,
        before the uploads, the plan with its local files) holds an oss:// URL."""
        headers = dict(ASYNC_HEADER) if self.is_async else {}
        if (self.files and body is None) or _has_oss(self.body if body is None else body):
            headers.update(RESOLVE_HEADER)
        return headers

    def with_urls(self, urls):
        """A copy of the body with each file slot replaced by its uploaded URL (same order as files)."""
        body = copy.deepcopy(self.body)
        for slot, url in zip(self.files, urls):
            container = body
            for key in slot.where[:-1]:
                container = container[key]
            container[slot.where[-1]] = url
        return body

    def to_dict(self):
        """A JSON-ready form (batch state files, sidecars, dry runs)."""
        data = {"model": self.model, "mode": self.mode, "endpoint": self.endpoint, "async": self.is_async,
                "body": self.body, "label": self.label,
                "files": [{"where": list(s.where), "local": s.local, "kind": s.kind} for s in self.files],
                "billing": self.billing, "notes": list(self.notes), "checked": self.checked,
                "facts": self.facts}
        if self.fallback is not None:
            data["fallback"] = self.fallback.to_dict()
        return data

    @classmethod
    def from_dict(cls, data):
        return cls(model=data["model"], mode=data["mode"], endpoint=data["endpoint"],
                   is_async=bool(data["async"]), body=data["body"], label=data.get("label", ""),
                   files=tuple(FileSlot(tuple(f["where"]), f["local"], f["kind"]) for f in data.get("files", ())),
                   billing=data.get("billing"), notes=tuple(data.get("notes", ())),
                   checked=data.get("checked", True), facts=data.get("facts") or {},
                   fallback=cls.from_dict(data["fallback"]) if data.get("fallback") else None)


def draw_seed(high=2147483647):
    """The seed a builder puts in the plan when none is given (os.urandom: `random` costs ~1 ms to import)."""
    return int.from_bytes(os.urandom(4), "big") % (high + 1)


def _has_oss(value):
    if isinstance(value, str):
        return value.startswith("oss://")
    if isinstance(value, list):
        return any(_has_oss(item) for item in value)
    if isinstance(value, dict):
        return any(_has_oss(item) for item in value.values())
    return False
