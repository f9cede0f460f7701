"""360-degree feedback: rating scales, response validation and anonymised aggregation."""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import Any, TypeGuard

from shared.domain.errors import InvalidCommand

MIN_THRESHOLD = 3
DEFAULT_THRESHOLD = 3
MAX_SCALE_SPAN = 10
MAX_COMMENT_LENGTH = 2000


class RaterGroup(StrEnum):
    """Who gave a response, relative to the executive."""

    SELF = "self"
    MANAGER = "manager"
    PEER = "peer"
    DIRECT_REPORT = "direct_report"
    OTHER = "other"


CONFIDENTIAL_GROUPS = frozenset({RaterGroup.PEER, RaterGroup.DIRECT_REPORT, RaterGroup.OTHER})
_GROUP_NAMES = frozenset(g.value for g in RaterGroup)


class GapFlag(StrEnum):
    """How far the executive's self-view departs from how others see them."""

    BLIND_SPOT = "blind_spot"
    HIDDEN_STRENGTH = "hidden_strength"


def _is_int(value: object) -> TypeGuard[int]:
    # bool is a subclass of int, but True is not a rating
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Scale:
    """An integer rating scale, such as 1..5 or -3..+3."""

    minimum: int
    maximum: int

    def __post_init__(self) -> None:
        if not (_is_int(self.minimum) and _is_int(self.maximum)):
            raise InvalidCommand("scale bounds must be integers")
        if self.minimum >= self.maximum:
            raise InvalidCommand("scale minimum must be below its maximum")
        if self.range > MAX_SCALE_SPAN:
            raise InvalidCommand(f"a scale may span at most {MAX_SCALE_SPAN} points")

    @property
    def range(self) -> int:
        """The distance from the lowest to the highest rating."""
        return self.maximum - self.minimum

    @property
    def values(self) -> tuple[int, ...]:
        """Every rating on the scale, lowest first."""
        return tuple(range(self.minimum, self.maximum + 1))

    def validate_rating(self, value: object) -> int:
        """The rating itself, or InvalidCommand if it is not an integer on the scale."""
        if not _is_int(value) or not self.minimum <= value <= self.maximum:
            raise InvalidCommand(
                f"a rating must be an integer from {self.minimum} to {self.maximum}, got {value!r}"
            )
        return value


def validate_threshold(threshold: object) -> int:
    """The anonymity threshold itself, or InvalidCommand if it is not an integer of 3 or more."""
    if not _is_int(threshold) or threshold < MIN_THRESHOLD:
        raise InvalidCommand(
            f"the anonymity threshold must be an integer of at least {MIN_THRESHOLD}"
        )
    return threshold


def rater_group(group: object) -> RaterGroup:
    """The rater group of that name, or InvalidCommand if there is none."""
    if isinstance(group, str) and group in _GROUP_NAMES:
        return RaterGroup(group)
    raise InvalidCommand(f"unknown rater group {group!r}")


@dataclass(frozen=True)
class Response:
    """One rater's answers: ratings and comments by competency id, and an overall comment."""

    group: str
    ratings: tuple[tuple[str, int], ...]
    comments: tuple[tuple[str, str], ...] = ()
    overall_comment: str = ""
    # Who answered (their invitation id): kept with their released comments, privately, so
    # that erasing the rater erases their words (README, Privacy); never shown
    author: str = ""

    @classmethod
    def of(
        cls,
        group: str,
        ratings: Mapping[str, int],
        comments: Mapping[str, str] | None = None,
        overall_comment: str = "",
        author: str = "",
    ) -> Response:
        """A response built from mappings; pairs are sorted so equal answers compare equal."""
        return cls(
            group,
            tuple(sorted(ratings.items())),
            tuple(sorted((comments or {}).items())),
            overall_comment,
            author,
        )


