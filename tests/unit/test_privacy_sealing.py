"""Crypto-shredding without I/O: personal fields sealed per person, opened while the person's
key exists, read as erased once it is destroyed; erasure final, learnt from the topic."""

from __future__ import annotations

import base64
import json

import pytest

from shared.crypto.secret_box import SecretBox
from shared.domain.personal import Personal, is_sealed
from shared.domain.subjects import key_id, ref_of, subject_ref
from shared.privacy.key_store import ACTIVE, ERASED, MemoryKeyTable, SubjectKeys
from shared.privacy.sealing import Opener, Sealer, kids_in

WRAPPING = SecretBox(b"w" * 32)
TENANT = "acme"


def keys(owner: str = "assessment") -> SubjectKeys:
    return SubjectKeys(owner, MemoryKeyTable(), WRAPPING)


def opened_event() -> dict:
    return {
        "engagement_id": "e-1",
        "executive": {"id": "exec-1", "name": "Dana Whitfield"},
        "attendees": [{"id": "m-1", "name": "Morgan Reyes"}, {"id": "c-1", "name": "Casey Lin"}],
        "note": "Struggles to delegate",
        "empty": "",
    }


SPECS = (
    Personal("executive.name", "executive.id", "name"),
    Personal("attendees[].name", "attendees[].id", "name"),
    Personal("note", "@executive"),
    Personal("empty", "@executive"),
)


def sealed(store: SubjectKeys) -> dict:
    data = opened_event()
    Sealer(store.owner, store).seal(
        SPECS, (data,), TENANT, lambda role: {"executive": "exec-1"}[role]
    )
    return data


def test_sealed_fields_carry_no_plaintext_and_name_their_persons_keys():
    store = keys()
    data = sealed(store)
    text = json.dumps(data)
    for plain in ("Dana", "Whitfield", "Morgan", "Casey", "delegate"):
        assert plain not in text
    assert data["engagement_id"] == "e-1" and data["executive"]["id"] == "exec-1"
    assert data["empty"] == ""  # nothing of the person to protect
    assert is_sealed(data["executive"]["name"]) and is_sealed(data["note"])
    dana = key_id("assessment", subject_ref(TENANT, "exec-1"))
    assert data["executive"]["name"]["sealed"] == data["note"]["sealed"] == dana
    kids = set(kids_in(data))
    assert kids == {dana, key_id("assessment", subject_ref(TENANT, "m-1")),
                    key_id("assessment", subject_ref(TENANT, "c-1"))}  # fmt: skip


def test_opening_gives_back_every_value_while_the_keys_exist():
    store = keys()
    assert Opener(store).open(sealed(store)) == opened_event()


def test_an_erased_person_reads_as_erased_and_the_others_stay_readable():
    store = keys()
    data = sealed(store)
    ref = subject_ref(TENANT, "exec-1")
    assert store.erase_person(ref) is True
    opened = Opener(store).open(data)
    assert opened["executive"] == {"id": "exec-1", "name": f"Erased person {ref[:6]}…"}
    assert opened["note"] == "[erased]"
    assert opened["attendees"] == opened_event()["attendees"]
    assert "Dana" not in json.dumps(opened)


def test_erasure_is_idempotent_and_final():
    store = keys()
    sealed(store)
    ref = subject_ref(TENANT, "exec-1")
    assert store.erase_person(ref) is True
    assert store.erase_person(ref) is False
    kid = key_id("assessment", ref)
    assert store.sealing_key(kid, TENANT) is None  # no new key for an erased person
    data = sealed(store)  # new data about them keeps nothing
    assert data["note"] == {"sealed": kid, "as": "text"}
    assert Opener(store).open(data)["note"] == "[erased]"


def test_a_person_never_seen_can_be_erased_ahead_and_gets_no_key():
    store = keys()
    ref = subject_ref(TENANT, "later-1")
    kid = key_id("assessment", ref)
    assert store.erase_person(ref) is False  # nothing was destroyed: there was no key
    assert store.sealing_key(kid, TENANT) is None
    # announced all the same, so that the services that do hold a key destroy theirs
    assert store.changes() == [({"kid": kid, "state": ERASED}, ERASED)]


def test_an_erasure_learnt_for_a_person_never_seen_here_is_not_published_again():
    kpi = keys("kpi")
    ref = subject_ref(TENANT, "later-1")
    kpi.learn({"kid": key_id("assessment", ref), "state": ERASED})
    assert kpi.sealing_key(key_id("kpi", ref), TENANT) is None  # erased here too
    assert kpi.changes() == []


def test_a_value_moved_to_another_persons_seal_does_not_open():
    store = keys()
    data = sealed(store)
    moved = dict(data["note"], sealed=data["attendees"][0]["name"]["sealed"])
    assert Opener(store).open(moved) == "[erased]"


