"""Housing units and beds of a facility: reading, creating and changing them."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from core import audit
from core.access import authorize
from core.actor import Actor
from core.db import db, unit_of_work
from core.errors import Conflict, NotFound
from core.validation import FieldErrors, sent
from custody.audit_tags import CustodyAuditTag, CustodySubject
from custody.common import apply_changes
from custody.facilities.inputs import BedPatch, BedsIn, UnitIn, UnitPatch
from custody.facilities.models import (
    Bed,
    Facility,
    HousingUnit,
    Sex,
    UnitKind,
)
from custody.facilities.services import bed_count_rows, get_facility, may_manage
from custody.permissions import CustodyPermission

BED_FIELDS = ("label", "is_lower_bunk", "is_accessible", "is_in_service")


def get_unit(*, actor: Actor, unit_id: int) -> HousingUnit:
    unit = db.session.get(HousingUnit, unit_id)
    if unit is None:
        raise NotFound(f"No housing unit {unit_id}.")
    authorize(
        actor,
        CustodyPermission.FACILITY_READ,
        facility_id=unit.facility_id,
        check_facility=True,
        subject_type=CustodySubject.HOUSING_UNIT,
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
        subject_type=CustodySubject.BED,
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


def unit_bed_counts(*, unit_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """housing unit id → (beds, beds in service), in one query."""
    return bed_count_rows(HousingUnit.id, HousingUnit.id.in_(unit_ids))


def _unit_values(data: UnitIn | UnitPatch, unit: HousingUnit | None) -> dict[str, object]:
    """The unit fields given, cleaned (levels as `allows_level_n`); 422 on a problem."""
    errors = FieldErrors()
    changes = sent(data)
    values: dict[str, object] = {}
    if "name" in changes:
        values["name"] = errors.text("name", changes["name"], max_length=64)
    if "sex_housed" in changes:
        values["sex_housed"] = errors.choice("sex_housed", changes["sex_housed"], list(Sex))
    if "kind" in changes:
        values["kind"] = errors.choice("kind", changes["kind"], list(UnitKind))
    if "levels" in changes:
        levels = set(changes["levels"] or ())
        values |= {f"allows_level_{n}": n in levels for n in (1, 2, 3)}
    allowed = [
        values.get(f"allows_level_{n}", getattr(unit, f"allows_level_{n}", False))
        for n in (1, 2, 3)
    ]
    if not any(allowed):
        errors.add("levels", "Allow at least one classification level.")
    errors.raise_if_any()
    return values


def create_unit(*, actor: Actor, facility_code: str, data: UnitIn) -> HousingUnit:
    authorize(actor, CustodyPermission.FACILITY_MANAGE, subject_type=CustodySubject.HOUSING_UNIT)
    with unit_of_work() as session:
        facility = session.scalar(sa.select(Facility).where(Facility.code == facility_code.upper()))
        if facility is None:
            raise NotFound(f"No facility with code {facility_code!r}.")
        may_manage(actor, facility.id, "housing_unit", None)
        values = _unit_values(data, None)
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
            tag=CustodyAuditTag.UNIT_CREATE,
            subject_type=CustodySubject.HOUSING_UNIT,
            subject_id=unit.id,
            changed_fields=["facility_id", *values],
        )
        return unit


def update_unit(*, actor: Actor, unit_id: int, data: UnitPatch) -> HousingUnit:
    authorize(
        actor,
        CustodyPermission.FACILITY_MANAGE,
        subject_type=CustodySubject.HOUSING_UNIT,
        subject_id=unit_id,
    )
    with unit_of_work() as session:
        unit = session.get(HousingUnit, unit_id)
        if unit is None:
            raise NotFound(f"No housing unit {unit_id}.")
        may_manage(actor, unit.facility_id, "housing_unit", unit_id)
        values = _unit_values(data, unit)
        changed = apply_changes(unit, values)
        audit.record(
            actor=actor,
            tag=CustodyAuditTag.UNIT_UPDATE,
            subject_type=CustodySubject.HOUSING_UNIT,
            subject_id=unit.id,
            changed_fields=changed,
        )
        return unit


def create_beds(*, actor: Actor, unit_id: int, data: BedsIn) -> list[Bed]:
    """Add one or more beds to a unit (labels must be new in that unit)."""
    authorize(
        actor,
        CustodyPermission.FACILITY_MANAGE,
        subject_type=CustodySubject.HOUSING_UNIT,
        subject_id=unit_id,
    )
    errors = FieldErrors()
    wanted = [label.strip() for label in data.labels if isinstance(label, str) and label.strip()]
    if not wanted or any(len(label) > 32 for label in wanted) or len(set(wanted)) != len(wanted):
        errors.add("labels", "Give one or more distinct bed labels (≤ 32 characters).")
    is_lower_bunk = errors.boolean("is_lower_bunk", data.is_lower_bunk)
    is_accessible = errors.boolean("is_accessible", data.is_accessible)
    errors.raise_if_any()
    with unit_of_work() as session:
        unit = session.get(HousingUnit, unit_id)
        if unit is None:
            raise NotFound(f"No housing unit {unit_id}.")
        may_manage(actor, unit.facility_id, "housing_unit", unit_id)
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
                is_lower_bunk=bool(is_lower_bunk),
                is_accessible=bool(is_accessible),
                is_in_service=True,
            )
            for label in wanted
        ]
        session.add_all(beds)
        session.flush()
        for bed in beds:
            audit.record(
                actor=actor,
                tag=CustodyAuditTag.BED_CREATE,
                subject_type=CustodySubject.BED,
                subject_id=bed.id,
                changed_fields=["unit_id", *BED_FIELDS],
            )
        return beds


def _bed_values(data: BedPatch) -> dict[str, object]:
    errors = FieldErrors()
    values: dict[str, object] = {}
    for name, value in sent(data).items():
        if name == "label":
            values[name] = errors.text(name, value, max_length=32)
        else:
            values[name] = errors.boolean(name, value)
    errors.raise_if_any()
    return values


def update_bed(*, actor: Actor, bed_id: int, data: BedPatch) -> Bed:
    authorize(
        actor, CustodyPermission.FACILITY_MANAGE, subject_type=CustodySubject.BED, subject_id=bed_id
    )
    with unit_of_work() as session:
        bed = session.get(Bed, bed_id)
        if bed is None:
            raise NotFound(f"No bed {bed_id}.")
        may_manage(actor, bed.unit.facility_id, "bed", bed_id)
        values = _bed_values(data)
        if "label" in values:
            clash = sa.select(Bed.id).where(
                Bed.unit_id == bed.unit_id, Bed.label == values["label"], Bed.id != bed.id
            )
            if session.scalar(clash):
                raise Conflict(f"Unit already has a bed {values['label']}.", field="label")
        changed = apply_changes(bed, values)
        audit.record(
            actor=actor,
            tag=CustodyAuditTag.BED_UPDATE,
            subject_type=CustodySubject.BED,
            subject_id=bed.id,
            changed_fields=changed,
        )
        return bed
