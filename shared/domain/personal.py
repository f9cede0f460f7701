"""Personal fields of events, as the domain declares them (README, Privacy).

An event class lists its personal fields in `PERSONAL`; the repository seals each with the
key of the person it is about and opens it again on load (shared/privacy/sealing.py), so
that erasing the person (destroying the key) erases every copy at once. Pure: standard
library only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# What an erased value reads as: a name ("Erased person 7f3a9c…"), a text ("[erased]"), a
# blank, an empty list; or, for a list item, it leaves the list
NAME, TEXT, BLANK, EMPTY, DROP = "name", "text", "blank", "empty", "drop"
KINDS = (NAME, TEXT, BLANK, EMPTY, DROP)


@dataclass(frozen=True)
class Personal:
    """One personal field of an event.

    `path` is dotted, `[]` standing for each item of a list ("attendees[].name"). `subject`
    names whose data it is: a path in the same data ("stakeholder_id"; inside the same list
    item when it starts with the same "<list>[]."), or "@executive" (the executive of the
    event's engagement) or "@actor" (who caused the event). `kind` says what the value reads
    as once erased.
    """

    path: str
    subject: str
    kind: str = TEXT

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r}")
        if self.kind == DROP and "[]." not in self.path:
            raise ValueError("only a list item can be dropped")


SEALED_FIELDS = frozenset({"sealed", "as", "box"})
COMPOSED_FIELDS = frozenset({"composed", "parts"})
# Where a sealed value stands in a text built around it (a timeline line): private-use
# characters, which no input the APIs take contains
TOKEN_OPEN, TOKEN_CLOSE = "\ue000", "\ue001"


def is_sealed(value: Any) -> bool:
    """Whether a value is a sealed value (as stored and published)."""
    return (
        isinstance(value, dict)
        and "sealed" in value
        and "as" in value
        and SEALED_FIELDS.issuperset(value)
    )


def tokenised(value: Any, parts: list[dict[str, Any]] | None = None) -> tuple[Any, list[Any]]:
    """A copy of `value` with each sealed value replaced by a token, and the sealed values in
    token order: a text made from the copy is then stored with `composed`."""
    parts = [] if parts is None else parts
    if is_sealed(value):
        parts.append(value)
        return token(len(parts) - 1), parts
    if isinstance(value, dict):
        return {k: tokenised(v, parts)[0] for k, v in value.items()}, parts
    if isinstance(value, list):
        return [tokenised(v, parts)[0] for v in value], parts
    return value, parts


def composed(text: str, parts: list[Any]) -> str | dict[str, Any]:
    """A text made from a tokenised value: the text itself when it shows no sealed value,
    else `{"composed": text, "parts": [the sealed values it shows]}`, opened on reading."""
    used = [i for i in range(len(parts)) if token(i) in text]
    if not used:
        return text
    for new, old in enumerate(used):
        text = text.replace(token(old), token(new))
    return {"composed": text, "parts": [parts[i] for i in used]}


def token(index: int) -> str:
    """The token standing for the index-th sealed value of a composed text."""
    return f"{TOKEN_OPEN}{index}{TOKEN_CLOSE}"
