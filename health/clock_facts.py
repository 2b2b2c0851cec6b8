"""Health's service interface for the compliance clocks: what a person's FHIR record
says about the clinical events the detention standards time, and nothing else.

Custody's compliance engine (custody/rules/engine.py) recomputes a booking's clinical
clocks from these facts whenever an Encounter or ServiceRequest of the person is
written (`health.fhir.resources_written`). A fact is a current, not deleted Encounter
or ServiceRequest whose type (Encounter) or code (ServiceRequest) has a code of the
local encounter-type CodeSystem (`{FHIR_BASE}/CodeSystem/encounter-type`): its codes
in that system, status, when it happened and the requests it was based on — never a
reason, a note or another code system's concept. Like `health.patients.a_number_of`,
reading them checks no permission and writes no audit entry: they are identifiers,
codes of our own visit types and times, read for bookkeeping inside the caller's unit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from core.db import db
from health.fhir import jsontext, link, store
from health.fhir.models import FhirResource, TokenIndex
from health.fhir.services import fhir_base
from health.fhir.written import written_resource

# where each clinical resource type says what kind of event it is (token parameter)
CODED_BY = {"Encounter": "type", "ServiceRequest": "code"}


@dataclass(frozen=True)
class ClockFact:
    """One Encounter or ServiceRequest as the clocks see it. `at` is when it happened:
    an Encounter's `period.end` (else its start), a ServiceRequest's `authoredOn`;
    without one, when the version was stored."""

    resource_type: str
    id: str
    status: str | None
    codes: frozenset[str]  # codes of the encounter-type CodeSystem
    at: dt.datetime
    based_on: frozenset[str] = frozenset()  # ids of the ServiceRequests it answers

    @property
    def reference(self) -> str:
        return f"{self.resource_type}/{self.id}"


def encounter_type_system() -> str:
    """The local CodeSystem of visit types (`{FHIR_BASE}/CodeSystem/encounter-type`)."""
    return f"{fhir_base()}/CodeSystem/encounter-type"


def patient_id_of(a_number: str) -> str | None:
    """The id of the person's Patient (identifier `{FHIR_BASE}/sid/a-number`), if any."""
    return link.patient_id_of(a_number)


def clock_facts(patient_id: str) -> list[ClockFact]:
    """Every current Encounter and ServiceRequest of the Patient coded in the
    encounter-type CodeSystem, oldest first (one query over the token index)."""
    system = encounter_type_system()
    token = TokenIndex
    coded = sa.or_(
        *(
            sa.and_(token.resource_type == kind, token.param == param)
            for kind, param in CODED_BY.items()
        )
    )
    query = sa.select(*store.CURRENT_COLUMNS).where(
        FhirResource.patient_id == patient_id,
        FhirResource.resource_type.in_(tuple(CODED_BY)),
        FhirResource.is_deleted.is_(False),
        sa.exists().where(
            token.resource_type == FhirResource.resource_type,
            token.resource_id == FhirResource.id,
            token.system == system,
            coded,
        ),
    )
    facts = [_fact(store.stored_from_row(row), system) for row in db.session.execute(query)]
    return sorted(facts, key=lambda fact: (fact.at, fact.id))


def _fact(stored: store.Stored, system: str) -> ClockFact:
    document: dict[str, Any] = jsontext.loads(stored.text or "{}")
    written = written_resource(
        resource_type=stored.resource_type,
        id=stored.id,
        version=stored.version,
        patient_id=stored.patient_id,
        document=document,
    )
    prefix = f"{system}|"
    return ClockFact(
        resource_type=stored.resource_type,
        id=stored.id,
        status=written.status,
        codes=frozenset(c.removeprefix(prefix) for c in written.codes if c.startswith(prefix)),
        at=written.occurred_at or stored.last_updated,
        based_on=frozenset(_requests(document.get("basedOn"))),
    )


def _requests(based_on: Any) -> list[str]:
    found = []
    for item in based_on if isinstance(based_on, list) else ():
        reference = item.get("reference") if isinstance(item, dict) else None
        if isinstance(reference, str) and reference.startswith("ServiceRequest/"):
            found.append(reference.removeprefix("ServiceRequest/"))
    return found
