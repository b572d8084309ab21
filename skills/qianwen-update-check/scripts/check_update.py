"""Check whether a newer QianWen skills bundle is published (at most one network check per 24 h)."""

import sys

if sys.version_info < (3, 9):  # noqa: UP036 - must run (and parse) on old interpreters
    sys.stderr.write("Python 3.9+ required (found %d.%d); install a newer python3 and run this again\n"
                     % sys.version_info[:2])
    raise SystemExit(2)

import argparse  # noqa: E402
import datetime  # noqa: E402
import time  # noqa: E402

import gossamer  # noqa: E402
from qianwen_common import output  # noqa: E402
from qianwen_common.errors import UsageError  # noqa: E402

EPILOG = """examples:
  python3 <skill-dir>/scripts/check_update.py --print-response
  python3 <skill-dir>/scripts/check_update.py --force --print-response

exit codes:
  0  checked, cached, or offline (see "checked" in the JSON); 2  bad settings or arguments

environment:
  QWEN_UPDATE_URL        full URL of the published version.json (overrides QWEN_SKILLS_REPO)
  QWEN_SKILLS_REPO       owner/name of the published bundle (default QianWen-AI/qianwen-ai)
  QWEN_NO_UPDATE_CHECK=1 no update traffic at all (the script then reports checked: false)
  HTTPS_PROXY, SSL_CERT_FILE are honoured.
State: <project root>/.agents/state.json (a folder holding .agents, .git or skills/), else
~/.agents/state.json. A result is reused for 24 hours unless --force is given."""


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--print-response", action="store_true",
                        help="print the result as one JSON object on stdout")
    parser.add_argument("--force", action="store_true",
                        help="ignore the 24 h memory and always ask the server now")
    parser.add_argument("--timeout", type=float, default=gossamer.FETCH_TIMEOUT,
                        help="seconds to wait for the server (default %(default)s)")
    args = parser.parse_args(argv)
    if not 0 < args.timeout <= 60:
        raise UsageError("--timeout %s: expected seconds between 0 and 60" % args.timeout)
    return args


def settings():
    """The URL to check; UsageError when QWEN_UPDATE_URL or QWEN_SKILLS_REPO is malformed."""
    if gossamer.skills_repo() is None:
        raise UsageError("QWEN_SKILLS_REPO must look like owner/name (default %s)" % gossamer.DEFAULT_REPO)
    url = gossamer.update_url()
    if url is None:
        raise UsageError("QWEN_UPDATE_URL must be an http(s):// URL of a version.json")
    return url


def cached(state, url, now):
    """The remembered latest version when a check of this URL succeeded in the last 24 h."""
    checked_at = state.get("checked_at")
    if state.get("latest_url") != url or not isinstance(checked_at, (int, float)):
        return None
    if not 0 <= now - checked_at < gossamer.DAY or gossamer.parse_version(state.get("latest_version")) is None:
        return None
    return state["latest_version"]


def check(url, force, timeout, notify):
    """(latest version or None, checked_at, was_cached, error) using the state file's memory."""
    now = time.time()
    path = gossamer.state_path()
    latest = None if force else cached(gossamer.read_state(path), url, now)
    if latest:
        return latest, gossamer.read_state(path).get("checked_at"), True, None
    notify("checking %s" % url)
    try:
        latest, error = gossamer.fetch_latest(url, timeout), None
    except (OSError, ValueError) as exc:
        latest, error = None, describe(exc)
    try:
        gossamer.update_state(path, lambda s: gossamer.record_check(s, url, latest, error, now))
    except OSError as exc:
        notify("warning: cannot remember this check in %s (%s)" % (path, type(exc).__name__))
    return latest, (now if latest else None), False, error


def describe(exc):
    if isinstance(exc, ValueError):
        return str(exc)
    if isinstance(getattr(exc, "code", None), int):
        return "the server answered HTTP %d" % exc.code
    reason = getattr(exc, "reason", None) or exc
    return "offline or unreachable (%s: %s)" % (type(exc).__name__, str(reason)[:160])


def report(local, latest, checked_at, was_cached, error, url):
    """The JSON answer and the one human line for it."""
    has_update = bool(latest and local and gossamer.is_newer(latest, local))
    command = gossamer.update_command()
    answer = {"has_update": has_update, "local_version": local, "latest_version": latest,
              "checked": latest is not None, "cached": was_cached, "update_command": command,
              "checked_at": _iso(checked_at), "source": url, "error": error}
    if latest is None:
        line = "could not check for updates: %s; local version %s. Try again later." % (error, local)
    elif has_update:
        line = "update available: %s -> %s; update with: %s" % (local, latest, command)
    elif local and gossamer.is_newer(local, latest):
        line = "local version %s is newer than the published %s; nothing to do" % (local, latest)
    else:
        line = "up to date (%s)" % local
    if was_cached:
        line += " [checked %s; --force checks again now]" % answer["checked_at"]
    answer["message"] = line
    return answer, line


def _iso(stamp):
    if not isinstance(stamp, (int, float)):
        return None
    moment = datetime.datetime.fromtimestamp(stamp, datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def main(argv=None) -> int:
    try:
        args = parse(argv)
        local = gossamer.local_version()
        progress = output.Progress()
        if gossamer.opted_out():
            answer, line = report(local, None, None, False, "QWEN_NO_UPDATE_CHECK is set: no update "
                                  "traffic; unset it to check", None)
        else:
            url = settings()
            answer, line = report(local, *check(url, args.force, args.timeout, progress), url)
        progress(line)
        if args.print_response:
            output.emit(answer)
        return 0
    except Exception as exc:  # only main() turns failures into exit codes
        return output.fail(exc)


if __name__ == "__main__":
    raise SystemExit(main())
