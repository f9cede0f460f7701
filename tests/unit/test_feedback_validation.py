"""Validation before aggregation: a round's scale, its anonymity threshold, and each
response (groups, competencies, ratings on the scale, comment sizes). Pure domain, no I/O."""

import pytest

from services.assessment.domain.feedback import (
    Response,
    Scale,
    validate_response,
    validate_threshold,
)
from shared.domain.errors import InvalidCommand

FIVE = Scale(1, 5)
PULSE = Scale(-3, 3)


# Scale


def test_scale_range_is_maximum_minus_minimum():
    assert (FIVE.range, PULSE.range) == (4, 6)


def test_scale_lists_every_value_lowest_first():
    assert PULSE.values == (-3, -2, -1, 0, 1, 2, 3)


@pytest.mark.parametrize("bounds", [(True, 5), (1, 5.0), ("1", 5), (None, 5)])
def test_scale_bounds_must_be_integers(bounds):
    with pytest.raises(InvalidCommand, match="integers"):
        Scale(*bounds)


@pytest.mark.parametrize("bounds", [(3, 3), (5, 1)])
def test_scale_minimum_must_be_below_maximum(bounds):
    with pytest.raises(InvalidCommand, match="below"):
        Scale(*bounds)


def test_scale_may_span_ten_points_but_not_eleven():
    assert Scale(0, 10).range == 10
    with pytest.raises(InvalidCommand, match="10 points"):
        Scale(0, 11)


@pytest.mark.parametrize("scale,value", [(FIVE, 1), (FIVE, 5), (PULSE, -3), (PULSE, 0), (PULSE, 3)])
def test_rating_on_the_scale_is_accepted(scale, value):
    assert scale.validate_rating(value) == value


@pytest.mark.parametrize("scale,value", [(FIVE, 0), (FIVE, 6), (PULSE, -4), (PULSE, 4)])
def test_rating_off_the_scale_is_rejected(scale, value):
    with pytest.raises(InvalidCommand, match="from"):
        scale.validate_rating(value)


@pytest.mark.parametrize("value", [True, False, 3.0, "3", None])
def test_rating_must_be_an_int_and_bools_are_not_ints(value):
    with pytest.raises(InvalidCommand):
        FIVE.validate_rating(value)


# Threshold


@pytest.mark.parametrize("threshold", [3, 4, 10])
def test_threshold_of_three_or_more_is_accepted(threshold):
    assert validate_threshold(threshold) == threshold


@pytest.mark.parametrize("threshold", [2, 1, 0, -3, True, 3.0, "3"])
def test_threshold_below_three_or_not_an_int_is_rejected(threshold):
    with pytest.raises(InvalidCommand, match="at least 3"):
        validate_threshold(threshold)


# Response validation

ROUND = ("c1", "c2")


def validate(**changes):
    values = dict(
        scale=FIVE,
        competencies=ROUND,
        group="peer",
        ratings={"c1": 3, "c2": 5},
        comments={"c1": "Listens well"},
    )
    validate_response(**(values | changes))


def test_complete_response_on_the_scale_is_valid():
    validate()
    validate(group="self", comments={}, overall_comment="x" * 2000)


def test_response_from_an_unknown_group_is_rejected():
    with pytest.raises(InvalidCommand, match="unknown rater group 'board'"):
        validate(group="board")


def test_every_competency_of_the_round_must_be_rated():
    with pytest.raises(InvalidCommand, match="'c2' is not rated"):
        validate(ratings={"c1": 3})


def test_rating_an_unknown_competency_is_rejected():
    with pytest.raises(InvalidCommand, match="unknown competency 'c9'"):
        validate(ratings={"c1": 3, "c2": 4, "c9": 4})


@pytest.mark.parametrize("rating", [0, 6, True, 4.5, "4", None])
def test_rating_off_scale_or_not_an_int_is_rejected(rating):
    with pytest.raises(InvalidCommand, match="integer from 1 to 5"):
        validate(ratings={"c1": 3, "c2": rating})


def test_comment_naming_an_unknown_competency_is_rejected():
    with pytest.raises(InvalidCommand, match="comment names unknown competency 'c9'"):
        validate(comments={"c9": "hello"})


def test_comment_of_2000_characters_is_accepted_and_longer_is_rejected():
    validate(comments={"c1": "x" * 2000})
    with pytest.raises(InvalidCommand, match="comment on 'c1' is longer than 2000"):
        validate(comments={"c1": "x" * 2001})


def test_overall_comment_longer_than_2000_characters_is_rejected():
    with pytest.raises(InvalidCommand, match="overall comment is longer than 2000"):
        validate(overall_comment="x" * 2001)


def test_comment_that_is_not_text_is_rejected():
    with pytest.raises(InvalidCommand, match="must be text"):
        validate(comments={"c1": 42})


def test_responses_are_hashable_and_independent_of_mapping_order():
    one = Response.of("peer", {"a": 1, "b": 2}, {"b": "x", "a": "y"})
    two = Response.of("peer", {"b": 2, "a": 1}, {"a": "y", "b": "x"})
    assert one == two
    assert hash(one) == hash(two)
