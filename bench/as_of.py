"""As-of query vs find-by-_id: python -m bench.as_of [--versions 10000] [--queries 2000]

One KPI with 10,000 versions in a fresh generation 0, written by the reporting service's
own KpiProjection from KPI events recorded an hour apart (one change in BACK_DATED_EVERY
made at a review held that day, so back-dated and restating the versions of that day),
through the rebuild's write-behind buffer: history rows, the version pages
(`g0_kpi_versions`) and the KPI's document with its page directory. Then, interleaved, N
calls of the reporting service's own `engagement_kpis_as_of` at random instants (so
whatever queries it sends are measured; its finds on the pages are timed apart and
explained) and N `find_one({"_id": ...})` of a random page on the same collection through
the same client, its versions unpacked as the query reads them (projections/packed.py).
Target: as-of p99 within 2x of find-by-_id p99. Only the Mongo-wire server is needed.
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import monitoring
from pymongo.collection import Collection
from pymongo.database import Database

from bench.common import (
    LATENCY_HEADERS,
    Bench,
    Latency,
    bench,
    listening,
    ms,
    ratio,
    say,
    table,
    verdict,
)
from services.reporting.domain import version_pages
from services.reporting.projections.batch import BufferedReadModels
from services.reporting.projections.indexes import IndexProjection
from services.reporting.projections.kpis import KpiProjection, current_kpis, version_pages_of
from services.reporting.projections.read_models import ReadModels
from services.reporting.queries.kpis import engagement_kpis_as_of
from shared.config import ServiceConfig
from shared.resources import Resources

TENANT, ENGAGEMENT, KPI = "acme", "eng-bench-as-of", "kpi-bench-as-of"
START = datetime(2024, 1, 1, 9, tzinfo=UTC)
STEP = timedelta(hours=1)
MEASUREMENTS = 24
BACK_DATED_EVERY = 97
TARGET_P99_RATIO = 2.0


def instant(moment: datetime) -> str:
    """An event time as the services write it (RFC 3339 UTC, milliseconds)."""
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def envelope(version: int, name: str, data: dict[str, Any]) -> dict[str, Any]:
    """A kpi event as the reporting worker receives it (only what the projection reads)."""
    return {
        "id": f"evt-{version:06d}",
        "type": f"mastery.kpi.{name}.v1",
        "tenant": TENANT,
        "subject": ENGAGEMENT,
        "time": instant(START + STEP * version),
        "streamversion": version,
        "actor": "mgr-1",
        "reason": f"bench change {version}",
        "data": {"engagement_id": ENGAGEMENT, "kpi_id": KPI, **data},
    }


def definition(target: float) -> dict[str, Any]:
    return {"name": "Net revenue retention", "kind": "performance", "unit": "%",
            "baseline": 90, "target": target, "direction": "increase", "weight": 100,
            "cadence": "monthly", "due_on": "2026-12-31", "description": "Gross NRR"}  # fmt: skip


def events(versions: int) -> list[dict[str, Any]]:
    """Proposed, aligned, then revisions outside reviews, with measurements among them, and
    one change in BACK_DATED_EVERY made at a review held that day: effective at the day's
    start, before the versions recorded earlier that day, which it restates (it changes the
    wording, which they leave alone)."""
    found = [
        envelope(1, "KpiProposed", {"definition": definition(96)}),
        envelope(2, "KpiAligned", {"baseline_on": START.date().isoformat(), "baseline": 90}),
    ]
    every = max(versions // MEASUREMENTS, 1)
    version = 2
    while sum(map(_is_version, found)) < versions:  # fine for 10,000: a second or so
        version += 1
        if version % every == 0 and sum("Measurement" in e["type"] for e in found) < MEASUREMENTS:
            day = (START + STEP * version).date().isoformat()
            found.append(envelope(version, "MeasurementRecorded", measurement(version, day)))
            continue
        target = 96 + (version % 7) / 10
        change = {"definition": definition(target),
                  "changes": [{"field": "target", "before": 96, "after": target}]}  # fmt: skip
        if version % BACK_DATED_EVERY == 0:  # the wording, which the others leave alone
            review = {"review_id": f"r-{version}", "attendees": [],
                      "held_on": (START + STEP * version).date().isoformat()}  # fmt: skip
            found.append(envelope(version, "ReviewHeld", review))
            version += 1
            wording = f"Gross NRR, as restated at review {version}"
            change = {"definition": definition(96) | {"description": wording}, "review_id":
                      review["review_id"], "changes": [{"field": "description",
                      "before": "Gross NRR", "after": wording}]}  # fmt: skip
        found.append(envelope(version, "KpiRevised", change))
    return found


def _is_version(event: dict[str, Any]) -> bool:
    return not event["type"].endswith(("MeasurementRecorded.v1", "ReviewHeld.v1"))


def measurement(version: int, day: str) -> dict[str, Any]:
    return {"measurement_id": f"m-{version}", "value": 90 + version % 5, "measured_on": day,
            "status": "on_track", "expected": 91.0, "review_id": None,
            "source": {"kind": "manual"}, "evidence": "bench"}  # fmt: skip


def fill(database: Database[Any], versions: int) -> tuple[list[str], float]:
    """Project the events into generation 0 as a rebuild would (KpiProjection over the
    write-behind buffer, stored in bulk); the page ids and the seconds it took."""
    models = BufferedReadModels(database, 0)
    projection, lists = KpiProjection(models), IndexProjection(models)
    projection.setup()
    started = time.perf_counter()
    for event in events(versions):
        projection.handle(event)
        lists.handle(event)  # the engagement's list of KPIs, which the query reads first
    models.flush()
    kpi = current_kpis(ReadModels(database, 0)).find_one({"_id": KPI})
    assert kpi is not None
    directory = kpi[version_pages.DIRECTORY]
    pages = [version_pages.page_id(KPI, entry["page"]) for entry in directory]
    return pages, time.perf_counter() - started


@dataclass
class RoundTrips(monitoring.CommandListener):
    """Round-trip time and rows of the find/getMore commands on one collection, and the
    last find sent to it (to explain it)."""

    collection: str
    seconds: float = 0.0
    rows: int = 0
    finds: int = 0
    active: bool = True
    last_find: dict[str, Any] = field(default_factory=dict)
    _started: dict[int, bool] = field(default_factory=dict)

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        command = event.command
        target = command.get("find") or command.get("collection")
        self._started[event.request_id] = self.active and target == self.collection
        if self.active and event.command_name == "find" and target == self.collection:
            self.finds += 1
            keys = ("find", "filter", "sort", "projection", "limit", "skip")
            self.last_find = {k: command[k] for k in keys if k in command}

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        if self._started.pop(event.request_id, False):
            self.seconds += event.duration_micros / 1e6
            cursor = event.reply.get("cursor", {})
            self.rows += len(cursor.get("firstBatch", cursor.get("nextBatch", [])))

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self._started.pop(event.request_id, None)


def explain(collection: Collection[Any], find: dict[str, Any]) -> str:
    """How the server runs a find command, in one line."""
    plan = collection.database.command("explain", find, verbosity="executionStats")
    if "filterPushdown" in plan:  # FerretDB
        steps = plan.get("queryPlanner", {}).get("Plan", [])
        return (f"FerretDB {plan.get('serverInfo', {}).get('ferretdbVersion', '?')}: "
                f"filterPushdown={plan['filterPushdown']} sortPushdown={plan['sortPushdown']}, "
                f"SQLite plan {steps}")  # fmt: skip
    winning = plan.get("queryPlanner", {}).get("winningPlan", {})
    stages = []
    while winning:
        stages.append(winning.get("stage", "?") + (f"({winning['indexName']})"
                                                   if "indexName" in winning else ""))  # fmt: skip
        winning = winning.get("inputStage", {})
    stats = plan.get("executionStats", {})
    return (f"MongoDB: {' <- '.join(stages)}, keys examined {stats.get('totalKeysExamined')}, "
            f"docs examined {stats.get('totalDocsExamined')}")  # fmt: skip


def run(bench: Bench, versions: int = 10_000, queries: int = 2_000, seed: int = 7) -> None:
    """Fill, query interleaved, print the figures."""
    say(f"\n=== as-of query vs find-by-_id ({versions:,} versions of one KPI, "
        f"{queries:,} queries each) ===")  # fmt: skip
    database = bench.database("as_of")
    bench.mongo.drop_database(database.name)
    ids, insert_seconds = fill(database, versions)
    say(f"projected {versions:,} versions (and {MEASUREMENTS} measurements) into {len(ids):,} "
        f"pages of {version_pages.PAGE_SIZE} in {insert_seconds:.1f} s")  # fmt: skip

    config = ServiceConfig(service="reporting", mongo_uri=bench.infra_env["MONGO_URI"],
                           mongo_db=database.name, log_level="WARNING")  # fmt: skip
    resources = Resources(config)
    history = RoundTrips("g0_kpi_versions")
    with listening(history):  # only this client reports its commands
        collection = resources.database["g0_kpi_versions"]
    read = ReadModels(resources.database, 0)  # the query's own read models, no app needed
    pages = version_pages_of(read)  # a page found by _id and unpacked, as the query reads it
    first, last = START + STEP, START + STEP * (versions + MEASUREMENTS + 1)
    span = (last - first).total_seconds()
    pick = random.Random(seed)

    def at_random() -> str:
        return instant(first + timedelta(seconds=pick.uniform(-0.05, 1.05) * span))

    as_of: list[float] = []
    in_query: list[float] = []
    by_id: list[float] = []
    returned = rows = 0
    for _ in range(5):  # warm the connection pool and the server's caches
        engagement_kpis_as_of(read, TENANT, ENGAGEMENT, at_random(), at_random())
        pages.find_one({"_id": pick.choice(ids)})
    history.finds = 0
    started = time.monotonic()
    for n in range(queries):
        moment, known_at = at_random(), at_random()
        history.seconds, history.rows = 0.0, 0
        history.active, began = True, time.perf_counter()
        views = engagement_kpis_as_of(read, TENANT, ENGAGEMENT, moment, known_at)
        as_of.append(time.perf_counter() - began)
        history.active = False
        in_query.append(history.seconds)
        returned, rows = returned + len(views), rows + history.rows
        wanted = pick.choice(ids)
        began = time.perf_counter()
        pages.find_one({"_id": wanted})
        by_id.append(time.perf_counter() - began)
        if n == 19 and queries > 200:
            per_pair = (time.monotonic() - started) / 20
            say(f"  ~{per_pair * 1000:,.0f} ms per pair of queries: about "
                f"{per_pair * queries / 60:,.0f} min for {queries:,} pairs")  # fmt: skip
        elif (n + 1) % max(queries // 10, 1) == 0 and queries > 200:
            so_far, base = Latency.of(as_of), Latency.of(by_id)
            say(f"  {n + 1:,}/{queries:,} pairs after {time.monotonic() - started:,.0f} s: "
                f"as-of p50/p99 {ms(so_far.p50)}/{ms(so_far.p99)} ms, by _id "
                f"{ms(base.p50)}/{ms(base.p99)} ms")  # fmt: skip
    if returned == 0:  # timing a query that finds nothing would say nothing
        raise RuntimeError("the as-of query answered no KPI: the bench's read models are off")
    sent = dict(history.last_find)
    plan = explain(collection, sent) if sent else "no find on g0_kpi_versions was sent"
    monitoring_note = "client-side round trips of find/getMore on g0_kpi_versions in each call"
    whole, query_only, baseline = Latency.of(as_of), Latency.of(in_query), Latency.of(by_id)
    table(
        f"latency, N={queries:,} each (interleaved, one client, one thread)",
        LATENCY_HEADERS,
        [
            whole.row("engagement_kpis_as_of (whole call)"),
            query_only.row("  of which finds on kpi_versions"),
            baseline.row("find_one by _id (a random page, unpacked)"),
        ],
    )
    say(f"  ('of which': {monitoring_note})")
    p99_ratio = ratio(whole.p99, baseline.p99)
    table(
        "ratios against find_one by _id",
        ["", "p50 ratio", "p99 ratio", "target (p99)", ""],
        [
            ["engagement_kpis_as_of", f"{ratio(whole.p50, baseline.p50):,.1f}x",
             f"{p99_ratio:,.1f}x", f"<= {TARGET_P99_RATIO:g}x",
             verdict(p99_ratio <= TARGET_P99_RATIO)],
            ["its finds on kpi_versions", f"{ratio(query_only.p50, baseline.p50):,.1f}x",
             f"{ratio(query_only.p99, baseline.p99):,.1f}x", "", ""],
        ],
    )  # fmt: skip
    say(f"\nper call: {history.finds / queries:,.2f} finds on g0_kpi_versions returning "
        f"{rows / queries:,.2f} pages on average; {returned:,} KPI views answered in "
        f"{queries:,} calls")  # fmt: skip
    say(f"last find sent: {sent}")
    say(f"its plan: {plan}")
    resources.close()
    bench.mongo.drop_database(database.name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=2_000)
    args = parser.parse_args(argv)
    with bench() as running:
        run(running, args.versions, args.queries)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
