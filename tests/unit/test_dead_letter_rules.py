"""Dead letters without a broker (shared/messaging/dead_letters.py): a dead letter's state is
its last action's, a replay carries the headers it was first published with and names the
dead letter it replays, and a replayed message that fails again is parked on the dead-letter
topic it came from."""

from __future__ import annotations

from types import SimpleNamespace

from shared.messaging.consumer_runner import parked_on
from shared.messaging.dead_letters import (
    DeadLetter,
    dead_letter_topic_of,
    replay_topic,
    state_of,
    states,
)

HEADERS = (("content-type", b"application/cloudevents+json"), ("dlt.error", b"ValueError: x"),
           ("dlt.group", b"mastery.reporting"), ("dlt.trace", b"Traceback ..."))  # fmt: skip


def test_the_state_is_the_last_action_and_parked_without_any():
    trail = [{"id": "t.dlt/0/1", "action": "replayed"}, {"id": "t.dlt/0/2", "action": "dropped"},
             {"id": "t.dlt/0/1", "action": "replayed"}]  # fmt: skip
    by_id = states(trail)
    assert state_of(by_id["t.dlt/0/1"]) == "replayed" and len(by_id["t.dlt/0/1"]) == 2
    assert state_of(by_id["t.dlt/0/2"]) == "dropped"
    assert state_of(by_id.get("t.dlt/0/3", [])) == "parked"


def test_a_replay_keeps_the_first_headers_and_names_what_it_replays():
    letter = DeadLetter("mastery.kpi.events.dlt/2/7", b"e-1", b"{}", HEADERS)
    assert letter.group == "mastery.reporting" and letter.error == "ValueError: x"
    assert letter.replayed_headers() == [("content-type", b"application/cloudevents+json"),
                                         ("replay.of", b"mastery.kpi.events.dlt/2/7")]  # fmt: skip
    assert replay_topic(letter.group) == "mastery.reporting.replay"


def test_a_replayed_message_that_fails_again_goes_back_to_its_first_dead_letter_topic():
    fresh = SimpleNamespace(topic="mastery.kpi.events", headers=[("content-type", b"x")])
    replayed = SimpleNamespace(topic="mastery.reporting.replay",
                               headers=[("replay.of", b"mastery.kpi.events.dlt/2/7")])  # fmt: skip
    forged = SimpleNamespace(topic="mastery.reporting.replay",
                             headers=[("replay.of", b"elsewhere")])  # fmt: skip
    assert parked_on(forged) == "mastery.reporting.replay.dlt"
    assert parked_on(fresh) == "mastery.kpi.events.dlt"
    assert parked_on(replayed) == "mastery.kpi.events.dlt"
    assert dead_letter_topic_of("a.b.dlt/0/12") == "a.b.dlt"
