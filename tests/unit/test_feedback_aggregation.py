import json

import pytest

from services.assessment.domain.feedback import (
    CONFIDENTIAL_GROUPS,
    Comment,
    Gap,
    GapFlag,
    GroupSummary,
    RaterGroup,
    Response,
    Scale,
    Summary,
    aggregate,
)
from shared.domain.errors import InvalidCommand

FIVE = Scale(1, 5)
PULSE = Scale(-3, 3)
FIXED_KEYS = {
    "scale",
    "minimum",
    "maximum",
    "threshold",
    "competencies",
    "competency",
    "groups",
    "group",
    "count",
    "mean",
    "distribution",
    "value",
    "others",
    "gap",
    "flag",
    "suppressed_groups",
    "comments",
    "text",
}


def answer(group, *ratings, competencies=("c1",), comments=None, overall=""):
    return Response.of(group, dict(zip(competencies, ratings, strict=True)), comments, overall)


def keep_order(texts):
    pass


def reverse(texts):
    texts.reverse()


def result_for(results, competency="c1"):
    return next(c for c in results.competencies if c.competency == competency)


def group_summary(result, group):
    return next((g.summary for g in result.groups if g.group == group), None)


def all_keys(data):
    if isinstance(data, dict):
        for key, value in data.items():
            yield key
            yield from all_keys(value)
    elif isinstance(data, list):
        for item in data:
            yield from all_keys(item)


def strings_with_paths(data, path=()):
    if isinstance(data, dict):
        for key, value in data.items():
            yield from strings_with_paths(value, (*path, key))
    elif isinstance(data, list):
        for item in data:
            yield from strings_with_paths(item, path)
    elif isinstance(data, str):
        yield path, data


def has_nested_array(data):
    if isinstance(data, dict):
        return any(has_nested_array(v) for v in data.values())
    if isinstance(data, list):
        return any(isinstance(i, list) or has_nested_array(i) for i in data)
    return False


# Threshold, at aggregation


def test_aggregate_rejects_a_threshold_below_three():
    with pytest.raises(InvalidCommand):
        aggregate(FIVE, 2, ["c1"], [answer("peer", 3)] * 2)


# Figures


def test_means_distributions_and_others_worked_by_hand():
    responses = [answer("self", 4), answer("manager", 3)]
    responses += [answer("peer", r) for r in (2, 3, 5)]
    result = result_for(aggregate(FIVE, 3, ["c1"], responses, keep_order))
    assert result.groups == (
        GroupSummary("self", Summary(1, 4.0, ((1, 0), (2, 0), (3, 0), (4, 1), (5, 0)))),
        GroupSummary("manager", Summary(1, 3.0, ((1, 0), (2, 0), (3, 1), (4, 0), (5, 0)))),
        GroupSummary("peer", Summary(3, 3.33, ((1, 0), (2, 1), (3, 1), (4, 0), (5, 1)))),
    )
    # others = manager 3 + peers 2, 3, 5
    assert result.others == Summary(4, 3.25, ((1, 0), (2, 1), (3, 2), (4, 0), (5, 1)))
    assert result.gap == Gap(0.75, None)
    assert result.suppressed_groups == ()


def test_mean_rounds_exact_halves_away_from_zero_on_both_sides():
    # eight ratings summing to +1 and -1: means of exactly 0.125 and -0.125
    up = [answer("peer", r) for r in (1, 0, 0, 0, 0, 0, 0, 0)]
    down = [answer("peer", r) for r in (-1, 0, 0, 0, 0, 0, 0, 0)]
    assert result_for(aggregate(PULSE, 3, ["c1"], up)).others.mean == 0.13
    assert result_for(aggregate(PULSE, 3, ["c1"], down)).others.mean == -0.13


def test_mean_is_rounded_to_two_decimals():
    responses = [answer("peer", r) for r in (1, 1, 2)]
    assert group_summary(result_for(aggregate(FIVE, 3, ["c1"], responses)), "peer").mean == 1.33


def test_self_and_manager_are_reported_alone_without_threshold():
    result = result_for(aggregate(FIVE, 5, ["c1"], [answer("self", 2), answer("manager", 5)]))
    assert [g.group for g in result.groups] == ["self", "manager"]
    assert result.others == Summary(1, 5.0, ((1, 0), (2, 0), (3, 0), (4, 0), (5, 1)))
    assert result.gap == Gap(-3.0, GapFlag.HIDDEN_STRENGTH)


