"""Update signals for the qianwen-* skills: [ACTION_REQUIRED] and [UPDATE_AVAILABLE] on stderr.

Run directly: --dismiss silences the signals for 24 h, --never-install for good.
Scripts call signal_updates(__file__) after validating their input. The call never touches the
network: a check that is due runs in a detached background process, and the next run shows it.
"""

import os
import sys
import time

UPDATE_SKILL = "qianwen-update-check"
DEFAULT_REPO = "QianWen-AI/qianwen-ai"
REMOTE_PATH = "skills/qianwen-update-check/version.json"
ACTION_REQUIRED = "[ACTION_REQUIRED] qianwen-update-check skill is not installed"
DAY = 24 * 3600.0
STATE_KEY = "qianwen_update"            # our section of the shared .agents/state.json
CONTAINERS = ("skills", os.path.join(".agents", "skills"), os.path.join(".claude", "skills"))
FOREGROUND_LOCK_WAIT = 0.02             # a user's call never waits longer than this for the lock
COMMAND_LOCK_WAIT = 2.0
FETCH_TIMEOUT = 2.0
MAX_REMOTE_BYTES = 65536


def opted_out(environ=None):
    """True when QWEN_NO_UPDATE_CHECK asks for no signals and no update traffic."""
    value = (os.environ if environ is None else environ).get("QWEN_NO_UPDATE_CHECK", "")
    return value.strip().lower() in ("1", "true", "yes", "on")


def project_root(start=None):
    """The nearest folder at or above start holding .agents, .git or skills/, else None."""
    path = os.path.abspath(start or os.getcwd())
    while True:
        if (os.path.isdir(os.path.join(path, ".agents")) or os.path.exists(os.path.join(path, ".git"))
                or os.path.isdir(os.path.join(path, "skills"))):
            return path
        parent = os.path.dirname(path)
        if parent == path:
            return None
        path = parent


def home_state_path():
    return os.path.join(os.path.expanduser("~"), ".agents", "state.json")


def state_path(cwd=None):
    """<project root>/.agents/state.json, else ~/.agents/state.json."""
    root = project_root(cwd)
    return os.path.join(root, ".agents", "state.json") if root else home_state_path()


def _read_whole(path):
    import json
    try:
        with open(path, "r", encoding="utf-8") as handle:
            whole = json.load(handle)
    except (OSError, ValueError):
        return {}
    return whole if isinstance(whole, dict) else {}


def read_state(path):
    """Our section of the state file; {} when it is missing, corrupt or foreign."""
    section = _read_whole(path).get(STATE_KEY)
    return section if isinstance(section, dict) else {}


def update_state(path, change, wait=COMMAND_LOCK_WAIT):
    """Apply change(section) under a lock and replace the file atomically; None if locked out."""
    import json
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    lock = _lock(path + ".lock", wait)
    if lock is False:
        return None
    try:
        whole = _read_whole(path)     # other tools' keys are kept; a corrupt file starts afresh
        section = whole.get(STATE_KEY)
        section = dict(section) if isinstance(section, dict) else {}
        change(section)
        whole[STATE_KEY] = section
        temp = "%s.%d.tmp" % (path, os.getpid())
        with open(temp, "w", encoding="utf-8") as handle:
            json.dump(whole, handle, indent=2, sort_keys=True)
            handle.write("\n")
        os.replace(temp, path)
        return section
    finally:
        _unlock(lock)


def _lock(path, wait):
    """An exclusive lock on path: a handle, None where locking is unavailable, False on timeout."""
    try:
        import fcntl
    except ImportError:
        return None               # atomic replace alone still keeps the file whole
    handle = open(path, "a")
    deadline = time.time() + wait
    while True:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return handle
        except OSError:
            if time.time() >= deadline:
                handle.close()
                return False
            time.sleep(0.002)


def _unlock(handle):
    if handle:
        handle.close()            # closing releases the flock


def parse_version(text):
    """A sortable key for 'MAJOR.MINOR[.PATCH][-pre][+build]' (leading v allowed), else None."""
    if not isinstance(text, str) or len(text) > 64 or not text.isascii():
        return None
    core, _, _build = text.strip().lstrip("vV").partition("+")
    core, dash, pre = core.partition("-")
    numbers = core.split(".")
    if not 2 <= len(numbers) <= 3 or not all(n.isdigit() for n in numbers) or (dash and not pre):
        return None
    numbers = [int(n) for n in numbers] + [0] * (3 - len(numbers))
    if not pre:
        return tuple(numbers) + ((1,),)      # a release sorts after its pre-releases
    parts = []
    for part in pre.split("."):
        if not part or not all(c.isalnum() or c == "-" for c in part):
            return None
        parts.append((0, int(part), "") if part.isdigit() else (1, 0, part))
    return tuple(numbers) + ((0,) + tuple(parts),)


