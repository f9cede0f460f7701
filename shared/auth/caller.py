"""Who makes a request: the verified principal and the correlation id its events carry.

Handlers take a Caller, never a web request: the web edge builds it
(shared/web/commands.py `caller()`), a test builds it by hand."""

from __future__ import annotations

from dataclasses import dataclass

from shared.auth.tokens import Principal
from shared.events.envelope import EventContext


@dataclass(frozen=True)
class Caller:
    """The principal acting, and the correlation id of the request they act in."""

    principal: Principal
    correlation_id: str

    @property
    def tenant(self) -> str:
        """The caller's tenant: every read and write is scoped to it."""
        return self.principal.tenant

    def context(self, reason: str = "") -> EventContext:
        """Who acts, why, and under which correlation id: what the events record."""
        return EventContext(
            tenant=self.principal.tenant,
            actor=self.principal.subject,
            correlation_id=self.correlation_id,
            reason=reason,
            actor_roles=tuple(sorted(self.principal.roles)),
        )
