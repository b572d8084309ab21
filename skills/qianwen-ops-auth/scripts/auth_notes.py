"""Qwen Code settings worth a note, and the evidence files of a key check (never any key text)."""

import datetime
import json
import os
from urllib.parse import urlsplit

from qianwen_common import settings
from qianwen_common.redact import mask, mask_data, register_secret

REUSE = ("these scripts read DASHSCOPE_API_KEY, not Qwen Code's OPENAI_API_KEY or .qwen/.env. To "
         "reuse that key here, the user copies the value of OPENAI_API_KEY from %s into ./.env as "
         "DASHSCOPE_API_KEY=... in an editor (never through the chat)")


def qwen_code_files(cwd, home):
    """Every .qwen/.env from cwd up to / and in the home folder, nearest first, no repeats."""
    found, seen = [], set()
    path = os.path.abspath(cwd)
    folders = []
    while True:
        folders.append(path)
        parent = os.path.dirname(path)
        if parent == path:
            break
        path = parent
    folders.append(os.path.abspath(home))
    for folder in folders:
        candidate = os.path.join(folder, ".qwen", ".env")
        real = os.path.realpath(candidate)
        if real not in seen and os.path.isfile(candidate):
            seen.add(real)
            found.append(candidate)
    return found


def dashscope_host(url):
    """The host of an OpenAI-compatible base URL when it is a DashScope / plan host, else None."""
    host = (urlsplit(url.strip()).hostname or "") if url else ""
    if host.endswith("aliyuncs.com") and ("dashscope" in host or "maas" in host):
        return host
    return None


def plan_of(host):
    if host.startswith("coding"):
        return "Coding Plan"
    if host.startswith("token-plan"):
        return "Token Plan"
    return None


def qwen_code_notes(cwd, home, environ=None):
    """Notes about Qwen Code settings aimed at DashScope: only whether a key is set and the host."""
    sources = [(path, {name: value for name, (value, _line) in settings.parse_env_file(path)[0].items()})
               for path in qwen_code_files(cwd, home)]
    environ = settings.load(cwd).values if environ is None else environ
    if environ.get("OPENAI_API_KEY") and dashscope_host(environ.get("OPENAI_BASE_URL", "")):
        sources.append(("the environment (OPENAI_API_KEY)", environ))
    notes = []
    for where, values in sources:
        host = dashscope_host(values.get("OPENAI_BASE_URL", ""))
        if not host:
            continue
        # The key itself is never inspected or compared: only whether one is set.
        register_secret(values.get("OPENAI_API_KEY", "").strip())
        note = {"path": where, "base_url_host": host, "plan": plan_of(host),
                "has_key": bool(values.get("OPENAI_API_KEY", "").strip())}
        note["advice"] = _advice(where, host, note)
        notes.append(note)
    return notes


def _advice(where, host, note):
    if note["plan"]:
        return ("Qwen Code here uses a %s key (%s); these scripts read DASHSCOPE_API_KEY: a Token Plan key "
                "there generates images and video for the plan's models on the Token Plan host, a Coding Plan "
                "key none; a pay-as-you-go sk- key works with every model" % (note["plan"], host))
    if not note["has_key"]:
        return ("Qwen Code points at %s but sets no OPENAI_API_KEY there (a Qwen OAuth login does not "
                "configure these scripts); set DASHSCOPE_API_KEY" % host)
    if where.startswith("the environment"):
        return ("these scripts read DASHSCOPE_API_KEY; to reuse Qwen Code's key in this shell: "
                "export DASHSCOPE_API_KEY=\"$OPENAI_API_KEY\"")
    return REUSE % where


def evidence_stem(folder, now):
    """A new, unused path stem auth-check-<UTC time>[_n] in folder."""
    base = os.path.join(folder, "auth-check-" + now.strftime("%Y%m%d-%H%M%SZ"))
    number = 0
    while True:
        stem = base if number == 0 else "%s_%d" % (base, number)
        if not os.path.exists(stem + ".json") and not os.path.exists(stem + ".txt"):
            return stem
        number += 1


def write_evidence(folder, record, text):
    """Write record (JSON) and text beside it, both masked, never over an existing file."""
    os.makedirs(folder, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    while True:
        stem = evidence_stem(folder, now)
        try:
            handle = open(stem + ".json", "x", encoding="utf-8")
        except FileExistsError:     # another check took this name in the meantime
            continue
        break
    with handle:
        record = dict(record, evidence={"json": stem + ".json", "text": stem + ".txt"})
        json.dump(mask_data(record), handle, indent=2, ensure_ascii=False)
        handle.write("\n")
    with open(stem + ".txt", "x", encoding="utf-8") as handle:
        handle.write(mask(text))
    return stem + ".json", stem + ".txt"


def render_text(record):
    """The short human summary: one fact per line."""
    probe = record.get("probe") or {}
    status = probe.get("http_status")
    lines = [
        "QianWen API key check, %s" % record["checked_at"],
        "key: %s" % ("set, from " + record["key_source"] if record["key_set"] else "not set"),
        "kind: %s" % record["key_kind_note"],
        "region: %s" % record["region"],
        "endpoint: %s" % record["endpoint"],
    ]
    if probe:
        answer = "HTTP %s" % status if status is not None else probe.get("error") or "no answer"
        if probe.get("error_code"):
            answer += " %s" % probe["error_code"]
        if probe.get("request_id"):
            answer += " (request_id %s)" % probe["request_id"]
        lines.append("probe: POST %s model %s -> %s in %s ms" % (
            record["endpoint"], probe.get("model"), answer, probe.get("elapsed_ms")))
    lines.append("verdict: %s - %s" % (record["verdict"], record["summary"]))
    lines += ["next: %s" % step for step in record["next_steps"]]
    lines += ["note: %s: %s" % (note["path"], note["advice"]) for note in record["qwen_code"]]
    lines += ["warning: %s" % warning for warning in record["warnings"]]
    return "\n".join(lines) + "\n"
