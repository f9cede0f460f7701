"""The event store vs pyeventsourcing's: python -m bench.peer [--quick] [--commands N] [--streams S]

One workload for every store: S streams, each opened with one event (not timed), then N
commands, each loading one stream and appending one event at its next version. The streams
take turns (every stream once per S commands, in a seeded shuffle), the same order for every
store, and the stores take turns command by command, so each sees the same machine.

- project (as configured): `MongoEventStore` on the bench's Mongo-wire server (FerretDB), in
  a database of its own, as the services build it: a `StreamCache` per process, so a load
  reads only commits newer than the cached ones, by `_id`. A command is `load(stream)`, the
  event sealed, `append(Commit(...))` published (its outbox entry written as in production;
  no relay runs). The stream's events are loaded, not replayed into an aggregate.
- project (no cache): the same with a cache that keeps nothing: every load reads the whole
  stream, every append reads the stream's version first.
- pyeventsourcing-postgresql: an `eventsourcing` Application with the library's defaults (no
  aggregate cache: `repository.get` reads and replays the whole stream), then the command
  event and `save`; its PostgreSQL store on a server from Debian's packages that the bench
  starts in its own data folder (bench/postgres.py; installed on first run when root).
- pyeventsourcing-sqlite: the same on its SQLite store, a file in the bench state folder.

Every command builds the same event (bench/peer_stores.py), and every store keeps its own
durability defaults (PostgreSQL commits synchronously; FerretDB's SQLite files and
pyeventsourcing's are in WAL mode). Prints, per store, commands/s (commands / the time spent
in them), p50, the mean cost of the first and the last tenth of the commands and their ratio
(growth, as the streams lengthen from 1 to 1 + N/S events), and the project's commands/s
over each; the last line, `peer: project/pyeventsourcing-postgresql
<ratio>x`, is that ratio for the store as the services configure it. Nothing is asserted
(issue 10's target: 1.0x or more, with the project's growth at 1.2x or less).
"""

from __future__ import annotations

import argparse
import functools
import math
import os
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bench import postgres
from bench.common import Bench, bench, ms, percentile, ratio, say, table, timed, verdict

if TYPE_CHECKING:
    from bench.peer_stores import Store

COMMANDS, STREAMS = 5_000, 50
QUICK_COMMANDS, QUICK_STREAMS = 1_000, 20
SEED = 10  # issue 10

PROJECT = "project (as configured)"
PROJECT_NO_CACHE = "project (no cache)"
PEER_POSTGRES = "pyeventsourcing-postgresql"
PEER_SQLITE = "pyeventsourcing-sqlite"
TARGET_RATIO, TARGET_GROWTH = 1.0, 1.2


def workload(commands: int, streams: int, seed: int = SEED) -> list[int]:
    """The stream of each command: every stream once in each round of `streams` commands,
    each round in its own seeded shuffle."""
    shuffle = random.Random(seed).sample
    rounds = (shuffle(range(streams), streams) for _ in range(math.ceil(commands / streams)))
    return [stream for one_round in rounds for stream in one_round][:commands]


@dataclass(frozen=True)
class Run:
    """One store's command durations, in seconds, in the order they ran."""

    name: str
    samples: tuple[float, ...]

    @property
    def per_second(self) -> float:
        return ratio(len(self.samples), sum(self.samples))

    @property
    def tenth(self) -> int:
        return max(1, len(self.samples) // 10)

    @property
    def first_tenth(self) -> float:
        """Mean duration of the first tenth of the commands."""
        return _mean(self.samples[: self.tenth])

    @property
    def last_tenth(self) -> float:
        """Mean duration of the last tenth of the commands."""
        return _mean(self.samples[-self.tenth :])

    @property
    def growth(self) -> float:
        return ratio(self.last_tenth, self.first_tenth)


def _mean(values: Sequence[float]) -> float:
    return ratio(sum(values), len(values))


def report(runs: Sequence[Run]) -> None:
    """The figures of every store, the targets, and the last line."""
    found = {run.name: run for run in runs}
    project, peer = found[PROJECT], found[PEER_POSTGRES]
    table(f"commands: load one stream, append one event (N={len(project.samples):,} each)",
          ["", "commands/s", "p50 ms", "first tenth ms", "last tenth ms", "growth last/first",
           "project/this"],
          [[run.name, f"{run.per_second:,.0f}", ms(percentile(run.samples, 50)),
            ms(run.first_tenth), ms(run.last_tenth), f"{run.growth:.2f}x",
            f"{ratio(project.per_second, run.per_second):.2f}x"] for run in runs])  # fmt: skip
    last = ratio(project.per_second, peer.per_second)
    met = last >= TARGET_RATIO and project.growth <= TARGET_GROWTH
    say(f"\nthe last line: commands/s of {PROJECT}, the store as the services build it (a "
        f"StreamCache per process), over {PEER_POSTGRES}")  # fmt: skip
    say(f"target (issue 10): {TARGET_RATIO:.1f}x or more, the project's growth "
        f"{TARGET_GROWTH:.1f}x or less: {verdict(met)}")  # fmt: skip
    say(f"\npeer: project/{PEER_POSTGRES} {last:.2f}x")


def drive(stores: Sequence[Store], streams: int, order: Sequence[int]) -> list[Run]:
    """Open every stream in every store, then run the commands, the stores taking turns
    (which one goes first rotates), and time each."""
    for store in stores:
        for stream in range(streams):
            store.open(stream)
    samples: dict[str, list[float]] = {store.name: [] for store in stores}
    for n, stream in enumerate(order):
        turn = n % len(stores)
        for store in [*stores[turn:], *stores[:turn]]:
            samples[store.name].append(timed(functools.partial(store.command, stream)))
        if (n + 1) % max(1, len(order) // 10) == 0:
            say(f"  {n + 1:,} of {len(order):,} commands on each store ...")
    return [Run(store.name, tuple(samples[store.name])) for store in stores]


def run(running: Bench, commands: int = COMMANDS, streams: int = STREAMS) -> None:
    """Start PostgreSQL, open the four stores, run the workload, print figures."""
    from bench import peer_stores  # imports eventsourcing: only when the bench runs

    say(f"\n=== peer: this project's event store vs pyeventsourcing ({commands:,} commands "
        f"over {streams} streams) ===")  # fmt: skip
    folder = running.profile.state_dir / "postgres"
    port = int(os.environ["ML_POSTGRES_PORT"])
    with (
        postgres.server(folder, port, echo=lambda line: say(f"  {line}")) as server,
        peer_stores.opened(running, server) as stores,
    ):
        runs = drive(stores, streams, workload(commands, streams))
    report(runs)


def ready() -> bool:
    """Whether PostgreSQL's server is installed (installing it when root), asked before the
    bench infrastructure starts; if not, says what to install."""
    try:
        postgres.ensure_installed(say)
    except postgres.PostgresMissing as missing:
        say(str(missing))
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, help=f"commands on each store ({COMMANDS:,})")
    parser.add_argument("--streams", type=int, help=f"streams in each store ({STREAMS})")
    quick = f"{QUICK_COMMANDS:,} commands over {QUICK_STREAMS} streams"
    parser.add_argument("--quick", action="store_true", help=quick)
    args = parser.parse_args(argv)
    commands = args.commands or (QUICK_COMMANDS if args.quick else COMMANDS)
    streams = args.streams or (QUICK_STREAMS if args.quick else STREAMS)
    if not 0 < streams <= commands <= 100_000:
        parser.error("keep it bounded: 0 < streams <= commands <= 100000")
    if not ready():
        return 2
    with bench() as running:
        run(running, commands, streams)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
