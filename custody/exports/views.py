"""The custody export routes: `GET /exports/bookings/<id>/custody-record.pdf` and
`.../legal-access.pdf` (with `?format=html`, the print view of the same templates). Each
declares `custody:record:export`; the build function checks it again with the booking's
facility scope, so the CLI, jobs and tests build the same document the route does."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from core.access import current_actor, requires
from core.exports import ExportKind, send_export
from core.features import Registry
from custody.exports import documents
from custody.exports.resolve import latest_booking
from custody.permissions import CustodyPermission

bp = Blueprint("custody_exports", __name__)

CUSTODY_RECORD = ExportKind(
    name="custody-record",
    label="Custody record",
    endpoint="custody_exports.custody_record",
    permission=CustodyPermission.RECORD_EXPORT,
    subject_type="booking",
    resolve=latest_booking,
)
LEGAL_ACCESS = ExportKind(
    name="legal-access",
    label="Legal-access log",
    endpoint="custody_exports.legal_access",
    permission=CustodyPermission.RECORD_EXPORT,
    subject_type="booking",
    resolve=latest_booking,
)


@bp.get("/exports/bookings/<int:booking_id>/custody-record.pdf")
@requires(CustodyPermission.RECORD_EXPORT)
def custody_record(booking_id: int) -> Any:
    actor = current_actor()
    return send_export(
        CUSTODY_RECORD,
        subject_id=str(booking_id),
        build=lambda: documents.custody_record_document(actor=actor, booking_id=booking_id),
    )


@bp.get("/exports/bookings/<int:booking_id>/legal-access.pdf")
@requires(CustodyPermission.RECORD_EXPORT)
def legal_access(booking_id: int) -> Any:
    actor = current_actor()
    return send_export(
        LEGAL_ACCESS,
        subject_id=str(booking_id),
        build=lambda: documents.legal_access_document(actor=actor, booking_id=booking_id),
    )


def register(features: Registry) -> None:
    """The routes, and the kinds for the exports page (custody's init_app calls this)."""
    features.add_blueprint(bp)
    for kind in (CUSTODY_RECORD, LEGAL_ACCESS):
        features.add_export_kind(kind)
