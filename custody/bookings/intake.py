"""Intake and booking: one active booking per person, property receipt, orientation,
compliance clocks opened at arrival, release."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

import sqlalchemy as sa

from core import audit
from core.access import authorize
from core.actor import Actor
from core.db import db, lock_for_update, unit_of_work, utcnow
from core.errors import Conflict, ValidationFailed
from core.events import publish
from core.validation import FieldErrors, given, sent
from custody.audit_tags import CustodyAuditTag, CustodySubject
from custody.bookings.inputs import BookingIn, IntakePatch, PropertyLine
from custody.bookings.models import Booking, BookingStatus, PropertyItem
from custody.bookings.services import active_booking, writable_booking
from custody.common import apply_changes
from custody.events import BookingOpened
from custody.facilities.models import Facility
from custody.people import reference
from custody.people import search as people_search
from custody.people import services as identity
from custody.people.inputs import PersonIn, aliases
from custody.people.models import Detainee
from custody.permissions import CustodyPermission
from custody.rules import clocks
from custody.rules.models import ClockStart
from health.patients import FacilityRef, PatientDemographics, ensure_patient

MAX_PROPERTY_LINES = 100
MAX_QUANTITY = 9999


# --- booking -------------------------------------------------------------------------


def _check_line(number: int, item: PropertyLine, errors: FieldErrors) -> dict[str, Any]:
    """One property line, its problems on `property` as "Line 2, quantity: …"."""
    line = FieldErrors()
    description = line.text("description", item.description, max_length=200)
    quantity = line.integer("quantity", item.quantity, minimum=1, maximum=MAX_QUANTITY)
    value = line.integer("value_cents", item.value_cents, required=False, minimum=0)
    for name, messages in line.as_dict().items():
        for text in messages:
            errors.add("property", f"Line {number}, {name.replace('_', ' ')}: {text}")
    return {
        "line_no": number,
        "description": description,
        "quantity": quantity,
        "is_valuable": bool(item.is_valuable) or bool(value),
        "value_cents": value,
    }


def _check_property(items: Sequence[PropertyLine], errors: FieldErrors) -> list[dict[str, Any]]:
    if len(items) > MAX_PROPERTY_LINES:
        errors.add("property", f"At most {MAX_PROPERTY_LINES} lines; group small items.")
        return []
    return [_check_line(number, item, errors) for number, item in enumerate(items, start=1)]


def _check_booking(booking: BookingIn, errors: FieldErrors) -> dict[str, Any]:
    """The booking's times, agency, program, handbook language and property, cleaned."""
    clean: dict[str, Any] = {}
    booked_at = errors.time("booked_at", booking.booked_at, required=False, default=utcnow())
    clean["booked_at"] = booked_at
    clean["orientation_at"] = errors.time(
        "orientation_at",
        booking.orientation_at,
        required=False,
        not_before=(booked_at, "arrival"),
    )
    for name in ("arresting_agency", "program"):
        value = getattr(booking, name)
        clean[name] = errors.text(name, value, max_length=100, required=False) or None
    language = errors.text(
        "handbook_language", booking.handbook_language, max_length=8, required=False
    ).lower()
    if language and "handbook_language" not in errors and not reference.is_language(language):
        errors.add("handbook_language", "Use a language code such as es or en.")
    clean["handbook_language"] = language or None
    clean["property"] = _check_property(booking.property, errors)
    return clean


def _facility(code: object, errors: FieldErrors) -> Facility | None:
    text = errors.text("facility_code", code, max_length=16)
    if "facility_code" in errors:
        return None
    facility = db.session.scalar(sa.select(Facility).where(Facility.code == text.upper()))
    if facility is None or not facility.is_active:
        errors.add("facility_code", "Choose an open facility.")
        return None
    return facility


def _person(value: object, errors: FieldErrors) -> Detainee | None:
    person_id = errors.identifier("detainee_id", value)
    if person_id is None:
        return None
    person = db.session.get(Detainee, person_id)
    if person is None:
        errors.add("detainee_id", "No such detainee.")
    return person