def test_an_item_with_a_dropped_value_leaves_its_list():
    store = keys()
    data = {"comments": [{"author": "r-1", "text": "kind"}, {"author": "r-2", "text": "blunt"}]}
    specs = (Personal("comments[].text", "comments[].author", "drop"),)
    Sealer("assessment", store).seal(specs, (data,), TENANT, lambda role: "")
    store.erase_person(subject_ref(TENANT, "r-2"))
    assert Opener(store).open(data) == {"comments": [{"author": "r-1", "text": "kind"}]}


def test_private_parts_are_sealed_with_subjects_found_in_either_part():
    store = keys()
    published, private = {"round_id": "r"}, {"invitation_id": "inv-1", "contact": "a@b.example"}
    specs = (Personal("contact", "invitation_id", "blank"),)
    Sealer("assessment", store).seal(specs, (published, private), TENANT, lambda role: "")
    assert is_sealed(private["contact"]) and "a@b" not in json.dumps(private)
    store.erase_person(subject_ref(TENANT, "inv-1"))
    assert Opener(store).open(private) == {"invitation_id": "inv-1", "contact": ""}


def test_a_spec_naming_no_person_is_refused():
    with pytest.raises(ValueError):
        Sealer("assessment", keys()).seal(
            (Personal("note", "missing.id"),), ({"note": "x"},), TENANT, lambda role: ""
        )
    with pytest.raises(ValueError):
        Personal("note", "@executive", "shouted")


def test_keys_are_wrapped_at_rest_and_published_wrapped():
    table = MemoryKeyTable()
    store = SubjectKeys("assessment", table, WRAPPING)
    kid = key_id("assessment", subject_ref(TENANT, "exec-1"))
    key = store.sealing_key(kid, TENANT)
    stored = table.get(kid)
    assert base64.b64encode(key).decode() not in json.dumps(stored)
    [(record, state)] = store.changes()
    assert (record["kid"], record["state"], state) == (kid, ACTIVE, ACTIVE)
    assert record["key"] == stored["key"]
    store.published(kid, ACTIVE)
    assert store.changes() == []
    store.erase_person(ref_of(kid))
    assert store.changes() == [({"kid": kid, "state": ERASED}, ERASED)]
    assert "key" not in table.get(kid)


def test_a_change_published_while_another_was_queued_stays_queued():
    store = keys()
    kid = key_id("assessment", subject_ref(TENANT, "exec-1"))
    store.sealing_key(kid, TENANT)
    [(_, state)] = store.changes()
    store.erase_person(ref_of(kid))  # erased while the key record was on its way
    store.published(kid, state)  # the key record reached the topic: the erasure still must
    assert store.changes() == [({"kid": kid, "state": ERASED}, ERASED)]


def test_services_learn_keys_and_erasures_from_the_topic():
    assessment, reporting, kpi = keys("assessment"), keys("reporting"), keys("kpi")
    kid = key_id("assessment", subject_ref(TENANT, "exec-1"))
    key = assessment.sealing_key(kid, TENANT)
    kpi_kid = key_id("kpi", ref_of(kid))
    kpi.sealing_key(kpi_kid, TENANT)
    [(record, _)] = assessment.changes()
    reporting.learn(record)
    assert reporting.opening_key(kid) == key
    assessment.erase_person(ref_of(kid))
    [(erasure, _)] = assessment.changes()
    for follower in (reporting, kpi):
        follower.learn(erasure)
    assert reporting.opening_key(kid) is None and reporting.erased(kid)
    assert kpi.opening_key(kpi_kid) is None  # kpi destroyed its own key of that person
    assert kpi.changes()[-1] == ({"kid": kpi_kid, "state": ERASED}, ERASED)
    reporting.learn(record)  # the old key record again (a replay, an uncompacted topic)
    assert reporting.opening_key(kid) is None


def test_a_restored_store_catches_up_with_the_erasure_on_the_topic():
    table = MemoryKeyTable()
    store = SubjectKeys("assessment", table, WRAPPING)
    kid = key_id("assessment", subject_ref(TENANT, "exec-1"))
    store.sealing_key(kid, TENANT)
    backup = table.get(kid)
    store.erase_person(ref_of(kid))
    [(erasure, _)] = store.changes()
    restored_table = MemoryKeyTable()
    restored_table.insert(backup)
    restored = SubjectKeys("assessment", restored_table, WRAPPING)
    assert restored.opening_key(kid) is not None
    restored.learn(erasure)
    assert restored.opening_key(kid) is None


def test_a_key_not_learnt_yet_reads_as_pending_not_erased_then_opens_once_learnt():
    assessment, reporting = keys("assessment"), keys("reporting")
    data = sealed(assessment)
    before = Opener(reporting).open(data)
    dana = subject_ref(TENANT, "exec-1")
    assert before["executive"]["name"] == f"Person {dana[:6]}… (pending)"
    assert before["note"] == "[pending]" and "Erased" not in json.dumps(before)
    for record, _ in assessment.changes():
        reporting.learn(record)
    assert Opener(reporting).open(data) == opened_event()
    reporting.learn({"kid": key_id("assessment", dana), "state": ERASED})
    after = Opener(reporting).open(data)
    assert after["executive"]["name"] == f"Erased person {dana[:6]}…"
    assert after["note"] == "[erased]"
