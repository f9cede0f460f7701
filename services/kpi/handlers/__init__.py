"""The kpi service layer: one handler per command (services/kpi/commands.py) and the reads.

`COMMAND_HANDLERS` says which handler takes each command; `KpiHandlers` binds them, and
the read functions, to one process's Services: the views (services/kpi/api) get it from
the composition root (services/kpi/app.py) and call nothing else. No web framework here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from services.kpi import commands
from services.kpi.handlers import kpis, reviews, sessions
from services.kpi.handlers.base import Result, Services
from shared.auth.caller import Caller
from shared.commands import Command, dispatch

Handler = Callable[[Services, Any, Caller], Result]

COMMAND_HANDLERS: dict[type[Command], Handler] = {
    commands.ProposeKpi: kpis.propose_kpi,
    commands.SendBackKpi: kpis.send_back_kpi,
    commands.ChangeKpi: kpis.change_kpi,
    commands.ApproveKpi: kpis.approve_kpi,
    commands.RetireKpi: kpis.retire_kpi,
    commands.ReweightKpis: kpis.reweight_kpis,
    commands.RecordReview: reviews.record_review,
    commands.RecordSession: sessions.record_session,
}


@dataclass(frozen=True)
class KpiHandlers:
    """The use cases of one process, bound to its adapters, clock and thresholds."""

    services: Services

    def handle(self, command: Command, caller: Caller) -> Result:
        """Run the command's handler as the caller."""
        return dispatch(COMMAND_HANDLERS, self.services, command, caller)

    def read_plan(self, engagement_id: str, caller: Caller) -> Result:
        """Every KPI of the engagement (kpis.read_plan)."""
        return kpis.read_plan(self.services, engagement_id, caller)

    def read_kpi(self, engagement_id: str, kpi_id: str, caller: Caller) -> Result:
        """One KPI (kpis.read_kpi)."""
        return kpis.read_kpi(self.services, engagement_id, kpi_id, caller)

    def read_reviews(self, engagement_id: str, caller: Caller) -> Result:
        """Every review (reviews.read_reviews)."""
        return reviews.read_reviews(self.services, engagement_id, caller)

    def read_sessions(self, engagement_id: str, caller: Caller) -> Result:
        """Every session and commitment (sessions.read_sessions)."""
        return sessions.read_sessions(self.services, engagement_id, caller)

    def read_session(self, engagement_id: str, session_id: str, caller: Caller) -> Result:
        """One session (sessions.read_session)."""
        return sessions.read_session(self.services, engagement_id, session_id, caller)
