"""Handlers of data subjects: erase a person (README, Privacy). Admins of the tenant only.

Erasure records SubjectErased on the person's record (once; a repeated request answers the
same record), then destroys this service's key of the person; the key loop publishes that
on the subject-keys topic, from which the kpi and reporting services destroy theirs.
Destroying the key again on a repeat finishes an erasure a crash cut short after the event.
`erase_person` is the same erasure for the retention policy (services/assessment/policies.py).
"""

from __future__ import annotations

from typing import Any

from services.assessment.commands import EraseSubject
from services.assessment.domain.subject_record import REQUEST, SubjectRecord
from services.assessment.handlers.base import Result, Services
from shared.auth.access import Rule
from shared.auth.caller import Caller
from shared.domain.errors import InvalidCommand
from shared.domain.subjects import subject_ref
from shared.events.envelope import EventContext

ERASERS = Rule(frozenset({"admin"}), "only an admin of the tenant may erase a person's data")
MAX_PERSON_ID = 200


def erase_subject(services: Services, command: EraseSubject, caller: Caller) -> Result:
    """Erase the person: 201 with the erasure the first time, 200 with the same after."""
    ERASERS.require(caller.principal.roles)
    person_id = command.person_id.strip()
    if not person_id or len(person_id) > MAX_PERSON_ID:
        raise InvalidCommand(f"person_id must be 1 to {MAX_PERSON_ID} characters")
    record, first = erase_person(services, person_id, command.reference, REQUEST,
                                 caller.context(command.reason))  # fmt: skip
    return Result(erasure_answer(record, person_id), record.version, record.ref if first else None)


def erase_person(
    services: Services, person_id: str, reference: str, basis: str, context: EventContext
) -> tuple[SubjectRecord, bool]:
    """Record the person's erasure once (on a request, or at the end of the tenant's
    retention period) and destroy this service's key of them; whether it is the first."""
    ref = subject_ref(context.tenant, person_id)
    records = services.subjects()
    record = records.get_or_new(context.tenant, SubjectRecord.stream_for(ref))
    first = not record.erased
    if first:
        records.update(record, lambda r: r.erase(reference, basis), context)
        record = records.get(context.tenant, record.stream_id)
    services.adapters.subject_keys.erase_person(ref)
    return record, first


def is_erased(services: Services, tenant: str, person_id: str) -> bool:
    """Whether the person's erasure is recorded."""
    ref = subject_ref(tenant, person_id)
    return services.subjects().get_or_new(tenant, SubjectRecord.stream_for(ref)).erased


def erasure_answer(record: SubjectRecord, person_id: str) -> dict[str, Any]:
    """What the API says of an erasure."""
    erasure = record.erasure
    assert erasure is not None
    return {"person_id": person_id, "subject": record.ref, "erased_at": record.erased_at,
            "reason": record.reason, "reference": erasure.reference,
            "basis": erasure.basis}  # fmt: skip
