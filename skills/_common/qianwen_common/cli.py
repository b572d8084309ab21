"""The CLI shell every script shares: one-line argparse errors, common flags and checks, the request
read once, printed commands built once (shell-quoted), one dry-run schema, exit codes in one place."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys

from .errors import NetworkError, QianwenError, StillRunning, UsageError
from .redact import mask, one_line

MAX_DEPTH = 32
EXIT_HELP = ("exit codes: 0 done; 1 the API, the network or the task failed; 2 bad input or missing "
             "configuration (nothing was sent or paid); 3 the task is still running: run the printed "
             "resume: command.")


class Parser(argparse.ArgumentParser):
    """argparse whose errors are one line and exit 2, like every other bad-input message."""

    def error(self, message):
        self.exit(2, "error: %s (see --help)\n" % one_line(message, 400))


def parser(prog, description, epilog):
    return Parser(prog=prog, description=description, epilog=epilog,
                  formatter_class=argparse.RawDescriptionHelpFormatter)


def add_generation_flags(parser, default_model_help):
    """The flags image.py and video.py share."""
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--request", metavar="JSON", help="the request: short form or raw API form "
                        "{\"model\", \"input\", \"parameters\"}")
    source.add_argument("--file", metavar="PATH", help="read the request from a file; a JSON array or JSON "
                        "Lines file runs a batch (stdout: one summary JSON)")
    source.add_argument("--from", dest="from_sidecar", metavar="SIDECAR.json",
                        help="rerun a saved result from its sidecar JSON (a new seed unless --same-seed)")
    source.add_argument("--task-id", metavar="ID", help="resume an existing task: poll it, then download")
    source.add_argument("--resume", metavar="BATCH", help="continue a batch by id or state file path; never "
                        "re-submits an item that has a task id")
    source.add_argument("--cancel", metavar="ID", help="cancel a PENDING task (the API allows nothing else)")
    parser.add_argument("--model", metavar="ID", help=default_model_help)
    parser.add_argument("--endpoint", metavar="PATH", help="for a model this bundle does not know: the API "
                        "path to send it to, e.g. /services/aigc/video-generation/video-synthesis")
    parser.add_argument("--allow-field", action="append", default=[], metavar="NAME",
                        help="send a field the model's table entry does not list (repeatable; a warning)")
    parser.add_argument("--same-seed", action="store_true", help="with --from: keep the saved seed")
    parser.add_argument("--concurrency", type=int, default=3, metavar="N",
                        help="batch: items sent and downloaded at once (default 3, max 10)")
    parser.add_argument("--print-response", action="store_true",
                        help="also put the API's final answer in the stdout JSON as `response`")
    parser.add_argument("--dry-run", action="store_true",
                        help="show the plan (endpoint, headers with the key masked, body, billing); send nothing")
    parser.add_argument("--poll-interval", type=float, metavar="S",
                        help="seconds between polls (default adaptive: about 1 s at first, growing to 15 s)")
    parser.add_argument("--timeout", type=float, default=600.0, metavar="S",
                        help="stop waiting after S seconds with exit 3 and a resume command (default 600)")
    parser.add_argument("--quiet", action="store_true", help="only warnings, bills: and task lines on stderr")


def check_flags(args, parser):
    """Checks every generating script applies, as one-line argparse errors (exit 2)."""
    if not any((args.request, args.file, args.from_sidecar, args.task_id, args.resume, args.cancel)):
        parser.error("give --request JSON, --file PATH, --from SIDECAR.json, --task-id ID, --resume BATCH "
                     "or --cancel ID")
    if not 1 <= args.concurrency <= 10:
        parser.error("--concurrency %s: give a number from 1 to 10" % args.concurrency)
    if args.poll_interval is not None and not 0 < args.poll_interval <= 300:
        parser.error("--poll-interval %s: give seconds between 0 and 300" % args.poll_interval)
    if not 0 < args.timeout <= 86400:
        parser.error("--timeout %s: give a positive number of seconds (at most 86400)" % args.timeout)
    for name in ("output", "file", "from_sidecar", "resume"):
        value = getattr(args, name, None)
        if value and not value.isprintable():
            parser.error("--%s: the path holds a line break or control character" % name.replace("_", "-"))
    if (args.task_id or args.resume or args.cancel) and args.dry_run:
        parser.error("--dry-run is for new requests; --task-id, --resume and --cancel act on existing tasks")
    if args.same_seed and not args.from_sidecar:
        parser.error("--same-seed goes with --from SIDECAR.json")


def read_json(text, source):
    """A JSON value from text, refusing what would break later: deep nesting, lone surrogates."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise UsageError("%s is nested too deeply" % source) from None
    except ValueError as exc:
        raise UsageError("%s is not valid JSON (%s); example: --request '{\"prompt\": \"a cat\"}'"
                         % (source, one_line(str(exc), 120))) from None
    if _depth(value) > MAX_DEPTH:
        raise UsageError("%s is nested deeper than %d levels; requests are flat objects" % (source, MAX_DEPTH))
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError("%s holds a character that cannot be encoded (a lone surrogate such as \\ud800); "
                         "fix the text" % source) from None
    return value


