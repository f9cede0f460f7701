"""Reporting worker: python -m services.reporting.worker (projections from both topics)."""

from services.reporting.projector import Projector
from shared.resources import Resources
from shared.worker import Loop, consumer_loop, main_for


def loops(resources: Resources) -> list[Loop]:
    """One consumer feeding every projection."""
    projector = Projector(resources.database)
    projector.setup()
    return [consumer_loop(resources, ["assessment", "kpi"], projector)]


if __name__ == "__main__":
    main_for("reporting", loops)
