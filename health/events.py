"""Health's domain events (`core.events`), published inside the unit of work of the
write they describe: subscribers (custody's compliance clocks) run in the same
transaction, and the outbox keeps every event for partners.

`FhirResourcesWritten` is published once per `health.fhir.writes.write_many` call —
the one path every FHIR write takes (create, update, delete, transactions, batches,
the importer and the custody link) — after the rows are written. Subscribers get each
resource's type, code, status and relevant time; **the outbox payload keeps only
types, ids, versions, patient ids and whether it was a deletion**: codes and statuses
are health content. (`health.fhir.written` builds the `WrittenResource`s from the
documents; this module imports nothing of health, so any part may import it.)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from core.events import Event, JSONValue


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
