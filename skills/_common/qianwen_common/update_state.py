"""The update check's memory: our section of the shared .agents/state.json, written under a lock.

The file sits at <project root>/.agents/state.json (settings.project_root), else ~/.agents/state.json.
Other tools' keys in it are kept; a corrupt file starts afresh; writes replace the file atomically.
"""

import os
import time

STATE_KEY = "qianwen_update"
DAY = 24 * 3600.0
COMMAND_LOCK_WAIT = 2.0


def home_state_path():
    return os.path.join(os.path.expanduser("~"), ".agents", "state.json")


def state_path(root):
    """<root>/.agents/state.json for a project root, else the home state."""
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
    os.makedirs(os.path.dirname(path), exist_ok=True)
    lock = _lock(path + ".lock", wait)
    if lock is False:
        return None
    try:
        whole = _read_whole(path)
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
        if lock:
            lock.close()          # closing releases the flock


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


def record_check(section, url, latest=None, error=None, now=None):
    """Store the outcome of one network check in a state section."""
    now = time.time() if now is None else now
    section["attempted_at"], section["attempted_url"] = now, url
    if latest is not None:
        section.update(latest_version=latest, latest_url=url, checked_at=now)
        section.pop("last_error", None)
    else:
        section["last_error"] = error or "unknown error"


def cached_latest(section, url, now, valid):
    """The remembered latest version when a check of this URL succeeded in the last 24 h, else None."""
    checked_at = number(section, "checked_at")
    if section.get("latest_url") != url or not 0 <= now - checked_at < DAY:
        return None
    latest = section.get("latest_version")
    return latest if valid(latest) else None


def number(mapping, key):
    """mapping[key] as a float when it is a real number, else 0.0 (odd values never count)."""
    value = mapping.get(key)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def dismiss(path, now=None):
    """Silence both signals for 24 h (the user chose 'Skip for now' or just installed)."""
    until = (time.time() if now is None else now) + DAY
    update_state(path, lambda section: section.update(dismissed_until=until))
    return until


def never_install(path):
    """Never show [ACTION_REQUIRED] again, here and in the home state (the user's standing answer)."""
    targets = [path]
    if home_state_path() not in targets:
        targets.append(home_state_path())
    for target in targets:
        update_state(target, lambda section: section.update(never_install=True))
    return targets
