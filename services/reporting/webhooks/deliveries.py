"""The delivery store, in the reporting service's database, read by `_id` only.

- `webhook_deliveries`: one document per (subscription, event), `_id` `<subscription>:<event
  id>`, holding the exact body sent at every attempt and the delivery's state: pending,
  delivered, failed or dropped. Marking it delivered is the moment a 2xx counts as recorded:
  after it, the event is never sent again to that subscription.
- `webhook_pending`: the same ids while pending, with their order and next attempt: all the
  dispatcher loads at its start, so its cost is the backlog, never the history.
- `webhook_attempts` and `webhook_failed`: per subscription, every attempt (time, status,
  latency, the answer's first 1 KB) and every failed delivery, as ordered rows in pages
  (projections/paged_rows.py); `webhook_stats`: counts and the last success and failure.

Each step is idempotent: a redelivered event or a step done again after a crash changes
nothing it did already.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from bson.binary import Binary
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from services.reporting.projections.paged_rows import PagedRows

PENDING, DELIVERED, FAILED, DROPPED = "pending", "delivered", "failed", "dropped"
ANSWER_KEPT = 1024  # bytes of a receiver's answer kept per attempt


@dataclass(frozen=True)
class Attempt:
    """What one attempt gave: an HTTP status (None: no answer), its time, the answer's start."""

    at: str
    status: int | None
    latency_ms: float
    answer: str = ""
    error: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def delivery_id(subscription_id: str, event_id: str) -> str:
    return f"{subscription_id}:{event_id}"