def test_others_and_gap_are_absent_when_only_self_answered():
    result = result_for(aggregate(FIVE, 3, ["c1"], [answer("self", 4)]))
    assert (result.others, result.gap) == (None, None)
    assert result.to_data()["others"] is None
    assert result.to_data()["gap"] is None


def test_groups_without_responses_are_neither_reported_nor_suppressed():
    results = aggregate(FIVE, 3, ["c1"], [answer("self", 4), answer("manager", 4)])
    assert [g.group for g in result_for(results).groups] == ["self", "manager"]
    assert results.suppressed_groups == ()


def test_no_responses_give_no_figures():
    results = aggregate(FIVE, 3, ["c1"], [])
    assert result_for(results).groups == ()
    assert (result_for(results).others, results.comments) == (None, ())


@pytest.mark.parametrize("group", sorted(CONFIDENTIAL_GROUPS))
def test_confidential_group_below_threshold_is_suppressed(group):
    results = aggregate(FIVE, 3, ["c1"], [answer("manager", 3), answer(group, 1), answer(group, 1)])
    result = result_for(results)
    assert [g.group for g in result.groups] == ["manager"]
    assert result.others.count == 1
    assert result.suppressed_groups == (group,)
    assert results.suppressed_groups == (group,)


def test_three_peers_meet_a_threshold_of_three():
    result = result_for(aggregate(FIVE, 3, ["c1"], [answer("peer", 2)] * 3))
    assert group_summary(result, "peer").count == 3
    assert result.suppressed_groups == ()


def test_three_peers_do_not_meet_a_threshold_of_four():
    result = result_for(aggregate(FIVE, 4, ["c1"], [answer("peer", 2)] * 3))
    assert (result.groups, result.others, result.suppressed_groups) == ((), None, ("peer",))


def test_suppression_is_decided_per_competency():
    # a competency added to the round after two peers had answered
    early = [answer("peer", 4, competencies=("c1",)) for _ in range(2)]
    late = [answer("peer", 2, 5, competencies=("c1", "c2"))]
    results = aggregate(
        FIVE, 3, ["c1", "c2"], [answer("self", 3, 3, competencies=("c1", "c2")), *early, *late]
    )
    c1, c2 = results.competencies
    assert group_summary(c1, "peer") == Summary(3, 3.33, ((1, 0), (2, 1), (3, 0), (4, 2), (5, 0)))
    assert c1.suppressed_groups == ()
    assert group_summary(c2, "peer") is None
    assert (c2.others, c2.gap, c2.suppressed_groups) == (None, None, ("peer",))
    assert results.suppressed_groups == ("peer",)


@pytest.mark.parametrize(
    "scale,self_rating,peer_ratings,gap",
    [
        # 1..5: a third of the range is 4/3
        (FIVE, 5, (4, 4, 3), Gap(1.33, None)),
        (FIVE, 5, (4, 3, 3), Gap(1.67, GapFlag.BLIND_SPOT)),
        (FIVE, 1, (2, 2, 3), Gap(-1.33, None)),
        (FIVE, 1, (2, 3, 3), Gap(-1.67, GapFlag.HIDDEN_STRENGTH)),
        # -3..+3: a third of the range is 2
        (PULSE, 3, (1, 1, 1), Gap(2.0, None)),
        (PULSE, 3, (1, 1, 0), Gap(2.33, GapFlag.BLIND_SPOT)),
        (PULSE, -3, (-1, -1, -1), Gap(-2.0, None)),
        (PULSE, -3, (-1, -1, 0), Gap(-2.33, GapFlag.HIDDEN_STRENGTH)),
    ],
)
def test_gap_is_flagged_only_beyond_a_third_of_the_range(scale, self_rating, peer_ratings, gap):
    responses = [answer("self", self_rating), *(answer("peer", r) for r in peer_ratings)]
    assert result_for(aggregate(scale, 3, ["c1"], responses)).gap == gap


