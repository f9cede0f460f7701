"""Handlers of an engagement's coaching log: the coach records sessions while the
engagement is open; everyone who reads the engagement reads them, a session's private
notes only the coach who recorded it (services/kpi/access.py)."""

from __future__ import annotations

import dataclasses
import uuid

from services.kpi import access
from services.kpi.commands import RecordSession
from services.kpi.domain.coaching_log import CoachingLog
from services.kpi.handlers.answers import log_answer, session_answer
from services.kpi.handlers.base import EngagementRef, Result, Services, engagement_for
from shared.auth.caller import Caller


def load_log(
    services: Services, caller: Caller, engagement_id: str
) -> tuple[EngagementRef, CoachingLog]:
    """The engagement and its coaching log (empty, version 0, before the first session)."""
    ref = engagement_for(services, caller, engagement_id)
    return ref, services.logs().get_or_new(caller.tenant, CoachingLog.stream_for(engagement_id))


def record_session(services: Services, command: RecordSession, caller: Caller) -> Result:
    """Record a session (the engagement's coach, engagement open). The ids of the session and
    of its new commitments are generated here (any given in the command are replaced)."""
    ref, log = load_log(services, caller, command.engagement_id)
    access.require(access.RECORD_SESSIONS, caller.principal, ref)
    session_id = str(uuid.uuid4())
    commitments = tuple(
        dataclasses.replace(c, commitment_id=str(uuid.uuid4())) for c in command.session.commitments
    )
    session = dataclasses.replace(command.session, commitments=commitments)
    latest = services.clock.latest_date()

    def record(coaching: CoachingLog) -> None:
        coaching.record_session(session_id, session, latest)

    log = services.logs().update(log, ref.while_open(record), caller.context(), command.if_match)
    return Result(session_answer(log.session(session_id), with_notes=True), log.version, session_id)


def read_sessions(services: Services, engagement_id: str, caller: Caller) -> Result:
    """Every session of the engagement, and every commitment with its status."""
    _, log = load_log(services, caller, engagement_id)

    def with_notes(session_id: str) -> bool:
        return access.sees_private_notes(caller.principal, log.recorded_by(session_id))

    return Result(log_answer(log, with_notes), log.version)


def read_session(services: Services, engagement_id: str, session_id: str, caller: Caller) -> Result:
    """One session (NotFound when the engagement has no such session)."""
    _, log = load_log(services, caller, engagement_id)
    notes = access.sees_private_notes(caller.principal, log.recorded_by(session_id))
    return Result(session_answer(log.session(session_id), with_notes=notes), log.version)
