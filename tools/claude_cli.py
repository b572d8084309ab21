"""Run the real Claude Code CLI (and Qwen Code CLI) from npm under Node 22+, cached in .cache/npm-tools/.

Usage: python3 tools/claude_cli.py plugin validate .        (any `claude` arguments)
       python3 tools/claude_cli.py --ensure                 (install into the cache; print versions)

Same approach as tools/skills_cli.py: Node 22 from the `node` npm package when the system one is
older, the pinned CLI packages beside it, one ping first so an unreachable registry skips quickly.
The plugin subcommands used by the tests need no API key and no traffic to Anthropic; telemetry and
non-essential traffic are switched off.
"""

import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import skills_cli  # noqa: E402
from skills_cli import RegistryUnreachable  # noqa: E402,F401 - re-exported for the tests

CACHE = os.path.join(skills_cli.CACHE, "agents")
# Pinned so a CLI release cannot change the layout under the tests; bump on purpose.
CLAUDE_SPEC = os.environ.get("QWEN_CLAUDE_CLI", "@anthropic-ai/claude-code@2.1.332")
QWEN_SPEC = os.environ.get("QWEN_QWEN_CLI", "@qwen-code/qwen-code@0.24.4")
ENTRIES = {"claude": os.path.join("@anthropic-ai", "claude-code", "bin", "claude.exe"),
           "qwen": os.path.join("@qwen-code", "qwen-code", "cli.js")}
CLI_ENV = dict(skills_cli.CLI_ENV, CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC="1", DISABLE_AUTOUPDATER="1",
               DISABLE_ERROR_REPORTING="1")
_UNREACHABLE = []


def _entry(name):
    return os.path.join(CACHE, "node_modules", ENTRIES[name])


def _install(specs):
    npm = shutil.which("npm")
    if not npm:
        raise RegistryUnreachable("npm is not installed, so the agent CLIs cannot be fetched")
    ping = skills_cli._npm(npm, ["ping", "--fetch-retries=0", "--fetch-timeout=15000"], 60)
    if ping is None or ping.returncode != 0:
        raise RegistryUnreachable("the npm registry cannot be reached (npm ping: %s)" % skills_cli._why(ping))
    os.makedirs(CACHE, exist_ok=True)
    proc = skills_cli._npm(npm, ["install", "--prefix", CACHE, "--no-audit", "--no-fund", "--loglevel=error",
                                 "--fetch-retries=1", "--fetch-timeout=60000"] + specs, 900)
    if proc is None or proc.returncode != 0:
        raise RuntimeError("npm install %s failed: %s" % (" ".join(specs), skills_cli._why(proc)))


def ensure():
    """{"node": path, "claude": path, "qwen": path}, installing into the cache when needed."""
    if _UNREACHABLE:
        raise _UNREACHABLE[0]
    specs = [skills_cli.NODE_SPEC, CLAUDE_SPEC, QWEN_SPEC]
    stamp = os.path.join(CACHE, ".installed.json")
    node = os.path.join(CACHE, "node_modules", "node", "bin", "node")

    def setup():
        try:
            with open(stamp) as handle:
                ready = json.load(handle).get("specs") == specs
        except (OSError, ValueError):
            ready = False
        if not (ready and all(os.path.isfile(_entry(n)) for n in ENTRIES)
                and skills_cli.node_major(node) >= skills_cli.MIN_NODE):
            _install(specs)
            with open(stamp, "w") as handle:
                json.dump({"specs": specs}, handle)
        return {"node": node, "claude": _entry("claude"), "qwen": _entry("qwen")}

    os.makedirs(CACHE, exist_ok=True)
    try:
        return skills_cli._locked(setup)
    except RegistryUnreachable as exc:
        _UNREACHABLE.append(exc)
        raise


def run(tool, args, cwd, env=None, timeout=180):
    """Run `claude ARGS` or `qwen ARGS` in cwd; returns the CompletedProcess (text)."""
    paths = ensure()
    full_env = dict(os.environ)
    full_env.update(CLI_ENV)
    full_env["PATH"] = os.path.dirname(paths["node"]) + os.pathsep + full_env.get("PATH", "")
    full_env.update(env or {})
    command = [paths["claude"]] if tool == "claude" else [paths["node"], paths["qwen"]]
    return subprocess.run(command + list(args), cwd=str(cwd), env=full_env, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    try:
        ensure()
    except RegistryUnreachable as exc:
        sys.stderr.write("agent CLIs unavailable: %s\n" % exc)
        return 1
    if argv == ["--ensure"]:
        for tool in ("claude", "qwen"):
            print("%s: %s" % (tool, run(tool, ["--version"], os.getcwd()).stdout.strip()))
        return 0
    return run("claude", argv, os.getcwd(), timeout=None).returncode


if __name__ == "__main__":
    raise SystemExit(main())
