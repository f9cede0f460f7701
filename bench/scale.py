"""Costs as the stored history grows: python -m bench.scale [--quick] [--levels 2000,20000,60000]

Grows the history through the public APIs alone (the demo's six-month engagement, seeded
again and again, round-robin over many tenants) to each level of published events, and at
each level, with the system otherwise idle, measures p50 and p95 of every operation on a
fresh engagement seeded for the purpose (the probe): a command to its 201, propagation of a
command to the reporting timeline, every reporting route, and the assessment and kpi reads.
Operations are interleaved, one client, one request at a time. It then prints each
operation's growth (its p50 at the largest level / at the smallest) and a last line
`scale: worst growth <ratio>x (<operation>)`. Nothing is asserted: the figures are the
result (issue 10's target: a worst growth of 1.5x or less from 2,000 to 60,000 events).
"""

from __future__ import annotations

import argparse
import math
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from bench.common import Bench, Latency, System, bench, ms, percentile, ratio, say, table
from deploy.demo import seed
from deploy.demo.client import Client
from deploy.demo.story import Story, Urls, tokens_for
from shared.clock import today

LEVELS = (2_000, 20_000, 60_000)
QUICK_LEVELS = (1_000, 3_000, 6_000)
TENANTS = 20
SEEDERS = 3
PROPAGATION_TIMEOUT = 30.0


@dataclass
class Grown:
    """What has been seeded so far."""

    events: int = 0
    engagements: int = 0
    seconds: float = 0.0


def seeded(system: System, tenant: str) -> Story:
    """One demo engagement told through the APIs in `tenant`, and waited for."""
    urls = Urls(system.urls["assessment"], system.urls["kpi"], system.urls["reporting"])
    story = Story(Client(uuid.uuid4().hex[:8]), urls, tokens_for(tenant, system.env), 60.0)
    seed.tell_and_count(story)
    return story


def grow(system: System, grown: Grown, level: int) -> None:
    """Seed engagements, tenants round-robin, until `level` published events are stored:
    SEEDERS stories told at once (each one client, one request at a time), so the workers
    and the databases have work queued while a client waits for an answer."""
    began = time.monotonic()
    with ThreadPoolExecutor(SEEDERS) as pool:
        while grown.events < level:
            per_story = grown.events / grown.engagements if grown.engagements else level
            wanted = max(1, math.ceil((level - grown.events) / per_story))
            tenants = [f"scale{(grown.engagements + n) % TENANTS:02d}" for n in range(wanted)]
            for story in pool.map(lambda tenant: seeded(system, tenant), tenants):
                grown.events += sum(story.expected.values())
                grown.engagements += 1
                if grown.engagements % 25 == 0:
                    say(f"  {grown.engagements} engagements, {grown.events:,} events ...")
    grown.seconds += time.monotonic() - began


class Probe:
    """The operations measured at one level, on one freshly seeded engagement."""

    def __init__(self, system: System, story: Story, tenant: str) -> None:
        self.system, self.story = system, story
        self.http = system.http
        self.coach = {"Authorization": f"Bearer {story.tokens.coach}"}
        self.manager = {"Authorization": f"Bearer {story.tokens.manager}"}
        self.hr = system.headers("hr-1", "hr", tenant)
        self.reporting = f"{system.urls['reporting']}/engagements/{story.engagement_id}"
        self.kpi_id = story.kpi_ids[0]
        self.as_of = (today() - timedelta(days=90)).isoformat()
        self.sent = 0

    def operations(self) -> dict[str, Callable[[], float]]:
        """Each operation: a call that returns its duration in seconds."""
        r, s = self.reporting, self.system.urls
        reads = {
            "timeline page": (f"{r}/timeline?limit=50", self.coach),
            "KPIs": (f"{r}/kpis", self.coach),
            "as-of": (f"{r}/kpis?as_of={self.as_of}", self.coach),
            "KPI history": (f"{r}/kpis/{self.kpi_id}/history", self.coach),
            "feedback": (f"{r}/feedback", self.coach),
            "summary": (f"{r}/summary", self.coach),
            "audit page": (f"{s['reporting']}/audit?limit=50", self.hr),
            "NDJSON export": (f"{s['reporting']}/audit/export?format=ndjson"
                              f"&engagement={self.story.engagement_id}", self.coach),
            "overview": (f"{s['reporting']}/overview", self.hr),
            "dashboard HTML": (f"{r}/dashboard", self.manager),
            "tenant dashboard HTML": (f"{s['reporting']}/dashboard", self.hr),
            "assessment read": (f"{self.story.assessment}", self.coach),
            "kpi read": (f"{self.story.kpi}/kpis", self.coach),
        }  # fmt: skip
        timed = {name: self._get(url, headers) for name, (url, headers) in reads.items()}
        return {"command": self._command, "propagation": self._propagation, **timed}

    def _get(self, url: str, headers: dict[str, str]) -> Callable[[], float]:
        def call() -> float:
            began = time.perf_counter()
            response = self.http.get(url, headers=headers, timeout=60)
            response.content  # noqa: B018 (the whole body, streamed ones too)
            took = time.perf_counter() - began
            if response.status_code != 200:
                raise RuntimeError(f"GET {url} answered {response.status_code}: "
                                   f"{response.text[:200]}")  # fmt: skip
            return took

        return call

    def _add_stakeholder(self) -> float:
        self.sent += 1
        body = {"name": f"Probe stakeholder {self.sent}", "relationship": "peer",
                "contact": f"probe{self.sent}@example.org"}  # fmt: skip
        url = f"{self.story.assessment}/stakeholders"
        began = time.perf_counter()
        response = self.http.post(url, json=body, headers=self.coach, timeout=60)
        took = time.perf_counter() - began
        if response.status_code != 201:
            raise RuntimeError(f"POST {url} answered {response.status_code}: {response.text}")
        return took

    def _command(self) -> float:
        return self._add_stakeholder()

    def _timeline_total(self) -> int:
        found = self.http.get(f"{self.reporting}/timeline?limit=1", headers=self.coach,
                              timeout=60)  # fmt: skip
        return int(found.json()["total"]) if found.status_code == 200 else -1

    def _propagation(self) -> float:
        before = self._timeline_total()
        began = time.perf_counter()
        self._add_stakeholder()
        while self._timeline_total() <= before:
            if time.perf_counter() - began > PROPAGATION_TIMEOUT:
                raise RuntimeError("a command did not reach the timeline in 30 s")
            time.sleep(0.002)
        return time.perf_counter() - began


