"""Update signals for the qianwen-* skills: [ACTION_REQUIRED] and [UPDATE_AVAILABLE] on stderr.

Run directly: --dismiss silences the signals for 24 h, --never-install for good.
Scripts call signal_updates(__file__) after validating their input. The call never touches the
network: a check that is due runs in a detached background process, and the next run shows it.
"""

import os
import sys
import time

# Bytecode goes to the user's cache folder: running a script writes nothing into the installed skill.
if not getattr(sys, "pycache_prefix", None):  # 3.8+: bytecode outside the skill
    sys.pycache_prefix = os.path.join(os.path.expanduser("~"), ".cache", "qianwen-ai", "pycache")

from qianwen_common import channel, update_state, versions  # noqa: E402

UPDATE_SKILL = "qianwen-update-check"
ACTION_REQUIRED = "[ACTION_REQUIRED] qianwen-update-check skill is not installed"
CONTAINERS = ("skills", os.path.join(".agents", "skills"), os.path.join(".claude", "skills"))
FOREGROUND_LOCK_WAIT = 0.02             # a user's call never waits longer than this for the lock
HERE = os.path.dirname(os.path.abspath(__file__))


def _settings():
    # Imported here: the settings module costs more than the rest and --help never needs it.
    from qianwen_common import settings
    return settings.load()


def state_path():
    """<project root>/.agents/state.json, else ~/.agents/state.json (the settings' one root rule)."""
    return update_state.state_path(_settings().root)


def update_skill_installed(script_path=None, cwd=None, home=None):
    """True when a qianwen-update-check skill sits beside this one or in a known skills folder."""
    from qianwen_common import settings
    paths = [os.path.abspath(__file__), os.path.realpath(__file__)]
    if script_path:
        paths += [os.path.abspath(script_path), os.path.realpath(script_path)]
    containers = []
    for path in paths:
        skill_dir = os.path.dirname(os.path.dirname(path))         # <skill>/scripts/x.py
        if os.path.basename(skill_dir) == UPDATE_SKILL:
            return True
        containers.append(os.path.dirname(skill_dir))
    root = settings.project_root(cwd)
    for base in ([root] if root else []) + [home or os.path.expanduser("~")]:
        containers += [os.path.join(base, name) for name in CONTAINERS]
    seen = set()
    for container in containers:
        if container not in seen:
            seen.add(container)
            if os.path.isfile(os.path.join(container, UPDATE_SKILL, "SKILL.md")):
                return True
    return False


def signal_updates(script_path=None, stream=None):
    """Print at most one update signal on stderr; never slows or fails the caller."""
    try:
        values = _settings()
        if versions.opted_out(values):
            return None
        return _signal(values, script_path or (sys.argv[0] if sys.argv else None), stream or sys.stderr)
    except Exception:  # a broken state file, folder or .env must never break the user's call
        return None


def _signal(values, script_path, stream):
    now = time.time()
    path = update_state.state_path(values.root)
    state = update_state.read_state(path)
    if not update_skill_installed(script_path):
        home = update_state.home_state_path()
        if state.get("never_install") is True or _dismissed(state, now):
            return None
        if path != home and update_state.read_state(home).get("never_install") is True:
            return None
        # Not snoozed here: it repeats until the user answers (--dismiss or --never-install).
        _say(stream, ACTION_REQUIRED)
        return ACTION_REQUIRED
    url = versions.update_url(values)
    line = _update_line(values, state, url, now, script_path)
    due = url is not None and _refresh_due(state, url, now)
    if line is None and not due:
        return None
    claimed = {}

    def change(section):
        if line is not None:
            section["shown"] = {"version": state.get("latest_version"), "at": now}
        if due and _refresh_due(section, url, now):     # re-checked under the lock
            section["attempted_at"], section["attempted_url"] = now, url
            claimed["refresh"] = True

    if line is not None:
        _say(stream, line)
    try:
        written = update_state.update_state(path, change, wait=FOREGROUND_LOCK_WAIT)
    except OSError:           # a read-only folder: show signals, but never refresh in a loop
        written = None
    if written is not None and claimed:
        _spawn_refresh(path, url)
    return line


