"""Demo reference data: field offices, facilities with their units and beds, and one user per
role."""

from __future__ import annotations

import sqlalchemy as sa

from core.actor import Actor
from core.db import db
from core.models import User
from core.permissions import Role
from core.users import UserIn, create_user
from custody.facilities import services as svc
from custody.facilities import units as unit_services
from custody.facilities.inputs import BedsIn, FacilityIn, UnitIn
from custody.facilities.models import Facility, HousingUnit

DEMO_FACILITIES = (
    # code, name, city, state, zip, phone, field office code, type, tz, standards, units
    (
        "RVPC",
        "Riverbend Processing Center",
        "Laredo",
        "TX",
        "78040",
        "(956) 555-0100",
        "SNA",
        "SPC",
        "America/Chicago",
        "PBNDS-2011-R2016",
        (
            ("Alpha", "male", "general", (1, 2), 64),
            ("Bravo", "male", "general", (2, 3), 64),
            ("Charlie", "female", "general", (1, 2), 32),
            ("Delta", "male", "restrictive", (1, 2, 3), 12),
            ("Medical", "any", "medical", (1, 2, 3), 8),
            ("Intake", "any", "intake_holding", (1, 2, 3), 10),
        ),
    ),
    (
        "DSCF",
        "Desert Springs Contract Facility",
        "Florence",
        "AZ",
        "85132",
        "(520) 555-0140",
        "PHO",
        "CDF",
        "America/Phoenix",
        "PBNDS-2011-R2016",
        (
            ("East 1", "male", "general", (1,), 48),
            ("East 2", "male", "general", (2, 3), 48),
            ("West", "female", "general", (1, 2, 3), 24),
            ("Segregation", "any", "restrictive", (1, 2, 3), 8),
            ("Infirmary", "any", "medical", (1, 2, 3), 6),
            ("Isolation", "any", "isolation", (1, 2, 3), 4),
        ),
    ),
    (
        "NHCJ",
        "North Harbor County Jail",
        "Elizabeth",
        "NJ",
        "07201",
        "(908) 555-0175",
        "NEW",
        "IGSA",
        "America/New_York",
        "NDS-2019",
        (
            ("ICE A", "male", "general", (1, 2), 40),
            ("ICE B", "female", "general", (1, 2), 20),
            ("Special Housing", "any", "restrictive", (1, 2, 3), 6),
        ),
    ),
    (
        "PSRC",
        "Pine Summit Regional Center",
        "Tacoma",
        "WA",
        "98421",
        "(253) 555-0190",
        "SEA",
        "DIGSA",
        "America/Los_Angeles",
        "NDS-2025",
        (
            ("Unit 1", "male", "general", (1, 2), 36),
            ("Unit 2", "male", "general", (3,), 24),
            ("Unit 3", "female", "general", (1, 2, 3), 20),
            ("RHU", "any", "restrictive", (1, 2, 3), 6),
            ("Medical", "any", "medical", (1, 2, 3), 4),
        ),
    ),
)


# Fixed, printed by `make run`; the demo database is for local use only.
DEMO_PASSWORDS = {
    Role.ADMIN: "granite-lantern-41",
    Role.SUPERVISOR: "copper-meadow-52",
    Role.OFFICER: "harbor-compass-63",
    Role.CLINICIAN: "willow-stetho-74",
    Role.MENTAL_HEALTH: "juniper-harbor-87",
    Role.RECORDS: "ledger-pine-85",
    Role.AUDITOR: "quartz-ledger-96",
}


def seed_facility(actor: Actor, spec: tuple) -> int:
    code, name, city, state, zip_code, phone, office, kind, tz, standards, units = spec
    facility = db.session.scalar(sa.select(Facility).where(Facility.code == code))
    if facility is None:
        facility = svc.create_facility(
            actor=actor,
            data=FacilityIn(
                code=code,
                name=name,
                address_line=f"{100 + len(name)} Service Road",
                city=city,
                state=state,
                postal_code=zip_code,
                phone=phone,
                field_office=office,
                facility_type=kind,
                time_zone=tz,
                standards_set=standards,
            ),
        )
    beds = 0
    for unit_name, sex, unit_kind, levels, bed_count in units:
        unit = db.session.scalar(
            sa.select(HousingUnit).where(
                HousingUnit.facility_id == facility.id, HousingUnit.name == unit_name
            )
        )
        if unit is None:
            unit = unit_services.create_unit(
                actor=actor,
                facility_code=code,
                data=UnitIn(name=unit_name, sex_housed=sex, kind=unit_kind, levels=levels),
            )
            prefix = unit_name.replace(" ", "")[:3].upper()
            labels = [f"{prefix}-{n:03d}{'L' if n % 2 else 'U'}" for n in range(1, bed_count + 1)]
            for lower, group in ((True, labels[0::2]), (False, labels[1::2])):
                if group:
                    unit_services.create_beds(
                        actor=actor,
                        unit_id=unit.id,
                        data=BedsIn(
                            labels=group,
                            is_lower_bunk=lower,
                            is_accessible=lower and unit_kind == "medical",
                        ),
                    )
        beds += bed_count
    return beds


def seed_user(actor: Actor, role: Role) -> None:
    if db.session.scalar(sa.select(User.id).where(User.username == role.value)) is None:
        create_user(
            actor=actor,
            data=UserIn(
                username=role.value,
                role=role.value,
                password=DEMO_PASSWORDS[role],
                full_name=f"Demo {role.label}",
            ),
        )
