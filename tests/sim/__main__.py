"""Run the simulator alone: python3 -m tests.sim [--port N] [--role standard|workspace|token_plan] (Ctrl-C
stops it)."""

import argparse
import time

from .server import Sim


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--task-seconds", type=float, default=3.0)
    parser.add_argument("--key", default=None, help="default: sk-demo-simulator-only (token_plan: an sk-sp- key)")
    parser.add_argument("--role", default="standard", choices=("standard", "workspace", "token_plan"))
    args = parser.parse_args(argv)
    key = args.key or (None if args.role == "token_plan" else "sk-demo-simulator-only")
    sim = Sim(key=key, task_seconds=args.task_seconds, role=args.role).start(args.port)
    print(sim.base_url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        sim.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
