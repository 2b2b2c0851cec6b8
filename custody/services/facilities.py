"""Reference-data services: facilities, housing units and beds."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from core import audit
from core.access import authorize
from core.actor import Actor
from core.db import db, unit_of_work
from core.errors import Conflict, NotFound, ValidationFailed
from custody.models import (
    Bed,
    Facility,
    FacilityType,
    FieldOffice,
    HousingUnit,
    Sex,
    StandardsSet,
    UnitKind,
)
from custody.permissions import CustodyPermission
from custody.services.common import apply_changes, clean
from custody.services.rules import may_manage_rules

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
UNIT_FIELDS = ("name", "sex_housed", "kind", "allows_level_1", "allows_level_2", "allows_level_3")
BED_FIELDS = ("label", "is_lower_bunk", "is_accessible", "is_in_service")


# --- reads ---------------------------------------------------------------------------


def list_field_offices() -> Sequence[FieldOffice]:
    return db.session.scalars(sa.select(FieldOffice).order_by(FieldOffice.name)).all()


def list_standards_sets() -> Sequence[StandardsSet]:
    return db.session.scalars(sa.select(StandardsSet).order_by(StandardsSet.code)).all()


def list_facilities(*, actor: Actor, include_inactive: bool = False) -> Sequence[Facility]:
    """Facilities the actor may see (a facility-scoped user sees only theirs)."""
    authorize(actor, CustodyPermission.FACILITY_READ, subject_type="facility")
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
        authorize(actor, CustodyPermission.FACILITY_READ, subject_type="facility", subject_id=code)
        raise NotFound(f"No facility with code {code!r}.")
    authorize(
        actor,
        CustodyPermission.FACILITY_READ,
        facility_id=facility.id,
        check_facility=True,
        subject_type="facility",
        subject_id=facility.id,
    )
    return facility


def get_unit(*, actor: Actor, unit_id: int) -> HousingUnit:
    unit = db.session.get(HousingUnit, unit_id)
    if unit is None:
        raise NotFound(f"No housing unit {unit_id}.")
    authorize(
        actor,
        CustodyPermission.FACILITY_READ,
        facility_id=unit.facility_id,
        check_facility=True,
        subject_type="housing_unit",
        subject_id=unit_id,
    )
    return unit


def get_bed(*, actor: Actor, bed_id: int) -> Bed:
    bed = db.session.get(Bed, bed_id)
    if bed is None:
        raise NotFound(f"No bed {bed_id}.")
    authorize(
        actor,
        CustodyPermission.FACILITY_READ,
        facility_id=bed.unit.facility_id,
        check_facility=True,
        subject_type="bed",
        subject_id=bed_id,
    )
    return bed


def list_beds(
    *, actor: Actor, code: str, unit_id: int | None = None, in_service: bool | None = None
) -> Sequence[Bed]:
    facility = get_facility(actor=actor, code=code)
    query = (
        sa.select(Bed)
        .join(HousingUnit)
        .options(selectinload(Bed.unit))
        .where(HousingUnit.facility_id == facility.id)
    )
    if unit_id is not None:
        query = query.where(HousingUnit.id == unit_id)
    if in_service is not None:
        query = query.where(Bed.is_in_service.is_(in_service))
    return db.session.scalars(query.order_by(HousingUnit.name, Bed.label)).all()


def bed_counts(*, facility_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """facility id → (beds, beds in service), in one query."""
    return _bed_counts(HousingUnit.facility_id, HousingUnit.facility_id.in_(facility_ids))


def unit_bed_counts(*, unit_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """housing unit id → (beds, beds in service), in one query."""
    return _bed_counts(HousingUnit.id, HousingUnit.id.in_(unit_ids))


def _bed_counts(key: Any, where: Any) -> dict[int, tuple[int, int]]:
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


def _required(data: Mapping[str, Any], names: Sequence[str], errors: dict[str, list[str]]) -> None:
    for name in names:
        value = data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            errors.setdefault(name, []).append("This field is required.")


def _check_facility(data: Mapping[str, Any], *, creating: bool) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if creating:
        _required(
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


def _lookup(model: type, code: str | None, field: str, errors: dict[str, list[str]]) -> Any:
    if not code:
        return None
    row = db.session.scalar(sa.select(model).where(model.code == code))
    if row is None:
        errors.setdefault(field, []).append(f"Unknown {field.replace('_', ' ')} {code!r}.")
    return row


# --- writes --------------------------------------------------------------------------


def _may_manage(
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
    _may_manage(actor, -1 if actor.facility_id else None, "facility", None)
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
            tag="custody:facility:create",
            subject_type="facility",
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
    authorize(actor, CustodyPermission.FACILITY_MANAGE, subject_type="facility", subject_id=code)
    errors = _check_facility(data, creating=False)
    with unit_of_work() as session:
        facility = session.scalar(sa.select(Facility).where(Facility.code == code.upper()))
        if facility is None:
            raise NotFound(f"No facility with code {code!r}.")
        _may_manage(actor, facility.id, "facility", facility.id)
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
            tag="custody:facility:update",
            subject_type="facility",
            subject_id=facility.id,
            changed_fields=changed,
        )
        return facility


def _check_unit(data: Mapping[str, Any], *, creating: bool) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if creating:
        _required(data, ("name", "sex_housed", "kind"), errors)
    if data.get("sex_housed") and data["sex_housed"] not in set(Sex):
        errors.setdefault("sex_housed", []).append("Choose male, female or any.")
    if data.get("kind") and data["kind"] not in set(UnitKind):
        errors.setdefault("kind", []).append("Unknown unit kind.")
    return errors


def _levels(data: Mapping[str, Any], unit: HousingUnit | None) -> dict[str, bool]:
    if "levels" in data:
        levels = set(data["levels"])
        return {f"allows_level_{n}": n in levels for n in (1, 2, 3)}
    return {k: bool(data[k]) for k in UNIT_FIELDS[3:] if k in data}


def _check_levels(values: Mapping[str, Any], unit: HousingUnit | None) -> dict[str, list[str]]:
    merged = {
        f"allows_level_{n}": values.get(
            f"allows_level_{n}", getattr(unit, f"allows_level_{n}", False)
        )
        for n in (1, 2, 3)
    }
    if not any(merged.values()):
        return {"levels": ["Allow at least one classification level."]}
    return {}


def create_unit(*, actor: Actor, facility_code: str, data: Mapping[str, Any]) -> HousingUnit:
    authorize(actor, CustodyPermission.FACILITY_MANAGE, subject_type="housing_unit")
    errors = _check_unit(data, creating=True)
    values = {k: clean(data[k]) for k in UNIT_FIELDS[:3] if k in data} | _levels(data, None)
    errors |= _check_levels(values, None)
    with unit_of_work() as session:
        facility = session.scalar(sa.select(Facility).where(Facility.code == facility_code.upper()))
        if facility is None:
            raise NotFound(f"No facility with code {facility_code!r}.")
        _may_manage(actor, facility.id, "housing_unit", None)
        if errors:
            raise ValidationFailed(errors)
        duplicate = sa.select(HousingUnit.id).where(
            HousingUnit.facility_id == facility.id, HousingUnit.name == values["name"]
        )
        if session.scalar(duplicate):
            raise Conflict(
                f"{facility.code} already has a unit named {values['name']!r}.", field="name"
            )
        values = {
            "allows_level_1": False,
            "allows_level_2": False,
            "allows_level_3": False,
        } | values
        unit = HousingUnit(facility=facility, **values)
        session.add(unit)
        session.flush()
        audit.record(
            actor=actor,
            tag="custody:unit:create",
            subject_type="housing_unit",
            subject_id=unit.id,
            changed_fields=["facility_id", *values],
        )
        return unit


def update_unit(*, actor: Actor, unit_id: int, data: Mapping[str, Any]) -> HousingUnit:
    authorize(
        actor, CustodyPermission.FACILITY_MANAGE, subject_type="housing_unit", subject_id=unit_id
    )
    errors = _check_unit(data, creating=False)
    with unit_of_work() as session:
        unit = session.get(HousingUnit, unit_id)
        if unit is None:
            raise NotFound(f"No housing unit {unit_id}.")
        _may_manage(actor, unit.facility_id, "housing_unit", unit_id)
        values = {k: clean(data[k]) for k in UNIT_FIELDS[:3] if k in data} | _levels(data, unit)
        errors |= _check_levels(values, unit)
        if errors:
            raise ValidationFailed(errors)
        changed = apply_changes(unit, values)
        audit.record(
            actor=actor,
            tag="custody:unit:update",
            subject_type="housing_unit",
            subject_id=unit.id,
            changed_fields=changed,
        )
        return unit


def create_beds(
    *,
    actor: Actor,
    unit_id: int,
    labels: Sequence[str],
    is_lower_bunk: bool = False,
    is_accessible: bool = False,
) -> list[Bed]:
    """Add one or more beds to a unit (labels must be new in that unit)."""
    authorize(
        actor, CustodyPermission.FACILITY_MANAGE, subject_type="housing_unit", subject_id=unit_id
    )
    wanted = [label.strip() for label in labels if label and label.strip()]
    if not wanted or any(len(label) > 32 for label in wanted) or len(set(wanted)) != len(wanted):
        raise ValidationFailed(
            {"labels": ["Give one or more distinct bed labels (≤ 32 characters)."]}
        )
    with unit_of_work() as session:
        unit = session.get(HousingUnit, unit_id)
        if unit is None:
            raise NotFound(f"No housing unit {unit_id}.")
        _may_manage(actor, unit.facility_id, "housing_unit", unit_id)
        taken = set(
            session.scalars(
                sa.select(Bed.label).where(Bed.unit_id == unit_id, Bed.label.in_(wanted))
            )
        )
        if taken:
            raise Conflict(
                f"Unit {unit.name} already has beds {', '.join(sorted(taken))}.", field="labels"
            )
        beds = [
            Bed(
                unit=unit,
                label=label,
                is_lower_bunk=is_lower_bunk,
                is_accessible=is_accessible,
                is_in_service=True,
            )
            for label in wanted
        ]
        session.add_all(beds)
        session.flush()
        for bed in beds:
            audit.record(
                actor=actor,
                tag="custody:bed:create",
                subject_type="bed",
                subject_id=bed.id,
                changed_fields=["unit_id", *BED_FIELDS],
            )
        return beds


def update_bed(*, actor: Actor, bed_id: int, data: Mapping[str, Any]) -> Bed:
    authorize(actor, CustodyPermission.FACILITY_MANAGE, subject_type="bed", subject_id=bed_id)
    with unit_of_work() as session:
        bed = session.get(Bed, bed_id)
        if bed is None:
            raise NotFound(f"No bed {bed_id}.")
        _may_manage(actor, bed.unit.facility_id, "bed", bed_id)
        values = {k: data[k] for k in BED_FIELDS if k in data}
        if "label" in values:
            values["label"] = str(values["label"]).strip()
            if not values["label"] or len(values["label"]) > 32:
                raise ValidationFailed({"label": ["Give a label of 1–32 characters."]})
            clash = sa.select(Bed.id).where(
                Bed.unit_id == bed.unit_id, Bed.label == values["label"], Bed.id != bed.id
            )
            if session.scalar(clash):
                raise Conflict(f"Unit already has a bed {values['label']}.", field="label")
        changed = apply_changes(bed, values)
        audit.record(
            actor=actor,
            tag="custody:bed:update",
            subject_type="bed",
            subject_id=bed.id,
            changed_fields=changed,
        )
        return bed
