"""The subject-access export (GDPR Art. 15): every piece of personal data the three services
hold about one person, for an admin of the tenant or the person themselves.

Nothing is asked of another service. The assessment service's own data is in the streams its
subject index names (shared/privacy/subject_index.py), loaded with their private parts; the
kpi service's is in the records the assessment worker indexed from the kpi topic (its
published fields) and from the subject-index topic (its private fields, such as a session's
private notes, which the kpi worker publishes there sealed); the
reporting service holds copies of the published ones only (its read models and webhook
deliveries are built from the topics), so each field says which services hold it. Values are
opened with the assessment service's keys, and those it learnt from the subject-keys topic:
an erased person's values read as erased, as everywhere else.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from services.assessment.domain.round_responses import RoundResponses
from services.assessment.domain.subject_record import SubjectRecord
from services.assessment.handlers.base import Services
from services.assessment.handlers.subjects import MAX_PERSON_ID, erasure_answer
from shared.auth.access import Rule
from shared.auth.caller import Caller
from shared.clock import instant
from shared.domain.errors import InvalidCommand
from shared.domain.subjects import DROPPED, ERASED_TEXT, ref_of, subject_ref
from shared.privacy.sealing import Opener
from shared.privacy.subject_index import sealed_paths

EXPORTERS = Rule(frozenset({"admin"}), "only an admin of the tenant, or the person, may export")
PUBLISHED = ("assessment", "reporting")  # a published event's fields: the topic's readers too
UNPUBLISHED_STREAMS = (RoundResponses.stream_for(""),)  # never on a topic


@dataclass(frozen=True)
class SubjectExport:
    """The export's head (who, when, any erasure) and its records, produced as read."""

    head: dict[str, Any]
    records: Iterator[dict[str, Any]]


def export_subject(services: Services, person_id: str, caller: Caller) -> SubjectExport:
    """The person's data: refused (403) before anything is read unless the caller may."""
    principal = caller.principal
    if principal.subject != person_id:
        EXPORTERS.require(principal.roles)
    if not person_id.strip() or len(person_id) > MAX_PERSON_ID:
        raise InvalidCommand(f"person_id must be 1 to {MAX_PERSON_ID} characters")
    ref = subject_ref(caller.tenant, person_id)
    record = services.subjects().get_or_new(caller.tenant, SubjectRecord.stream_for(ref))
    head = {
        "person_id": person_id,
        "subject": ref,
        "tenant": caller.tenant,
        "exported_at": instant(services.clock.now()),
        "erasure": erasure_answer(record, person_id) if record.erased else None,
    }
    entry = services.adapters.subject_index.entry(ref) or {}
    if entry and entry.get("tenant") != caller.tenant:  # a ref is per tenant: never here
        entry = {}
    admin = EXPORTERS.allows(principal.roles)
    return SubjectExport(head, _records(services, ref, entry, admin))


def _records(
    services: Services, ref: str, entry: dict[str, Any], admin: bool
) -> Iterator[dict[str, Any]]:
    opener = Opener(services.adapters.subject_keys)
    for stream_id in sorted(entry.get("streams") or ()):
        published = not stream_id.startswith(UNPUBLISHED_STREAMS)
        for event in services.store.load(stream_id):
            fields = [*_fields(opener, ref, event.get("data"), "data", published),
                      *_fields(opener, ref, event.get("private"), "private", False)]  # fmt: skip
            if fields:
                yield _record("assessment", event, fields)
    for indexed in (entry.get("records") or {}).get("kpi") or ():
        fields = [_indexed_field(opener, f, admin) for f in indexed["fields"]]
        yield {"service": "kpi", **{k: indexed[k] for k in _COORDINATES}, "fields": fields}


def _indexed_field(opener: Opener, field: dict[str, Any], admin: bool) -> dict[str, Any]:
    """A kpi field the index holds: published (`data.…`: the kpi and reporting services
    hold it) or private (`private.…`: the kpi service alone). A private kpi field (a coach's
    private notes) is answered only to its coach by the kpi service: an admin's export opens
    it, the person's own lists it withheld (an admin answers a request for it)."""
    path = str(field["path"])
    path = path if path.startswith(("data.", "private.")) else f"data.{path}"
    if not path.startswith("private."):
        return {"path": path, "value": _opened(opener, field["sealed"]),
                "held_by": ["kpi", "reporting"]}  # fmt: skip
    if not admin:
        return {"path": path, "value": None, "held_by": ["kpi"], "withheld": True}
    return {"path": path, "value": _opened(opener, field["sealed"]), "held_by": ["kpi"]}


_COORDINATES = ("event_id", "type", "time", "engagement_id", "stream_id")


def _fields(
    opener: Opener, ref: str, part: Any, name: str, published: bool
) -> Iterator[dict[str, Any]]:
    held_by = list(PUBLISHED) if published else ["assessment"]
    for path, sealed in sealed_paths(part or {}):
        if ref_of(str(sealed["sealed"])) == ref:
            yield {"path": f"{name}.{path}", "value": _opened(opener, sealed),
                   "held_by": held_by}  # fmt: skip


def _opened(opener: Opener, sealed: dict[str, Any]) -> Any:
    value = opener.open_sealed(sealed)
    return ERASED_TEXT if value is DROPPED else value  # a dropped comment, in its own export


def _record(service: str, event: dict[str, Any], fields: list[dict[str, Any]]) -> dict[str, Any]:
    return {"service": service, "event_id": event["id"], "type": event["type"],
            "time": event["time"], "engagement_id": event.get("subject"),
            "stream_id": event.get("streamid"), "fields": fields}  # fmt: skip
