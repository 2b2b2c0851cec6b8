"""The running header as every export writes it: the person as "FAMILY, Given", the
A-number as pages write it, the date of birth as MM/DD/YYYY, and who generated the
export as "username (Role)" — one place, so the custody and health exports agree."""

from __future__ import annotations

import datetime as dt

from core.actor import Actor
from core.i18n import a_number
from core.pdf.document import RunningHeader


def generated_by(actor: Actor) -> str:
    role = actor.role.label if actor.role is not None else "System"
    return f"{actor.username} ({role})"


def person_name(family_name: str, given_name: str) -> str:
    """ "FAMILY, Given" (either part may be empty)."""
    return f"{family_name.upper()}, {given_name}".strip(", ")


def person_header(
    *,
    title: str,
    family_name: str,
    given_name: str,
    a_number_value: str | None,
    date_of_birth: dt.date | str,
    facility: str,
    actor: Actor,
    generated_at: str,
    confidential: bool = False,
) -> RunningHeader:
    """`date_of_birth` as a date, or already written; `generated_at` in the facility's
    local time with its zone (core.i18n.local_time)."""
    born = (
        date_of_birth.strftime("%m/%d/%Y") if isinstance(date_of_birth, dt.date) else date_of_birth
    )
    return RunningHeader(
        export_title=title,
        person_name=person_name(family_name, given_name),
        a_number=a_number(a_number_value),
        date_of_birth=born,
        facility=facility,
        generated_by=generated_by(actor),
        generated_at=generated_at,
        confidential=confidential,
    )
