"""Command path vs a bare Flask + pymongo insert: python -m bench.command [--requests 500]

With the whole system running, the same client sends, interleaved and one at a time,
N commands to the assessment service (a stakeholder added to one of 20 engagements,
round-robin: token check, the engagement's events loaded, the decision, the events sealed,
validated against their schemas and stored with their outbox entry) and N POSTs to a bare
Flask app under the same gunicorn settings whose route only inserts the body with pymongo
into the same Mongo-wire server. Each: send → response. The product brief asks for a
command path "close to" the bare insert; issue 10's target: p50 within 2x of it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from typing import Any

from bench.common import (
    LATENCY_HEADERS,
    Bench,
    Latency,
    bench,
    ratio,
    say,
    table,
    verdict,
    wait_until,
)
from bench.propagation import open_engagements
from deploy.local import infra, stack

TARGET = 2.0  # issue 10: the command's p50 within 2x of the bare insert's
BARE_PORT_OFFSET = 20  # from the bench's API base port: away from the six processes


def start_bare(running: Bench) -> tuple[subprocess.Popen[bytes], str]:
    """The bare app under gunicorn; its process and URL."""
    port = int(os.environ["ML_API_BASE_PORT"]) + BARE_PORT_OFFSET
    env = stack.system_env(running.profile, running.infra_env) | {
        "BENCH_BARE_DB": running.database("bare").name, "WEB_CONCURRENCY": "2"}  # fmt: skip
    log = open(running.profile.logs_dir / "bench-bare.log", "ab")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(stack.GUNICORN_CONF),
         "--bind", f"127.0.0.1:{port}", "bench.bare_app:app"],
        cwd=infra.REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    log.close()
    return process, f"http://127.0.0.1:{port}"


def run(running: Bench, requests: int = 500, engagements: int = 20) -> None:
    """Start the system and the bare app, send the interleaved requests, print figures."""
    say(f"\n=== command path vs bare Flask + pymongo insert ({requests:,} requests each) ===")
    system = running.start_system("cmd")
    bare, bare_url = start_bare(running)
    try:
        assert wait_until(lambda: _answers(system, f"{bare_url}/items"), 30), "bare app down"
        coach = system.headers("coach-1", "coach")
        ids = open_engagements(system, engagements)
        command: list[float] = []
        baseline: list[float] = []
        for n in range(requests + 20):  # the first 20 pairs warm up
            body = {"name": f"Stakeholder {n}", "contact": f"s{n}@example.org",
                    "relationship": "peer"}  # fmt: skip
            url = f"{system.urls['assessment']}/engagements/{ids[n % len(ids)]}/stakeholders"
            took = _timed(system, url, body, coach)
            raw = _timed(system, f"{bare_url}/items", body, {})
            if n >= 20:
                command.append(took)
                baseline.append(raw)
    finally:
        bare.terminate()
        bare.wait(timeout=20)
    ours, bare_figures = Latency.of(command), Latency.of(baseline)
    table(f"latency, N={requests:,} each (interleaved, one client, one at a time)",
          LATENCY_HEADERS, [ours.row("POST stakeholder (assessment)"),
                            bare_figures.row("POST to bare Flask + insert_one")])  # fmt: skip
    share = ratio(ours.p50, bare_figures.p50)
    table("ratio", ["", "p50 ratio", "p99 ratio", "target (p50)", ""],
          [["command / bare insert", f"{share:,.1f}x",
            f"{ratio(ours.p99, bare_figures.p99):,.1f}x", f"<= {TARGET:g}x",
            verdict(share <= TARGET)]])  # fmt: skip


def _timed(system: Any, url: str, body: dict[str, Any], headers: dict[str, str]) -> float:
    began = time.perf_counter()
    response = system.http.post(url, json=body, headers=headers, timeout=30)
    took = time.perf_counter() - began
    if response.status_code != 201:
        raise RuntimeError(f"{url} answered {response.status_code}: {response.text[:200]}")
    return took


def _answers(system: Any, url: str) -> bool:
    try:
        return bool(system.http.post(url, json={"ping": 1}, timeout=2).status_code == 201)
    except OSError:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500, help="requests of each kind")
    args = parser.parse_args(argv)
    if not 0 < args.requests <= 10_000:
        parser.error("keep it bounded: 0 < requests <= 10000")
    with bench() as running:
        run(running, args.requests)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
