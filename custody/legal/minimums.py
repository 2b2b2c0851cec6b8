"""The minimums the legal-access reports compare against, as data (`LegalMinimum`): the
facility's own row, else its standards set's. Supervisors and admins may give a
facility its own (a contract may ask more than the standards set)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from core import audit
from core.actor import Actor
from core.db import db, unit_of_work
from core.validation import FieldErrors
from custody.audit_tags import CustodyAuditTag, CustodySubject
from custody.facilities.models import Facility
from custody.legal.models import LegalMinimum
from custody.legal.services import facility_for
from custody.legal.weeks import is_weekend
from custody.permissions import CustodyPermission

WEEK_MINUTES = 7 * 24 * 60


@dataclass(frozen=True)
class Minimums:
    law_library_minutes: int
    weekday_visiting_minutes: int
    weekend_visiting_minutes: int
    citation: str
    source: str  # "facility" or the standards set's code

    def visiting_minutes(self, day: dt.date, is_holiday: bool) -> int:
        weekend = is_holiday or is_weekend(day)
        return self.weekend_visiting_minutes if weekend else self.weekday_visiting_minutes


def minimums_for(facility: Facility) -> Minimums | None:
    """The facility's own minimums, else its standards set's; None when neither is
    recorded (the reports then say so instead of guessing)."""
    rows = db.session.scalars(
        sa.select(LegalMinimum).where(
            sa.or_(
                LegalMinimum.facility_id == facility.id,
                LegalMinimum.standards_set_id == facility.standards_set_id,
            )
        )
    ).all()
    row = next((r for r in rows if r.facility_id), None) or next(iter(rows), None)
    if row is None:
        return None
    source = "facility" if row.facility_id else facility.standards_set.code
    return Minimums(
        row.law_library_minutes,
        row.weekday_visiting_minutes,
        row.weekend_visiting_minutes,
        row.citation,
        source,
    )


def set_facility_minimums(
    *,
    actor: Actor,
    facility_code: str,
    law_library_minutes: object,
    weekday_visiting_minutes: object,
    weekend_visiting_minutes: object,
    citation: object = "",
) -> Minimums:
    """The facility's own minimums (replacing its previous ones), audited."""
    facility = facility_for(actor, facility_code, CustodyPermission.LEGAL_CONFIGURE)
    errors = FieldErrors()
    values = {
        "law_library_minutes": errors.integer(
            "law_library_minutes", law_library_minutes, minimum=0, maximum=WEEK_MINUTES
        ),
        "weekday_visiting_minutes": errors.integer(
            "weekday_visiting_minutes", weekday_visiting_minutes, minimum=0, maximum=1440
        ),
        "weekend_visiting_minutes": errors.integer(
            "weekend_visiting_minutes", weekend_visiting_minutes, minimum=0, maximum=1440
        ),
        "citation": errors.text("citation", citation, max_length=200, required=False),
    }
    errors.raise_if_any()
    with unit_of_work():
        row = db.session.scalar(
            sa.select(LegalMinimum).where(LegalMinimum.facility_id == facility.id)
        )
        if row is None:
            row = LegalMinimum(facility_id=facility.id)
            db.session.add(row)
        for name, value in values.items():
            setattr(row, name, value)
        db.session.flush()
        audit.record(
            actor=actor,
            tag=CustodyAuditTag.LEGAL_MINIMUM_SET,
            subject_type=CustodySubject.FACILITY,
            subject_id=facility.id,
            changed_fields=sorted(values),
            facility_id=facility.id,
        )
    found = minimums_for(facility)
    if found is None:  # the row was just written
        raise RuntimeError("the facility's minimums were not saved")
    return found
