"""A bundle's writes, stored together (`writes.write_many`), with a refused reference
reported at the entry that holds it (`Bundle.entry[2]: Observation.subject refers to
Patient/x, which does not exist.`)."""

from __future__ import annotations

from health.fhir import writes
from health.fhir.entries import Entry
from health.fhir.errors import FhirProblem
from health.fhir.referential import referrer
from health.fhir.store import Stored
from health.fhir.writes import Pending


def write_entries(pendings: list[tuple[Entry, Pending]]) -> list[Stored]:
    try:
        return writes.write_many([p for _, p in pendings])
    except FhirProblem as err:
        source = referrer(err)
        at = {(p.resource_type, p.id): e for e, p in pendings}.get(source) if source else None
        raise (err.within(at.where) if at else err) from None
