"""`custodia fhir import PATH...`: load transaction, batch and collection Bundles.

A transaction Bundle is imported all or nothing, like POST /fhir. A collection is
turned into a transaction first: entries with an id are PUT under that id, the others
POSTed; references to other entries' fullUrls are rewritten. Each file is one unit of
work, audited as `health:fhir:import` with one entry per patient in the file (not one
per resource).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.actor import Actor
from core.db import unit_of_work
from health.fhir.outcome import FhirError
from health.fhir.store import parse_body
from health.fhir.transaction import run_batch, run_transaction


@dataclass
class ImportResult:
    path: str
    kind: str
    counts: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def as_transaction(bundle: dict[str, Any]) -> dict[str, Any]:
    entries = []
    for raw in bundle.get("entry") or []:
        resource = raw.get("resource")
        if not isinstance(resource, dict):
            continue
        rtype = resource.get("resourceType")
        if "id" in resource:
            request = {"method": "PUT", "url": f"{rtype}/{resource['id']}"}
        else:
            request = {"method": "POST", "url": rtype}
        entries.append({"fullUrl": raw.get("fullUrl"), "resource": resource, "request": request})
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def import_bundle(*, actor: Actor, bundle: Any, path: str = "-") -> ImportResult:
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise FhirError(400, f"{path}: not a FHIR Bundle.")
    kind = bundle.get("type", "")
    result = ImportResult(path, kind)
    if kind == "batch":
        responses = run_batch(actor, bundle)
    elif kind in ("transaction", "collection"):
        source = bundle if kind == "transaction" else as_transaction(bundle)
        with unit_of_work():
            responses = run_transaction(actor, source, interaction="import")
    else:
        raise FhirError(400, f"{path}: Bundle.type {kind!r} cannot be imported.")
    for response in responses:
        stored = response.get("_stored")
        if stored is not None:
            result.counts[stored.resource_type] += 1
        elif "outcome" in response:
            issues = response["outcome"]["issue"]
            result.errors.append(f"{response['status']}: {issues[0].get('diagnostics', '')}")
    return result


def import_file(*, actor: Actor, path: Path) -> ImportResult:
    return import_bundle(actor=actor, bundle=parse_body(path.read_bytes()), path=str(path))
