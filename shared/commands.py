"""The base of every write service's commands (services/<service>/commands.py).

A command is what a caller asks a service to do: an immutable, imperative dataclass carrying
what its use case needs from the request, never a web object; who asks travels beside it
(shared/auth/caller.py). Each command has exactly one handler in its service's handlers/,
which answers a Result.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

# The command the current request runs (its class name), for the API's metrics
# (shared/observability/http_metrics.py): set by `dispatch`, read once the answer is made.
running_command: ContextVar[str | None] = ContextVar("running_command", default=None)


@dataclass(frozen=True, kw_only=True)
class Command:
    """Every command of every service: each has exactly one handler."""


@dataclass(frozen=True, kw_only=True)
class EngagementCommand(Command):
    """A command on an existing engagement's stream (its record, rounds, needs assessment,
    KPI plan or coaching log)."""

    engagement_id: str
    # The version the caller last saw (If-Match): 412 once the stream moved on
    if_match: int | None = None


@dataclass(frozen=True)
class Result:
    """A handler's answer: the body to serialise, the version of the stream it read or wrote
    (the ETag; None when the answer has none), and the id of what it created, if anything."""

    body: dict[str, Any]
    version: int | None = None
    created_id: str | None = None


def dispatch(
    handlers: Mapping[type[Command], Callable[[Any, Any, Any], Result]],
    services: Any,
    command: Command,
    caller: Any,
) -> Result:
    """Run the command's one handler on the services, as the caller, noting which command
    runs (each service's handlers' `handle`)."""
    running_command.set(type(command).__name__)
    return handlers[type(command)](services, command, caller)
