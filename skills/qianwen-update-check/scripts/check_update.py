"""Check whether a newer QianWen skills bundle is published (at most one network check per 24 h)."""

import sys

if sys.version_info < (3, 9):  # noqa: UP036 - must run (and parse) on old interpreters
    sys.stderr.write("Python 3.9+ required (found %d.%d); install a newer python3 and run this again\n"
                     % sys.version_info[:2])
    raise SystemExit(2)

import datetime  # noqa: E402
import os  # noqa: E402
import time  # noqa: E402

# Bytecode goes to the user's cache folder: running a script writes nothing into the installed skill.
if not getattr(sys, "pycache_prefix", None):  # 3.8+: bytecode outside the skill
    sys.pycache_prefix = os.path.join(os.path.expanduser("~"), ".cache", "qianwen-ai", "pycache")

from qianwen_common import channel, cli, output, settings, update_state, versions  # noqa: E402
from qianwen_common.errors import UsageError  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

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
    parser = cli.parser("check_update.py", __doc__, EPILOG)
    parser.add_argument("--print-response", action="store_true",
                        help="print the result as one JSON object on stdout")
    parser.add_argument("--force", action="store_true",
                        help="ignore the 24 h memory and always ask the server now")
    parser.add_argument("--timeout", type=float, default=versions.FETCH_TIMEOUT,
                        help="seconds to wait for the server (default %(default)s)")
    args = parser.parse_args(argv)
    if not 0 < args.timeout <= 60:
        raise UsageError("--timeout %s: expected seconds between 0 and 60" % args.timeout)
    return args


def remote_url(values):
    """The URL to check; UsageError when QWEN_UPDATE_URL or QWEN_SKILLS_REPO is malformed."""
    if versions.skills_repo(values) is None:
        raise UsageError("QWEN_SKILLS_REPO must look like owner/name (default %s)" % versions.DEFAULT_REPO)
    url = versions.update_url(values)
    if url is None:
        raise UsageError("QWEN_UPDATE_URL must be an http(s):// URL of a version.json")
    return url


def check(path, url, force, timeout, local, notify):
    """(latest version or None, checked_at, was_cached, error) using the state file's memory."""
    now = time.time()
    state = update_state.read_state(path)
    latest = None if force else update_state.cached_latest(state, url, now, versions.parse_version)
    if latest:
        return latest, state.get("checked_at"), True, None
    notify("checking %s" % url)
    try:
        latest, error = versions.fetch_latest(url, timeout, local), None
    except (OSError, ValueError) as exc:
        latest, error = None, describe(exc)
    try:
        update_state.update_state(path, lambda s: update_state.record_check(s, url, latest, error, now))
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


def report(local, command, latest, checked_at, was_cached, error, url):
    """The JSON answer and the one human line for it."""
    has_update = bool(latest and local and versions.is_newer(latest, local))
    answer = {"has_update": has_update, "local_version": local, "latest_version": latest,
              "checked": latest is not None, "cached": was_cached, "update_command": command,
              "checked_at": _iso(checked_at), "source": url, "error": error}
    if latest is None:
        line = "could not check for updates: %s; local version %s. Try again later." % (error, local)
    elif has_update:
        line = "update available: %s -> %s; update with: %s" % (local, latest, command)
    elif local and versions.is_newer(local, latest):
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


def run(argv):
    args = parse(argv)
    values = settings.load()
    local = versions.local_version(HERE)
    command = channel.command_for(HERE, versions.skills_repo(values) or versions.DEFAULT_REPO)
    progress = output.Progress()
    if versions.opted_out(values):
        answer, line = report(local, command, None, None, False, "QWEN_NO_UPDATE_CHECK is set: no "
                              "update traffic; unset it to check", None)
    else:
        url = remote_url(values)
        path = update_state.state_path(values.root)
        answer, line = report(local, command, *check(path, url, args.force, args.timeout, local, progress),
                              url)
    progress(line)
    if args.print_response:
        output.emit(answer)
    return 0


def main(argv=None) -> int:
    return cli.run_main(lambda: run(argv))  # the shared shell turns failures into exit codes


if __name__ == "__main__":
    raise SystemExit(main())
