"""A feature written for the export tests: two export kinds (a custody-like one and a
health one that needs a purpose) over custody's detainees, registered through the
registry the way custody and health register theirs. `?parts=N` sets how many parts the
document has (so a test chooses inline or background rendering)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Flask, render_template_string, request
from markupsafe import Markup

from core.access import current_actor, requires
from core.actor import Actor
from core.db import db
from core.errors import Forbidden, NotFound
from core.exports import ExportKind, send_export
from core.features import registry
from core.i18n import a_number
from core.pdf import PdfDocument, RunningHeader
from custody.bookings.models import Booking
from custody.people.models import Detainee
from custody.permissions import CustodyPermission
from health.permissions import HealthPermission

bp = Blueprint("export_probe", __name__, url_prefix="/exports/probe")
PART = (
    "<section class='x-section'><h2>Part {{ n }}</h2><p>{{ name }} probe line {{ n }}</p></section>"
)


def _resolve(actor: Actor, typed: str) -> str:
    digits = "".join(ch for ch in typed if ch.isdigit())
    person = db.session.scalar(sa.select(Detainee).where(Detainee.a_number == digits))
    if person is None:
        raise NotFound("No person has this A-number.")
    return str(person.id)


RECORD = ExportKind(
    "probe-record",
    "Probe record",
    "export_probe.record",
    CustodyPermission.RECORD_EXPORT,
    "detainee",
    resolve=_resolve,
)
HEALTH = ExportKind(
    "probe-health",
    "Probe health record",
    "export_probe.health",
    HealthPermission.EXPORT,
    "detainee",
    health=True,
    resolve=_resolve,
)


def build(actor: Actor, detainee_id: int) -> PdfDocument:
    person = db.session.get(Detainee, detainee_id)
    if person is None:
        raise NotFound("No such person.")
    facility = db.session.scalar(
        sa.select(Booking.facility_id)
        .where(Booking.detainee_id == person.id)
        .order_by(Booking.booked_at.desc())
        .limit(1)
    )
    if not actor.can_reach_facility(facility):
        raise Forbidden()
    name = f"{person.family_name.upper()}, {person.given_name}"
    count = int(request.args.get("parts", "2"))
    parts = [Markup(render_template_string(PART, n=n, name=name)) for n in range(1, count + 1)]
    header = RunningHeader(
        "Probe record",
        name,
        a_number(person.a_number),
        person.date_of_birth.strftime("%m/%d/%Y"),
        "Probe facility",
        f"{actor.username} (probe)",
        "12/01/2026 09:05 CST",
    )
    return PdfDocument(title=f"Probe record {name}", header=header, parts=parts)


@bp.get("/<int:detainee_id>/record.pdf")
@requires(CustodyPermission.RECORD_EXPORT)
def record(detainee_id: int) -> object:
    actor = current_actor()
    return send_export(RECORD, subject_id=str(detainee_id), build=lambda: build(actor, detainee_id))


@bp.get("/<int:detainee_id>/health.pdf")
@requires(HealthPermission.EXPORT)
def health(detainee_id: int) -> object:
    actor = current_actor()
    return send_export(HEALTH, subject_id=str(detainee_id), build=lambda: build(actor, detainee_id))


def init_app(app: Flask) -> None:
    features = registry(app)
    features.add_blueprint(bp)
    features.add_export_kind(RECORD)
    features.add_export_kind(HEALTH)
