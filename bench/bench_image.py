"""image.py start-up cost: one sync text-to-image call against the simulator, image downloaded.

Whole-process wall time, median of 10 runs, beside `python3 -c pass` on the same interpreter; the
difference is what the script adds (target < 30 ms; the simulator answers at once). Beside them a
bare-urllib client doing the same call and download (the floor any stdlib client pays: urllib and
http.client imports, loading the CA store) and the script's import time from `-X importtime`.
Usage: python3 bench/bench_image.py [--runs N]
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.abspath(os.path.dirname(__file__)))
sys.path.insert(0, ROOT)

from tests.conftest import FAKE_KEY, SCRIPTS, script_env  # noqa: E402
from tests.sim import Sim  # noqa: E402

REQUEST = '{"prompt": "a red bicycle by a canal"}'
# The floor for any stdlib client: the same call and download with bare urllib and a verifying
# TLS context (what every HTTPS call needs), nothing else.
MINIMAL = r"""
import json, os, ssl, urllib.request
opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=ssl.create_default_context()))
body = {"model": "wan2.6-t2i", "input": {"messages": [{"role": "user", "content": [{"text": "a"}]}]},
        "parameters": {"n": 1, "size": "1280*1280"}}
request = urllib.request.Request(
    os.environ["QWEN_BASE_URL"] + "/api/v1/services/aigc/multimodal-generation/generation",
    data=json.dumps(body).encode(), method="POST", headers={
        "Authorization": "Bearer " + os.environ["DASHSCOPE_API_KEY"], "Content-Type": "application/json"})
answer = json.load(opener.open(request))
url = answer["output"]["choices"][0]["message"]["content"][0]["image"]
with opener.open(url) as response, open("minimal.png", "wb") as out:
    out.write(response.read())
"""
TARGET_MS = 30.0


def measure(command, env, cwd):
    """(wall seconds, CPU seconds user+sys) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit("%s failed: %s" % (command[1:3], proc.stderr[-500:]))
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def real_interpreter(python):
    """The interpreter binary itself (a pyenv shim would add its own start-up to every run)."""
    out = subprocess.run([python, "-c", "import sys; print(sys.executable)"], capture_output=True, text=True)
    return out.stdout.strip() or python


def import_ms(python, env, cwd):
    """Sum of the top-level import times of the script's run (microseconds → ms), site excluded."""
    proc = subprocess.run([python, "-X", "importtime", SCRIPTS["image"], "--request", REQUEST, "--dry-run"],
                          env=env, cwd=cwd, capture_output=True, text=True)
    total = 0
    for line in proc.stderr.splitlines():
        parts = line.split("|")
        if not line.startswith("import time:") or len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        name = parts[2].rstrip()
        if len(name) - len(name.lstrip()) == 1 and name.strip() not in ("site", "encodings"):
            total += int(parts[1])  # a top-level import made by the script (cumulative microseconds)
    return total / 1000.0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--python", default="python3", help="interpreter to measure (default python3)")
    args = parser.parse_args(argv)
    python = real_interpreter(args.python)
    sim = Sim(key=FAKE_KEY, result_bytes=64 * 1024).start()
    try:
        with tempfile.TemporaryDirectory() as cwd:
            env = script_env(sim)
            env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: modules compiled once, then cached
            command = [python, SCRIPTS["image"], "--request", REQUEST, "--quiet"]
            measure(command, env, cwd)  # warm-up: compiles the modules once, as on a real install
            bare, minimal, script = [], [], []
            for _ in range(args.runs):  # interleaved, so load on the machine hits all alike
                bare.append(measure([python, "-c", "pass"], env, cwd))
                minimal.append(measure([python, "-c", MINIMAL], env, cwd))
                script.append(measure(command, env, cwd))
            imports = import_ms(python, env, cwd)
            saved = sum(len(files) for _b, _d, files in os.walk(os.path.join(cwd, "output")))  # image.py runs only
    finally:
        sim.stop()
    if saved != args.runs + 1:
        raise SystemExit("expected %d saved images, found %d" % (args.runs + 1, saved))
    def median_ms(runs, index):
        return statistics.median(run[index] for run in runs) * 1000

    print("Interpreter: %s. Median of %d runs; wall = whole process, CPU = user + sys." % (python, args.runs))
    print()
    print("| measure | wall ms | CPU ms |")
    print("|---|---|---|")
    print("| `python3 -c pass` | %.1f | %.1f |" % (median_ms(bare, 0), median_ms(bare, 1)))
    print("| bare urllib + TLS context: the same call and download (stdlib floor) | %.1f | %.1f |"
          % (median_ms(minimal, 0), median_ms(minimal, 1)))
    print("| image.py: sync wan2.6-t2i call + image download | %.1f | %.1f |"
          % (median_ms(script, 0), median_ms(script, 1)))
    print("| added by the script (target < %.0f ms) | %.1f | %.1f |" % (
        TARGET_MS, median_ms(script, 0) - median_ms(bare, 0), median_ms(script, 1) - median_ms(bare, 1)))
    print("| added over the bare urllib floor | %.1f | %.1f |" % (
        median_ms(script, 0) - median_ms(minimal, 0), median_ms(script, 1) - median_ms(minimal, 1)))
    print("| its imports, summed from `-X importtime` (one run) | %.1f | |" % imports)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
