"""`make bench`: run every bench/bench_*.py, print their tables and write bench/RESULTS.md."""

import glob
import os
import platform
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def machine():
    cpus = os.cpu_count()
    try:
        with open("/proc/meminfo") as handle:
            mem = int(handle.readline().split()[1]) // 1024 // 1024
    except OSError:
        mem = "?"
    return "%s, %s cores, %s GiB, Python %s, %s" % (platform.machine(), cpus, mem,
                                                    platform.python_version(), time.strftime("%Y-%m-%d"))


def main():
    sections = ["# Benchmarks\n", "Machine: %s. Regenerate with `make bench`.\n" % machine()]
    failed = 0
    for path in sorted(glob.glob(os.path.join(HERE, "bench_*.py"))):
        name = os.path.basename(path)
        print("== %s" % name, flush=True)
        proc = subprocess.run([sys.executable, path], capture_output=True, text=True, timeout=1800)
        print(proc.stdout + proc.stderr[-2000:], flush=True)
        failed += proc.returncode != 0
        sections.append("## %s\n\n%s\n" % (name, proc.stdout.strip() or "(no output: %s)" % proc.stderr[-500:]))
    with open(os.path.join(HERE, "RESULTS.md"), "w") as handle:
        handle.write("\n".join(sections))
    print("wrote bench/RESULTS.md")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
