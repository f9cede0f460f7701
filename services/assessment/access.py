"""Who may do what on the assessment service: the README's access matrix, applied here and
nowhere else. Callers reach these checks only for an engagement of their own tenant (another
tenant's is a 404 before any of them)."""

from __future__ import annotations

from services.assessment.domain.engagement import Engagement
from shared.auth.access import PARTICIPANTS, READERS, Rule, roles_in, sees_results
from shared.auth.tokens import Principal
from shared.domain.errors import Forbidden

# Token roles that open engagements (a coach opens them as their coach).
OPENERS = ("coach", "admin")
READ = Rule(READERS, "only the engagement's participants, admin, HR and auditors may see it")
# Every write on an engagement, its rounds and its needs assessment; also what only its
# administrators see: the stakeholders' contacts and the rounds' invitations.
ADMINISTER = Rule(
    frozenset({"coach", "admin"}), "only the engagement's coach or an admin may change it"
)
READ_NEEDS_ASSESSMENT = Rule(
    frozenset(PARTICIPANTS) | {"admin"},
    "only the engagement's participants or an admin may see its assessment",
)
SEE_PROFILES = Rule(frozenset({"coach", "executive", "admin"}), "profiles are not shown to you")
# A closed round's released comments: free text, so fewer readers than the aggregates (no hr,
# no auditor); the manager only of a round shared with them (require_comments).
READ_COMMENTS = Rule(
    frozenset({"coach", "executive", "admin"}), "these comments are not shared with you"
)


def roles_of(caller: Principal, engagement: Engagement) -> frozenset[str]:
    """The caller's roles towards the engagement (participant by subject, tenant-wide)."""
    return roles_in(caller, engagement.people())


def require(rule: Rule, caller: Principal, engagement: Engagement) -> None:
    """Forbidden (403) unless the rule lets the caller act on the engagement."""
    rule.require(roles_of(caller, engagement))


def may(rule: Rule, caller: Principal, engagement: Engagement) -> bool:
    """Whether the rule lets the caller act on the engagement."""
    return rule.allows(roles_of(caller, engagement))


def require_results(caller: Principal, engagement: Engagement, shared: bool) -> None:
    """A closed round's results, by the 360 rule both services share (sees_results); `shared`:
    the round shares them with the manager."""
    if not sees_results(roles_of(caller, engagement), shared):
        raise Forbidden("these results are not shared with you")


def require_comments(caller: Principal, engagement: Engagement, shared: bool) -> None:
    """A closed round's released comments: READ_COMMENTS, or the manager of a shared round."""
    roles = roles_of(caller, engagement)
    if not (READ_COMMENTS.allows(roles) or (shared and "manager" in roles)):
        raise Forbidden(READ_COMMENTS.refusal)


def require_opener(caller: Principal, coach_id: str) -> None:
    """An admin opens engagements for any coach of the tenant, a coach only for themselves."""
    if not caller.has_any("admin") and coach_id != caller.subject:
        raise Forbidden("a coach opens engagements for themselves")
