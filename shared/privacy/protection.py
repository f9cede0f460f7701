"""What a repository needs to protect personal data: the service's subject keys, and who the
executive of an engagement is (for the fields that are about them)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from shared.domain.errors import SubjectErased
from shared.domain.subjects import key_id, subject_ref
from shared.privacy.key_store import SubjectKeys
from shared.privacy.sealing import Opener, Personal, Sealer
from shared.privacy.subject_index import SubjectIndex, refs_in

# (tenant, engagement id) -> the id of the engagement's executive
ExecutiveOf = Callable[[str, str], str]


@dataclass(frozen=True)
class Protection:
    """Seals an aggregate's new events and opens the stored ones, with one service's keys."""

    keys: SubjectKeys
    executive_of: ExecutiveOf
    index: SubjectIndex | None = None  # where the subject-access export finds a person's data

    def seal(
        self,
        specs: tuple[Personal, ...],
        parts: tuple[dict[str, Any], ...],
        tenant: str,
        engagement_id: str,
        actor: str,
    ) -> None:
        """Seal, in place, the personal fields of an event's published and private data."""
        if not specs:
            return

        def resolve(role: str) -> str:
            if role == "actor":
                return actor
            if role == "executive":
                return self.executive_of(tenant, engagement_id)
            raise ValueError(f"no one is @{role}")

        Sealer(self.keys.owner, self.keys).seal(specs, parts, tenant, resolve)

    def note(self, tenant: str, stream_id: str, parts: Iterable[dict[str, Any]]) -> None:
        """Before a commit is stored: note in the index that its stream holds these sealed
        values' people."""
        if self.index is not None:
            self.index.note_streams(tenant, stream_id, refs_in(parts))

    def refuse_erased(self, tenant: str, person_ids: Iterable[str]) -> None:
        """Refuse (409 subject-erased) a command that names a person already erased: nothing
        new is recorded about them, and their id is not taken by anyone else."""
        self.keys.refresh()
        for person_id in person_ids:
            if self.keys.erased(key_id(self.keys.owner, subject_ref(tenant, person_id))):
                raise SubjectErased(f"person {person_id!r} was erased; use another id")

    def opener(self) -> Opener:
        """An opener for one read (each key looked up once in it)."""
        return Opener(self.keys)

    def open_envelopes(self, envelopes: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Stored envelopes with their data and private data opened (hash fields untouched)."""
        opener = self.opener()
        return [_opened(opener, envelope) for envelope in envelopes]


def _opened(opener: Opener, envelope: Mapping[str, Any]) -> dict[str, Any]:
    opened = dict(envelope)
    opened["data"] = opener.open(envelope.get("data") or {})
    if envelope.get("private"):
        opened["private"] = opener.open(envelope["private"])
    return opened