def test_gap_flag_is_decided_on_exact_means_not_rounded_ones():
    # others' mean is exactly 3.665, which displays as 3.67; 5 - 3.665 is beyond 4/3
    peers = [answer("peer", r) for r in [4] * 133 + [3] * 67]
    result = result_for(aggregate(FIVE, 3, ["c1"], [answer("self", 5), *peers]))
    assert result.others.mean == 3.67
    assert result.gap == Gap(1.34, GapFlag.BLIND_SPOT)


# The subtraction attack


def attack_round(secret):
    """Threshold 3: 1 self, 1 manager, 3 peers; 2 direct reports and 1 other rate `secret`."""
    both = ("c1", "c2")
    hidden = dict(competencies=both, comments={"c1": f"hidden {secret}"}, overall=f"h {secret}")
    responses = [
        answer("self", 3, 4, competencies=both, overall="self overall"),
        answer("manager", 3, 2, competencies=both),
        answer("peer", 2, 5, competencies=both, comments={"c1": "peer a"}),
        answer("peer", 3, 4, competencies=both, overall="peer overall"),
        answer("peer", 4, 4, competencies=both),
        answer("direct_report", secret, secret, **hidden),
        answer("direct_report", secret, secret, **hidden),
        answer("other", secret, secret, **hidden),
    ]
    return aggregate(FIVE, 3, list(both), responses, reverse)


def test_subtraction_attack_reveals_nothing_of_groups_below_threshold():
    low, high = attack_round(1).to_data(), attack_round(5).to_data()
    assert low == high
    hidden = {"direct_report", "other"}
    mentions = [path for path, text in strings_with_paths(low) if text in hidden]
    assert mentions
    assert all(path[-1] == "suppressed_groups" for path in mentions)
    assert low["suppressed_groups"] == ["direct_report", "other"]


def test_subtraction_attack_others_hold_only_manager_and_peers():
    c1 = result_for(attack_round(1))
    assert c1.others == Summary(4, 3.0, ((1, 0), (2, 1), (3, 2), (4, 1), (5, 0)))
    assert [g.group for g in c1.groups] == ["self", "manager", "peer"]
    assert sum(g.summary.count for g in c1.groups) == 5


def test_subtraction_attack_releases_only_peer_comments():
    assert attack_round(1).comments == (
        Comment("c1", "peer a"),
        Comment(None, "peer overall"),
    )


# Comments


def test_comments_come_only_from_groups_meeting_the_threshold():
    responses = [
        answer("self", 3, comments={"c1": "self says"}, overall="self overall"),
        answer("manager", 3, comments={"c1": "manager says"}, overall="manager overall"),
        answer("direct_report", 3, comments={"c1": "dr says"}, overall="dr overall"),
        answer("direct_report", 3, comments={"c1": "dr says too"}),
        *(answer("peer", 3, comments={"c1": f"peer {i}"}, overall=f"po {i}") for i in range(3)),
    ]
    results = aggregate(FIVE, 3, ["c1"], responses, keep_order)
    assert results.comments == (
        Comment("c1", "peer 0"),
        Comment("c1", "peer 1"),
        Comment("c1", "peer 2"),
        Comment(None, "po 0"),
        Comment(None, "po 1"),
        Comment(None, "po 2"),
    )


def test_comments_are_shuffled_with_the_injected_shuffle_per_competency_and_overall():
    seen = []

    def spy(texts):  # (text, author) pairs: the author travels with the text, privately
        seen.append([text for text, _ in texts])
        texts.reverse()

    responses = [
        answer("peer", 1, 2, competencies=("a", "b"), comments={"a": f"a{i}"}, overall=f"o{i}")
        for i in range(3)
    ]
    results = aggregate(FIVE, 3, ["a", "b"], responses, spy)
    assert seen == [["a0", "a1", "a2"], [], ["o0", "o1", "o2"]]
    assert [(c.competency, c.text) for c in results.comments] == [
        ("a", "a2"),
        ("a", "a1"),
        ("a", "a0"),
        (None, "o2"),
        (None, "o1"),
        (None, "o0"),
    ]


def test_comments_of_a_competency_follow_that_competencys_suppression():
    early = [answer("peer", 4, comments={"c1": "early"}) for _ in range(2)]
    late = [
        answer("peer", 2, 5, competencies=("c1", "c2"), comments={"c1": "c1 late", "c2": "c2 late"})
    ]
    results = aggregate(FIVE, 3, ["c1", "c2"], [*early, *late], keep_order)
    assert [c.text for c in results.comments] == ["early", "early", "c1 late"]


