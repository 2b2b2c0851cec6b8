"""Custody's domain events: booked, housed and released are published in the unit of
work of the change, kept in the outbox without names or health content, and a
subscriber's failure rolls the whole change back."""

from __future__ import annotations

import json

import pytest

from core.events import outbox, subscribed
from custody.bookings.models import BookingStatus
from custody.events import BookingReleased
from custody.housing.assignment import assign_bed
from custody.releases.inputs import ReleaseIn
from custody.releases.services import release_booking
from custody.restrictive.services import place_in_restrictive_housing


def _kinds(after: int = 0) -> list[tuple[str, str, dict]]:
    return [(e.kind, e.subject_id, e.payload) for e in outbox(after=after, limit=1000)]


def test_booking_housing_and_release_are_in_the_outbox_in_order(app, make):
    start = max([e.seq for e in outbox(limit=100000)], default=0)
    facility = make.facility()
    booking = make.classified(make.booking(facility=facility), level=2)
    bed = make.bed(unit=make.unit(facility=facility))
    officer = make.actor("officer")
    assign_bed(actor=officer, booking_id=booking.id, bed_id=bed.id)
    release_booking(actor=officer, booking_id=booking.id, release=ReleaseIn(reason="bond"))
    events = [e for e in _kinds(start) if e[1] == str(booking.id)]
    assert [kind for kind, _, _ in events] == [
        "custody.booking.opened",
        "custody.booking.housed",
        "custody.booking.released",
    ]
    housed = events[1][2]
    assert housed["bed_id"] == bed.id and housed["from_bed_id"] is None
    assert housed["actor_id"] == officer.user_id and housed["facility_id"] == facility.id
    text = json.dumps([payload for _, _, payload in events])
    person = booking.detainee
    for private in (person.family_name, person.given_name, person.a_number, "Bond"):
        assert private not in text  # ids, codes and times only


def test_release_ends_a_restrictive_placement_through_its_subscriber(app, make):
    booking = make.booking()
    placement = place_in_restrictive_housing(
        actor=make.actor("supervisor"), booking_id=booking.id, kind="administrative", reason="x"
    )
    release_booking(
        actor=make.actor("officer"), booking_id=booking.id, release=ReleaseIn(reason="removal")
    )
    assert placement.released_at == booking.released_at
    assert placement.release_note == "released from custody"


def test_a_failing_subscriber_rolls_the_release_back(app, make):
    booking = make.booking()
    before = len(outbox(limit=100000))

    def refuse(event: BookingReleased) -> None:
        raise RuntimeError("partner system down")

    with subscribed(BookingReleased, refuse), pytest.raises(RuntimeError):
        release_booking(
            actor=make.actor("officer"), booking_id=booking.id, release=ReleaseIn(reason="bond")
        )
    app.extensions["sqlalchemy"].session.refresh(booking)
    assert booking.status != BookingStatus.RELEASED and booking.released_at is None
    assert len(outbox(limit=100000)) == before  # no outbox row for the rolled-back release
