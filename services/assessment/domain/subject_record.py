"""A data subject's record: the stream that says a person's personal data was erased.

One stream per person (by their pseudonymous ref, shared/privacy/subjects.py), so that the
erasure is an event like any other: audited, on the assessment topic for every subscriber,
and in the store whatever happens to the keys. It names no personal data: the ref, the
reference of the request (a ticket), and on which basis (a person's request, or the tenant's
retention period); the reason travels in the envelope, as for every change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from shared.domain.aggregate import Aggregate, DomainEvent
from shared.domain.errors import InvalidCommand

CONTEXT = "assessment"
STREAM_PREFIX = "subject-"
REQUEST, RETENTION = "request", "retention"
MAX_REFERENCE = 200


@dataclass(frozen=True)
class SubjectErased(DomainEvent):
    """A person's personal data was erased: their keys destroyed in every service."""

    NAME: ClassVar[str] = "SubjectErased"
    subject: str
    reference: str
    basis: str


class SubjectRecord(Aggregate):
    """Whether (and when, why, under which reference) a person was erased."""

    CONTEXT = CONTEXT
    EVENTS = (SubjectErased,)

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        if not stream_id.startswith(STREAM_PREFIX) or stream_id == STREAM_PREFIX:
            raise ValueError(f"{stream_id!r} is not a subject stream")
        self.ref = stream_id.removeprefix(STREAM_PREFIX)
        self.erasure: SubjectErased | None = None
        self.erased_at = ""
        self.reason = ""

    @staticmethod
    def stream_for(ref: str) -> str:
        """The stream of a person's record."""
        return f"{STREAM_PREFIX}{ref}"

    @property
    def subject(self) -> str:
        """The person's ref keys the record's events (it concerns no one engagement)."""
        return self.ref

    @classmethod
    def replay(cls, stream_id: str, envelopes: Iterable[Mapping[str, Any]]) -> Self:
        """The record, with when the erasure was recorded and why."""
        envelopes = list(envelopes)
        record = super().replay(stream_id, envelopes)
        for envelope in envelopes:
            record.erased_at = str(envelope["time"])
            record.reason = str(envelope.get("reason") or "")
        return record

    @property
    def erased(self) -> bool:
        """Whether the person was erased."""
        return self.erasure is not None

    def erase(self, reference: str, basis: str) -> None:
        """Record the erasure (once: the handler answers a repeated request with this one)."""
        reference = reference.strip()
        if not reference or len(reference) > MAX_REFERENCE:
            raise InvalidCommand(f"reference must be 1 to {MAX_REFERENCE} characters")
        if basis not in (REQUEST, RETENTION):
            raise InvalidCommand(f"unknown basis {basis!r}")
        if self.erasure is None:
            self.record(SubjectErased(subject=self.ref, reference=reference, basis=basis))

    def on_SubjectErased(self, event: SubjectErased) -> None:
        self.erasure = event
