"""The transfer's PDF exports (issue 15): the medical transfer summary that travels with
the person, and the transfer packet a receiving officer or nurse reads in two minutes
(cover: who, from → to, fit to travel, hold, alerts, medications with next dose,
allergies; then the summary's sections, the property receipt, the attorney-of-record
notification record and the movement record).

Both are health exports (`?purpose=`, confidential) under `custody:transfer:export`,
visible to the sending and the receiving facility. The data comes from
`custody.transfers.packet`; the health part only through `health.transfer_reading`.
Parts are rendered from `templates/exports/transfer/*.html` (autoescaped).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from werkzeug.wrappers import Response

from core.access import current_actor, requires
from core.actor import Actor
from core.db import utcnow
from core.errors import NotFound
from core.exports import ExportKind, send_export
from core.features import Registry
from core.i18n import a_number, local_time
from core.pdf import Attachment, PdfDocument, RunningHeader
from core.pdf.header import person_header
from custody.permissions import CustodyPermission
from custody.transfers.packet import TransferPacket, gather_packet, latest_transfer
from health.exports.bundle import as_attachment

bp = Blueprint("transfer_exports", __name__)
ONE = "/exports/transfers/<int:transfer_id>"

PACKET = ExportKind(
    name="transfer-packet",
    label="Transfer packet",
    endpoint="transfer_exports.packet",
    permission=CustodyPermission.TRANSFER_EXPORT,
    subject_type="transfer",
    health=True,
    resolve=latest_transfer,
)
MEDICAL_SUMMARY = ExportKind(
    name="medical-summary",
    label="Medical transfer summary",
    endpoint="transfer_exports.medical_summary",
    permission=CustodyPermission.TRANSFER_EXPORT,
    subject_type="transfer",
    health=True,
    resolve=latest_transfer,
)
KINDS = (PACKET, MEDICAL_SUMMARY)


def register(features: Registry) -> None:
    """The routes, and both kinds for the exports page."""
    features.add_blueprint(bp)
    for kind in KINDS:
        features.add_export_kind(kind)


def _header(packet: TransferPacket, actor: Actor, title: str) -> RunningHeader:
    person = packet.person
    return person_header(
        title=title,
        family_name=person.family_name,
        given_name=person.given_name,
        a_number_value=person.a_number,
        date_of_birth=person.date_of_birth,
        facility=packet.transfer.from_facility.name,
        actor=actor,
        generated_at=local_time(packet.now, packet.zone),
        confidential=True,
    )


def _context(packet: TransferPacket) -> dict[str, Any]:
    def local(value: Any) -> str:
        return local_time(value, packet.zone)

    zone = packet.now.astimezone(packet.zone).strftime("%Z")
    return {
        "p": packet,
        "t": packet.transfer,
        "h": packet.health,
        "local": local,
        "zone": zone,
    }


def _part(name: str, context: dict[str, Any]) -> str:
    return render_template(f"exports/transfer/{name}.html", **context)


def _bundle(packet: TransferPacket) -> Attachment:
    return as_attachment(packet.health.bundle)


def packet_document(*, actor: Actor, transfer_id: int) -> PdfDocument:
    """The transfer packet: cover, summary sections, property, counsel, movements."""
    packet = gather_packet(actor=actor, transfer_id=transfer_id, now=utcnow())
    context = _context(packet)
    names = ("cover", "summary", "property", "counsel", "movements")
    return PdfDocument(
        title=f"Transfer packet — {packet.person.family_name.upper()}, "
        f"{packet.person.given_name} ({a_number(packet.person.a_number)})",
        header=_header(packet, actor, "Transfer packet"),
        parts=[_part(name, context) for name in names],
        attachments=(_bundle(packet),),
    )


def summary_document(*, actor: Actor, transfer_id: int) -> PdfDocument:
    """The medical transfer summary alone (404 when none is on file)."""
    packet = gather_packet(actor=actor, transfer_id=transfer_id, now=utcnow())
    if packet.health.summary_id is None:
        raise NotFound(f"Transfer {transfer_id} has no medical transfer summary on file.")
    context = _context(packet)
    return PdfDocument(
        title=f"Medical transfer summary — {packet.person.family_name.upper()}, "
        f"{packet.person.given_name} ({a_number(packet.person.a_number)})",
        header=_header(packet, actor, "Medical transfer summary"),
        parts=[_part("summary_head", context), _part("summary", context)],
        attachments=(_bundle(packet),),
    )


@bp.get(ONE + "/packet.pdf")
@requires(CustodyPermission.TRANSFER_EXPORT)
def packet(transfer_id: int) -> Response:
    actor = current_actor()
    return send_export(
        PACKET,
        subject_id=str(transfer_id),
        build=lambda: packet_document(actor=actor, transfer_id=transfer_id),
    )


@bp.get(ONE + "/medical-summary.pdf")
@requires(CustodyPermission.TRANSFER_EXPORT)
def medical_summary(transfer_id: int) -> Response:
    actor = current_actor()
    return send_export(
        MEDICAL_SUMMARY,
        subject_id=str(transfer_id),
        build=lambda: summary_document(actor=actor, transfer_id=transfer_id),
    )
