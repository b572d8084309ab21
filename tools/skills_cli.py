"""Run the real `skills` installer from npm under Node 22+, cached in .cache/npm-tools/.

Usage: python3 tools/skills_cli.py add . --agent claude-code codex -y   (any `skills` arguments)
       python3 tools/skills_cli.py --ensure      (install into the cache only; print node and CLI)

The CLI needs Node 22 or newer. When the system `node` is older, the `node` package of major 22
from npm supplies one (it ships the binary). The first run downloads both (about 10 s); later
runs reuse the cache. Telemetry is switched off.
"""

import json
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.environ.get("QWEN_NPM_TOOLS", os.path.join(ROOT, ".cache", "npm-tools"))
# Pinned so an installer release cannot change the layout under the tests; bump on purpose.
SKILLS_SPEC = os.environ.get("QWEN_SKILLS_CLI", "skills@1.5.18")
NODE_SPEC = "node@22"
MIN_NODE = 22
CLI_ENV = {"DISABLE_TELEMETRY": "1", "DO_NOT_TRACK": "1", "NO_COLOR": "1", "FORCE_COLOR": "0"}


class RegistryUnreachable(Exception):
    """npm (or its registry) is not available here: the caller may skip, saying why."""


def node_major(node):
    try:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return 0
    try:
        return int(out.stdout.strip().lstrip("v").split(".")[0])
    except ValueError:
        return 0


def _cached_node():
    name = "node.exe" if os.name == "nt" else "node"
    return os.path.join(CACHE, "node_modules", "node", "bin", name)


def _cli_script():
    return os.path.join(CACHE, "node_modules", "skills", "bin", "cli.mjs")


def _stamp():
    return os.path.join(CACHE, ".installed.json")


def _ready(specs):
    try:
        with open(_stamp()) as handle:
            stamp = json.load(handle)
    except (OSError, ValueError):
        return None
    node = stamp.get("node")
    if stamp.get("specs") == specs and os.path.isfile(_cli_script()) and node and node_major(node) >= MIN_NODE:
        return node
    return None


def _npm(npm, args, timeout):
    try:
        return subprocess.run([npm] + args, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None


def _why(proc):
    """npm's own one-line reason (e.g. 'code ECONNREFUSED'), not its banner."""
    if proc is None:
        return "npm timed out"
    lines = [line[len("npm error "):].strip() for line in proc.stderr.splitlines()
             if line.startswith("npm error ")]
    for line in lines:
        if "Error" in line or line.startswith("code "):
            return line
    return (lines or ["npm exit %s" % proc.returncode])[0]


def _npm_install(specs):
    npm = shutil.which("npm")
    if not npm:
        raise RegistryUnreachable("npm is not installed, so the skills CLI cannot be fetched")
    # A quick ping first: an unreachable registry costs a second, not npm's minutes of retries.
    ping = _npm(npm, ["ping", "--fetch-retries=0", "--fetch-timeout=15000"], 60)
    if ping is None or ping.returncode != 0:
        raise RegistryUnreachable("the npm registry cannot be reached (npm ping: %s)" % _why(ping))
    os.makedirs(CACHE, exist_ok=True)
    proc = _npm(npm, ["install", "--prefix", CACHE, "--no-audit", "--no-fund", "--loglevel=error",
                      "--fetch-retries=1", "--fetch-timeout=60000"] + specs, 600)
    if proc is None or proc.returncode != 0:
        raise RuntimeError("npm install %s failed: %s" % (" ".join(specs), _why(proc)))


def _locked(func):
    """Serialise cache set-up between parallel test workers."""
    os.makedirs(CACHE, exist_ok=True)
    try:
        import fcntl
    except ImportError:
        return func()
    with open(os.path.join(CACHE, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            return func()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


_UNREACHABLE = []  # remembered per process so later callers skip at once


def ensure():
    """(node, cli.mjs): a Node 22+ and the pinned skills CLI, installing into the cache when needed."""
    if _UNREACHABLE:
        raise _UNREACHABLE[0]
    system_node = shutil.which("node")
    use_system = bool(system_node) and node_major(system_node) >= MIN_NODE
    specs = [SKILLS_SPEC] if use_system else [NODE_SPEC, SKILLS_SPEC]

    def setup():
        node = _ready(specs)
        if node:
            return node
        _npm_install(specs)
        node = system_node if use_system else _cached_node()
        if node_major(node) < MIN_NODE:
            raise RuntimeError("%s did not provide Node %d+ (%s)" % (NODE_SPEC, MIN_NODE, node))
        with open(_stamp(), "w") as handle:
            json.dump({"specs": specs, "node": node}, handle)
        return node

    try:
        return _locked(setup), _cli_script()
    except RegistryUnreachable as exc:
        _UNREACHABLE.append(exc)
        raise


def run(args, cwd, env=None, timeout=120):
    """Run `skills ARGS` in cwd; returns the CompletedProcess (text)."""
    node, cli = ensure()
    full_env = dict(os.environ)
    full_env.update(CLI_ENV)
    full_env.update(env or {})
    return subprocess.run([node, cli] + list(args), cwd=str(cwd), env=full_env, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    try:
        node, cli = ensure()
    except RegistryUnreachable as exc:
        sys.stderr.write("skills CLI unavailable: %s\n" % exc)
        return 1
    if argv == ["--ensure"]:
        print("node: %s (v%d)\nskills: %s" % (node, node_major(node), cli))
        return 0
    env = dict(os.environ)
    env.update(CLI_ENV)
    return subprocess.call([node, cli] + argv, env=env)


if __name__ == "__main__":
    raise SystemExit(main())
