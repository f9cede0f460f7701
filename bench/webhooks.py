"""Webhook delivery: python -m bench.webhooks [--rate 5] [--seconds 40] [--backlog 400]

With the whole system running (private targets allowed, for a receiver on 127.0.0.1), an HR
receiver that verifies every signature with the `standardwebhooks` library subscribes to
every event of one tenant. Two measures:

- delay: stakeholders added at `rate` per second over 20 engagements; for each event, the
  time from its `time` (stamped when the assessment service stored it) to its arrival at the
  receiver, p50 and p99. Baseline in the same run: a Kafka produce + consume round trip
  (acks=all) and a bare signed POST of the same size to the same receiver, one after the
  other: what the hop costs without the service's queueing and bookkeeping.
- throughput: the subscription paused, `backlog` events queued, then resumed: deliveries per
  second until the last one arrives, against bare signed POSTs of the same bodies from as
  many threads as the dispatcher has senders (ML_WEBHOOKS_SENDERS, 8).
"""

from __future__ import annotations

import argparse
import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import urllib3
from standardwebhooks.webhooks import Webhook

from bench.common import LATENCY_HEADERS, Bench, Latency, System, bench, ms, ratio, say, table
from bench.propagation import open_engagements, raw_round_trips
from services.reporting.domain.webhook_delivery import signature_header

SENDERS = 8


