"""Run the simulator alone: python3 -m tests.sim [--port N] (Ctrl-C stops it)."""

import argparse
import time

from .server import Sim


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--task-seconds", type=float, default=3.0)
    parser.add_argument("--key", default="sk-demo-simulator-only")
    args = parser.parse_args(argv)
    sim = Sim(key=args.key, task_seconds=args.task_seconds).start(args.port)
    print(sim.base_url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        sim.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
