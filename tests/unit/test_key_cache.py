"""A process keeps the key documents it read until any process of the service erases a key
(shared/privacy/key_store.py): a read then costs one lookup of the erasure count instead of
one per person, and an erasure elsewhere takes effect from the next read or command on. No
I/O: two SubjectKeys over one in-memory table stand for two processes."""

from __future__ import annotations

from shared.domain.subjects import key_id, subject_ref
from shared.privacy.key_store import MemoryKeyTable, SubjectKeys
from shared.privacy.sealing import Opener
from tests.privacy import WRAPPING


class CountingTable(MemoryKeyTable):
    def __init__(self) -> None:
        super().__init__()
        self.gets = 0

    def get(self, kid):
        self.gets += 1
        return super().get(kid)


REF = subject_ref("acme", "x1")
KID = key_id("assessment", REF)


def test_keys_are_read_once_per_process_until_an_erasure_anywhere():
    table = CountingTable()
    writer, reader = (
        SubjectKeys("assessment", table, WRAPPING),
        SubjectKeys("assessment", table, WRAPPING),
    )
    writer.refresh()
    key = writer.sealing_key(KID, "acme")
    assert key is not None
    Opener(reader)
    assert reader.opening_key(KID) == key
    before = table.gets
    for _ in range(3):  # three reads: the key is not looked up again
        Opener(reader)
        assert reader.opening_key(KID) == key and not reader.erased(KID)
    assert table.gets == before
    writer.erase_person(REF)  # the other process erases the person
    assert reader.opening_key(KID) == key  # a read begun before the erasure finishes as it began
    Opener(reader)  # the next read
    assert reader.opening_key(KID) is None and reader.erased(KID)
    assert writer.sealing_key(KID, "acme") is None


def test_a_key_not_known_yet_is_looked_up_again_until_it_arrives():
    table = CountingTable()
    reporting = SubjectKeys("reporting", table, WRAPPING)
    Opener(reporting)
    assert not reporting.known(KID)
    assessment = SubjectKeys("assessment", MemoryKeyTable(), WRAPPING)
    assessment.sealing_key(KID, "acme")
    [(record, _)] = assessment.changes()
    reporting.learn(record)
    assert reporting.known(KID) and reporting.opening_key(KID) is not None
