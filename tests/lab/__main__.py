"""`python -m tests.lab up|down|status` — see tests/lab/README.md."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tests.lab.runner import LabError, down, is_alive, load_state, up
from tests.lab.scenarios import ScenarioError


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.lab")
    sub = p.add_subparsers(dest="cmd", required=True)
    u = sub.add_parser("up", help="start the lab; print its state as one JSON object")
    u.add_argument(
        "--scenarios",
        action="append",
        default=[],
        metavar="DIR",
        help="extra scenario folder (repeatable; also $MAILSEC_LAB_SCENARIOS)",
    )
    u.add_argument(
        "--delay-ms",
        type=int,
        default=None,
        metavar="N",
        help="also start the DNS delay proxy and a slow resolver on 127.0.53.4",
    )
    d = sub.add_parser("down", help="stop every lab process by PID")
    d.add_argument("--run-dir", type=Path, default=None)
    d.add_argument("--keep", action="store_true", help="keep the run directory for inspection")
    sub.add_parser("status", help="print the running lab's state")
    args = p.parse_args(argv)
    try:
        if args.cmd == "up":
            state = up(args.scenarios, args.delay_ms)
            public = {k: v for k, v in state.items() if k != "pids"}
            print(json.dumps(public | {"pids": state["pids"]}))
        elif args.cmd == "down":
            stopped = down(args.run_dir, keep=args.keep)
            print("stopped " + (", ".join(stopped) if stopped else "nothing"), file=sys.stderr)
        else:
            state = load_state()
            print(json.dumps(state | {"alive": is_alive(state)}))
    except (LabError, ScenarioError) as e:
        print(f"lab: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