def is_newer(latest, local):
    """True when version latest sorts after version local (both parseable)."""
    a, b = parse_version(latest), parse_version(local)
    return a is not None and b is not None and a > b


def skills_repo(environ=None):
    """owner/name of the published bundle; None when QWEN_SKILLS_REPO is malformed."""
    repo = (os.environ if environ is None else environ).get("QWEN_SKILLS_REPO", "").strip()
    if not repo:
        return DEFAULT_REPO
    owner, slash, name = repo.partition("/")
    allowed = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
    if not slash or not owner or not name or not set(owner + name) <= allowed:
        return None
    return repo


def update_url(environ=None):
    """QWEN_UPDATE_URL, else the raw GitHub URL of version.json on the default branch; or None."""
    environ = os.environ if environ is None else environ
    url = environ.get("QWEN_UPDATE_URL", "").strip()
    if url:
        return url if url.startswith(("https://", "http://")) else None
    repo = skills_repo(environ)
    if repo is None:
        return None
    # HEAD resolves to the repository's default branch on raw.githubusercontent.com.
    return "https://raw.githubusercontent.com/%s/HEAD/%s" % (repo, REMOTE_PATH)


def update_command(environ=None):
    """The command that reinstalls the bundle from its repository (built locally, never fetched)."""
    return "npx skills add %s -y" % (skills_repo(environ) or DEFAULT_REPO)


