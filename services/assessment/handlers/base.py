"""What every assessment handler works with: its adapters and clock, the repositories of its
three aggregates (and the rounds' unpublished answers), the engagement it acts on, its answer.

Every read and write is scoped to the caller's tenant: another tenant's engagement is a 404
before any access rule (services/assessment/access.py) is asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from services.assessment import access
from services.assessment.domain.engagement import Engagement
from services.assessment.domain.feedback_round import FeedbackRound
from services.assessment.domain.needs_assessment import NeedsAssessment
from services.assessment.domain.retention import TenantRetention
from services.assessment.domain.round_responses import RoundResponses
from services.assessment.domain.subject_record import SubjectRecord
from shared.auth.access import Rule
from shared.auth.caller import Caller
from shared.clock import Clock
from shared.commands import Result as Result  # the handlers' answer, for this service's modules
from shared.domain.subjects import subject_ref
from shared.eventstore.port import EventStore
from shared.eventstore.repository import Repository
from shared.privacy.key_store import SubjectKeys
from shared.privacy.protection import Protection
from shared.privacy.subject_index import SubjectIndex


class Adapters(Protocol):
    """The ports the handlers use (shared/resources.py Resources opens them on first use)."""

    @property
    def event_store(self) -> EventStore: ...

    @property
    def subject_keys(self) -> SubjectKeys: ...

    @property
    def subject_index(self) -> SubjectIndex: ...


@dataclass(frozen=True)
class Services:
    """A handler's dependencies, built once per process by its composition root."""

    adapters: Adapters
    clock: Clock

    @property
    def store(self) -> EventStore:
        """The event store every repository writes through."""
        return self.adapters.event_store

    @property
    def protection(self) -> Protection:
        """Seals personal fields with this service's subject keys, and opens them."""
        return Protection(
            self.adapters.subject_keys, self._executive_of, self.adapters.subject_index
        )

    def engagements_holding(self, tenant: str, person_id: str) -> list[str]:
        """The engagement streams holding the person's data (the subject index's)."""
        entry = self.adapters.subject_index.entry(subject_ref(tenant, person_id)) or {}
        prefix = Engagement.stream_for("")
        return [s for s in entry.get("streams", []) if str(s).startswith(prefix)]

    def _executive_of(self, tenant: str, engagement_id: str) -> str:
        stream_id = Engagement.stream_for(engagement_id)
        return Repository(self.store, Engagement).get(tenant, stream_id).executive.id

    def engagements(self) -> Repository[Engagement]:
        """The engagements (one stream each)."""
        return Repository(self.store, Engagement, self.protection)

    def rounds(self) -> Repository[FeedbackRound]:
        """The feedback rounds (one published stream each)."""
        return Repository(self.store, FeedbackRound, self.protection)

    def responses(self) -> Repository[RoundResponses]:
        """The rounds' answers (one unpublished stream per round)."""
        return Repository(self.store, RoundResponses, self.protection)

    def subjects(self) -> Repository[SubjectRecord]:
        """The data subjects' records (one stream per person erased)."""
        return Repository(self.store, SubjectRecord)

    def retention(self) -> Repository[TenantRetention]:
        """The tenants' retention periods (one stream per tenant)."""
        return Repository(self.store, TenantRetention)

    def needs_assessments(self) -> Repository[NeedsAssessment]:
        """The needs assessments (one stream per engagement)."""
        return Repository(self.store, NeedsAssessment, self.protection)


def engagement_in_tenant(services: Services, caller: Caller, engagement_id: str) -> Engagement:
    """The engagement if the caller's tenant has it (404 otherwise, whoever asks)."""
    return services.engagements().get(caller.tenant, Engagement.stream_for(engagement_id))


def engagement_as(services: Services, caller: Caller, engagement_id: str, rule: Rule) -> Engagement:
    """The engagement of the caller's tenant, if the rule lets the caller act on it (403)."""
    engagement = engagement_in_tenant(services, caller, engagement_id)
    access.require(rule, caller.principal, engagement)
    return engagement


def engagement_for(services: Services, caller: Caller, engagement_id: str) -> Engagement:
    """The engagement as the caller may see it: tenant readers, or its participants."""
    return engagement_as(services, caller, engagement_id, access.READ)


def engagement_to_change(services: Services, caller: Caller, engagement_id: str) -> Engagement:
    """The engagement, if the caller is its coach or an admin of its tenant."""
    return engagement_as(services, caller, engagement_id, access.ADMINISTER)
