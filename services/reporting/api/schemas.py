"""Response schemas of the reporting JSON routes, so /openapi.json describes each answer.

A flask-smorest response schema dumps only the fields it declares: each schema declares every
field its query answers (tests/unit/test_reporting_routes.py compares the answers with the
queries'). Numbers that may be integers or decimals are `Raw` (a `Float` would turn 90 into
90.0); structures that are the events' own (a round's results, a chain break) are `Dict`.
"""

from __future__ import annotations

from marshmallow import Schema, fields

Raw, Str, Int, Bool, Dict = fields.Raw, fields.String, fields.Integer, fields.Boolean, fields.Dict


def many(schema: type[Schema]) -> fields.List:
    """A list of the schema's objects."""
    return fields.List(fields.Nested(schema))


class Person(Schema):
    id, name = Str(), Str()


class Definition(Schema):
    name, description, kind, capability, unit = Str(), Str(), Str(), Str(), Str()
    baseline, target, tolerance, weight = Raw(), Raw(), Raw(), Raw()
    direction, cadence, due_on, measured_by = Str(), Str(), Str(), Str()


class Source(Schema):
    kind, round_id, shared_with_manager = Str(), Str(), Bool()


class Measurement(Schema):
    measurement_id, measured_on, status, review_id = Str(), Str(), Str(), Str()
    value, expected, evidence, recorded_at = Raw(), Raw(), Str(), Str()
    source = fields.Nested(Source)


class Kpi(Schema):
    kpi_id, engagement_id, state, status, trend = Str(), Str(), Str(), Str(), Str()
    definition = fields.Nested(Definition)
    baseline_on, sent_back_comment, updated_at, version = Str(), Str(), Str(), Int()
    measurements, latest = many(Measurement), fields.Nested(Measurement, allow_none=True)


class KpiAt(Kpi):
    """A KPI now (Kpi's fields), or as of an instant: its state, definition, baseline date,
    latest measurement and status then, and valid_from, recorded_at, as_of, known_at."""

    valid_from, recorded_at, as_of, known_at = Str(), Str(), Str(), Str()


class EngagementKpis(Schema):
    engagement_id, kpis = Str(), many(KpiAt)
    as_of, known_at = Str(), Str()


class Change(Schema):
    field, before, after = Str(), Raw(), Raw()


class State(Schema):
    state, baseline_on, sent_back_comment = Str(), Str(), Str()
    definition = fields.Nested(Definition)


class KpiVersion(State):
    event_id, engagement_id, kpi_id, event, actor, reason = Str(), Str(), Str(), Str(), Str(), Str()
    seq, recorded_at, valid_from, valid_to, superseded = Int(), Str(), Str(), Str(), Bool()
    changes, as_recorded = many(Change), fields.Nested(State)


class KpiHistory(Schema):
    engagement_id, kpi_id, versions = Str(), Str(), many(KpiVersion)


class ManagedEngagement(Schema):
    engagement_id, phase = Str(), Str()
    executive, kpis = fields.Nested(Person), many(Kpi)


class ManagerKpis(Schema):
    manager, engagements = Str(), many(ManagedEngagement)


class AuditRecord(Schema):
    id, engagement_id, time, type, event, subject = Str(), Str(), Str(), Str(), Str(), Str()
    summary, actor, role, reason, hash = Str(), Str(), Raw(), Str(), Str()
    correlation_id, stream_id, stream_version = Str(), Str(), Int()
    changes = many(Change)


class AuditPage(Schema):
    total, limit, offset, records = Int(), Int(), Int(), many(AuditRecord)


class StreamCheck(Schema):
    stream_id, events, intact = Str(), Int(), Bool()
    # `break` is a keyword: declared under another name, dumped under its own
    broken = Dict(data_key="break", attribute="break", allow_none=True)


class Verification(Schema):
    engagement_id, status, streams = Str(), Str(), many(StreamCheck)


class GroupCount(Schema):
    group, count = Str(), Int()


class Round(Schema):
    round_id, engagement_id, purpose, status, version = Str(), Str(), Str(), Str(), Int()
    competencies, scale, anonymity_threshold = fields.List(Dict()), Dict(), Int()
    closes_on, results_visible_to_manager, opened_at = Str(), Bool(), Str()
    invited, responses = many(GroupCount), many(GroupCount)
    results = Dict(allow_none=True, metadata={"description": "The closed round's aggregates"})
    closed_at, closed_by = Str(allow_none=True), Str()


class RoundFigures(Schema):
    round_id, purpose, closed_at = Str(), Str(), Str()
    self, manager, others, gap, flag = Raw(), Raw(), Raw(), Raw(), Str()
    suppressed_groups = fields.List(Str())


class CompetencyTrend(Schema):
    competency, name, others_delta, self_delta = Str(), Str(), Raw(), Raw()
    rounds = many(RoundFigures)


class AreaShift(Schema):
    capability, rationale, first, last, shift = Str(), Str(), Raw(), Raw(), Raw()
    pulses = many(RoundFigures)


class Feedback(Schema):
    engagement_id, rounds = Str(), many(Round)
    competencies, development_areas = many(CompetencyTrend), many(AreaShift)


class KpiRow(Schema):
    kpi_id, name, kind, capability, unit, state = Str(), Str(), Str(), Str(), Str(), Str()
    status, trend, weight, baseline, target = Str(), Str(), Raw(), Raw(), Raw()
    direction, baseline_on, due_on, measurements = Str(), Str(), Str(), Int()
    latest = Dict(allow_none=True, metadata={"description": "measured_on, value, expected, "
                                             "status, source (kind)"})  # fmt: skip


class SummaryKpis(Schema):
    total, latest = Int(), many(KpiRow)
    by_state, by_status = Dict(keys=Str(), values=Int()), Dict(keys=Str(), values=Int())


class Punctuality(Schema):
    held_on, days_since_previous, on_time = Str(), Int(allow_none=True), Bool()


class Reviews(Schema):
    held, on_time, late, window_days = Int(), Int(), Int(), Int()


class SummaryReviews(Reviews):
    next_due_on, reviews = Str(allow_none=True), many(Punctuality)


class SummaryFeedback(Schema):
    rounds_closed, pulses_closed, rounds_open, results_withheld = Int(), Int(), Int(), Int()


class SummaryArea(AreaShift):
    name = Str()


class Summary(Schema):
    engagement_id, programme, start_date, phase = Str(), Str(), Str(), Str()
    executive, coach, manager = fields.Nested(Person), fields.Nested(Person), fields.Nested(Person)
    kpis_aligned_on, kpis_due_on = Str(allow_none=True), Str(allow_none=True)
    kpis, reviews = fields.Nested(SummaryKpis), fields.Nested(SummaryReviews)
    feedback, development_areas = fields.Nested(SummaryFeedback), many(SummaryArea)


class EngagementCounts(Schema):
    total, by_phase = Int(), Dict(keys=Str(), values=Int())


class KpiCounts(Schema):
    aligned, by_status = Int(), Dict(keys=Str(), values=Int())


class Overview(Schema):
    tenant, engagements = Str(), fields.Nested(EngagementCounts)
    kpis, reviews = fields.Nested(KpiCounts), fields.Nested(Reviews)
