"""Who may do what on the kpi service: the README's access matrix, applied here and nowhere
else. Alignment and coaching are the engagement's manager's and coach's decisions: admin, HR
and auditors read, and change nothing. Callers reach these checks only for an engagement of
their own tenant (another tenant's is a 404 before any of them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.auth.access import READERS, Rule, roles_in, sees_results
from shared.auth.tokens import Principal

if TYPE_CHECKING:
    from services.kpi.handlers.base import EngagementRef

READ = Rule(READERS, "only the engagement's participants, admin, HR and auditors may read it")
PROPOSE = Rule(
    frozenset({"coach", "manager"}), "KPIs are proposed by the engagement's coach or manager"
)
# Send back, approve, change an aligned KPI, retire, re-weight, record a review.
ALIGN = Rule(frozenset({"manager"}), "this change is for the engagement's manager")
CHANGE_ALIGNED = Rule(ALIGN.roles, "changes to an aligned KPI are the manager's")
RECORD_SESSIONS = Rule(frozenset({"coach"}), "sessions are recorded by the engagement's coach")


def roles_of(caller: Principal, engagement: EngagementRef) -> frozenset[str]:
    """The caller's roles towards the engagement (participant by subject, tenant-wide)."""
    return roles_in(caller, engagement.people())


def require(rule: Rule, caller: Principal, engagement: EngagementRef) -> None:
    """Forbidden (403) unless the rule lets the caller act on the engagement."""
    rule.require(roles_of(caller, engagement))


def change_rule(sent_back: bool) -> Rule:
    """Who changes a KPI: a sent-back one is revised by the coach or the manager, any other
    only by the manager."""
    return PROPOSE if sent_back else CHANGE_ALIGNED


def sees_private_notes(caller: Principal, recorded_by: str) -> bool:
    """A session's private notes are for the coach who recorded it only (not admin, not a
    later coach of the engagement)."""
    return bool(recorded_by) and caller.subject == recorded_by


def withholds_unshared_rounds(caller: Principal, engagement: EngagementRef) -> bool:
    """Whether measurements taken from rounds not shared with the manager are withheld from
    the caller: the 360 rule, so exactly those who would not see such a round's results."""
    return not sees_results(roles_of(caller, engagement), shared_with_manager=False)
