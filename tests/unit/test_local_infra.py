"""Local infrastructure helpers that need no running process."""

import uuid

import pytest

from deploy.local import kafka_broker


def test_cluster_id_never_starts_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    # 0xF8 as the first byte encodes to '-' first in base64url: the storage tool
    # would take such an id for an option and refuse to format.
    dashed = uuid.UUID(bytes=bytes([0xF8]) + bytes(15))
    plain = uuid.UUID(bytes=bytes([0x10]) + bytes(15))
    ids = iter([dashed, plain])
    monkeypatch.setattr(kafka_broker.uuid, "uuid4", lambda: next(ids))

    cluster_id = kafka_broker.new_cluster_id()

    assert cluster_id == "EAAAAAAAAAAAAAAAAAAAAA"
    assert not cluster_id.startswith("-")


def test_cluster_ids_are_22_base64url_characters() -> None:
    ids = {kafka_broker.new_cluster_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(len(i) == 22 and not i.startswith("-") for i in ids)