def validate_response(
    scale: Scale,
    competencies: Collection[str],
    group: str,
    ratings: Mapping[str, int],
    comments: Mapping[str, str],
    overall_comment: str = "",
) -> None:
    """Raise InvalidCommand unless the response fits the round's groups, competencies and scale."""
    rater_group(group)
    for competency in ratings:
        if competency not in competencies:
            raise InvalidCommand(f"unknown competency {competency!r}")
    for competency in competencies:
        if competency not in ratings:
            raise InvalidCommand(f"competency {competency!r} is not rated")
        scale.validate_rating(ratings[competency])
    for competency, text in comments.items():
        if competency not in competencies:
            raise InvalidCommand(f"comment names unknown competency {competency!r}")
        _validate_comment(text, f"comment on {competency!r}")
    _validate_comment(overall_comment, "overall comment")


def _validate_comment(text: object, label: str) -> None:
    if not isinstance(text, str):
        raise InvalidCommand(f"{label} must be text")
    if len(text) > MAX_COMMENT_LENGTH:
        raise InvalidCommand(f"{label} is longer than {MAX_COMMENT_LENGTH} characters")


@dataclass(frozen=True)
class Summary:
    """Count, mean and distribution of a set of ratings."""

    count: int
    mean: float
    distribution: tuple[tuple[int, int], ...]

    def to_data(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "count": self.count,
            "mean": self.mean,
            "distribution": [{"value": v, "count": c} for v, c in self.distribution],
        }


@dataclass(frozen=True)
class GroupSummary:
    """The figures of one reported rater group."""

    group: str
    summary: Summary

    def to_data(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"group": self.group, **self.summary.to_data()}


@dataclass(frozen=True)
class Gap:
    """Self mean minus others' mean, flagged when beyond a third of the scale's range."""

    value: float
    flag: GapFlag | None

    def to_data(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"value": self.value, "flag": None if self.flag is None else self.flag.value}


@dataclass(frozen=True)
class CompetencyResult:
    """The reportable figures of one competency."""

    competency: str
    groups: tuple[GroupSummary, ...]
    others: Summary | None
    gap: Gap | None
    suppressed_groups: tuple[str, ...]

    def to_data(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "competency": self.competency,
            "groups": [g.to_data() for g in self.groups],
            "others": None if self.others is None else self.others.to_data(),
            "gap": None if self.gap is None else self.gap.to_data(),
            "suppressed_groups": list(self.suppressed_groups),
        }


@dataclass(frozen=True)
class Comment:
    """A released comment: on a competency, or overall when competency is None; never
    attributed (its author stays in the store, for erasure: never in `to_data`)."""

    competency: str | None
    text: str
    author: str = ""

    def to_data(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"competency": self.competency, "text": self.text}


@dataclass(frozen=True)
class RoundResults:
    """Everything a feedback round may reveal."""

    scale: Scale
    threshold: int
    competencies: tuple[CompetencyResult, ...]
    suppressed_groups: tuple[str, ...]
    comments: tuple[Comment, ...]

    def to_data(self) -> dict[str, object]:
        """JSON-ready form; user-supplied ids appear only as values, never as keys."""
        return {
            "scale": {"minimum": self.scale.minimum, "maximum": self.scale.maximum},
            "threshold": self.threshold,
            "competencies": [c.to_data() for c in self.competencies],
            "suppressed_groups": list(self.suppressed_groups),
            "comments": [c.to_data() for c in self.comments],
        }


@dataclass(frozen=True)
class _Rated:
    """A response with its group parsed and its ratings checked against the scale."""

    group: RaterGroup
    ratings: Mapping[str, int]
    comments: Mapping[str, str]
    overall_comment: str
    author: str = ""

    @classmethod
    def of(cls, scale: Scale, response: Response) -> _Rated:
        group = rater_group(response.group)
        ratings = {c: scale.validate_rating(v) for c, v in response.ratings}
        return cls(group, ratings, dict(response.comments), response.overall_comment,
                   response.author)  # fmt: skip


def aggregate(
    scale: Scale,
    threshold: int,
    competencies: Sequence[str],
    responses: Iterable[Response],
    shuffle: Callable[[list[Any]], None] = random.shuffle,
) -> RoundResults:
    """Summarise a round, leaving out every figure of a confidential group below the threshold."""
    validate_threshold(threshold)
    if len(set(competencies)) != len(competencies):
        raise InvalidCommand("competency ids must be unique")
    rated = [_Rated.of(scale, response) for response in responses]
    results = tuple(
        _competency_result(scale, threshold, c, _ratings_by_group(c, rated)) for c in competencies
    )
    suppressed = tuple(
        g.value for g in RaterGroup if any(g in r.suppressed_groups for r in results)
    )
    comments = _released_comments(threshold, competencies, rated, shuffle)
    return RoundResults(scale, threshold, results, suppressed, comments)


