"""Added cost of the update machinery per script call (median of 20 runs each).

A tiny script that imports gossamer and calls signal_updates() is timed against one that does
not, as a subprocess, with the version server unreachable (connection refused) and with one that
accepts and never answers. "steady" keeps the state file between runs (the normal case: the
background refresh ran at most once in 24 h); "fresh" deletes it before every run, so every run
pays for starting the detached refresh. ".pyc none" compiles gossamer.py on every call (a
read-only install). Wall times are noisy at this scale; the in-process figure (import + call,
measured inside the script) is the steadier one. Usage: python3 bench/bench_update.py [--runs N]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.sim.misc import SilentServer, unreachable_url  # noqa: E402

VENDORED = os.path.join(ROOT, "skills", "qianwen-image-generation", "scripts")  # gossamer.py + its closure
WITH = ("import time; t = time.perf_counter()\nimport gossamer\ngossamer.signal_updates(__file__)\n"
        "import sys; sys.stdout.write('%.3f' % ((time.perf_counter() - t) * 1000))\n")
WITHOUT = "import sys\n"
SETTLE = 0.2      # calls are seconds apart in real use; let a started refresh get going first


def make_skill(container, name, script_text):
    scripts = os.path.join(container, name, "scripts")
    os.makedirs(scripts)
    with open(os.path.join(container, name, "SKILL.md"), "w") as handle:
        handle.write("---\nname: %s\n---\n" % name)
    shutil.copy(os.path.join(VENDORED, "gossamer.py"), os.path.join(scripts, "gossamer.py"))
    shutil.copytree(os.path.join(VENDORED, "qianwen_common"), os.path.join(scripts, "qianwen_common"),
                    ignore=shutil.ignore_patterns("__pycache__"))
    with open(os.path.join(scripts, "qianwen_common", "version.py"), "w") as handle:
        handle.write('VERSION = "0.1.0"\n')
    path = os.path.join(scripts, "tiny.py")
    with open(path, "w") as handle:
        handle.write(script_text)
    return path


def timed(script, cwd, env):
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, script], cwd=cwd, env=env, capture_output=True, text=True)
    wall = (time.perf_counter() - started) * 1000
    inner = float(proc.stdout) if proc.stdout.strip() else 0.0
    return wall, inner


def scenario(base, url, fresh, installed, runs, bytecode):
    """(median added wall ms, median in-process ms of import + call) for one setup."""
    project = os.path.join(base, "project-%d" % time.monotonic_ns())
    os.makedirs(os.path.join(project, ".git"))
    skills = os.path.join(project, ".agents", "skills")
    if installed:
        make_skill(skills, "qianwen-update-check", WITHOUT)
    with_signal = make_skill(skills, "qianwen-image-generation", WITH)
    without = make_skill(skills, "qianwen-video-generation", WITHOUT)
    env = dict(os.environ, HOME=os.path.join(base, "home"), QWEN_UPDATE_URL=url)
    env.pop("QWEN_NO_UPDATE_CHECK", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if not bytecode:            # a read-only install: gossamer.py is compiled on every call
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    state = os.path.join(project, ".agents", "state.json")
    timed(with_signal, project, env)                 # warm the OS caches; claims the refresh
    added, inner = [], []
    for number in range(runs):
        if fresh and os.path.exists(state):
            os.remove(state)
        if number % 2:          # alternate the order so drift on a busy machine cancels out
            base_ms = timed(without, project, env)[0]
            wall, cost = timed(with_signal, project, env)
        else:
            wall, cost = timed(with_signal, project, env)
            base_ms = timed(without, project, env)[0]
        added.append(wall - base_ms)
        inner.append(cost)
        time.sleep(SETTLE)
    return statistics.median(added), statistics.median(inner)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    base = tempfile.mkdtemp(prefix="bench-update-")
    os.makedirs(os.path.join(base, "home"))
    silent = SilentServer()
    rows = []
    try:
        servers = [("unreachable", unreachable_url()), ("never answers", silent.base_url + "/version.json")]
        for bytecode in (True, False):
            for label, url in servers:
                for fresh in (False, True):
                    added, inner = scenario(base, url, fresh, True, args.runs, bytecode)
                    rows.append((label, "fresh" if fresh else "steady", bytecode, added, inner))
            added, inner = scenario(base, servers[0][1], False, False, args.runs, bytecode)
            rows.append(("(not installed)", "ACTION_REQUIRED", bytecode, added, inner))
    finally:
        silent.close()
        shutil.rmtree(base, ignore_errors=True)
    print("update machinery, added cost per script call (median of %d runs, ms)" % args.runs)
    print("%-16s %-16s %-9s %12s %18s" % ("version server", "state", ".pyc", "added wall", "import+call inside"))
    for label, state, bytecode, added, inner in rows:
        print("%-16s %-16s %-9s %12.1f %18.2f" % (label, state, "cached" if bytecode else "none",
                                                  added, inner))
    worst = max(max(row[3], row[4]) for row in rows if row[2])
    print("budget 20 ms with cached bytecode (the normal case): %s (worst %.1f ms); "
          "without .pyc worst %.1f ms" % ("met" if worst < 20 else "NOT MET", worst,
                                          max(max(row[3], row[4]) for row in rows if not row[2])))
    if hasattr(os, "getloadavg"):
        print("load average during the run: %.2f on %d CPUs (wall figures are noisy when busy)"
              % (os.getloadavg()[0], os.cpu_count() or 1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
