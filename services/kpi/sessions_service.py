"""Use cases of an engagement's coaching log: who may record and read sessions
(services/kpi/access.py), then load, decide, save.

The engagement's coach records sessions while the engagement is open. Everyone who reads
the engagement reads them; a session's private notes only the coach who recorded it.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, date, datetime, timedelta

from services.kpi import access
from services.kpi.application import EngagementRef, engagement_for
from services.kpi.domain.coaching_log import CoachingLog, RecordSession
from shared.auth.tokens import Principal
from shared.events.envelope import EventContext
from shared.eventstore.port import EventStore
from shared.eventstore.repository import Repository
from shared.projections.engagement_directory import EngagementDirectory


def logs(store: EventStore) -> Repository[CoachingLog]:
    """The coaching-log repository over a store."""
    return Repository(store, CoachingLog)


def latest_date() -> date:
    """Today's date where it is latest (UTC+14): no session is held after it."""
    return (datetime.now(UTC) + timedelta(hours=14)).date()


def sessions_for(
    store: EventStore, directory: EngagementDirectory, caller: Principal, engagement_id: str
) -> tuple[EngagementRef, CoachingLog]:
    """The engagement and its coaching log (empty, version 0, before the first session)."""
    ref = engagement_for(directory, caller, engagement_id)
    return ref, logs(store).get_or_new(caller.tenant, CoachingLog.stream_for(engagement_id))


def sees_private_notes(caller: Principal, log: CoachingLog, session_id: str) -> bool:
    """Whether the caller reads a session's private notes (its recording coach only)."""
    return access.sees_private_notes(caller, log.recorded_by(session_id))


def record_session(
    store: EventStore,
    directory: EngagementDirectory,
    caller: Principal,
    engagement_id: str,
    command: RecordSession,
    ctx: EventContext,
    if_match: int | None = None,
) -> tuple[CoachingLog, str]:
    """Record a session (the engagement's coach, engagement open); returns the session id.

    The session id and the ids of its new commitments are generated here (any ids in
    `command.commitments` are replaced). `if_match` is the log version the caller last saw.
    """
    ref, log = sessions_for(store, directory, caller, engagement_id)
    access.require(access.RECORD_SESSIONS, caller, ref)
    session_id = str(uuid.uuid4())
    command = dataclasses.replace(
        command,
        commitments=tuple(
            dataclasses.replace(c, commitment_id=str(uuid.uuid4())) for c in command.commitments
        ),
    )
    today = latest_date()

    def record(coaching: CoachingLog) -> None:
        coaching.record_session(session_id, command, today)

    log = logs(store).update(log, ref.while_open(record), ctx, if_match)
    return log, session_id
