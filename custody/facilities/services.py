"""Reference-data services: facilities, housing units and beds."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from core import audit
from core.access import authorize
from core.actor import Actor
from core.db import db, unit_of_work
from core.errors import Conflict, NotFound
from core.validation import FieldErrors, given, sent
from custody.audit_tags import CustodyAuditTag, CustodySubject
from custody.common import apply_changes
from custody.facilities.inputs import FacilityIn, FacilityPatch
from custody.facilities.models import (
    Bed,
    Facility,
    FacilityType,
    FieldOffice,
    HousingUnit,
    StandardsSet,
)
from custody.permissions import CustodyPermission
from custody.rules.services import may_manage_rules

_Coded = TypeVar("_Coded", FieldOffice, StandardsSet)  # reference rows found by code

FACILITY_CODE = re.compile(r"^[A-Z0-9]{3,16}$")
PHONE = re.compile(r"^\+?[0-9 ().-]{7,20}$")
FACILITY_FIELDS = (
    "name",
    "address_line",
    "city",
    "state",
    "postal_code",
    "phone",
    "facility_type",
    "time_zone",
    "is_active",
)


# --- reads ---------------------------------------------------------------------------


def list_field_offices() -> Sequence[FieldOffice]:
    return db.session.scalars(sa.select(FieldOffice).order_by(FieldOffice.name)).all()


def list_standards_sets() -> Sequence[StandardsSet]:
    return db.session.scalars(sa.select(StandardsSet).order_by(StandardsSet.code)).all()


def list_facilities(*, actor: Actor, include_inactive: bool = False) -> Sequence[Facility]:
    """Facilities the actor may see (a facility-scoped user sees only theirs)."""
    authorize(actor, CustodyPermission.FACILITY_READ, subject_type=CustodySubject.FACILITY)
    query = sa.select(Facility).options(
        selectinload(Facility.field_office), selectinload(Facility.standards_set)
    )
    if actor.facility_id is not None and not actor.is_system:
        query = query.where(Facility.id == actor.facility_id)
    if not include_inactive:
        query = query.where(Facility.is_active.is_(True))
    return db.session.scalars(query.order_by(Facility.code)).all()


def get_facility(*, actor: Actor, code: str) -> Facility:
    facility = db.session.scalar(
        sa.select(Facility)
        .options(selectinload(Facility.field_office), selectinload(Facility.standards_set))
        .where(Facility.code == code.upper())
    )
    if facility is None:
        authorize(
            actor,
            CustodyPermission.FACILITY_READ,
            subject_type=CustodySubject.FACILITY,
            subject_id=code,
        )
        raise NotFound(f"No facility with code {code!r}.")
    authorize(
        actor,
        CustodyPermission.FACILITY_READ,
        facility_id=facility.id,
        check_facility=True,
        subject_type=CustodySubject.FACILITY,
        subject_id=facility.id,
    )
    return facility


def bed_counts(*, facility_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """facility id → (beds, beds in service), in one query."""
    return bed_count_rows(HousingUnit.facility_id, HousingUnit.facility_id.in_(facility_ids))


def bed_count_rows(key: Any, where: Any) -> dict[int, tuple[int, int]]:
    rows = db.session.execute(
        sa.select(
            key,
            sa.func.count(Bed.id),
            sa.func.count(Bed.id).filter(Bed.is_in_service.is_(True)),
        )
        .join(Bed, Bed.unit_id == HousingUnit.id)
        .where(where)
        .group_by(key)
    ).all()
    return {row[0]: (row[1], row[2]) for row in rows}


# --- validation ----------------------------------------------------------------------

TEXT_LIMITS = {  # the column lengths; state, ZIP code and phone have their own pattern
    "name": 200,
    "address_line": 200,
    "city": 100,
    "state": 100,
    "postal_code": 100,
    "phone": 100,
    "time_zone": 64,
    "field_office": 100,
    "standards_set": 100,
}
PATTERNS = {
    "state": (re.compile(r"[A-Za-z]{2}"), "Use the two-letter state code."),
    "postal_code": (re.compile(r"\d{5}(-\d{4})?"), "Use a ZIP code like 12345 or 12345-6789."),
    "phone": (PHONE, "Use a phone number like (555) 010-0100."),
}


def _checked_fields(values: Mapping[str, object], errors: FieldErrors) -> dict[str, object]:
    """The facility fields given (all of a new facility, those sent in a patch), cleaned;
    their problems recorded on `errors`."""
    clean: dict[str, object] = {}
    for name, value in values.items():
        if name == "is_active":
            clean[name] = errors.boolean(name, value)
        elif name == "facility_type":
            clean[name] = errors.choice(name, value, list(FacilityType))
        else:
            clean[name] = errors.text(name, value, max_length=TEXT_LIMITS[name])
        text = clean[name]
        if name in errors or not isinstance(text, str):
            continue
        if name in PATTERNS and not PATTERNS[name][0].fullmatch(text):
            errors.add(name, PATTERNS[name][1])
        if name == "time_zone" and text not in zoneinfo.available_timezones():
            errors.add(name, "Use an IANA time zone such as America/Chicago.")
    return clean


def _facility_code(value: object, errors: FieldErrors) -> str:
    code = errors.text("code", value, max_length=16).upper()
    if "code" not in errors and not FACILITY_CODE.match(code):
        errors.add("code", "Use 3–16 capital letters or digits.")
    return code


def _lookup(model: type[_Coded], code: object, field: str, errors: FieldErrors) -> _Coded | None:
    if not isinstance(code, str) or not code or field in errors:
        return None
    row = db.session.scalar(sa.select(model).where(model.code == code))
    if row is None:
        errors.add(field, f"Unknown {field.replace('_', ' ')} {code!r}.")
    return row


# --- writes --------------------------------------------------------------------------


def may_manage(
    actor: Actor, facility_id: int | None, subject_type: str, subject_id: object
) -> None:
    """Managing reference data of a facility needs the permission and reach of that facility;
    creating a facility needs an administrator not limited to one facility."""
    authorize(
        actor,
        CustodyPermission.FACILITY_MANAGE,
        facility_id=facility_id,
        check_facility=True,
        subject_type=subject_type,
        subject_id=subject_id,
    )


def create_facility(*, actor: Actor, data: FacilityIn) -> Facility:
    may_manage(actor, -1 if actor.facility_id else None, "facility", None)
    errors = FieldErrors()
    code = _facility_code(data.code, errors)
    values = _checked_fields(
        {name: getattr(data, name) for name in FACILITY_FIELDS if name != "is_active"}
        | {"field_office": data.field_office, "standards_set": data.standards_set},
        errors,
    )
    is_active = errors.boolean("is_active", data.is_active) if given(data.is_active) else True
    with unit_of_work() as session:
        office = _lookup(FieldOffice, values.pop("field_office"), "field_office", errors)
        standards = _lookup(StandardsSet, values.pop("standards_set"), "standards_set", errors)
        errors.raise_if_any()
        if session.scalar(sa.select(Facility.id).where(Facility.code == code)):
            raise Conflict(f"A facility with code {code} already exists.", field="code")
        facility = Facility(
            code=code,
            field_office=office,
            standards_set=standards,
            **values,
            is_active=bool(is_active),
        )
        session.add(facility)
        session.flush()
        audit.record(
            actor=actor,
            tag=CustodyAuditTag.FACILITY_CREATE,
            subject_type=CustodySubject.FACILITY,
            subject_id=facility.id,
            changed_fields=[
                "code",
                "field_office_id",
                "standards_set_id",
                *values,
                *(["is_active"] if given(data.is_active) else []),
            ],
        )
        return facility


def update_facility(*, actor: Actor, code: str, data: FacilityPatch) -> Facility:
    authorize(
        actor,
        CustodyPermission.FACILITY_MANAGE,
        subject_type=CustodySubject.FACILITY,
        subject_id=code,
    )
    errors = FieldErrors()
    changes = sent(data)
    checked = _checked_fields(changes, errors)
    values: dict[str, object] = {k: checked[k] for k in FACILITY_FIELDS if k in checked}
    with unit_of_work() as session:
        facility = session.scalar(sa.select(Facility).where(Facility.code == code.upper()))
        if facility is None:
            raise NotFound(f"No facility with code {code!r}.")
        may_manage(actor, facility.id, "facility", facility.id)
        if "field_office" in changes:
            values["field_office"] = _lookup(
                FieldOffice, checked["field_office"], "field_office", errors
            )
        if "standards_set" in changes:
            standards = _lookup(StandardsSet, checked["standards_set"], "standards_set", errors)
            values["standards_set"] = standards
            if standards not in (None, facility.standards_set):
                # The rule set decides the facility's deadlines: as `assign_rule_set`.
                may_manage_rules(actor, "facility", facility.id)
        errors.raise_if_any()
        changed = apply_changes(facility, values)
        audit.record(
            actor=actor,
            tag=CustodyAuditTag.FACILITY_UPDATE,
            subject_type=CustodySubject.FACILITY,
            subject_id=facility.id,
            changed_fields=changed,
        )
        return facility
