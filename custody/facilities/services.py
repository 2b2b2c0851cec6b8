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
from core.errors import Conflict, NotFound, ValidationFailed
from custody.audit_tags import CustodyAuditTag, CustodySubject
from custody.common import apply_changes, clean
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


def require_fields(
    data: Mapping[str, Any], names: Sequence[str], errors: dict[str, list[str]]
) -> None:
    for name in names:
        value = data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            errors.setdefault(name, []).append("This field is required.")


def _check_facility(data: Mapping[str, Any], *, creating: bool) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if creating:
        require_fields(
            data,
            (
                "code",
                "name",
                "address_line",
                "city",
                "state",
                "postal_code",
                "phone",
                "field_office",
                "facility_type",
                "time_zone",
                "standards_set",
            ),
            errors,
        )
        if data.get("code") and not FACILITY_CODE.match(str(data["code"]).upper()):
            errors.setdefault("code", []).append("Use 3–16 capital letters or digits.")
    if data.get("state") and not re.fullmatch(r"[A-Za-z]{2}", str(data["state"])):
        errors.setdefault("state", []).append("Use the two-letter state code.")
    if data.get("postal_code") and not re.fullmatch(r"\d{5}(-\d{4})?", str(data["postal_code"])):
        errors.setdefault("postal_code", []).append("Use a ZIP code like 12345 or 12345-6789.")
    if data.get("phone") and not PHONE.match(str(data["phone"])):
        errors.setdefault("phone", []).append("Use a phone number like (555) 010-0100.")
    if data.get("facility_type") and data["facility_type"] not in set(FacilityType):
        errors.setdefault("facility_type", []).append("Unknown facility type.")
    if data.get("time_zone") and data["time_zone"] not in zoneinfo.available_timezones():
        errors.setdefault("time_zone", []).append("Use an IANA time zone such as America/Chicago.")
    return errors


def _lookup(
    model: type[_Coded], code: str | None, field: str, errors: dict[str, list[str]]
) -> _Coded | None:
    if not code:
        return None
    row = db.session.scalar(sa.select(model).where(model.code == code))
    if row is None:
        errors.setdefault(field, []).append(f"Unknown {field.replace('_', ' ')} {code!r}.")
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


def create_facility(*, actor: Actor, data: Mapping[str, Any]) -> Facility:
    may_manage(actor, -1 if actor.facility_id else None, "facility", None)
    errors = _check_facility(data, creating=True)
    with unit_of_work() as session:
        office = _lookup(FieldOffice, data.get("field_office"), "field_office", errors)
        standards = _lookup(StandardsSet, data.get("standards_set"), "standards_set", errors)
        if errors:
            raise ValidationFailed(errors)
        code = str(data["code"]).upper()
        if session.scalar(sa.select(Facility.id).where(Facility.code == code)):
            raise Conflict(f"A facility with code {code} already exists.", field="code")
        facility = Facility(
            code=code,
            field_office=office,
            standards_set=standards,
            **{k: clean(data[k]) for k in FACILITY_FIELDS if k in data and k != "is_active"},
            is_active=bool(data.get("is_active", True)),
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
                *[k for k in FACILITY_FIELDS if k in data],
            ],
        )
        return facility


def update_facility(*, actor: Actor, code: str, data: Mapping[str, Any]) -> Facility:
    authorize(
        actor,
        CustodyPermission.FACILITY_MANAGE,
        subject_type=CustodySubject.FACILITY,
        subject_id=code,
    )
    errors = _check_facility(data, creating=False)
    with unit_of_work() as session:
        facility = session.scalar(sa.select(Facility).where(Facility.code == code.upper()))
        if facility is None:
            raise NotFound(f"No facility with code {code!r}.")
        may_manage(actor, facility.id, "facility", facility.id)
        values = {k: clean(data[k]) for k in FACILITY_FIELDS if k in data}
        if "field_office" in data:
            values["field_office"] = _lookup(
                FieldOffice, data["field_office"], "field_office", errors
            )
        if "standards_set" in data:
            values["standards_set"] = _lookup(
                StandardsSet, data["standards_set"], "standards_set", errors
            )
            if values["standards_set"] not in (None, facility.standards_set):
                # The rule set decides the facility's deadlines: as `assign_rule_set`.
                may_manage_rules(actor, "facility", facility.id)
        if errors:
            raise ValidationFailed(errors)
        changed = apply_changes(facility, values)
        audit.record(
            actor=actor,
            tag=CustodyAuditTag.FACILITY_UPDATE,
            subject_type=CustodySubject.FACILITY,
            subject_id=facility.id,
            changed_fields=changed,
        )
        return facility
