"""What every service's access matrix is made of (README, "Who may do what"): an engagement's
participants, matched by the token's subject, and the tenant-wide readers, by token role.

Each service's own module (`services/<service>/access.py`, `services/reporting/queries/access.py`)
says which of these roles may take which action; this one only works out a caller's roles
towards one engagement and refuses with 403. The tenant was checked before (404)."""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass

from shared.auth.tokens import Principal
from shared.domain.errors import Forbidden

# Roles whose holders read every engagement of their tenant.
TENANT_READERS = ("admin", "hr", "auditor")
# An engagement's people: each is a participant when the token's subject is theirs.
PARTICIPANTS = ("executive", "coach", "manager")
# Who reads an engagement: its participants and the tenant-wide readers.
READERS = frozenset(PARTICIPANTS + TENANT_READERS)
# Who sees the aggregates of every closed 360 round (README, "360 results"), on the
# assessment service and in reporting alike; the engagement's manager sees those of the
# rounds shared with them (`results_visible_to_manager`).
RESULTS_READERS = frozenset({"coach", "executive", "admin", "hr", "auditor"})


def roles_in(caller: Principal, people: Mapping[str, str]) -> frozenset[str]:
    """The caller's roles towards an engagement whose `people` map each participant role to a
    subject: the participant roles the caller's subject holds, and their tenant-wide roles."""
    mine = {role for role, subject in people.items() if subject == caller.subject}
    return frozenset(mine) | (caller.roles & set(TENANT_READERS))


def tenant_wide(caller: Principal) -> bool:
    """Whether the caller reads across their tenant (admin, HR, auditor)."""
    return caller.has_any(*TENANT_READERS)


def sees_results(roles: Set[str], shared_with_manager: bool) -> bool:
    """Whether a caller with these roles towards an engagement sees a closed round's
    aggregates (the round shares them with the manager or not)."""
    return bool(roles & RESULTS_READERS) or (shared_with_manager and "manager" in roles)


@dataclass(frozen=True)
class Rule:
    """Who may take an action (a cell of the matrix): the roles allowed, and what a caller
    holding none of them is told."""

    roles: frozenset[str]
    refusal: str

    def allows(self, roles: Set[str]) -> bool:
        """Whether a caller with these roles towards the engagement may take the action."""
        return bool(self.roles & roles)

    def require(self, roles: Set[str]) -> None:
        """Forbidden (403) unless the caller's roles allow the action."""
        if not self.allows(roles):
            raise Forbidden(self.refusal)


# Who manages a tenant's webhook subscriptions (reporting service): by token role.
WEBHOOK_MANAGERS = Rule(
    frozenset({"hr", "admin"}), "webhook subscriptions are managed by hr and admin"
)
