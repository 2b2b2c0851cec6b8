"""Health's domain events (`core.events`), published inside the unit of work of the
write they describe: subscribers (custody's compliance clocks) run in the same
transaction, and the outbox keeps every event for partners.

`FhirResourcesWritten` is published once per `health.fhir.writes.write_many` call —
the one path every FHIR write takes (create, update, delete, transactions, batches,
the importer and the custody link) — after the rows are written. Subscribers get each
resource's type, code, status and relevant time; **the outbox payload keeps only
types, ids, versions, patient ids and whether it was a deletion**: codes and statuses
are health content.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from core.events import Event, JSONValue
from health.fhir.indexing import date_range

CODE_FIELDS = ("type", "code", "vaccineCode")  # where a resource says what it is


@dataclass(frozen=True)
class WrittenResource:
    """One resource version just written. `codes` ("system|code") and `status` are
    health content: subscribers may act on them, the outbox never keeps them."""

    resource_type: str
    id: str
    version: int
    patient_id: str | None
    is_deleted: bool
    status: str | None = None
    codes: tuple[str, ...] = ()
    occurred_at: dt.datetime | None = None

    @property
    def reference(self) -> str:
        return f"{self.resource_type}/{self.id}"

    def summary(self) -> dict[str, JSONValue]:
        """What the outbox may keep of it: no codes, no status, no time."""
        return {
            "resource_type": self.resource_type,
            "id": self.id,
            "version": self.version,
            "patient_id": self.patient_id,
            "is_deleted": self.is_deleted,
        }


class FhirResourcesWritten(Event):
    """FHIR resources were written (created, updated or deleted) in one unit of work."""

    kind = "health.fhir.resources_written"
    resources: tuple[WrittenResource, ...]

    def subject(self) -> tuple[str, str]:
        patients = {r.patient_id for r in self.resources}
        if len(patients) == 1 and (patient := next(iter(patients))) is not None:
            return ("Patient", patient)
        if len(self.resources) == 1:
            only = self.resources[0]
            return (only.resource_type, only.id)
        return ("Bundle", "-")

    def payload(self) -> dict[str, JSONValue]:
        return {"resources": [r.summary() for r in self.resources]}


def written_resource(
    *,
    resource_type: str,
    id: str,
    version: int,
    patient_id: str | None,
    document: dict[str, Any] | None,
) -> WrittenResource:
    """The event's view of one written version (`document` None: a deletion)."""
    if document is None:
        return WrittenResource(resource_type, id, version, patient_id, True)
    status = document.get("status")
    return WrittenResource(
        resource_type,
        id,
        version,
        patient_id,
        False,
        status if isinstance(status, str) else None,
        tuple(dict.fromkeys(_codes(document))),
        _occurred_at(resource_type, document),
    )


def _codes(document: dict[str, Any]) -> Iterator[str]:
    for field in CODE_FIELDS:
        value = document.get(field)
        concepts: Sequence[Any] = value if isinstance(value, list) else [value]
        for concept in concepts:
            codings = concept.get("coding") if isinstance(concept, dict) else None
            for coding in codings if isinstance(codings, list) else ():
                code = coding.get("code") if isinstance(coding, dict) else None
                if isinstance(code, str) and code:
                    system = coding.get("system")
                    yield f"{system if isinstance(system, str) else ''}|{code}"


def _occurred_at(resource_type: str, document: dict[str, Any]) -> dt.datetime | None:
    """Encounter: `period.end`, else `period.start`; ServiceRequest: `authoredOn`."""
    if resource_type == "Encounter":
        period = document.get("period")
        if isinstance(period, dict):
            return _instant(period.get("end")) or _instant(period.get("start"))
    elif resource_type == "ServiceRequest":
        return _instant(document.get("authoredOn"))
    return None


def _instant(value: Any) -> dt.datetime | None:
    """The start of a FHIR dateTime (UTC; a value without a zone is taken as UTC)."""
    covered = date_range(value) if isinstance(value, str) else None
    return covered[0] if covered else None
