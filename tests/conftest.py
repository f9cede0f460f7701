"""Tiers by folder: tests/unit (no I/O), tests/integration (real Kafka and Mongo-wire
server), tests/e2e (the services as processes). Markers are added from the folder."""

from __future__ import annotations

from pathlib import Path

import pytest

TIERS = ("unit", "integration", "e2e")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        tier = Path(str(item.fspath)).parent.name
        if tier in TIERS:
            item.add_marker(getattr(pytest.mark, tier))
