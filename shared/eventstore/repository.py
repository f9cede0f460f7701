"""Load aggregates from their streams and save their new events as one commit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from shared.domain.aggregate import Aggregate, DomainEvent
from shared.domain.errors import ConcurrencyConflict, NotFound, PreconditionFailed
from shared.events import catalogue
from shared.events.envelope import EventContext, seal
from shared.eventstore.port import Commit, EventStore
from shared.privacy.protection import Protection

A = TypeVar("A", bound=Aggregate)


class Repository(Generic[A]):
    """Event-sourced persistence of one aggregate type, scoped by tenant.

    With a `protection`, the personal fields of new events are sealed with their person's key
    before they are stored, and opened again on load (read as erased once the key is gone);
    an aggregate whose events have personal fields needs one."""

    def __init__(
        self, store: EventStore, aggregate_type: type[A], protection: Protection | None = None
    ) -> None:
        self._store = store
        self._type = aggregate_type
        self._protection = protection

    def get(self, tenant: str, stream_id: str) -> A:
        """The aggregate as its events leave it; NotFound for another tenant's or no stream."""
        events = self._store.load(stream_id)
        if not events or events[0]["tenant"] != tenant:
            raise NotFound(f"{stream_id} not found")
        return self._replay(stream_id, events)

    def _replay(self, stream_id: str, events: list[dict[str, Any]]) -> A:
        if self._protection is not None:
            events = self._protection.open_envelopes(events)
        return self._type.replay(stream_id, events)

    def get_or_new(self, tenant: str, stream_id: str) -> A:
        """The aggregate, or a new empty one (version 0) for a stream not started yet.

        For aggregates that start with their first fact and whose stream id is derived
        from an engagement the caller was already checked against."""
        if self._store.version(stream_id) == 0:
            return self._type(stream_id)
        return self.get(tenant, stream_id)

    def get_unscoped(self, stream_id: str) -> A:
        """The aggregate whatever its tenant: only for callers holding a capability for it
        (a rater's invitation token names its round); NotFound for no stream."""
        events = self._store.load(stream_id)
        if not events:
            raise NotFound(f"{stream_id} not found")
        return self._replay(stream_id, events)

    def update(
        self,
        aggregate: A,
        act: Callable[[A], None],
        ctx: EventContext,
        if_match: int | None = None,
    ) -> A:
        """Let `act` decide on a loaded aggregate, then save against the version it was loaded at.

        `if_match` is the version the caller last saw: PreconditionFailed when it moved on, checked
        before `act` (so before any check of the state it makes), and also when another writer
        stored a commit after the check (a stale If-Match is never a ConcurrencyConflict).
        """
        if if_match is not None and if_match != aggregate.version:
            raise PreconditionFailed(
                f"{aggregate.stream_id} is at version {aggregate.version}, not {if_match}"
            )
        loaded = aggregate.version
        act(aggregate)
        try:
            self.save(aggregate, ctx, expected_version=loaded)
        except ConcurrencyConflict as exc:
            if if_match is None:
                raise
            moved_on = f"{aggregate.stream_id} moved on from version {if_match}"
            raise PreconditionFailed(moved_on) from exc
        return aggregate

    def save(
        self, aggregate: A, ctx: EventContext, expected_version: int | None = None
    ) -> list[dict[str, Any]]:
        """Seal, validate and append the pending events as one commit; returns the envelopes.

        `expected_version` is the version the caller last saw (e.g. from If-Match);
        a stream that has moved on since is a ConcurrencyConflict, never a lost update.
        """
        if expected_version is not None and expected_version != aggregate.version:
            raise ConcurrencyConflict(
                f"{aggregate.stream_id} is at version {aggregate.version}, not {expected_version}"
            )
        if not aggregate.pending:
            return []
        parts = [self._parts(aggregate, event, ctx) for event in aggregate.pending]
        envelopes = self._seal(aggregate, ctx, [data for data, _ in parts])
        private = tuple(extra for _, extra in parts)
        if self._protection is not None:
            self._protection.note(ctx.tenant, aggregate.stream_id, [*envelopes, *private])
        commit = Commit(
            aggregate.stream_id,
            ctx.tenant,
            aggregate.subject,
            aggregate.version,
            tuple(envelopes),
            private=private if any(private) else (),
            published=aggregate.PUBLISHED,
        )
        self._store.append(commit)
        aggregate.pending.clear()
        aggregate.version, aggregate.last_hash = commit.end, envelopes[-1]["hash"]
        return envelopes

    def _parts(
        self, aggregate: A, event: DomainEvent, ctx: EventContext
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """(published data, private data) of a new event, its personal fields sealed."""
        data, private = event.split_data()
        if event.PERSONAL:
            if self._protection is None:
                raise TypeError(f"{type(event).__name__} has personal fields: pass a protection")
            self._protection.seal(
                event.PERSONAL, (data, private), ctx.tenant, aggregate.subject, ctx.actor
            )
        return data, private

    def _seal(
        self, aggregate: A, ctx: EventContext, payloads: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        envelopes: list[dict[str, Any]] = []
        prev_hash = aggregate.last_hash
        for offset, (event, data) in enumerate(zip(aggregate.pending, payloads, strict=True), 1):
            envelope = seal(
                context=aggregate.CONTEXT,
                name=event.NAME,
                version=event.VERSION,
                data=data,
                subject=aggregate.subject,
                stream_id=aggregate.stream_id,
                stream_version=aggregate.version + offset,
                prev_hash=prev_hash,
                ctx=ctx,
            )
            if aggregate.PUBLISHED:  # the catalogue holds the public contract only
                catalogue.validate(envelope)
            envelopes.append(envelope)
            prev_hash = envelope["hash"]
        return envelopes
