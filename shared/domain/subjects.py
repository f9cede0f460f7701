"""Data subjects: the people personal data is about, and the keys that seal it.

Pure: standard library only. A person is named to the outside by a pseudonymous `ref`, a
hash of their tenant and the id the APIs use for them (an executive's or manager's id, a
stakeholder's `stakeholder_id`, a rater's invitation id). Each service that holds personal
data of a person seals it with a key of its own for that person: the key id (`kid`) is the
service and the ref, so the same person has one key per service, and erasing the person
destroys every one of them.
"""

from __future__ import annotations

import hashlib
from typing import Any

from shared.domain.personal import BLANK, DROP, EMPTY, NAME

REF_CHARS = 32
SHOWN_REF_CHARS = 6

ERASED_TEXT = "[erased]"
PENDING_TEXT = "[pending]"


class Dropped:
    """What a list item erased as `drop` opens to: the list leaves it out."""

    def __repr__(self) -> str:
        return "DROPPED"


DROPPED = Dropped()


def subject_ref(tenant: str, person_id: str) -> str:
    """The pseudonymous ref of a person of a tenant (the same in every service)."""
    digest = hashlib.sha256(f"mastery-ledger/subject\x1f{tenant}\x1f{person_id}".encode())
    return digest.hexdigest()[:REF_CHARS]


def key_id(owner: str, ref: str) -> str:
    """The id of the key with which the `owner` service seals a person's data."""
    return f"{owner}.{ref}"


def owner_of(kid: str) -> str:
    """The service that made a key."""
    return kid.partition(".")[0]


def ref_of(kid: str) -> str:
    """The person a key is for."""
    return kid.partition(".")[2]


def erased_person(ref: str) -> str:
    """How an erased person's name reads: "Erased person 7f3a9c…"."""
    return f"Erased person {ref[:SHOWN_REF_CHARS]}…"


def erased_value(kind: str, kid: str) -> Any:
    """What a value of this kind reads as once its person is erased."""
    if kind == NAME:
        return erased_person(ref_of(kid))
    if kind == BLANK:
        return ""
    if kind == EMPTY:
        return []
    if kind == DROP:
        return DROPPED
    return ERASED_TEXT


def pending_value(kind: str, kid: str) -> Any:
    """What a value reads as while its key has not reached this service yet (the key topic
    and the event topics are not ordered together): not erased, only not readable yet."""
    if kind == NAME:
        return f"Person {ref_of(kid)[:SHOWN_REF_CHARS]}… (pending)"
    if kind == BLANK:
        return ""
    if kind == EMPTY:
        return []
    return PENDING_TEXT