class DeliveryStore:
    """The deliveries of every subscription."""

    def __init__(self, database: Database[Any]) -> None:
        self._deliveries = database["webhook_deliveries"]
        self._pending = database["webhook_pending"]
        self._stats = database["webhook_stats"]
        self._attempts = PagedRows(database["webhook_attempts"], {})
        self._failed = PagedRows(database["webhook_failed"], {})

    # ------------------------------------------------------------------ the queue

    def enqueue(self, subscription_id: str, tenant: str, envelope: dict[str, Any],
                body: bytes, order: list[Any]) -> dict[str, Any] | None:  # fmt: skip
        """Queue the event for the subscription once; the pending entry, or None when it was
        queued before (whatever became of it)."""
        _id = delivery_id(subscription_id, envelope["id"])
        pending = {"_id": _id, "subscription_id": subscription_id, "tenant": tenant,
                   "order": order, "due": 0.0}  # fmt: skip
        with contextlib.suppress(DuplicateKeyError):  # queued before: the delivery decides
            self._pending.insert_one(dict(pending))
        try:
            self._deliveries.insert_one({
                "_id": _id, "subscription_id": subscription_id, "tenant": tenant,
                "event_id": envelope["id"], "event_type": envelope["type"],
                "engagement": envelope["subject"], "event_time": envelope["time"],
                "order": order, "body": Binary(body), "status": PENDING, "failures": 0,
            })  # fmt: skip
        except DuplicateKeyError:
            stored = self._deliveries.find_one({"_id": _id}) or {}
            if stored.get("status") != PENDING:
                self._pending.delete_one({"_id": _id})
                return None
        return pending

    def pending(self) -> Iterator[dict[str, Any]]:
        """Every pending entry (at the dispatcher's start)."""
        yield from self._pending.find({})

    def delivery(self, _id: str) -> dict[str, Any] | None:
        return self._deliveries.find_one({"_id": _id})

    # ------------------------------------------------------------------ outcomes

    def delivered(self, delivery: dict[str, Any], attempt: Attempt) -> None:
        """A 2xx: recorded first (never sent again), then logged and counted."""
        self._deliveries.update_one(
            {"_id": delivery["_id"]},
            {"$set": {"status": DELIVERED, "delivered_at": attempt.at}},
        )
        self._log(delivery, attempt, DELIVERED)
        self._count(delivery, {"delivered": 1, "attempts": 1},
                    {"last_success_at": attempt.at, "failing_since": None})  # fmt: skip
        self._pending.delete_one({"_id": delivery["_id"]})

    def retry_later(self, delivery: dict[str, Any], attempt: Attempt, due: float) -> int:
        """A failure with attempts left: the next one at `due` (epoch seconds); returns the
        failures so far."""
        failures = int(delivery.get("failures", 0)) + 1
        self._deliveries.update_one({"_id": delivery["_id"]}, {"$set": {"failures": failures}})
        self._pending.update_one({"_id": delivery["_id"]}, {"$set": {"due": due}})
        self._log(delivery, attempt, "retrying")
        self._failing(delivery, attempt)
        return failures

    def failed(self, delivery: dict[str, Any], attempt: Attempt) -> None:
        """No attempt left: marked failed, listed for replay."""
        failures = int(delivery.get("failures", 0)) + 1
        self._deliveries.update_one(
            {"_id": delivery["_id"]},
            {"$set": {"status": FAILED, "failures": failures, "failed_at": attempt.at}},
        )
        row = {"_id": delivery["_id"], "key": [attempt.at, delivery["event_id"]],
               "event_id": delivery["event_id"]}  # fmt: skip
        self._failed.add(failed_owner(delivery["subscription_id"]), delivery["tenant"], row)
        self._log(delivery, attempt, FAILED)
        self._failing(delivery, attempt, failed=1)
        self._pending.delete_one({"_id": delivery["_id"]})

    def drop(self, _id: str) -> None:
        """A deleted subscription's delivery: never sent."""
        self._deliveries.update_one({"_id": _id, "status": PENDING}, {"$set": {"status": DROPPED}})
        self._pending.delete_one({"_id": _id})

    def replay(self, subscription_id: str, tenant: str, event_id: str | None,
               since: str | None, until: str | None) -> list[dict[str, Any]]:  # fmt: skip
        """Queue failed deliveries again; the pending entries made."""
        if event_id is not None:
            ids = [delivery_id(subscription_id, event_id)]
        else:
            rows = self._failed.rows(failed_owner(subscription_id), tenant,
                                     since=[since] if since else None,
                                     until=[until] if until else None)  # fmt: skip
            ids = [row["_id"] for row in rows]
        queued = []
        for _id in dict.fromkeys(ids):
            done = self._deliveries.update_one(
                {"_id": _id, "tenant": tenant, "status": FAILED},
                {"$set": {"status": PENDING, "failures": 0}},
            )
            stored = self._deliveries.find_one({"_id": _id})
            if stored is None or stored["status"] != PENDING or stored["tenant"] != tenant:
                continue
            if done.modified_count or not self._pending.find_one({"_id": _id}):
                entry = {
                    "_id": _id,
                    "subscription_id": subscription_id,
                    "tenant": tenant,
                    "order": stored["order"],
                    "due": 0.0,
                }
                with contextlib.suppress(DuplicateKeyError):
                    self._pending.insert_one(dict(entry))
                queued.append(entry)
        return queued

    # ------------------------------------------------------------------ reads

    def stats(self, subscription_id: str) -> dict[str, Any]:
        """The subscription's counts and its last success and failure."""
        stored = self._stats.find_one({"_id": subscription_id}) or {}
        return {
            "delivered": int(stored.get("delivered", 0)),
            "failed": int(stored.get("failed", 0)),
            "attempts": int(stored.get("attempts", 0)),
            "last_success_at": stored.get("last_success_at"),
            "last_failure_at": stored.get("last_failure_at"),
            "failing_since": stored.get("failing_since"),
        }

    def attempts(self, subscription_id: str, tenant: str, limit: int,
                 skip: int) -> tuple[list[dict[str, Any]], int]:  # fmt: skip
        """The subscription's attempts, newest first, and how many there are."""
        rows, total = self._attempts.newest(attempts_owner(subscription_id), tenant, "all",
                                            limit, skip)  # fmt: skip
        return [dict(row) for row in rows], total

    # ------------------------------------------------------------------ steps

    def _log(self, delivery: dict[str, Any], attempt: Attempt, outcome: str) -> None:
        attempt_id = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"  # in order within a ms
        row = {
            "_id": attempt_id, "key": [attempt.at, attempt_id], "at": attempt.at,
            "event_id": delivery["event_id"], "event_type": delivery["event_type"],
            "attempt": int(delivery.get("failures", 0)) + 1, "status": attempt.status,
            "latency_ms": round(attempt.latency_ms, 1), "answer": attempt.answer,
            "error": attempt.error, "outcome": outcome,
        }  # fmt: skip
        self._attempts.add(attempts_owner(delivery["subscription_id"]), delivery["tenant"], row)

    def _failing(self, delivery: dict[str, Any], attempt: Attempt, failed: int = 0) -> None:
        stats = self._stats.find_one({"_id": delivery["subscription_id"]}) or {}
        since = stats.get("failing_since") or attempt.at
        self._count(delivery, {"failed": failed, "attempts": 1},
                    {"last_failure_at": attempt.at, "failing_since": since})  # fmt: skip

    def _count(self, delivery: dict[str, Any], inc: dict[str, int], put: dict[str, Any]) -> None:
        self._stats.update_one(
            {"_id": delivery["subscription_id"]},
            {"$inc": inc, "$set": put}, upsert=True,
        )  # fmt: skip

    def failing_since(self, subscription_id: str) -> str | None:
        """Since when every attempt failed (None: the last one succeeded, or none yet)."""
        return self.stats(subscription_id)["failing_since"]


def attempts_owner(subscription_id: str) -> str:
    return f"attempts:{subscription_id}"


def failed_owner(subscription_id: str) -> str:
    return f"failed:{subscription_id}"
