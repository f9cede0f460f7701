"""Use cases of an engagement's coaching log: who may record and read sessions, then load,
decide, save.

The engagement's coach (or an admin) records sessions while the engagement is open, and
reads them with the coach's private notes; the executive, the manager, HR and auditors
read them without.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, date, datetime, timedelta

from services.kpi.application import CLOSED_PHASES, EngagementRef, engagement_for
from services.kpi.domain.coaching_log import CoachingLog, RecordSession
from shared.auth.tokens import Principal
from shared.domain.errors import Forbidden, InvalidTransition
from shared.events.envelope import EventContext
from shared.eventstore.port import EventStore
from shared.eventstore.repository import Repository
from shared.projections.engagement_directory import EngagementDirectory

WRITERS = {"coach", "admin"}
NOTE_READERS = {"coach", "admin"}


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


def sees_private_notes(caller: Principal, engagement: EngagementRef) -> bool:
    """The coach's private notes are for the engagement's coach and admins only."""
    return bool(engagement.roles_of(caller) & NOTE_READERS)


def record_session(
    store: EventStore,
    directory: EngagementDirectory,
    caller: Principal,
    engagement_id: str,
    command: RecordSession,
    ctx: EventContext,
    if_match: int | None = None,
) -> tuple[CoachingLog, str]:
    """Record a session (the coach or an admin, engagement open); returns the session id.

    The session id and the ids of its new commitments are generated here (any ids in
    `command.commitments` are replaced). `if_match` is the log version the caller last saw.
    """
    ref, log = sessions_for(store, directory, caller, engagement_id)
    if not ref.roles_of(caller) & WRITERS:
        raise Forbidden("sessions are recorded by the engagement's coach or an admin")
    if ref.phase in CLOSED_PHASES:
        raise InvalidTransition(f"the engagement is {ref.phase}")
    session_id = str(uuid.uuid4())
    command = dataclasses.replace(
        command,
        commitments=tuple(
            dataclasses.replace(c, commitment_id=str(uuid.uuid4())) for c in command.commitments
        ),
    )
    today = latest_date()
    log = logs(store).update(
        log, lambda a: a.record_session(session_id, command, today), ctx, if_match
    )
    return log, session_id