def local_version(folder=None):
    """This skill's bundle version: ../version.json (update-check), else qianwen_common/version.py."""
    import json
    folder = folder or os.path.dirname(os.path.realpath(__file__))
    try:
        with open(os.path.join(os.path.dirname(folder), "version.json"), encoding="utf-8") as handle:
            version = json.load(handle).get("version")
        if parse_version(version):
            return version
    except (OSError, ValueError, AttributeError):
        pass
    try:
        with open(os.path.join(folder, "qianwen_common", "version.py"), encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("VERSION"):
                    version = line.partition("=")[2].strip().strip("\"'")
                    return version if parse_version(version) else None
    except OSError:
        pass
    return None


def fetch_latest(url, timeout=FETCH_TIMEOUT):
    """The version string published at url. Raises OSError (offline) or ValueError (malformed).

    Runs in a daemon thread so a slow DNS lookup or a silent server cannot hold the caller longer.
    """
    import threading
    box = {}

    def work():
        try:
            box["version"] = _fetch(url, timeout)
        except Exception as exc:  # handed to the caller below
            box["error"] = exc

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    worker.join(timeout + 0.2)
    if "version" in box:
        return box["version"]
    error = box.get("error")
    if error is None:
        raise TimeoutError("no answer within %.1f s" % timeout)
    if isinstance(error, (OSError, ValueError)):
        raise error
    raise OSError("%s: %s" % (type(error).__name__, error))


def _fetch(url, timeout):
    import json
    import urllib.request
    version = local_version() or "unknown"
    request = urllib.request.Request(url, headers={
        "User-Agent": "qianwen-ai-skills/%s (+https://github.com/QianWen-AI/qianwen-ai)" % version,
        "Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        raw = response.read(MAX_REMOTE_BYTES + 1)
    if len(raw) > MAX_REMOTE_BYTES:
        raise ValueError("the published version.json is larger than %d bytes" % MAX_REMOTE_BYTES)
    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise ValueError("the published version.json is not JSON") from None
    latest = data.get("version") if isinstance(data, dict) else None
    if parse_version(latest) is None:
        raise ValueError("the published version.json has no valid \"version\" field")
    return latest.strip()


def record_check(section, url, latest=None, error=None, now=None):
    """Store the outcome of one network check in a state section."""
    now = time.time() if now is None else now
    section["attempted_at"], section["attempted_url"] = now, url
    if latest is not None:
        section.update(latest_version=latest, latest_url=url, checked_at=now)
        section.pop("last_error", None)
    else:
        section["last_error"] = error or "unknown error"


def update_skill_installed(script_path=None, cwd=None, home=None):
    """True when a qianwen-update-check skill sits beside this one or in a known skills folder."""
    here = os.path.abspath(__file__)
    paths = [here, os.path.realpath(here)]
    if script_path:
        paths += [os.path.abspath(script_path), os.path.realpath(script_path)]
    containers = []
    for path in paths:
        skill_dir = os.path.dirname(os.path.dirname(path))         # <skill>/scripts/x.py
        if os.path.basename(skill_dir) == UPDATE_SKILL:
            return True
        containers.append(os.path.dirname(skill_dir))
    root = project_root(cwd)
    for base in ([root] if root else []) + [home or os.path.expanduser("~")]:
        containers += [os.path.join(base, name) for name in CONTAINERS]
    seen = set()
    for container in containers:
        if container in seen:
            continue
        seen.add(container)
        if os.path.isfile(os.path.join(container, UPDATE_SKILL, "SKILL.md")):
            return True
    return False


def signal_updates(script_path=None, stream=None):
    """Print at most one update signal on stderr; never slows or fails the caller."""
    if opted_out():
        return None
    try:
        return _signal(script_path or (sys.argv[0] if sys.argv else None), stream or sys.stderr)
    except Exception:  # a broken state file or folder must never break the user's call
        return None


def _signal(script_path, stream):
    now = time.time()
    path = state_path()
    state = read_state(path)
    if not update_skill_installed(script_path):
        if state.get("never_install") is True or _dismissed(state, now):
            return None
        if path != home_state_path() and read_state(home_state_path()).get("never_install") is True:
            return None
        # Not snoozed here: it repeats until the user answers (--dismiss or --never-install).
        _say(stream, ACTION_REQUIRED)
        return ACTION_REQUIRED
    url = update_url()
    line = _update_line(state, url, now)
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
        written = update_state(path, change, wait=FOREGROUND_LOCK_WAIT)
    except OSError:           # a read-only folder: show signals, but never refresh in a loop
        written = None
    if written is not None and claimed:
        _spawn_refresh(path, url)
    return line


def _update_line(state, url, now):
    latest, local = state.get("latest_version"), local_version()
    if state.get("latest_url") != url or not local or not is_newer(latest, local):
        return None
    if _dismissed(state, now):
        return None
    shown = state.get("shown") if isinstance(state.get("shown"), dict) else {}
    if shown.get("version") == latest and 0 <= now - _number(shown, "at") < DAY:
        return None
    return "[UPDATE_AVAILABLE] %s -> %s: %s" % (local, latest, update_command())


def _refresh_due(state, url, now):
    return state.get("attempted_url") != url or not 0 <= now - _number(state, "attempted_at") < DAY


def _dismissed(state, now):
    # Bounded by a day (plus slack) so a clock set back cannot silence the signals for longer.
    return 0 < _number(state, "dismissed_until") - now <= DAY + 60


def _number(mapping, key):
    value = mapping.get(key)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


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
        latest, error = fetch_latest(url, timeout), None
    except (OSError, ValueError) as exc:
        latest, error = None, "%s: %s" % (type(exc).__name__, str(exc)[:200])
    update_state(path, lambda section: record_check(section, url, latest, error))
    return 0 if latest else 1


def dismiss(path=None, now=None):
    """Silence both signals for 24 h (the user chose 'Skip for now' or just installed)."""
    until = (time.time() if now is None else now) + DAY
    update_state(path or state_path(), lambda section: section.update(dismissed_until=until))
    return until


def never_install(path=None):
    """Never show [ACTION_REQUIRED] again, here and in the home state (the user's standing answer)."""
    targets = [path or state_path()]
    if home_state_path() not in targets:
        targets.append(home_state_path())
    for target in targets:
        update_state(target, lambda section: section.update(never_install=True))
    return targets


def main(argv=None):
    import argparse
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  python3 gossamer.py --dismiss\n  python3 gossamer.py --never-install\n\n"
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
            if not args.url or opted_out():
                return 0
            return refresh(args.state or state_path(), args.url)
        if args.dismiss:
            dismiss(args.state)
            sys.stderr.write("update signals silenced for 24 hours (%s)\n" % (args.state or state_path()))
        else:
            where = never_install(args.state)
            sys.stderr.write("will not ask to install %s again (%s)\n" % (UPDATE_SKILL, ", ".join(where)))
    except OSError as exc:
        sys.stderr.write("error: cannot write the update state: %s\n" % exc)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
