"""Every metric the system exports, in one place (the README's metrics table lists them).

Names and labels follow Prometheus conventions: a `mastery_` prefix, base units (seconds),
`_total` on counters. No label carries a tenant, a person or an id: routes are their
templates (`/engagements/<engagement_id>`), topics and groups are configuration, commands are
class names. The APIs run under gunicorn in multiprocess mode (deploy/gunicorn.conf.py sets
PROMETHEUS_MULTIPROC_DIR before any worker imports this module), so they export counters and
histograms only; the workers are one process each and export gauges too.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

# Latency buckets, in seconds: from a cached read (ms) to a command past its deadline
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# -------------------------------------------------------------------------- the APIs

HTTP_REQUESTS = Counter(
    "mastery_http_requests_total",
    "HTTP requests answered, by route template, method and status code.",
    ["service", "method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "mastery_http_request_duration_seconds",
    "Time from a request's arrival to its answer, by route template and method.",
    ["service", "method", "route"],
    buckets=LATENCY_BUCKETS,
)
COMMANDS = Counter(
    "mastery_commands_total",
    "Write requests by command and outcome (the answer's status code: 201, 200, 409, 412, "
    "422, ...); command is `none` for a write refused before a command was built (its body "
    "or path did not parse).",
    ["service", "command", "outcome"],
)

# -------------------------------------------------------------------------- the workers

OUTBOX_BACKLOG = Gauge(
    "mastery_outbox_backlog_commits",
    "Commits stored and not yet published to Kafka.",
    ["service"],
)
OUTBOX_OLDEST_AGE = Gauge(
    "mastery_outbox_oldest_age_seconds",
    "Age of the oldest commit not yet published (0 when none waits).",
    ["service"],
)
RELAY_PUBLISH = Histogram(
    "mastery_relay_publish_duration_seconds",
    "Time the outbox relay took to publish a batch and have it acknowledged.",
    ["service", "topic"],
    buckets=LATENCY_BUCKETS,
)
RELAY_EVENTS = Counter(
    "mastery_relay_events_published_total",
    "Events the outbox relay published (a redelivery after a crash counts again).",
    ["service", "topic"],
)
CONSUMER_LAG = Gauge(
    "mastery_consumer_lag_messages",
    "Messages on a partition past the consumer's position (high watermark - position).",
    ["group", "topic", "partition"],
)
CONSUMER_HANDLED = Counter(
    "mastery_consumer_events_handled_total",
    "Messages a consumer handled (projected, indexed, fanned out), by topic.",
    ["group", "topic"],
)
CONSUMER_FAILURES = Counter(
    "mastery_consumer_handler_failures_total",
    "Failed attempts to handle a message (each retry counts; transient ones too).",
    ["group", "topic"],
)
DEAD_LETTERED = Counter(
    "mastery_consumer_dead_lettered_total",
    "Messages parked on the dead-letter topic after their last attempt.",
    ["group", "topic"],
)
CONSUMER_LAST_POLL = Gauge(
    "mastery_consumer_last_poll_timestamp_seconds",
    "When the consumer last polled (Unix time): a stale value is a stuck consumer.",
    ["group"],
)
WEBHOOK_DELIVERIES = Counter(
    "mastery_webhook_deliveries_total",
    "Webhook delivery attempts by outcome: delivered, failed (retried later), gave_up.",
    ["outcome"],
)
REBUILD_APPLIED = Counter(
    "mastery_rebuild_events_applied_total",
    "Events a read-model rebuild has applied to its new generation.",
)
REBUILD_REMAINING = Gauge(
    "mastery_rebuild_remaining_messages",
    "Messages a running rebuild still has to read up to the end offsets it started from.",
)
LEASE_HELD = Gauge(
    "mastery_lease_held",
    "1 while this worker holds a job's lease and runs its loops (one worker per job), else 0.",
    ["service", "job"],
)
WORKER_LOOPS_UP = Gauge(
    "mastery_worker_loop_up",
    "1 while a worker loop (relay, consumer, key loop, ...) runs, 0 once it stopped.",
    ["service", "loop"],
)
