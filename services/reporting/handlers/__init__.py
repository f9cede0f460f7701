"""The reporting service layer's write side: one handler per command
(services/reporting/commands.py), the webhook subscriptions of HR systems.

`COMMAND_HANDLERS` says which handler takes each command; `WebhookHandlers` binds them to one
process's Services: the views (services/reporting/api/webhooks.py) get it from the
composition root (services/reporting/app.py) and the delivery worker builds its own. No web
framework here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from services.reporting import commands
from services.reporting.handlers import webhooks
from services.reporting.handlers.base import Services
from shared.auth.caller import Caller
from shared.commands import Command, Result, dispatch

Handler = Callable[[Services, Any, Caller], Result]

COMMAND_HANDLERS: dict[type[Command], Handler] = {
    commands.CreateSubscription: webhooks.create_subscription,
    commands.ChangeSubscription: webhooks.change_subscription,
    commands.RotateSecret: webhooks.rotate_secret,
    commands.DeleteSubscription: webhooks.delete_subscription,
    commands.ReplayDeliveries: webhooks.replay_deliveries,
    commands.DisableSubscription: webhooks.disable_subscription,
}


@dataclass(frozen=True)
class WebhookHandlers:
    """The webhook use cases of one process, bound to its adapters and clock."""

    services: Services

    def handle(self, command: Command, caller: Caller) -> Result:
        """Run the command's handler as the caller."""
        return dispatch(COMMAND_HANDLERS, self.services, command, caller)