def test_blank_comments_are_dropped_and_surrounding_whitespace_trimmed():
    responses = [
        answer("peer", 3, comments={"c1": "  "}, overall="\n"),
        answer("peer", 3, comments={"c1": ""}),
        answer("peer", 3, comments={"c1": "  Decisive \n"}),
    ]
    assert aggregate(FIVE, 3, ["c1"], responses, keep_order).comments == (
        Comment("c1", "Decisive"),
    )


def test_released_comments_carry_no_group_label():
    responses = [answer("peer", 3, comments={"c1": "fine"}, overall="good") for _ in range(3)]
    data = aggregate(FIVE, 3, ["c1"], responses, keep_order).to_data()
    assert {tuple(sorted(c)) for c in data["comments"]} == {("competency", "text")}
    assert data["comments"][-1] == {"competency": None, "text": "good"}


# Purity and validation inside aggregate


def test_aggregate_is_deterministic_and_leaves_its_inputs_alone():
    responses = [answer("peer", r, comments={"c1": f"t{r}"}) for r in (1, 2, 3)]
    before = list(responses)
    first = aggregate(FIVE, 3, ["c1"], responses, reverse)
    assert aggregate(FIVE, 3, ["c1"], responses, reverse) == first
    assert responses == before


def test_aggregate_rejects_ratings_off_the_scale():
    with pytest.raises(InvalidCommand):
        aggregate(FIVE, 3, ["c1"], [answer("peer", 6)])


def test_aggregate_rejects_unknown_groups():
    with pytest.raises(InvalidCommand, match="unknown rater group"):
        aggregate(FIVE, 3, ["c1"], [answer("board", 3)])


def test_aggregate_rejects_duplicate_competency_ids():
    with pytest.raises(InvalidCommand, match="unique"):
        aggregate(FIVE, 3, ["c1", "c1"], [])


def test_rater_groups_are_the_five_of_a_360():
    assert [g.value for g in RaterGroup] == ["self", "manager", "peer", "direct_report", "other"]
    assert {g.value for g in CONFIDENTIAL_GROUPS} == {"peer", "direct_report", "other"}


# to_data


def example_data(competency="c1"):
    responses = [
        answer("self", 5, competencies=(competency,)),
        *(
            answer("peer", r, competencies=(competency,), comments={competency: "ok"})
            for r in (4, 4, 3)
        ),
        answer("other", 1, competencies=(competency,)),
    ]
    return aggregate(FIVE, 3, [competency], responses, keep_order).to_data()


def test_to_data_has_the_documented_shape():
    data = example_data()
    dist = [{"value": v, "count": c} for v, c in ((1, 0), (2, 0), (3, 1), (4, 2), (5, 0))]
    assert data == {
        "scale": {"minimum": 1, "maximum": 5},
        "threshold": 3,
        "competencies": [
            {
                "competency": "c1",
                "groups": [
                    {
                        "group": "self",
                        "count": 1,
                        "mean": 5.0,
                        "distribution": [
                            {"value": v, "count": int(v == 5)} for v in (1, 2, 3, 4, 5)
                        ],
                    },
                    {"group": "peer", "count": 3, "mean": 3.67, "distribution": dist},
                ],
                "others": {"count": 3, "mean": 3.67, "distribution": dist},
                "gap": {"value": 1.33, "flag": None},
                "suppressed_groups": ["other"],
            }
        ],
        "suppressed_groups": ["other"],
        "comments": [{"competency": "c1", "text": "ok"}] * 3,
    }


def test_to_data_survives_a_json_round_trip():
    data = example_data()
    assert json.loads(json.dumps(data)) == data


def test_to_data_never_uses_user_supplied_strings_as_keys():
    data = example_data(competency="lead.$ership")
    assert set(all_keys(data)) <= FIXED_KEYS
    assert data["competencies"][0]["competency"] == "lead.$ership"


def test_to_data_has_no_array_directly_inside_an_array():
    assert not has_nested_array(example_data())
    assert not has_nested_array(attack_round(1).to_data())
    assert has_nested_array({"x": [[1]]})
