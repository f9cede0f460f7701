"""The four stores bench.peer drives, each behind one small interface (open a stream, then
commands on it): this project's MongoEventStore with and without its stream cache, and a
pyeventsourcing Application on PostgreSQL and on SQLite.

Every command builds the same event: a StakeholderAdded envelope sealed as the assessment
service seals one (CloudEvents attributes, SHA-256 chained to the stream's last event). The
project stores it as its commit's one event, the stakeholder's contact kept private, as the
repository does; the pyeventsourcing aggregate's one command event carries it as its payload,
so both store an event of the same size and do the same work to build it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any, Protocol

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from bench.common import Bench
from bench.peer import PEER_POSTGRES, PEER_SQLITE, PROJECT, PROJECT_NO_CACHE
from bench.postgres import Server
from shared.events.envelope import GENESIS_HASH, EventContext, seal
from shared.eventstore.mongo_event_store import MongoEventStore
from shared.eventstore.port import Commit
from shared.eventstore.stream_cache import StreamCache

TENANT = "acme"
CONTEXT = EventContext(TENANT, actor="coach-1", correlation_id=uuid.uuid4().hex,
                       actor_roles=("coach",))  # fmt: skip


class Store(Protocol):
    """What the bench drives: streams 0..S-1, each opened once, then commands on them."""

    name: str

    def open(self, stream: int) -> None: ...

    def command(self, stream: int) -> None: ...


def stakeholder_added(engagement_id: str, version: int, prev_hash: str) -> dict[str, Any]:
    """The envelope of a stakeholder added to an engagement at a stream version, with the
    contact the service keeps out of it under "private"."""
    stakeholder_id = f"s{version}"
    data = {"engagement_id": engagement_id, "stakeholder_id": stakeholder_id,
            "name": f"Stakeholder {version}", "relationship": "peer"}  # fmt: skip
    envelope = seal(context="assessment", name="StakeholderAdded", version=1, data=data,
                    subject=engagement_id, stream_id=f"engagement-{engagement_id}",
                    stream_version=version, prev_hash=prev_hash, ctx=CONTEXT)  # fmt: skip
    return envelope | {"private": {"contact": f"{stakeholder_id}@example.org"}}


class ProjectStore:
    """MongoEventStore: a command loads the stream and appends one published commit (its
    outbox entry written too); no relay runs, so the entries stay."""

    def __init__(self, name: str, store: MongoEventStore) -> None:
        self.name, self._store = name, store
        self._engagements: list[str] = []
        store.setup()

    def open(self, stream: int) -> None:
        self._engagements.append(uuid.uuid4().hex)
        self.command(stream)

    def command(self, stream: int) -> None:
        engagement_id = self._engagements[stream]
        stream_id = f"engagement-{engagement_id}"
        events = self._store.load(stream_id)
        prev_hash = events[-1]["hash"] if events else GENESIS_HASH
        envelope = stakeholder_added(engagement_id, len(events) + 1, prev_hash)
        private = envelope.pop("private")
        commit = Commit(stream_id, TENANT, engagement_id, len(events), (envelope,),
                        private=(private,))  # fmt: skip
        self._store.append(commit)


class Engagement(Aggregate):
    """pyeventsourcing's side: an aggregate whose one command event carries an envelope."""

    @event("Opened")
    def __init__(self, envelope: dict[str, Any]) -> None:
        self.engagement_id = envelope["subject"]
        self.last_hash = envelope["hash"]

    @event("StakeholderAdded")
    def add_stakeholder(self, envelope: dict[str, Any]) -> None:
        self.last_hash = envelope["hash"]


class Engagements(Application[uuid.UUID]):
    """The pyeventsourcing application, with the library's defaults (no aggregate cache)."""


class PeerStore:
    """A pyeventsourcing Application: a command is `repository.get`, the event, `save`."""

    def __init__(self, name: str, env: dict[str, str]) -> None:
        self.name = name
        self.app = Engagements(env=env)
        self._ids: list[uuid.UUID] = []

    def open(self, stream: int) -> None:
        engagement = Engagement(stakeholder_added(uuid.uuid4().hex, 1, GENESIS_HASH))
        self.app.save(engagement)
        self._ids.append(engagement.id)

    def command(self, stream: int) -> None:
        engagement: Engagement = self.app.repository.get(self._ids[stream])
        envelope = stakeholder_added(engagement.engagement_id, engagement.version + 1,
                                     engagement.last_hash)  # fmt: skip
        engagement.add_stakeholder(envelope)
        self.app.save(engagement)


def postgres_env(server: Server) -> dict[str, str]:
    """pyeventsourcing's settings for its PostgreSQL store on the bench's server."""
    return {"PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_DBNAME": server.dbname,
            "POSTGRES_HOST": server.host, "POSTGRES_PORT": str(server.port),
            "POSTGRES_USER": server.user, "POSTGRES_PASSWORD": server.password}  # fmt: skip


@contextmanager
def opened(running: Bench, server: Server) -> Iterator[list[Store]]:
    """The four stores, each on storage of its own; the applications closed on the way out."""
    sqlite_file = running.profile.state_dir / f"peer-{running.run_id}.sqlite"
    sqlite_env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(sqlite_file)}
    with ExitStack() as closing:
        peers = []
        for name, env in ((PEER_POSTGRES, postgres_env(server)), (PEER_SQLITE, sqlite_env)):
            peers.append(PeerStore(name, env))
            closing.callback(peers[-1].app.close)
        # as the services build theirs (shared/resources.py): a StreamCache of its own
        configured = MongoEventStore(running.database("peer"))
        # a cache that keeps nothing: every load reads the whole stream, every append
        # reads the stream's version first
        uncached = MongoEventStore(running.database("peer_nocache"), cache=StreamCache(0))
        yield [ProjectStore(PROJECT, configured), ProjectStore(PROJECT_NO_CACHE, uncached),
               *peers]  # fmt: skip
