"""The auditor's view of the audit log: filter, page, read one entry, verify the chain,
export CSV. Read-only: nothing here writes."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, render_template, request, stream_with_context
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import NumberRange, Optional, ValidationError

from core import audit_queries as queries
from core.access import current_actor, requires
from core.audit import AuditEvent, Outcome
from core.forms import choices
from core.permissions import Permission
from core.schemas import has_control_characters
from core.validation import parse_id

bp = Blueprint("audit", __name__, url_prefix="/audit")
EXPORT_CAP = 100_000
CSV_COLUMNS = (
    "seq",
    "id",
    "occurred_at",
    "actor",
    "actor_id",
    "tag",
    "subject_type",
    "subject_id",
    "outcome",
    "changed_fields",
    "request_id",
    "client_addr",
    "hash",
)


def _printable(form: FlaskForm, field: StringField) -> None:
    """Any text may be searched for, except control characters (PostgreSQL cannot even
    compare a string holding a NUL)."""
    if field.data and has_control_characters(field.data):
        raise ValidationError("Remove the control characters.")


def _text(label: str, hint: str | None = None) -> StringField:
    return StringField(label, validators=[Optional(), _printable], description=hint)


class AuditFilterForm(FlaskForm):
    """The filters of the audit log page (a GET form: no CSRF token, nothing changes)."""

    class Meta:
        csrf = False

    actor = _text("Actor (user name)", "Exact; end with * for names that start with it.")
    tag = _text("Action", "A tag or its first parts, e.g. custody: or core:user; * ends a prefix.")
    subject_type = _text("Subject type", "Exact, e.g. booking or user.")
    subject_id = _text("Subject id")
    outcome = SelectField(
        "Outcome",
        choices=choices([("", "Any"), *((o.value, o.value.capitalize()) for o in Outcome)]),
        validators=[Optional()],
    )
    request_id = _text("Request id")
    date_from = DateField(
        "From (UTC day)",
        validators=[Optional()],
        description="A day in UTC, included.",
    )
    date_to = DateField(
        "To (UTC day)",
        validators=[Optional()],
        description="A day in UTC, included up to its last second.",
    )
    sealed = SelectField(
        "Chain",
        choices=choices([("", "Any"), ("yes", "Sealed"), ("no", "Not yet sealed")]),
        validators=[Optional()],
    )
    per_page = IntegerField(
        "Per page",
        default=queries.DEFAULT_PAGE,
        validators=[Optional(), NumberRange(1, queries.MAX_PAGE)],
        description=f"1 to {queries.MAX_PAGE}.",
    )

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The end comes before the start.")

    def to_filter(self) -> queries.AuditFilter:
        def text(value: str | None) -> str | None:
            return (value or "").strip() or None

        return queries.AuditFilter(
            actor=text(self.actor.data),
            tag=text(self.tag.data),
            subject_type=text(self.subject_type.data),
            subject_id=text(self.subject_id.data),
            outcome=self.outcome.data or None,
            request_id=text(self.request_id.data),
            date_from=self.date_from.data,
            date_to=self.date_to.data,
            sealed={"yes": True, "no": False}.get(self.sealed.data or ""),
        )


def _cursor(name: str) -> int | None:
    return parse_id(request.args.get(name, ""))


def _filter_args(form: AuditFilterForm) -> dict[str, str]:
    """The filters as given, to carry them into page and export links (no cursor)."""
    return {name: request.args[name] for name in form.data if request.args.get(name)}


@bp.get("/events")
@requires(Permission.AUDIT_READ)
def events() -> Any:
    form = AuditFilterForm(request.args)
    if request.args and not form.validate():
        return render_template("audit/events.html", form=form, page=None, args={}), 422
    page = queries.search_events(
        actor=current_actor(),
        filters=form.to_filter(),
        before=_cursor("before"),
        after=_cursor("after"),
        limit=form.per_page.data or queries.DEFAULT_PAGE,
    )
    return render_template("audit/events.html", form=form, page=page, args=_filter_args(form))


@bp.get("/events.csv")
@requires(Permission.AUDIT_READ)
def export() -> Any:
    form = AuditFilterForm(request.args)
    if request.args and not form.validate():
        return render_template("audit/events.html", form=form, page=None, args={}), 422
    rows = queries.export_events(actor=current_actor(), filters=form.to_filter(), cap=EXPORT_CAP)

    def generate() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        for event in rows:
            writer.writerow([_safe(value) for value in _csv_row(event)])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()

    return Response(
        stream_with_context(generate()),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=audit-events.csv"},
    )


def _csv_row(event: AuditEvent) -> list[object]:
    return [
        event.seq,
        event.id,
        event.occurred_at.isoformat(),
        event.actor,
        event.actor_id,
        event.tag,
        event.subject_type,
        event.subject_id,
        event.outcome,
        " ".join(event.changed_fields or []),
        event.request_id,
        event.client_addr,
        event.hash,
    ]


def _safe(value: object) -> object:
    """No spreadsheet formulas from a CSV cell (an attacker-chosen user name, a request id
    sent in a header, say)."""
    if isinstance(value, str) and value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


@bp.get("/events/<int:event_id>")
@requires(Permission.AUDIT_READ)
def event(event_id: int) -> Any:
    found = queries.get_event(actor=current_actor(), event_id=event_id)
    return render_template("audit/event.html", event=found)


@bp.get("/verify")
@requires(Permission.AUDIT_READ)
def verify() -> Any:
    result = queries.verify(actor=current_actor())
    return render_template("audit/verify.html", result=result)