def _depth(value, level=1):
    if level > MAX_DEPTH:
        return level
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return max([_depth(child, level + 1) for child in children] or [level])


def read_text(path, flag="--file"):
    if not os.path.isfile(path):
        raise UsageError("%s %s: not a readable file" % (flag, one_line(path, 200)))
    try:
        with open(path, "r", encoding="utf-8-sig") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError("%s %s: cannot read (%s)" % (flag, one_line(path, 200), type(exc).__name__)) from None


def read_request(args, text=None):
    """The one request of --request or --file (text: the file's content when already read), as a dict."""
    source = "--request" if args.request is not None else "--file %s" % args.file
    if text is None:
        text = args.request if args.request is not None else read_text(args.file)
    value = read_json(text, source)
    if not isinstance(value, dict):
        raise UsageError("the request must be a JSON object like {\"prompt\": \"...\"}")
    return value


def read_sidecar(args):
    """(request in raw API form, endpoint or None) from a result's sidecar, seed dropped unless --same-seed."""
    sidecar = read_json(read_text(args.from_sidecar, "--from"), "--from %s" % args.from_sidecar)
    body = sidecar.get("body") if isinstance(sidecar, dict) else None
    if not isinstance(body, dict) or not isinstance(body.get("model"), str):
        raise UsageError("--from %s: not a result sidecar (it has no body with a model)" % args.from_sidecar)
    body = json.loads(json.dumps(body))
    if not args.same_seed and isinstance(body.get("parameters"), dict):
        body["parameters"].pop("seed", None)
    return body, (None if sidecar.get("checked", True) else sidecar.get("endpoint"))


def command(script, *parts):
    """A command that runs a script again: python3, its absolute path and the arguments, shell-quoted."""
    return " ".join(shlex.quote(str(part)) for part in ("python3", os.path.abspath(script)) + parts)


def resume_command(script, task_id=None, batch_id=None, output=None, extra=()):
    """The resume: line, built in one place for every script."""
    parts = ["--task-id", task_id] if task_id else ["--resume", batch_id]
    if output:
        parts += ["--output", os.path.abspath(output)]
    return command(script, *(parts + list(extra)))


def check_command(script, task_id, output=None):
    return resume_command(script, task_id, output=output, extra=("--poll-once",))


def dry_run_view(plan, config):
    """The dry-run JSON, one schema for image and video: exactly what would be sent, key masked."""
    headers = {"Authorization": "Bearer ***" if config.api_key else "Bearer <DASHSCOPE_API_KEY not set>",
               "Content-Type": "application/json"}
    headers.update(plan.headers())
    return {"dry_run": True, "model": plan.model, "mode": plan.mode, "async": plan.is_async,
            "checked": plan.checked, "method": "POST", "url": config.api_base + plan.endpoint,
            "headers": headers, "body": plan.body,
            "uploads": [{"path": os.path.abspath(os.path.expanduser(slot.local)), "kind": slot.kind,
                         "where": list(slot.where)} for slot in plan.files],
            "poll": "GET %s/tasks/<task_id>" % config.api_base if plan.is_async else None,
            "billing": plan.billing, "notes": list(plan.notes), "label": plan.label or None}


def check_plan(plan):
    """Last checks on a built plan before anything is sent: local paths are printable one-liners."""
    for slot in plan.files:
        if not slot.local.isprintable():
            raise UsageError("%s: a local path holds a line break or control character" % one_line(slot.local, 80))


def show_plan(plan, progress):
    """The notes and the bills: line, before anything is paid."""
    for note in plan.notes:
        progress(note)
    if plan.billing:
        progress.always("bills: %s" % plan.billing["summary"])


def render(error):
    """Turn an exception into its stderr lines and exit code: one error: line, then the task lines."""
    if isinstance(error, QianwenError):
        lines = ["%s%s" % ("" if isinstance(error, StillRunning) else "error: ", one_line(mask(str(error))))]
        code = error.exit_code
    else:
        lines = ["error: %s: %s" % (type(error).__name__, one_line(mask(str(error))))]
        code = 1
    task_id = getattr(error, "task_id", None)
    if task_id:
        lines.append("task_id: %s" % task_id)
        if getattr(error, "resume", None):
            lines.append("resume: %s" % error.resume)
        if getattr(error, "check", None):
            lines.append("check: %s" % error.check)
    try:
        sys.stderr.write("\n".join(lines) + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    return code


def _sigterm(_signum, _frame):
    raise KeyboardInterrupt


def run_main(body):
    """Run body() -> exit code; SIGTERM is handled like Ctrl-C; exceptions become exit codes here only."""
    try:
        # _signal, not signal: the public module builds its enums at import (~1 ms of start-up).
        import _signal

        _signal.signal(_signal.SIGTERM, _sigterm)
    except (ValueError, OSError, AttributeError):
        pass
    try:
        return body()
    except KeyboardInterrupt:
        return render(NetworkError("interrupted before any task was submitted; nothing is left running"))
    except Exception as exc:  # noqa: BLE001 - the one place that turns errors into exit codes
        return render(exc)
