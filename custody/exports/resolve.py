"""The exports page finds what to export from a person's A-number (`ExportKind.resolve`):
their newest booking the actor may export (for the transfers' kinds,
`custody.transfers.packet.latest_transfer`). Nothing is told of a facility outside the
actor's scope: a person held only elsewhere is refused the way the export route refuses
(an audited 403), never named."""

from __future__ import annotations

from core.access import authorize
from core.actor import Actor
from core.scope import Access, reaches
from custody.audit_tags import CustodySubject
from custody.bookings.services import bookings_by_a_number
from custody.exports.records import exportable_booking, stays_of
from custody.permissions import CustodyPermission


def latest_booking(actor: Actor, typed: str) -> str:
    """The id of the person's newest booking the actor may export."""
    authorize(actor, CustodyPermission.RECORD_EXPORT, subject_type=CustodySubject.BOOKING)
    bookings = bookings_by_a_number(typed)
    chosen = next((b for b in bookings if reaches(actor, stays_of(b), Access.READ)), None)
    # none reachable: the route's own check refuses (audited), naming nothing
    return str(exportable_booking(actor, (chosen or bookings[0]).id).id)
