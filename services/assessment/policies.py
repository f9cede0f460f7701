"""The assessment service's policies: its scheduled decisions, run by its worker
(services/assessment/worker.py, whose loop calls `close_due_rounds` every
`schedule_seconds`).

`close_due_rounds`: a round still open after its closing date is closed by the schedule
(closed_by 'schedule', actor 'scheduler'), as its coach would close it (round_results
seal_and_close); a round that changed meanwhile is left for the next pass. The rounds due
come from the round schedule (round_schedule.py), which holds only the rounds open now.

`erase_expired`: once a closed engagement's retention period (the tenant's, README
Retention) has run out, its stakeholders and raters are erased, and its executive once every
engagement of theirs has closed and expired, each as a request would erase them
(handlers/subjects.py erase_person, basis 'retention', actor 'retention'). The engagements
come from the retention list (retention_due.py), which holds the closed ones not erased yet.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime
from typing import Any

from services.assessment.domain.retention import expired
from services.assessment.domain.subject_record import RETENTION
from services.assessment.handlers.base import Services
from services.assessment.handlers.retention import people_of, tenant_retention
from services.assessment.handlers.round_results import seal_and_close
from services.assessment.handlers.subjects import erase_person
from services.assessment.retention_due import RetentionDue
from services.assessment.round_schedule import RoundSchedule
from shared.domain.errors import ConcurrencyConflict, NotFound
from shared.events.envelope import EventContext

log = logging.getLogger(__name__)
SCHEDULER = "scheduler"
RETENTION_ACTOR = "retention"


def due_rounds(schedule: RoundSchedule, today: date) -> list[str]:
    """Stream ids of open rounds whose closing date lies before today."""
    return schedule.due(today)


def close_due_rounds(services: Services, schedule: RoundSchedule) -> int:
    """Close every round the schedule has due on the services' clock's today; returns how
    many were closed. A round found closed already (by its coach, its closing not applied to
    the schedule yet) is forgotten."""
    closed = 0
    for stream_id in due_rounds(schedule, services.clock.today()):
        try:
            round_ = services.rounds().get_unscoped(stream_id)
        except NotFound:
            round_ = None  # not in this store (its database was reset, not its topic)
        if round_ is None or round_.closed:
            schedule.forget(stream_id)
            continue
        ctx = EventContext(
            round_.tenant, SCHEDULER, f"schedule-{uuid.uuid4()}", actor_roles=("system",)
        )
        try:
            seal_and_close(services, round_, "schedule", ctx)
            schedule.forget(stream_id)
            closed += 1
        except ConcurrencyConflict:
            log.info("round changed while closing; next pass retries", extra={"stream": stream_id})
    return closed


def erase_expired(services: Services, due: RetentionDue) -> int:
    """Erase the people of every closed engagement whose tenant's retention period has run
    out at the services' clock's now; returns how many people were erased."""
    now = services.clock.now()
    entries = {entry["_id"]: entry for entry in due.entries()}
    periods: dict[str, int | None] = {}
    erased = 0
    for entry in sorted(entries.values(), key=lambda e: (e["closed_at"], e["_id"])):
        tenant = entry["tenant"]
        if tenant not in periods:
            periods[tenant] = tenant_retention(services, tenant).days
        if not expired(datetime.fromisoformat(entry["closed_at"]), periods[tenant], now):
            continue
        try:
            erased += _erase_engagement(services, due, entry, entries, periods[tenant], now)
        except (ConcurrencyConflict, NotFound):
            log.info("retention erasure deferred; retried", extra={"stream": entry["_id"]})
    return erased


def _erase_engagement(
    services: Services,
    due: RetentionDue,
    entry: dict[str, Any],
    entries: dict[str, dict[str, Any]],
    days: int | None,
    now: datetime,
) -> int:
    """Erase the expired engagement's stakeholders and raters, and its executive when all
    their engagements have expired; forget the engagement once everyone is erased."""
    tenant, engagement_id = entry["tenant"], entry["engagement_id"]
    context = EventContext(
        tenant,
        RETENTION_ACTOR,
        f"retention-{uuid.uuid4()}",
        reason=f"the tenant's retention period of {days} days ran out for engagement "
        f"{engagement_id}, closed on {entry['closed_at'][:10]}",
        actor_roles=("system",),
    )
    reference = f"retention {engagement_id}"
    executive, others = people_of(services, tenant, engagement_id)
    erased = 0
    if not entry.get("people_erased"):
        for person_id in others:  # one already erased (on a request) is left as it was
            erased += erase_person(services, person_id, reference, RETENTION, context)[1]
        due.mark_people_erased(entry["_id"])
    if not _all_expired(services, tenant, executive, entries, days, now):
        return erased
    erased += erase_person(services, executive, reference, RETENTION, context)[1]
    due.forget(entry["_id"])
    return erased


def _all_expired(
    services: Services,
    tenant: str,
    executive: str,
    entries: dict[str, dict[str, Any]],
    days: int | None,
    now: datetime,
) -> bool:
    """Whether every engagement holding the executive's data is closed and expired (the
    subject index names their streams; a closed one is in the retention list until then)."""
    for stream_id in services.engagements_holding(tenant, executive):
        entry = entries.get(stream_id)
        if entry is None or not expired(datetime.fromisoformat(entry["closed_at"]), days, now):
            return False
    return True
