"""What `FhirResourcesWritten` tells of each written resource, read from its document:
status, the "system|code" tokens of its type/code/vaccineCode codings (an Encounter's
`type`), and when it happened (Encounter: `period.end`, else `period.start`;
ServiceRequest: `authoredOn`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from health.events import WrittenResource
from health.fhir.indexing import date_range

CODE_FIELDS = ("type", "code", "vaccineCode")  # where a resource says what it is


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
