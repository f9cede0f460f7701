"""Fixtures of the API unit tests: the assessment app over an in-memory event store."""

import pytest

from services.assessment.app import create_app
from shared.eventstore.memory_event_store import MemoryEventStore
from shared.resources import Resources
from tests.unit.api_helpers import CONFIG


@pytest.fixture
def store():
    return MemoryEventStore()


@pytest.fixture
def client(store):
    return create_app(CONFIG, Resources(CONFIG, event_store=store)).test_client()
