"""`make demo`: run the real scripts end to end against the bundled simulator (no key, no network).

Starts tests/sim on a free loopback port, then runs image.py (text-to-image) and video.py
(text-to-video: submit, poll, download) exactly as an agent would, and shows what they printed. The
results (a real PNG, a small playable MP4, their sidecars and an index.html gallery each) stay in
./output/demo-<time>/ to open in a browser.
"""

import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.sim import Sim  # noqa: E402

DEMO_KEY = "sk-demo-simulator-only"  # accepted by the simulator only
RUNS = [
    ("qianwen-image-generation", "image.py",
     ["--request", '{"prompt": "A cozy flower shop with a wooden door", "size": "1280*1280"}',
      "--print-response"]),
    ("qianwen-video-generation", "video.py",
     ["--request", '{"prompt": "A detective in a rainy city at night", "size": "1280*720", "duration": 5}',
      "--print-response"]),
]


def main():
    sim = Sim(key=DEMO_KEY, task_seconds=3.0).start()
    workdir = os.path.join(ROOT, "output", "demo-" + time.strftime("%Y%m%d-%H%M%S"))
    os.makedirs(workdir, exist_ok=True)
    env = dict(os.environ, DASHSCOPE_API_KEY=DEMO_KEY, QWEN_BASE_URL=sim.base_url,
               QWEN_NO_UPDATE_CHECK="1")
    print("simulator at %s; working directory %s\n" % (sim.base_url, workdir))
    failures, galleries = 0, []
    try:
        for skill, script, args in RUNS:
            path = os.path.join(ROOT, "skills", skill, "scripts", script)
            print("$ python3 %s %s" % (path, " ".join(repr(a) if " " in a else a for a in args)))
            proc = subprocess.run([sys.executable, path] + args, cwd=workdir, env=env,
                                  capture_output=True, text=True, timeout=120)
            print("  stderr:\n    " + proc.stderr.strip().replace("\n", "\n    "))
            print("  stdout: " + proc.stdout.strip())
            print("  exit %d\n" % proc.returncode)
            failures += proc.returncode != 0
            if proc.returncode == 0:
                galleries.append(json.loads(proc.stdout)["gallery"])
    finally:
        sim.stop()
    for base, _dirs, names in os.walk(workdir):
        for name in sorted(names):
            full = os.path.join(base, name)
            print("wrote %s (%d bytes)" % (full, os.path.getsize(full)))
    for gallery in galleries:
        print("open in a browser: %s" % gallery)
    print("\ndemo %s" % ("failed" if failures else "done: both scripts ran end to end"))
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