def measure(system: System, grown: Grown, rounds: int) -> dict[str, Latency]:
    """Seed the level's probe engagement, then time every operation `rounds` times,
    interleaved (after two warm-up rounds); the probe's events count as history after."""
    tenant = f"scale{grown.engagements % TENANTS:02d}"
    story = seeded(system, tenant)
    probe = Probe(system, story, tenant)
    operations = probe.operations()
    samples: dict[str, list[float]] = {name: [] for name in operations}
    for n in range(rounds + 2):
        for name, operation in operations.items():
            took = operation()
            if n >= 2:
                samples[name].append(took)
    grown.engagements += 1
    grown.events += sum(story.expected.values()) + probe.sent
    return {name: Latency.of(values) for name, values in samples.items()}


def p95(latency: Latency) -> float:
    return percentile(latency.samples, 95)


def level_table(grown: Grown, figures: dict[str, Latency]) -> None:
    """One level's p50 and p95 of every operation, printed as soon as it is measured (a run
    stopped later keeps what it measured)."""
    table(
        f"at {grown.events:,} published events ({grown.engagements} engagements, "
        f"{TENANTS} tenants), N={figures['command'].n} each",
        ["", "p50 ms", "p95 ms"],
        [[name, ms(figures[name].p50), ms(p95(figures[name]))] for name in figures],
    )


def report(levels: list[tuple[Grown, dict[str, Latency]]]) -> None:
    """Each operation's growth from the first level to the last, and the worst."""
    operations = list(levels[0][1])
    first, last = levels[0], levels[-1]
    growth = {name: ratio(last[1][name].p50, first[1][name].p50) for name in operations}
    table(f"growth: p50 at {last[0].events:,} events / p50 at {first[0].events:,}",
          ["", *(f"p50 ms at {g.events:,}" for g, _ in levels), "growth"],
          [[name, *(ms(f[name].p50) for _, f in levels), f"{growth[name]:.2f}x"]
           for name in operations])  # fmt: skip
    worst = max(operations, key=lambda name: growth[name])
    say(f"\nscale: worst growth {growth[worst]:.2f}x ({worst})")


def run(running: Bench, levels: tuple[int, ...] = LEVELS, rounds: int = 100) -> None:
    """Start the system, grow the history level by level, measure at each, print figures."""
    say(f"\n=== scale: costs at {', '.join(f'{n:,}' for n in levels)} published events ===")
    system = running.start_system("scale")
    grown, measured = Grown(), []
    for level in levels:
        grow(system, grown, level)
        say(f"grown to {grown.events:,} events in {grown.engagements} engagements "
            f"({grown.seconds:.0f} s of seeding so far); measuring ...")  # fmt: skip
        at = Grown(grown.events, grown.engagements, grown.seconds)
        measured.append((at, measure(system, grown, rounds)))
        level_table(*measured[-1])
    report(measured)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"levels {', '.join(map(str, QUICK_LEVELS))}, 20 rounds",
    )
    parser.add_argument("--levels", help="comma-separated event counts, ascending")
    parser.add_argument("--rounds", type=int, help="samples of each operation per level")
    args = parser.parse_args(argv)
    levels: tuple[int, ...] = QUICK_LEVELS if args.quick else LEVELS
    if args.levels:
        levels = tuple(int(n) for n in args.levels.split(","))
    if len(levels) < 2 or list(levels) != sorted(levels) or not 0 < levels[0] <= 1_000_000:
        parser.error("give two or more ascending levels between 1 and 1,000,000")
    rounds = args.rounds or (20 if args.quick else 100)
    with bench() as running:
        run(running, levels, rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