class Receiver:
    """Verifies each delivery and notes when each event first arrived (monotonic and wall)."""

    def __init__(self) -> None:
        self.secret = ""
        self.arrived: dict[str, float] = {}
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                now = time.time()
                event = Webhook(receiver.secret).verify(body, dict(self.headers.items()))
                with receiver.lock:
                    receiver.arrived.setdefault(event["id"], now)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def count(self) -> int:
        with self.lock:
            return len(self.arrived)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def wait_for(receiver: Receiver, count: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while receiver.count() < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return receiver.count() >= count


def add_stakeholders(system: System, engagements: list[str], count: int, rate: float | None,
                     tenant: str) -> None:  # fmt: skip
    """`count` stakeholder additions round-robin, at `rate` per second (None: at once)."""
    coach = system.headers("coach-1", "coach", tenant)
    started = time.monotonic()
    for n in range(count):
        if rate:
            time.sleep(max(0.0, started + n / rate - time.monotonic()))
        url = f"{system.urls['assessment']}/engagements/{engagements[n % len(engagements)]}"
        system.http.post(f"{url}/stakeholders", headers=coach, timeout=30,
                         json={"name": f"Peer {n}", "relationship": "peer",
                               "contact": f"p{n}@example.com"}).raise_for_status()  # fmt: skip


def bare_posts(receiver: Receiver, count: int, threads: int) -> tuple[list[float], float]:
    """Signed POSTs of event-sized bodies straight to the receiver: each one's time, and the
    rate `threads` senders reach."""
    secret, pool = receiver.secret, urllib3.PoolManager(maxsize=threads)

    def post(n: int) -> float:
        began, stamp = time.perf_counter(), int(time.time())
        message = f"bare-{uuid.uuid4().hex}-{n}"
        body = json.dumps({"id": message, "data": "y" * 900}).encode()
        headers = {"webhook-id": message, "webhook-timestamp": str(stamp),
                   "webhook-signature": signature_header([secret], message, stamp, body),
                   "Content-Type": "application/cloudevents+json"}  # fmt: skip
        answer = pool.request("POST", receiver.url, body=body, headers=headers, retries=False)
        assert answer.status == 204, answer.status
        return time.perf_counter() - began

    began = time.perf_counter()
    with ThreadPoolExecutor(threads) as executor:
        durations = list(executor.map(post, range(count)))
    return durations, count / (time.perf_counter() - began)


def run(bench: Bench, rate: float = 5.0, seconds: float = 40.0, backlog: int = 400) -> None:
    """Start the system, subscribe a receiver, measure delay and throughput."""
    say(f"\n=== webhooks: event -> signed delivery ({rate:g} commands/s for {seconds:g} s; "
        f"a backlog of {backlog}) ===")  # fmt: skip
    system = bench.start_system("hook", ML_WEBHOOKS_ALLOW_PRIVATE="1")
    tenant, receiver = "acme", Receiver()
    try:
        created = system.http.post(
            f"{system.urls['reporting']}/webhooks", headers=system.headers("hr-1", "hr", tenant),
            json={"url": receiver.url, "event_types": ["StakeholderAdded"]}, timeout=30,
        )  # fmt: skip
        created.raise_for_status()
        subscription = created.json()
        receiver.secret = subscription["secret"]
        engagements = open_engagements(system, 20)
        add_stakeholders(system, engagements, 5, None, tenant)  # warm up
        wait_for(receiver, 5, 60)
        say("raw baseline: Kafka round trips, bare signed POSTs ...")
        kafka = Latency.of(raw_round_trips(system, 200))
        post, _ = bare_posts(receiver, 200, 1)
        posts = Latency.of(post)
        say(f"steady load: {int(rate * seconds)} stakeholder additions ...")
        before = set(receiver.arrived)
        add_stakeholders(system, engagements, int(rate * seconds), rate, tenant)
        wait_for(receiver, len(before) + int(rate * seconds), 120)
        delays = delivery_delays(system, receiver, subscription["id"], before)
        base = Latency.of([k + p for k, p in zip(kafka.samples, posts.samples, strict=False)])
        table("delay (event stored -> delivered)", LATENCY_HEADERS, [
            delays.row("event time -> receiver"), kafka.row("baseline: Kafka round trip"),
            posts.row("baseline: bare signed POST"), base.row("baseline: the two"),
        ])  # fmt: skip
        say(f"delivery delay p50 / baseline p50: {ratio(delays.p50, base.p50):.1f}x "
            f"(p99 {ms(delays.p99)})")  # fmt: skip
        throughput(system, receiver, subscription["id"], engagements, backlog, tenant)
    finally:
        receiver.close()
        bench.stop_system()


def delivery_delays(system: System, receiver: Receiver, subscription: str,
                    before: set[str]) -> Latency:  # fmt: skip
    """Per event delivered since `before`: its arrival minus its `time` (same machine clock)."""
    deliveries = system.database("reporting")["webhook_deliveries"]
    delays = []
    for event_id, arrived in list(receiver.arrived.items()):
        if event_id in before:
            continue
        stored = deliveries.find_one({"_id": f"{subscription}:{event_id}"}, {"event_time": 1})
        if stored:
            delays.append(arrived - datetime.fromisoformat(stored["event_time"]).timestamp())
    return Latency.of(delays)


def throughput(system: System, receiver: Receiver, subscription: str,
               engagements: list[str], backlog: int, tenant: str) -> None:  # fmt: skip
    """A paused subscription's backlog drained: deliveries per second against bare POSTs."""
    hr = system.headers("hr-1", "hr", tenant)
    base = f"{system.urls['reporting']}/webhooks/{subscription}"
    system.http.post(f"{base}/pause", json={}, headers=hr, timeout=30).raise_for_status()
    time.sleep(1)
    count = receiver.count()
    say(f"throughput: {backlog} events queued while paused ...")
    add_stakeholders(system, engagements, backlog, None, tenant)
    pending = system.database("reporting")["webhook_pending"]
    deadline = time.monotonic() + 300
    while pending.count_documents({}) < backlog and time.monotonic() < deadline:
        time.sleep(0.5)
    began = time.monotonic()
    system.http.post(f"{base}/resume", json={}, headers=hr, timeout=30).raise_for_status()
    done = wait_for(receiver, count + backlog, 600)
    seconds = time.monotonic() - began
    _, bare_rate = bare_posts(receiver, backlog, SENDERS)
    rate = (receiver.count() - count) / seconds
    table("throughput (a backlog drained)", ["", "deliveries/s"], [
        ["dispatcher (resume -> last arrival)", f"{rate:.0f}" + ("" if done else " (timed out)")],
        [f"baseline: bare signed POSTs, {SENDERS} threads", f"{bare_rate:.0f}"],
    ])  # fmt: skip
    say(f"webhooks: {rate:.0f} deliveries/s, {ratio(rate, bare_rate):.2f}x bare POSTs")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=5.0)
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--backlog", type=int, default=400)
    args = parser.parse_args(argv)
    with bench() as running:
        run(running, args.rate, args.seconds, args.backlog)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