def _ratings_by_group(competency: str, rated: Iterable[_Rated]) -> dict[RaterGroup, list[int]]:
    by_group: dict[RaterGroup, list[int]] = {}
    for response in rated:
        if competency in response.ratings:
            by_group.setdefault(response.group, []).append(response.ratings[competency])
    return by_group


def _is_suppressed(group: RaterGroup, count: int, threshold: int) -> bool:
    return group in CONFIDENTIAL_GROUPS and count < threshold


def _competency_result(
    scale: Scale, threshold: int, competency: str, by_group: Mapping[RaterGroup, list[int]]
) -> CompetencyResult:
    reported = {g: r for g, r in by_group.items() if not _is_suppressed(g, len(r), threshold)}
    others = [x for g, r in reported.items() if g is not RaterGroup.SELF for x in r]
    self_ratings = reported.get(RaterGroup.SELF, [])
    return CompetencyResult(
        competency=competency,
        groups=tuple(
            GroupSummary(g.value, _summarise(scale, reported[g]))
            for g in RaterGroup
            if g in reported
        ),
        others=_summarise(scale, others) if others else None,
        gap=_gap(scale, self_ratings, others),
        suppressed_groups=tuple(g.value for g in RaterGroup if g in by_group and g not in reported),
    )


def _summarise(scale: Scale, ratings: Sequence[int]) -> Summary:
    counts = Counter(ratings)
    distribution = tuple((value, counts[value]) for value in scale.values)
    return Summary(len(ratings), _round2(_mean(ratings)), distribution)


def _mean(ratings: Sequence[int]) -> Fraction:
    return Fraction(sum(ratings), len(ratings))


def _round2(value: Fraction) -> float:
    # Exact halves round away from zero, the same on both sides of a -3..+3 scale;
    # float round() would round binary approximations and halves to even.
    hundredths = math.floor(abs(value) * 100 + Fraction(1, 2))
    return (hundredths if value >= 0 else -hundredths) / 100


def _gap(scale: Scale, self_ratings: Sequence[int], others: Sequence[int]) -> Gap | None:
    if not self_ratings or not others:
        return None
    # Decided on exact means so that the flag does not depend on display rounding.
    difference = _mean(self_ratings) - _mean(others)
    third = Fraction(scale.range, 3)
    flag = None
    if difference > third:
        flag = GapFlag.BLIND_SPOT
    elif -difference > third:
        flag = GapFlag.HIDDEN_STRENGTH
    return Gap(_round2(difference), flag)


def _released_comments(
    threshold: int,
    competencies: Sequence[str],
    rated: Sequence[_Rated],
    shuffle: Callable[[list[Any]], None],
) -> tuple[Comment, ...]:
    comments: list[Comment] = []
    for competency in competencies:
        raters = [r for r in rated if competency in r.ratings]
        texts = [(r.comments.get(competency, ""), r.author)
                 for r in _of_open_groups(raters, threshold)]  # fmt: skip
        comments += _shuffled(competency, texts, shuffle)
    texts = [(r.overall_comment, r.author) for r in _of_open_groups(rated, threshold)]
    return (*comments, *_shuffled(None, texts, shuffle))


def _of_open_groups(raters: Sequence[_Rated], threshold: int) -> list[_Rated]:
    # A group's comments are released only when enough of its members answered to hide the author.
    counts = Counter(r.group for r in raters)
    return [r for r in raters if counts[r.group] >= threshold]


def _shuffled(
    competency: str | None,
    texts: Iterable[tuple[str, str]],
    shuffle: Callable[[list[Any]], None],
) -> list[Comment]:
    # Shuffled so that the order gives away neither the group nor the time of answering.
    kept = [(text.strip(), author) for text, author in texts if text.strip()]
    shuffle(kept)
    return [Comment(competency, text, author) for text, author in kept]
