"""video.py against the loopback simulator: poll lag, poll count, peak memory of downloads and uploads.

1. A task that succeeds 6 s after submission: how long after that the script exits (target ≤ 1.5 s).
2. A task that takes 60 s: how many polls the default adaptive schedule makes (target ≤ 15).
3. Peak RSS of the video.py process while it downloads a 512 MB result (target ≤ 40 MB).
4. Peak RSS of a process uploading a 256 MB local video through the helper (target ≤ 40 MB).
Peak RSS is the child's own ru_maxrss (os.wait4). Usage: python3 bench/bench_video.py
"""

import os
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.abspath(os.path.dirname(__file__)))
sys.path.insert(0, ROOT)

from tests.sim import Sim  # noqa: E402

# Not imported from tests.conftest: pytest would swell this process, and a child's ru_maxrss starts
# from its parent's peak at fork time. The "--help" row shows that floor.
FAKE_KEY = "sk-bench-simulator-only"
SCRIPTS = {"video": os.path.join(ROOT, "skills", "qianwen-video-generation", "scripts", "video.py")}
SCRIPTS_DIR = os.path.dirname(SCRIPTS["video"])


def script_env(sim):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DASHSCOPE", "QIANWEN", "QWEN"))}
    env.update(DASHSCOPE_API_KEY=FAKE_KEY, QWEN_NO_UPDATE_CHECK="1", PYTHONDONTWRITEBYTECODE="1")
    if sim is not None:
        env["QWEN_BASE_URL"] = sim.base_url
    return env
REQUEST = '{"prompt": "a fox crossing a snowy road", "size": "1280*720"}'
UPLOAD = """import sys, os
sys.path.insert(0, %r)
from qianwen_common import config, upload
cfg = config.load_config()
print(upload.upload(cfg, sys.argv[1], "wan2.7-videoedit"))
"""


def child(args, sim, cwd):
    """Run a child process; returns (exit code, stdout, stderr, peak RSS in MB, wall seconds)."""
    started = time.time()
    proc = subprocess.Popen([sys.executable] + args, cwd=cwd, env=script_env(sim), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    out_chunks, err_chunks = [], []
    readers = [threading.Thread(target=lambda s=s, c=c: c.append(s.read()))
               for s, c in ((proc.stdout, out_chunks), (proc.stderr, err_chunks))]
    for reader in readers:
        reader.start()
    _pid, status, usage = os.wait4(proc.pid, 0)
    for reader in readers:
        reader.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    ended = time.time()
    return proc.returncode, "".join(out_chunks), "".join(err_chunks), usage.ru_maxrss / 1024.0, ended - started


def poll_run(seconds, workdir):
    """(seconds from task success to process exit, polls) for a task that takes `seconds`."""
    sim = Sim(key=FAKE_KEY, task_seconds=seconds, pending_seconds=0.5).start()
    try:
        code, _out, err, _rss, _wall = child([SCRIPTS["video"], "--request", REQUEST, "--quiet"], sim, workdir)
        ended = time.time()
        if code != 0:
            raise SystemExit("video.py failed: %s" % err[-500:])
        task = next(iter(sim.tasks.values()))
        return ended - (task["created"] + seconds), len(sim.seen("GET", "/api/v1/tasks/"))
    finally:
        sim.stop()


def download_rss(workdir, size):
    sim = Sim(key=FAKE_KEY, task_seconds=0.2, result_bytes=size).start()
    try:
        code, _out, err, rss, wall = child([SCRIPTS["video"], "--request", REQUEST, "--poll-interval", "0.2",
                                            "--quiet"], sim, workdir)
        if code != 0:
            raise SystemExit("download run failed: %s" % err[-500:])
        return rss, wall
    finally:
        sim.stop()


def upload_rss(workdir, size):
    path = os.path.join(workdir, "big.mp4")
    with open(path, "wb") as handle:
        block = os.urandom(1024 * 1024)
        for _ in range(size // len(block)):
            handle.write(block)
    script = os.path.join(workdir, "upload_child.py")
    with open(script, "w") as handle:
        handle.write(UPLOAD % SCRIPTS_DIR)
    sim = Sim(key=FAKE_KEY).start()
    try:
        code, out, err, rss, wall = child([script, path], sim, workdir)
        stored = [entry["size"] for key, entry in sim.uploads.items() if key != "_policies"]
        if code != 0 or stored != [size]:
            raise SystemExit("upload failed: %s %s" % (stored, err[-500:]))
        return rss, wall
    finally:
        sim.stop()
        os.unlink(path)


def main():
    rows = []
    with tempfile.TemporaryDirectory() as base:
        baseline = child([SCRIPTS["video"], "--help"], None, base)[3]
        long_result = {}
        long_thread = threading.Thread(target=lambda: long_result.update(
            zip(("lag", "polls"), poll_run(60, base))))
        long_thread.start()
        lag, polls = poll_run(6, base)
        rows.append(("exit after a 6 s task succeeds", "%.2f s (%d polls)" % (lag, polls), "<= 1.5 s",
                     lag <= 1.5))
        rss, wall = download_rss(base, 512 * 1024 * 1024)
        rows.append(("peak RSS, 512 MB download", "%.1f MB (%.1f s)" % (rss, wall), "<= 40 MB", rss <= 40))
        rss, wall = upload_rss(base, 256 * 1024 * 1024)
        rows.append(("peak RSS, 256 MB upload", "%.1f MB (%.1f s)" % (rss, wall), "<= 40 MB", rss <= 40))
        long_thread.join()
        rows.append(("polls for a 60 s task", "%d (exit %.2f s after)" % (long_result["polls"],
                                                                        long_result["lag"]),
                     "<= 15", long_result["polls"] <= 15))
        rows.append(("peak RSS, video.py --help (baseline)", "%.1f MB" % baseline, "-", True))
    print("| measure | result | target | ok |\n|---|---|---|---|")
    for name, value, target, ok in rows:
        print("| %s | %s | %s | %s |" % (name, value, target, "yes" if ok else "NO"))
    return 0 if all(row[3] for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
