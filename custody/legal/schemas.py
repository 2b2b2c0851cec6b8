"""Marshmallow schemas of the legal-access API. Ids are strings; times are UTC; days and
weeks are the facility's local ones. Output schemas read what the services built
(entries, `BookingLog`, `FacilityReport`): they never query. No schema has a content
field: the log holds who, when and how long, never what was said or written."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from core.schemas import DatabaseId, InSchema

TEXT = validate.Length(max=2000)


class _SessionIn(InSchema):
    """When, how long, with whom and how it ended: entries and presentations alike."""

    started_at = fields.AwareDateTime(required=True)
    ended_at = fields.AwareDateTime(allow_none=True)
    minutes = fields.Integer(allow_none=True, strict=True)
    counsel_name = fields.String(allow_none=True, validate=validate.Length(max=200))
    outcome = fields.String(load_default="completed", validate=validate.Length(1, 16))
    denial_reason = fields.String(allow_none=True, validate=validate.Length(max=32))
    reason = fields.String(allow_none=True, validate=TEXT)


class EntryIn(_SessionIn):
    kind = fields.String(required=True, validate=validate.Length(1, 32))
    is_pro_bono = fields.Boolean(allow_none=True)
    opened_in_presence = fields.Boolean(allow_none=True)
    country = fields.String(allow_none=True, validate=validate.Length(max=2))
    consulate = fields.String(allow_none=True, validate=validate.Length(max=200))
    consular_type = fields.String(allow_none=True, validate=validate.Length(max=16))


class PresentationIn(_SessionIn):
    attendees = fields.List(DatabaseId(), required=True, validate=validate.Length(1, 200))


class VisitingDayIn(InSchema):
    day = fields.Date(required=True)
    minutes_offered = fields.Integer(required=True, strict=True)
    is_holiday = fields.Boolean(load_default=False)


class PeriodQuery(InSchema):
    first = fields.Date(data_key="from")
    last = fields.Date(data_key="to")


def _id(name: str) -> fields.Function:
    def read(obj: Any) -> str | None:
        value = getattr(obj, name)
        return None if value is None else str(value)

    return fields.Function(read)


class EntryOut(Schema):
    id = _id("id")
    booking_id = _id("booking_id")
    kind = fields.String()
    started_at = fields.DateTime()
    ended_at = fields.DateTime(allow_none=True)
    minutes = fields.Integer(allow_none=True)
    counsel_name = fields.String(allow_none=True)
    outcome = fields.String()
    denial_reason = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    is_pro_bono = fields.Boolean(allow_none=True)
    opened_in_presence = fields.Boolean(allow_none=True)
    country = fields.String(allow_none=True)
    consulate = fields.String(allow_none=True)
    consular_type = fields.String(allow_none=True)
    presentation_id = _id("presentation_id")
    recorded_by_id = _id("recorded_by_id")


class TaskOut(Schema):
    id = _id("id")
    booking_id = _id("booking_id")
    country = fields.String()
    due_at = fields.DateTime()
    done_at = fields.DateTime(allow_none=True)
    done_by_id = _id("done_by_id")
    entry_id = _id("entry_id")


class WeekOut(Schema):
    week_start = fields.Date(attribute="week.monday")
    week_end = fields.Date(attribute="week.sunday")
    minutes = fields.Integer()
    hours = fields.Float()
    minimum_hours = fields.Function(
        lambda w: None if w.minimum is None else round(w.minimum / 60, 2)
    )
    below_minimum = fields.Boolean(attribute="below")
    is_current = fields.Boolean()
    remaining_hours = fields.Function(lambda w: round(w.remaining_minutes / 60, 2))


class LogOut(Schema):
    booking_id = fields.Function(lambda log: str(log.booking.id))
    facility_code = fields.Function(lambda log: log.booking.facility.code)
    time_zone = fields.Function(lambda log: log.booking.facility.time_zone)
    first = fields.Date(data_key="from")
    last = fields.Date(data_key="to")
    entries = fields.List(fields.Nested(EntryOut))
    weekly_law_library = fields.List(fields.Nested(WeekOut), attribute="weeks")
    consular_tasks = fields.List(fields.Nested(TaskOut), attribute="tasks")


class PresentationOut(Schema):
    id = _id("id")
    facility_id = _id("facility_id")
    started_at = fields.DateTime()
    ended_at = fields.DateTime(allow_none=True)
    minutes = fields.Integer(allow_none=True)
    counsel_name = fields.String(allow_none=True)
    outcome = fields.String()
    denial_reason = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    attendees = fields.List(fields.Nested(EntryOut))


class VisitingDayOut(Schema):
    day = fields.Date()
    minutes_offered = fields.Integer()
    is_holiday = fields.Boolean()


class LibraryRowOut(Schema):
    booking_id = fields.Function(lambda r: str(r.booking.id))
    a_number = fields.Function(lambda r: r.booking.detainee.a_number)
    minutes = fields.Integer()
    hours = fields.Float()
    remaining_hours = fields.Function(lambda r: round(r.remaining_minutes / 60, 2))


class LibraryWeekOut(Schema):
    week_start = fields.Date(attribute="week.monday")
    week_end = fields.Date(attribute="week.sunday")
    is_current = fields.Boolean()
    held = fields.Integer()
    below_minimum = fields.List(fields.Nested(LibraryRowOut), attribute="below")


class VisitDayOut(Schema):
    day = fields.Date()
    offered_minutes = fields.Integer(allow_none=True)
    is_holiday = fields.Boolean()
    minimum_minutes = fields.Integer(allow_none=True)
    meets_minimum = fields.Boolean(attribute="meets", allow_none=True)
    visits = fields.Integer()
    visit_minutes = fields.Integer()
    denied = fields.Integer()


class DenialOut(Schema):
    reason = fields.String(attribute="code")
    label = fields.String()
    count = fields.Integer()


class MinimumsOut(Schema):
    law_library_minutes_per_week = fields.Integer(attribute="law_library_minutes")
    weekday_visiting_minutes = fields.Integer()
    weekend_visiting_minutes = fields.Integer()
    source = fields.String()
    citation = fields.String()


class ReportOut(Schema):
    facility_code = fields.Function(lambda r: r.facility.code)
    time_zone = fields.Function(lambda r: r.facility.time_zone)
    first = fields.Function(lambda r: r.denial_period[0].isoformat(), data_key="from")
    last = fields.Function(lambda r: r.denial_period[1].isoformat(), data_key="to")
    minimums = fields.Nested(MinimumsOut, allow_none=True)
    law_library = fields.List(fields.Nested(LibraryWeekOut), attribute="library")
    visits_by_day = fields.List(fields.Nested(VisitDayOut), attribute="days")
    denials_by_reason = fields.List(fields.Nested(DenialOut), attribute="denials")
    open_consular_tasks = fields.List(fields.Nested(TaskOut), attribute="tasks")