def _update_line(values, state, url, now, script_path):
    latest, local = state.get("latest_version"), versions.local_version(HERE)
    if state.get("latest_url") != url or not local or not versions.is_newer(latest, local):
        return None
    if _dismissed(state, now):
        return None
    shown = state.get("shown") if isinstance(state.get("shown"), dict) else {}
    if shown.get("version") == latest and 0 <= now - update_state.number(shown, "at") < update_state.DAY:
        return None
    scripts = os.path.dirname(os.path.abspath(script_path)) if script_path else HERE
    command = channel.command_for(scripts, versions.skills_repo(values) or versions.DEFAULT_REPO)
    return "[UPDATE_AVAILABLE] %s -> %s: %s" % (local, latest, command)


def _refresh_due(state, url, now):
    return (state.get("attempted_url") != url
            or not 0 <= now - update_state.number(state, "attempted_at") < update_state.DAY)


def _dismissed(state, now):
    # Bounded by a day (plus slack) so a clock set back cannot silence the signals for longer.
    return 0 < update_state.number(state, "dismissed_until") - now <= update_state.DAY + 60


def _say(stream, line):
    try:
        stream.write(line + "\n")
        stream.flush()
    except (OSError, ValueError):
        pass


def _spawn_refresh(path, url):
    """Start `gossamer.py --refresh` detached: it outlives the caller and never writes to it."""
    import subprocess
    options = {"stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL,
               "stderr": subprocess.DEVNULL, "close_fds": True}
    if os.name == "nt":
        options["creationflags"] = 0x00000008 | 0x00000200  # DETACHED_PROCESS | NEW_PROCESS_GROUP
    else:
        options["start_new_session"] = True
    subprocess.Popen([sys.executable, os.path.realpath(__file__), "--refresh", "--state", path,
                      "--url", url], **options)


def refresh(path, url, timeout=10.0):
    """Background half: fetch the published version and store it; the next call shows it."""
    try:
        latest = versions.fetch_latest(url, timeout, versions.local_version(HERE))
        error = None
    except (OSError, ValueError) as exc:
        latest, error = None, "%s: %s" % (type(exc).__name__, str(exc)[:200])
    update_state.update_state(path, lambda section: update_state.record_check(section, url, latest, error))
    return 0 if latest else 1


def main(argv=None):
    if sys.version_info < (3, 9):  # noqa: UP036 - agents may run this file with an old python3
        sys.stderr.write("Python 3.9+ required (found %d.%d); install a newer python3\n" % sys.version_info[:2])
        return 2
    import argparse

    from qianwen_common import cli  # one-line argparse errors, as every script (only when run directly)

    parser = cli.parser(
        "gossamer.py", __doc__,
        "examples:\n  python3 gossamer.py --dismiss\n  python3 gossamer.py --never-install\n\n"
        "State: <project root>/.agents/state.json (else ~/.agents/state.json).\n"
        "QWEN_NO_UPDATE_CHECK=1 turns signals and update traffic off.")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--dismiss", action="store_true", help="silence update signals for 24 h")
    group.add_argument("--never-install", action="store_true",
                       help="never ask to install qianwen-update-check again")
    group.add_argument("--refresh", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--state", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        if args.refresh:
            if not args.url or versions.opted_out(_settings()):
                return 0
            return refresh(args.state or state_path(), args.url)
        target = args.state or state_path()
        if args.dismiss:
            update_state.dismiss(target)
            sys.stderr.write("update signals silenced for 24 hours (%s)\n" % target)
        else:
            where = update_state.never_install(target)
            sys.stderr.write("will not ask to install %s again (%s)\n" % (UPDATE_SKILL, ", ".join(where)))
    except OSError as exc:
        sys.stderr.write("error: cannot write the update state: %s\n" % exc)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
