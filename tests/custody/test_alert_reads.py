"""Alerts on custody pages come from clinicians (lower bunk, suicide watch…): every
page and call that shows a person's alerts writes an audited read naming the person
(issue 11, point 5); showing a person without alerts writes none."""

from __future__ import annotations

import pytest

from core.actor import Actor
from custody.housing.assignment import assign_bed
from custody.people.services import set_alert
from tests.helpers import events


@pytest.fixture
def flagged(make):
    facility = make.facility()
    bed = make.bed(unit=make.unit(facility=facility))
    booking = make.classified(make.booking(facility=facility))
    assign_bed(actor=Actor.system("test"), booking_id=booking.id, bed_id=bed.id)
    set_alert(
        actor=make.actor("clinician"), detainee_id=booking.detainee_id, kind="suicide_watch",
        active=True,
    )  # fmt: skip
    plain = make.booking(facility=facility)
    return facility, booking, plain


def _reads(person_id: int) -> int:
    return len(events("custody:alert:read", subject_type="detainee", subject_id=str(person_id)))


def test_every_view_of_alerts_is_an_audited_read(client, make, flagged):
    facility, booking, plain = flagged
    person = booking.detainee_id
    headers = make.headers("officer")
    views = [
        ("api", f"/api/v1/detainees/{person}"),
        ("api", f"/api/v1/detainees?a_number={booking.detainee.a_number}"),
        ("page", f"/detainees/{person}"),
        ("page", f"/bookings/{booking.id}"),
        ("page", f"/bookings/{booking.id}/housing"),
        ("page", f"/facilities/{facility.code}/board"),
    ]
    make.login(client, role="officer")
    for kind, path in views:
        before = _reads(person)
        response = client.get(path, headers=headers if kind == "api" else None)
        assert response.status_code == 200, path
        assert "suicide" in response.text.lower(), path
        assert _reads(person) == before + 1, path
        entry = events("custody:alert:read")[-1]
        assert entry.changed_fields == ["alerts"] and entry.outcome == "success"
    # no alerts, no entry
    client.get(f"/detainees/{plain.detainee_id}")
    assert _reads(plain.detainee_id) == 0
