"""The exports page (request, progress, download, history) and the job and file URLs.

Thin: a form, one service call, a template or a response. The page asks the kind to
find the subject from an A-number (`ExportKind.resolve`) and then sends the browser to
the kind's own route with `background=1`: the export is built there, under that route's
permission, and rendered by a background job whose progress this page shows.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, redirect, request, url_for
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from core.access import current_actor, requires
from core.actor import Actor
from core.errors import DomainError, ValidationFailed
from core.exports import services
from core.exports.kinds import ExportKind
from core.exports.models import ExportRecord
from core.exports.responses import RUNNING, job_response, pdf_response
from core.features import facility_directory, registry
from core.forms import call_service, choices, render_form_page
from core.i18n import local_time
from core.permissions import Permission

bp = Blueprint("exports", __name__, url_prefix="/exports")


class ExportForm(FlaskForm):
    kind = SelectField(
        "What to export", validators=[DataRequired(message="Choose what to export.")]
    )
    a_number = StringField(
        "A-number",
        validators=[DataRequired(), Length(max=20)],
        description="The person's A-number, for example A123-456-789.",
    )
    purpose = TextAreaField(
        "Purpose",
        validators=[Length(max=services.PURPOSE_MAX)],
        description="Why this record is exported (required for health records; kept in "
        "the audit log). Up to 200 characters.",
    )


def kinds_for(actor: Actor) -> list[ExportKind]:
    """The kinds the page offers `actor`: those they may export that can find a subject."""
    offered = [k for k in registry().export_kinds if k.resolve and actor.can(k.permission)]
    return sorted(offered, key=lambda kind: kind.label)


@bp.route("/", methods=["GET", "POST"])
@requires(Permission.EXPORT_VIEW)
def page() -> Any:
    actor = current_actor()
    kinds = {kind.name: kind for kind in kinds_for(actor)}
    form = ExportForm()
    form.kind.choices = choices([("", "Choose…"), *((n, k.label) for n, k in kinds.items())])
    if form.validate_on_submit():
        kind = kinds[form.kind.data]
        target = call_service(form, lambda: _target(actor, kind, form))
        if target is not None:
            return redirect(target, code=303)
    jobs = services.open_jobs(actor=actor)
    body, status = render_form_page(
        "exports/page.html",
        form=form,
        kinds=kinds,
        jobs=jobs,
        history=_history_rows(actor),
        focus=request.args.get("job"),
    )
    running = any(job.status in RUNNING for job in jobs)
    return body, status, {"Refresh": "3"} if running else {}


def _target(actor: Actor, kind: ExportKind, form: ExportForm) -> str:
    """The URL of the kind's route for the person typed, to be rendered in the
    background (`send_export` checks the purpose again)."""
    try:
        services.clean_purpose(kind, form.purpose.data)
        subject_id = kind.resolve(actor, form.a_number.data.strip()) if kind.resolve else ""
    except ValidationFailed:
        raise
    except DomainError as err:
        field = "purpose" if "purpose" in err.message.lower() else "a_number"
        raise ValidationFailed({field: [err.message]}) from err
    argument = _argument_of(kind.endpoint)
    values: dict[str, Any] = {argument: subject_id, "background": "1"}
    if form.purpose.data.strip():
        values["purpose"] = form.purpose.data.strip()
    return url_for(kind.endpoint, **values)


def _argument_of(endpoint: str) -> str:
    """The one URL parameter of a kind's route (booking_id, patient_id, …)."""
    rule = next(iter(current_app.url_map.iter_rules(endpoint)))
    [argument] = rule.arguments
    return argument


def _history_rows(actor: Actor) -> list[dict[str, Any]]:
    records = services.history(actor=actor)
    ids = {r.facility_id for r in records if r.facility_id is not None}
    zones = {f.id: f.time_zone for f in facility_directory().by_ids(ids).values()}
    labels = {kind.name: kind.label for kind in registry().export_kinds}
    return [_row(r, zones, labels) for r in records]


def _row(record: ExportRecord, zones: dict[int, str], labels: dict[str, str]) -> dict[str, Any]:
    zone = zones.get(record.facility_id) if record.facility_id is not None else None
    return {
        "id": record.id,
        "kind": labels.get(record.kind, record.kind),
        "person": record.person,
        "when": local_time(record.created_at, zone),
        "pages": record.pages,
        "sha256": record.sha256,
        "purpose": record.purpose or "—",
    }


@bp.get("/jobs/<job_id>")
@requires(Permission.EXPORT_VIEW)
def job(job_id: str) -> Response:
    return job_response(services.job_for(actor=current_actor(), job_id=job_id))


@bp.get("/jobs/<job_id>/file")
@requires(Permission.EXPORT_VIEW)
def job_file(job_id: str) -> Response:
    found = services.job_for(actor=current_actor(), job_id=job_id)
    if found.export_id is None:
        return job_response(found)
    return download(found.export_id)


@bp.get("/files/<export_id>")
@requires(Permission.EXPORT_VIEW)
def download(export_id: str) -> Response:
    record, data = services.kept_file(actor=current_actor(), export_id=export_id)
    return pdf_response(data, f"{record.kind}-{record.subject_id}.pdf", record.id)
