"""Intake and booking: one active booking per person, property receipt, orientation,
compliance clocks opened at arrival, release."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from core import audit
from core.access import authorize
from core.actor import Actor
from core.db import db, lock_for_update, unit_of_work, utcnow
from core.errors import Conflict, ValidationFailed
from core.events import publish
from custody.audit_tags import CustodyAuditTag, CustodySubject
from custody.bookings.models import Booking, BookingStatus, PropertyItem
from custody.bookings.services import active_booking, writable_booking
from custody.common import apply_changes, checked_time
from custody.events import BookingOpened
from custody.facilities.models import Facility
from custody.people import reference
from custody.people import search as people_search
from custody.people import services as identity
from custody.people.models import Detainee
from custody.permissions import CustodyPermission
from custody.rules import clocks
from custody.rules.models import ClockStart
from health.patients import FacilityRef, PatientDemographics, ensure_patient

MAX_PROPERTY_LINES = 100


# --- booking -------------------------------------------------------------------------


def _check_property(items: Sequence[Any], errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    if len(items) > MAX_PROPERTY_LINES:
        errors["property"] = [f"At most {MAX_PROPERTY_LINES} lines; group small items."]
        return []
    clean = []
    for number, item in enumerate(items, start=1):
        description = str(item.get("description") or "").strip()
        quantity = item.get("quantity", 1)
        value = item.get("value_cents")
        if not description or len(description) > 200:
            errors.setdefault("property", []).append(f"Line {number}: describe the item.")
        if not isinstance(quantity, int) or isinstance(quantity, bool) or not 0 < quantity < 10_000:
            errors.setdefault("property", []).append(f"Line {number}: quantity 1 to 9999.")
        if value is not None and (not isinstance(value, int) or value < 0):
            errors.setdefault("property", []).append(f"Line {number}: value in cents, 0 or more.")
        clean.append(
            {
                "line_no": number,
                "description": description,
                "quantity": quantity,
                "is_valuable": bool(item.get("is_valuable")) or bool(value),
                "value_cents": value,
            }
        )
    return clean


def _check_booking(data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    clean["booked_at"] = checked_time(data.get("booked_at"), "booked_at", errors) or utcnow()
    clean["orientation_at"] = checked_time(data.get("orientation_at"), "orientation_at", errors)
    if clean["orientation_at"] and clean["orientation_at"] < clean["booked_at"]:
        errors.setdefault("orientation_at", []).append("Orientation comes after arrival.")
    for name in ("arresting_agency", "program"):
        value = (data.get(name) or "").strip() or None
        if value and len(value) > 100:
            errors.setdefault(name, []).append("Use at most 100 characters.")
        clean[name] = value
    language = (data.get("handbook_language") or "").strip().lower() or None
    if language and not reference.is_language(language):
        errors["handbook_language"] = ["Use a language code such as es or en."]
    clean["handbook_language"] = language
    clean["property"] = _check_property(data.get("property") or [], errors)
    return clean, errors


def book_detainee(*, actor: Actor, data: Mapping[str, Any]) -> Booking:
    """Book a person into a facility: 409 if they already have an active booking. Opens
    the compliance clocks of the facility's rule set that arrival starts."""
    authorize(actor, CustodyPermission.DETAINEE_WRITE, subject_type=CustodySubject.BOOKING)
    clean, errors = _check_booking(data)
    facility = db.session.scalar(
        sa.select(Facility).where(Facility.code == str(data.get("facility_code") or "").upper())
    )
    if facility is None or not facility.is_active:
        errors["facility_code"] = ["Choose an open facility."]
    person = _person(data.get("detainee_id"), errors)
    if errors or facility is None or person is None:  # each None has its field error
        raise ValidationFailed(errors)
    authorize(
        actor,
        CustodyPermission.DETAINEE_WRITE,
        facility_id=facility.id,
        check_facility=True,
        subject_type=CustodySubject.BOOKING,
    )
    if clean["booked_at"].date() < person.date_of_birth:
        raise ValidationFailed({"booked_at": ["Arrival is before the date of birth."]})
    with unit_of_work() as session:
        lock_for_update(session, Detainee, [person.id])
        if (current := active_booking(person.id)) is not None:
            raise Conflict(
                f"Detainee {person.id} already has an active booking ({current.id}).",
                existing_id=str(current.id),
            )
        booking = Booking(
            detainee=person,
            facility=facility,
            status=BookingStatus.BOOKED,
            booked_by_id=actor.user_id,
            **{k: v for k, v in clean.items() if k != "property"},
        )
        booking.property_items = [PropertyItem(**line) for line in clean["property"]]
        session.add(booking)
        session.flush()
        booking.receipt_number = f"{facility.code}-{booking.id:07d}"
        clocks.open_clocks(booking, ClockStart.BOOKING, booking.booked_at)
        ensure_patient(
            actor=actor,
            person=PatientDemographics(
                a_number=person.a_number,
                family_name=person.family_name,
                given_name=person.given_name,
                birth_date=person.date_of_birth,
                gender=person.sex,
            ),
            facility=FacilityRef(
                code=facility.code,
                name=facility.name,
                is_active=facility.is_active,
                phone=facility.phone,
                address_line=facility.address_line,
                city=facility.city,
                state=facility.state,
                postal_code=facility.postal_code,
            ),
        )
        publish(
            BookingOpened(
                actor=actor,
                booking_id=booking.id,
                facility_id=booking.facility_id,
                occurred_at=booking.booked_at,
                detainee_id=booking.detainee_id,
            )
        )
        audit.record(
            actor=actor,
            tag=CustodyAuditTag.BOOKING_CREATE,
            subject_type=CustodySubject.BOOKING,
            subject_id=booking.id,
            changed_fields=[k for k, v in clean.items() if v] + ["facility_id", "detainee_id"],
        )
        return booking


