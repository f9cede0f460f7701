"""Sealing the personal fields of events, and opening them again while their keys exist.

Pure apart from the keyring it is handed. An event class lists its personal fields as
`Personal` specs (a path in its data, whose data it is, what it reads as once erased). On
save each such value is replaced by a sealed value, a small JSON object

    {"sealed": "<kid>", "as": "<kind>", "box": "v1:<base64 of nonce and AES-256-GCM>"}

encrypted with the key of that person in this service, the key id bound as associated data.
A value about a person already erased is stored as `{"sealed": kid, "as": kind}` with no box:
nothing of it is kept. Opening replaces every sealed value found anywhere in a document by
its plaintext, or, when the key is gone, by what its kind reads as erased
(shared/domain/subjects.py): the hash chain covers the sealed form, which never changes. A
key not learnt yet (the subject-keys topic is behind the event topics) reads as pending,
never as erased.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Protocol

from shared.crypto.secret_box import SealedValueError, SecretBox
from shared.domain.personal import COMPOSED_FIELDS, Personal, is_sealed, token
from shared.domain.subjects import DROPPED, erased_value, key_id, pending_value, subject_ref


class Keyring(Protocol):
    """The keys of one service's process (shared/privacy/key_store.py)."""

    def sealing_key(self, kid: str, tenant: str) -> bytes | None:
        """The key to seal with, made on first use; None once the person is erased."""

    def opening_key(self, kid: str) -> bytes | None:
        """The key to open with; None when erased (or not known here yet)."""

    def erased(self, kid: str) -> bool:
        """Whether the key is known to be erased (rather than not known yet)."""

    def refresh(self) -> None:
        """Forget what was cached if a key was erased since (as a read or command begins)."""


# Who "@executive" and "@actor" are for the event being sealed
Resolve = Callable[[str], str]


class Sealer:
    """Seals the personal fields of one service's events with that service's keys."""

    def __init__(self, owner: str, keyring: Keyring) -> None:
        self.owner = owner
        self._keyring = keyring
        keyring.refresh()

    def seal(
        self,
        specs: tuple[Personal, ...],
        parts: tuple[dict[str, Any], ...],
        tenant: str,
        resolve: Resolve,
    ) -> None:
        """Seal, in place, the personal fields of an event's parts (its published data and its
        private data: a path names a field of whichever part holds it)."""
        root: dict[str, Any] = {k: v for part in parts for k, v in part.items()}
        for spec in specs:
            for part in parts:
                for container, name, item in _slots(part, spec.path):
                    value = container[name]
                    if value in (None, "", [], ()):  # nothing of the person to protect
                        continue
                    person = _subject(spec, root, item, resolve)
                    kid = key_id(self.owner, subject_ref(tenant, person))
                    key = self._keyring.sealing_key(kid, tenant)
                    container[name] = seal_value(value, kid, spec.kind, key)


def seal_value(value: Any, kid: str, kind: str, key: bytes | None) -> dict[str, Any]:
    """A value sealed with a person's key (no box when the person is erased)."""
    if key is None:
        return {"sealed": kid, "as": kind}
    plain = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return {"sealed": kid, "as": kind, "box": SecretBox(key).seal(plain, kid)}


class Opener:
    """Opens sealed values with one keyring, each key looked up once."""

    def __init__(self, keyring: Keyring) -> None:
        self._keyring = keyring
        keyring.refresh()
        self._boxes: dict[str, SecretBox | None] = {}
        self._pending: set[str] = set()

    def open(self, value: Any) -> Any:
        """A copy of `value` with every sealed value in it opened (or read as erased)."""
        if isinstance(value, dict):
            if is_sealed(value):
                return self.open_sealed(value)
            if set(value) == COMPOSED_FIELDS:
                return self._open_composed(value)
            opened = {k: self.open(v) for k, v in value.items()}
            # an item with a dropped field goes as a whole (a released comment, its author)
            return DROPPED if any(v is DROPPED for v in opened.values()) else opened
        if isinstance(value, list):
            items = [self.open(v) for v in value]
            return [v for v in items if v is not DROPPED]
        return value

    def open_sealed(self, sealed: Mapping[str, Any]) -> Any:
        """The plaintext of one sealed value, or what its kind reads as erased."""
        kid, kind = str(sealed["sealed"]), str(sealed["as"])
        box = self._box(kid) if sealed.get("box") else None
        if box is None:
            return pending_value(kind, kid) if kid in self._pending else erased_value(kind, kid)
        try:
            return json.loads(box.open(str(sealed["box"]), kid))
        except SealedValueError:
            return erased_value(kind, kid)

    def _open_composed(self, composed: Mapping[str, Any]) -> str:
        text = str(composed["composed"])
        for index, part in enumerate(composed["parts"]):
            opened = self.open_sealed(part) if is_sealed(part) else part
            text = text.replace(token(index), str(opened))
        return text

    def _box(self, kid: str) -> SecretBox | None:
        if kid not in self._boxes:
            key = self._keyring.opening_key(kid)
            self._boxes[kid] = SecretBox(key) if key is not None else None
            if key is None and not self._keyring.erased(kid):
                self._pending.add(kid)  # not learnt yet from the subject-keys topic
        return self._boxes[kid]


def kids_in(value: Any) -> Iterator[str]:
    """The key ids of the sealed values anywhere in a value."""
    if isinstance(value, dict):
        if is_sealed(value):
            yield str(value["sealed"])
        else:
            for v in value.values():
                yield from kids_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from kids_in(v)


def _slots(data: Any, path: str, item: Any = None) -> Iterator[tuple[dict[str, Any], str, Any]]:
    """(container, field name, list item or None) of each place `path` names in `data`."""
    head, each, rest = path.partition("[].")
    if each:
        items = _get(data, head)
        for element in items if isinstance(items, list) else ():
            yield from _slots(element, rest, element)
        return
    *parents, name = path.split(".")
    container = _get(data, ".".join(parents)) if parents else data
    if isinstance(container, dict) and name in container:
        yield container, name, item


def _get(data: Any, path: str) -> Any:
    for name in path.split("."):
        data = data.get(name) if isinstance(data, dict) else None
    return data


def _subject(spec: Personal, root: dict[str, Any], item: Any, resolve: Resolve) -> str:
    if spec.subject.startswith("@"):
        return resolve(spec.subject[1:])
    _, each, rest = spec.subject.partition("[].")
    value = _get(item, rest) if each and item is not None else _get(root, spec.subject)
    if not isinstance(value, str) or not value:
        raise ValueError(f"no person at {spec.subject!r} for {spec.path!r}")
    return value
