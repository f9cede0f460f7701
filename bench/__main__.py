"""Every benchmark, one after the other, on one bench infrastructure: python -m bench [--quick]

Each prints its figures and the ratio to its baseline, measured in the same run; nothing is
asserted. --quick runs smaller samples (for a look, not for the figures in the README).
"""

from __future__ import annotations

import argparse
import time

from bench import as_of, command, peer, propagation, rebuild, scale, scale_out, webhooks
from bench.common import bench, say


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller samples, a few minutes")
    args = parser.parse_args(argv)
    if not peer.ready():  # PostgreSQL, for bench.peer: said before anything runs
        return 2
    began = time.monotonic()
    with bench() as running:
        as_of.run(running, queries=200 if args.quick else 2_000)
        propagation.run(running, seconds=20 if args.quick else 60,
                        baseline=100 if args.quick else 300)  # fmt: skip
        webhooks.run(running, seconds=20 if args.quick else 40,
                     backlog=200 if args.quick else 400)  # fmt: skip
        rebuild.run(running, events=2_000 if args.quick else 5_000)
        command.run(running, requests=100 if args.quick else 500)
        peer.run(running, commands=peer.QUICK_COMMANDS if args.quick else peer.COMMANDS,
                 streams=peer.QUICK_STREAMS if args.quick else peer.STREAMS)  # fmt: skip
        scale.run(running, scale.QUICK_LEVELS if args.quick else scale.LEVELS,
                  rounds=20 if args.quick else 100)  # fmt: skip
        scale_out.run(running, commands=scale_out.QUICK_COMMANDS if args.quick
                      else scale_out.COMMANDS)  # fmt: skip
    say(f"all benchmarks done in {(time.monotonic() - began) / 60:.1f} min")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