def _person(value: Any, errors: dict[str, list[str]]) -> Detainee | None:
    try:
        person_id = int(value)
    except (TypeError, ValueError):
        person_id = 0
    person = db.session.get(Detainee, person_id) if 0 < person_id < 2**31 else None
    if person is None:
        errors["detainee_id"] = ["No such detainee."]
    return person


def update_intake(*, actor: Actor, booking_id: int, data: Mapping[str, Any]) -> Booking:
    """Orientation, handbook language and the property receipt, after booking."""
    booking = writable_booking(actor, booking_id)
    merged = {
        "booked_at": booking.booked_at,
        "orientation_at": booking.orientation_at,
        "arresting_agency": booking.arresting_agency,
        "program": booking.program,
        "handbook_language": booking.handbook_language,
        **data,
    }
    clean, errors = _check_booking(merged)
    if errors:
        raise ValidationFailed(errors)
    with unit_of_work():
        fields = ("orientation_at", "handbook_language", "arresting_agency", "program")
        changed = apply_changes(booking, {name: clean[name] for name in fields})
        if "property" in data:
            booking.property_items.clear()
            db.session.flush()
            booking.property_items.extend(PropertyItem(**line) for line in clean["property"])
            changed.append("property")
        audit.record(
            actor=actor,
            tag=CustodyAuditTag.BOOKING_UPDATE,
            subject_type=CustodySubject.BOOKING,
            subject_id=booking.id,
            changed_fields=changed,
        )
        return booking


# --- intake of a new person ------------------------------------------------------------


class PossibleDuplicates(Conflict):
    """The new person looks like someone already recorded: confirm or use that record."""

    def __init__(self, found: list[Any]) -> None:
        names = "; ".join(f"{d.detainee.full_name} (A{d.detainee.a_number})" for d in found)
        super().__init__(
            f"Possibly already recorded: {names}. Use that record, or confirm this is "
            "someone else.",
            field="confirm_new",
            duplicates=[str(d.detainee.id) for d in found],
        )
        self.found = found


def intake_new_person(
    *,
    actor: Actor,
    person: Mapping[str, Any],
    booking: Mapping[str, Any],
    confirm_new: bool = False,
) -> Booking:
    """Record a new person and book them, in one transaction: nothing is written unless
    both succeed. Every invalid field of both is reported at once; a possible duplicate
    (similar name, same date and country of birth) stops the intake until confirmed."""
    authorize(actor, CustodyPermission.DETAINEE_WRITE, subject_type=CustodySubject.BOOKING)
    _, errors = identity.check_person(person)
    _, booking_errors = _check_booking(booking)
    errors.update(booking_errors)
    if errors:
        raise ValidationFailed(errors)
    if not confirm_new:
        found = people_search.possible_duplicates(
            family_name=person["family_name"],
            given_name=person["given_name"],
            date_of_birth=person["date_of_birth"],
            country_of_birth=str(person["country_of_birth"]).upper(),
            aliases=person.get("aliases") or [],
        )
        if found:
            raise PossibleDuplicates(found)
    with unit_of_work():
        created = identity.create_detainee(actor=actor, data=person)
        return book_detainee(actor=actor, data={**booking, "detainee_id": created.id})
