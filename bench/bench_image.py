"""image.py start-up cost: one sync text-to-image call against the simulator, image downloaded.

Whole-process wall time (process start to image saved), median of N interleaved runs, side by side with
a 25-line urllib client doing the same call and download: the target is the script within 5% of that
client. Also `python3 -c pass` and the script's import time from `-X importtime`.
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
# A 25-line urllib client doing the same call and download (no checks, no safety): the floor.
MINIMAL = r"""
import json
import os
import urllib.request

body = {"model": "wan2.6-t2i",
        "input": {"messages": [{"role": "user", "content": [{"text": "a red bicycle by a canal"}]}]},
        "parameters": {"n": 1, "size": "1280*1280", "seed": 42}}
request = urllib.request.Request(
    os.environ["QWEN_BASE_URL"] + "/api/v1/services/aigc/multimodal-generation/generation",
    data=json.dumps(body).encode(), method="POST",
    headers={"Authorization": "Bearer " + os.environ["DASHSCOPE_API_KEY"],
             "Content-Type": "application/json"})
with urllib.request.urlopen(request, timeout=300) as response:
    answer = json.load(response)
url = answer["output"]["choices"][0]["message"]["content"][0]["image"]
with urllib.request.urlopen(url, timeout=120) as response, open("minimal.png", "wb") as out:
    while True:
        chunk = response.read(1 << 20)
        if not chunk:
            break
        out.write(chunk)
print(json.dumps({"local_path": os.path.abspath("minimal.png")}))
"""
TARGET_RATIO = 1.05


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
            saved = sum(name.endswith(".png") for _b, _d, files in os.walk(os.path.join(cwd, "output"))
                        for name in files)  # image.py runs only
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
    print("| 25-line urllib client: the same call and download | %.1f | %.1f |"
          % (median_ms(minimal, 0), median_ms(minimal, 1)))
    print("| image.py: sync wan2.6-t2i call + image download | %.1f | %.1f |"
          % (median_ms(script, 0), median_ms(script, 1)))
    ratio = median_ms(script, 0) / median_ms(minimal, 0)
    print("| image.py / 25-line urllib client (target <= %.2f) | %.3f%s | %.3f |" % (
        TARGET_RATIO, ratio, "" if ratio <= TARGET_RATIO else " NOT MET", median_ms(script, 1) / median_ms(minimal, 1)))
    print("| added over the urllib client | %.1f | %.1f |" % (
        median_ms(script, 0) - median_ms(minimal, 0), median_ms(script, 1) - median_ms(minimal, 1)))
    print("| its imports, summed from `-X importtime` (one run) | %.1f | |" % imports)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
