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
from core.audit import Outcome
from core.forms import choices
from core.permissions import Permission

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


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    actor = StringField("Actor (user name)", validators=[Optional()])
    tag = StringField(
        "Action", validators=[Optional()], description="A tag or its start, e.g. core:user"
    )
    subject_type = StringField("Subject type", validators=[Optional()])
    subject_id = StringField("Subject id", validators=[Optional()])
    outcome = SelectField(
        "Outcome",
        choices=choices([("", "Any"), *((o.value, o.value.capitalize()) for o in Outcome)]),
        validators=[Optional()],
    )
    request_id = StringField("Request id", validators=[Optional()])
    date_from = DateField("From (UTC day)", validators=[Optional()])
    date_to = DateField("To (UTC day, included)", validators=[Optional()])
    sealed = SelectField(
        "Chain",
        choices=choices([("", "Any"), ("yes", "Sealed"), ("no", "Not yet sealed")]),
        validators=[Optional()],
    )
    per_page = IntegerField(
        "Per page", default=50, validators=[Optional(), NumberRange(1, queries.MAX_PAGE)]
    )

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The end comes before the start.")

    def to_filter(self) -> queries.AuditFilter:
        def text(value: str | None) -> str | None:
            return (value or "").strip()[:64] or None

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
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and len(value) < 12 else None


def _filter_args() -> dict[str, str]:
    """The query string without paging, to carry the filters into page links."""
    return {k: v for k, v in request.args.items() if k not in ("before", "after") and v}


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
        limit=form.per_page.data or 50,
    )
    return render_template("audit/events.html", form=form, page=page, args=_filter_args())


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
            writer.writerow(
                [
                    event.seq,
                    event.id,
                    event.occurred_at.isoformat(),
                    _safe(event.actor),
                    event.actor_id,
                    event.tag,
                    _safe(event.subject_type),
                    _safe(event.subject_id),
                    event.outcome,
                    " ".join(event.changed_fields or []),
                    event.request_id,
                    event.client_addr,
                    event.hash,
                ]
            )
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()

    return Response(
        stream_with_context(generate()),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=audit-events.csv"},
    )


def _safe(value: str | None) -> str | None:
    """No spreadsheet formulas from a CSV cell (an attacker-chosen user name, say)."""
    if value and value[0] in "=+-@\t\r":
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
