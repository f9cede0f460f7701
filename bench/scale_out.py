"""Reporting workers side by side: python -m bench.scale_out [--quick] [--workers 1,2,3]

For each number of reporting workers (ML_REPORTING_WORKERS, sharing the topics' partitions
in one consumer group), on topics and databases of its own: opens engagements, then sends a
burst of stakeholder additions from four client threads and measures how fast the events
become visible in the read models (events per second from the first send to the last
event projected) and how fast the commands were answered; then rebuilds every read model
from the topics (one process, whatever the number of workers) and takes its rate. Prints
the figures side by side, each as a ratio to one worker, and a last line
`scale_out: propagation with 2 workers <r>x, 3 workers <r>x of 1`. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import io
import os
import time
from concurrent.futures import ThreadPoolExecutor

from bench.common import Bench, System, bench, ratio, say, table
from bench.propagation import open_engagements
from deploy.local import stack
from services.reporting.projections.read_models import ReadModels
from services.reporting.projections.timeline import timeline
from services.reporting.rebuild import rebuild

WORKERS = (1, 2, 3)
ENGAGEMENTS = 12  # spread over the 3 partitions of each topic
COMMANDS, QUICK_COMMANDS = 600, 150
CLIENTS = 4
VISIBLE_TIMEOUT = 300.0


def wait_ready(system: System, workers: int) -> None:
    """Until every reporting worker's /readyz answers 200."""
    base = int(system.env["ML_API_BASE_PORT"])
    ports = [stack.metrics_port(base, "reporting")]
    ports += [stack.extra_metrics_port(base, n) for n in range(2, workers + 1)]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if all(system.http.get(f"http://127.0.0.1:{p}/readyz", timeout=5).status_code
                   == 200 for p in ports):  # fmt: skip
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the {workers} reporting workers were not ready within 120 s")


def burst(system: System, engagements: list[str], commands: int) -> dict[str, float]:
    """Send the additions; the send rate and the rate at which they became visible."""
    coach = system.headers("coach-1", "coach")
    rows = timeline(ReadModels.active(system.database("reporting")))
    assessment = system.urls["assessment"]
    failed = []

    def add(n: int) -> None:
        engagement = engagements[n % len(engagements)]
        body = {"name": f"Stakeholder {n}", "contact": f"s{n}@example.org",
                "relationship": "peer"}  # fmt: skip
        for _ in range(10):  # two clients on one engagement: the later one tries again (409)
            response = system.http.post(f"{assessment}/engagements/{engagement}/stakeholders",
                                        json=body, headers=coach, timeout=60)  # fmt: skip
            if response.status_code != 409:
                break
        if response.status_code != 201:
            failed.append(response.status_code)

    expected = {e: 1 + sum(1 for n in range(commands) if n % len(engagements) == i)
                for i, e in enumerate(engagements)}  # fmt: skip
    began = time.monotonic()
    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(add, range(commands)))
    sent = time.monotonic() - began
    if failed:
        raise RuntimeError(f"{len(failed)} additions were refused: {sorted(set(failed))}")
    deadline = time.monotonic() + VISIBLE_TIMEOUT
    while time.monotonic() < deadline:
        if all(rows.total(e, "acme") >= n for e, n in expected.items()):
            break
        time.sleep(0.05)
    else:
        raise RuntimeError(f"not every event was visible within {VISIBLE_TIMEOUT:g} s")
    visible = time.monotonic() - began
    return {"sent": commands / sent, "visible": commands / visible, "seconds": visible}


def measure(running: Bench, workers: int, commands: int) -> dict[str, float]:
    say(f"\n--- {workers} reporting worker(s) ---")
    system = running.start_system(f"w{workers}", ML_REPORTING_WORKERS=str(workers))
    wait_ready(system, workers)
    engagements = open_engagements(system, ENGAGEMENTS)
    figures = burst(system, engagements, commands)
    say(f"  {commands} additions: answered at {figures['sent']:.1f}/s, all visible after "
        f"{figures['seconds']:.1f} s ({figures['visible']:.1f} events/s)")  # fmt: skip
    report = rebuild(system.config("reporting"), out=io.StringIO())
    figures["rebuild"] = float(report["rate"] or 0.0)
    say(f"  rebuild: {report['events']} events at {figures['rebuild']:,.0f}/s")
    running.stop_system()
    return figures


def run(running: Bench, workers: tuple[int, ...] = WORKERS, commands: int = COMMANDS) -> None:
    say(f"\n=== reporting workers side by side: {', '.join(map(str, workers))} ===")
    results = {n: measure(running, n, commands) for n in workers}
    one = results[workers[0]]
    rows = [[n, f"{r['sent']:.1f}", f"{r['visible']:.1f}",
             f"{ratio(r['visible'], one['visible']):.2f}x", f"{r['rebuild']:,.0f}",
             f"{ratio(r['rebuild'], one['rebuild']):.2f}x"]
            for n, r in results.items()]  # fmt: skip
    table("throughput by number of reporting workers",
          ["workers", "commands/s answered", "events/s visible", "vs 1", "rebuild events/s",
           "vs 1"], rows)  # fmt: skip
    say(
        f"(this machine has {os.cpu_count()} cores, shared by every process of the system, "
        "the broker and the Mongo-wire server: more workers add little once they are busy)"
    )
    parts = [f"{n} workers {ratio(r['visible'], one['visible']):.2f}x"
             for n, r in results.items() if n != workers[0]]  # fmt: skip
    say(f"scale_out: propagation with {', '.join(parts)} of {workers[0]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_COMMANDS} additions")
    parser.add_argument("--workers", default="1,2,3", help="comma-separated, ascending")
    args = parser.parse_args(argv)
    workers = tuple(int(n) for n in args.workers.split(",") if n.strip())
    if not workers or any(not 1 <= n <= 8 for n in workers):
        parser.error("--workers takes numbers from 1 to 8")
    with bench() as running:
        run(running, workers, QUICK_COMMANDS if args.quick else COMMANDS)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