def book_detainee(*, actor: Actor, booking: BookingIn) -> Booking:
    """Book a person into a facility: 409 if they already have an active booking. Opens
    the compliance clocks of the facility's rule set that arrival starts."""
    authorize(actor, CustodyPermission.DETAINEE_WRITE, subject_type=CustodySubject.BOOKING)
    errors = FieldErrors()
    clean = _check_booking(booking, errors)
    facility = _facility(booking.facility_code, errors)
    person = _person(booking.detainee_id, errors)
    if errors or facility is None or person is None:  # each None has its field error
        raise ValidationFailed(errors.as_dict())
    authorize(
        actor,
        CustodyPermission.DETAINEE_WRITE,
        facility_id=facility.id,
        check_facility=True,
        subject_type=CustodySubject.BOOKING,
    )
    if clean["booked_at"].date() < person.date_of_birth:
        errors.add("booked_at", "Arrival is before the date of birth.")
        errors.raise_if_any()
    with unit_of_work() as session:
        lock_for_update(session, Detainee, [person.id])
        if (current := active_booking(person.id)) is not None:
            raise Conflict(
                f"Detainee {person.id} already has an active booking ({current.id}).",
                existing_id=str(current.id),
            )
        record = Booking(
            detainee=person,
            facility=facility,
            status=BookingStatus.BOOKED,
            booked_by_id=actor.user_id,
            **{k: v for k, v in clean.items() if k != "property"},
        )
        record.property_items = [PropertyItem(**line) for line in clean["property"]]
        session.add(record)
        session.flush()
        record.receipt_number = f"{facility.code}-{record.id:07d}"
        clocks.open_clocks(record, ClockStart.BOOKING, record.booked_at)
        ensure_patient(
            actor=actor,
            person=PatientDemographics(
                a_number=person.a_number,
                family_name=person.family_name,
                given_name=person.given_name,
                birth_date=person.date_of_birth,
                gender=person.sex,
                languages=tuple((lang.code, lang.interpreter_needed) for lang in person.languages),
            ),
            facility=FacilityRef(
                id=facility.id,
                code=facility.code,
                name=facility.name,
                is_active=facility.is_active,
                phone=facility.phone,
                address_line=facility.address_line,
                city=facility.city,
                state=facility.state,
                postal_code=facility.postal_code,
            ),
            held_since=record.booked_at,
        )
        publish(
            BookingOpened(
                actor=actor,
                booking_id=record.id,
                facility_id=record.facility_id,
                occurred_at=record.booked_at,
                detainee_id=record.detainee_id,
            )
        )
        audit.record(
            actor=actor,
            tag=CustodyAuditTag.BOOKING_CREATE,
            subject_type=CustodySubject.BOOKING,
            subject_id=record.id,
            changed_fields=[k for k, v in clean.items() if v] + ["facility_id", "detainee_id"],
        )
        return record


def update_intake(*, actor: Actor, booking_id: int, patch: IntakePatch) -> Booking:
    """Orientation, handbook language and the property receipt, after booking."""
    booking = writable_booking(actor, booking_id)
    current = BookingIn(
        facility_code=booking.facility.code,
        detainee_id=booking.detainee_id,
        booked_at=booking.booked_at,
        orientation_at=booking.orientation_at,
        arresting_agency=booking.arresting_agency,
        program=booking.program,
        handbook_language=booking.handbook_language,
    )
    errors = FieldErrors()
    clean = _check_booking(dataclasses.replace(current, **sent(patch)), errors)
    errors.raise_if_any()
    with unit_of_work():
        fields = ("orientation_at", "handbook_language", "arresting_agency", "program")
        changed = apply_changes(booking, {name: clean[name] for name in fields})
        if given(patch.property):
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
    person: PersonIn,
    booking: BookingIn,
    confirm_new: bool = False,
) -> Booking:
    """Record a new person and book them, in one transaction: nothing is written unless
    both succeed. Every invalid field of both is reported at once; a possible duplicate
    (similar name, same date and country of birth) stops the intake until confirmed."""
    authorize(actor, CustodyPermission.DETAINEE_WRITE, subject_type=CustodySubject.BOOKING)
    errors = FieldErrors()
    errors.merge(identity.check_person(person)[1].as_dict())
    _check_booking(booking, errors)
    errors.raise_if_any()
    if not confirm_new:
        found = people_search.possible_duplicates(
            actor=actor,
            family_name=person.family_name or "",
            given_name=person.given_name or "",
            date_of_birth=cast(dt.date, person.date_of_birth),  # checked above
            country_of_birth=(person.country_of_birth or "").upper(),
            aliases=[
                {"family_name": a.family_name, "given_name": a.given_name}
                for a in aliases(person.aliases)
            ],
        )
        if found:
            raise PossibleDuplicates(found)
    with unit_of_work():
        created = identity.create_detainee(actor=actor, data=person)
        return book_detainee(
            actor=actor, booking=dataclasses.replace(booking, detainee_id=created.id)
        )
