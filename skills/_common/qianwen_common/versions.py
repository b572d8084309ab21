"""Bundle versions: parse and compare, this skill's own version, the published one (update checks)."""

import os

DEFAULT_REPO = "QianWen-AI/qianwen-ai"
REMOTE_PATH = "skills/qianwen-update-check/version.json"
FETCH_TIMEOUT = 2.0
MAX_REMOTE_BYTES = 65536
_REPO_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


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


def opted_out(values):
    """True when QWEN_NO_UPDATE_CHECK (values: settings or a dict) asks for no signals and no traffic."""
    return (values.get("QWEN_NO_UPDATE_CHECK") or "").strip().lower() in ("1", "true", "yes", "on")


def skills_repo(values):
    """owner/name of the published bundle from QWEN_SKILLS_REPO (values: settings or a dict); None if malformed."""
    repo = (values.get("QWEN_SKILLS_REPO") or "").strip()
    if not repo:
        return DEFAULT_REPO
    owner, slash, name = repo.partition("/")
    if not slash or not owner or not name or not set(owner + name) <= _REPO_CHARS:
        return None
    return repo


def update_url(values):
    """QWEN_UPDATE_URL, else the raw GitHub URL of version.json on the default branch; or None."""
    url = (values.get("QWEN_UPDATE_URL") or "").strip()
    if url:
        return url if url.startswith(("https://", "http://")) else None
    repo = skills_repo(values)
    if repo is None:
        return None
    # HEAD resolves to the repository's default branch on raw.githubusercontent.com.
    return "https://raw.githubusercontent.com/%s/HEAD/%s" % (repo, REMOTE_PATH)


def local_version(scripts_dir):
    """The bundle version of the skill whose scripts/ is scripts_dir: ../version.json, else version.py."""
    import json
    try:
        with open(os.path.join(os.path.dirname(scripts_dir), "version.json"), encoding="utf-8") as handle:
            version = json.load(handle).get("version")
        if parse_version(version):
            return version
    except (OSError, ValueError, AttributeError):
        pass
    try:
        with open(os.path.join(scripts_dir, "qianwen_common", "version.py"), encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("VERSION"):
                    version = line.partition("=")[2].strip().strip("\"'")
                    return version if parse_version(version) else None
    except OSError:
        pass
    return None


def fetch_latest(url, timeout=FETCH_TIMEOUT, agent_version=None):
    """The version string published at url. Raises OSError (offline) or ValueError (malformed).

    Runs in a daemon thread so a slow DNS lookup or a silent server cannot hold the caller longer.
    """
    import threading
    box = {}

    def work():
        try:
            box["version"] = _fetch(url, timeout, agent_version or "unknown")
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


def _fetch(url, timeout, agent_version):
    import json
    import urllib.request
    request = urllib.request.Request(url, headers={
        "User-Agent": "qianwen-ai-skills/%s (+https://github.com/QianWen-AI/qianwen-ai)" % agent_version,
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
