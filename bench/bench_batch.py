"""P6: a batch of 10 video tasks against one single task, through video.py and the loopback simulator.

Each task takes 10 s in the simulator. The batch (default --concurrency 3, default adaptive polling)
should finish within 1.3x the wall time of one single 10 s task. Median of 3 runs each.
Usage: python3 bench/bench_batch.py
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.abspath(os.path.dirname(__file__)))
sys.path.insert(0, ROOT)

from tests.sim import Sim  # noqa: E402

FAKE_KEY = "sk-bench-simulator-only"
VIDEO = os.path.join(ROOT, "skills", "qianwen-video-generation", "scripts", "video.py")
TASK_SECONDS, ITEMS, RUNS, TARGET = 10.0, 10, 3, 1.3


def script_env(sim):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DASHSCOPE", "QIANWEN", "QWEN"))}
    env.update(DASHSCOPE_API_KEY=FAKE_KEY, QWEN_NO_UPDATE_CHECK="1", PYTHONDONTWRITEBYTECODE="1",
               QWEN_BASE_URL=sim.base_url)
    return env


def timed(args, sim, cwd):
    """Wall seconds of one video.py run; fails loudly on a non-zero exit."""
    started = time.monotonic()
    proc = subprocess.run([sys.executable, VIDEO] + args, cwd=cwd, env=script_env(sim),
                          capture_output=True, text=True, timeout=300)
    wall = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit("video.py %s exited %d: %s" % (args[:2], proc.returncode, proc.stderr[-800:]))
    return wall, proc.stdout


def main():
    sim = Sim(key=FAKE_KEY, task_seconds=TASK_SECONDS).start()
    single, batch, posts = [], [], []
    try:
        with tempfile.TemporaryDirectory() as cwd:
            path = os.path.join(cwd, "batch.jsonl")
            with open(path, "w") as handle:
                handle.write("\n".join(json.dumps({"prompt": "clip %d" % i}) for i in range(ITEMS)))
            for _ in range(RUNS):
                single.append(timed(["--request", '{"prompt": "one clip"}'], sim, cwd)[0])
                before = len(sim.task_posts())
                wall, stdout = timed(["--file", path], sim, cwd)
                assert json.loads(stdout)["succeeded"] == ITEMS
                batch.append(wall)
                posts.append(len(sim.task_posts()) - before)
    finally:
        sim.stop()
    one, many = statistics.median(single), statistics.median(batch)
    ratio = many / one
    print("| case | median wall (s) | runs (s) |")
    print("|---|---|---|")
    print("| 1 task of %.0f s (--request) | %.2f | %s |" % (TASK_SECONDS, one,
                                                          ", ".join("%.2f" % x for x in single)))
    print("| batch of %d tasks of %.0f s (--file) | %.2f | %s |" % (ITEMS, TASK_SECONDS, many,
                                                                   ", ".join("%.2f" % x for x in batch)))
    verdict = "ok" if ratio <= TARGET else "MISSED"
    print("| ratio batch / single | %.2f | target <= %.1f: %s |" % (ratio, TARGET, verdict))
    print("| create POSTs per batch | %s | expected %d |" % ("/".join(map(str, posts)), ITEMS))
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
