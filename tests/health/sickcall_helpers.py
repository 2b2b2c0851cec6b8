"""Shared by the sick-call tests: a person held at a facility, the three steps, and
reading the FHIR written back."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from core.db import utcnow
from health.fhir import store
from health.sickcall import services
from health.sickcall.inputs import InterpreterIn, RequestIn, TriageIn, VisitIn

CS = "https://custodia.dev/fhir/CodeSystem/encounter-type"
BASE = "https://custodia.dev/fhir"
PHONE = InterpreterIn(language="es", mode="telephone", interpreter_id="LL-20417")


def document(reference: str) -> dict[str, Any]:
    resource_type, resource_id = reference.split("/")
    found = store.current(resource_type, resource_id)
    assert found is not None and found.text is not None, reference
    return json.loads(found.text)


def request(actor: Any, a_number: str = "", hours_ago: float = 1.0, **extra: Any) -> Any:
    when = (utcnow() - dt.timedelta(hours=hours_ago)).replace(microsecond=0)
    data = {
        "a_number": a_number,
        "complaint": "Me duele la muela desde hace tres días.",
        "language": "es",
        "channel": "paper-slip",
        "received_local": when,
        **extra,
    }
    return services.record_request(actor=actor, data=RequestIn(**data))


def triage(actor: Any, request_id: str, hours_ago: float | None = None, **extra: Any) -> Any:
    when = None if hours_ago is None else utcnow() - dt.timedelta(hours=hours_ago)
    data = {
        "priority": "urgent",
        "disposition": "schedule-visit",
        "interpreter": PHONE,
        "note": "Swelling, no fever.",
        "triaged_local": when,
        **extra,
    }
    return services.triage_request(actor=actor, request_id=request_id, data=TriageIn(**data))


def visit(actor: Any, request_id: str, **extra: Any) -> Any:
    data = {
        "subjective": "Toothache three days.",
        "objective": "Swollen gum, lower left.",
        "assessment": "Dental abscess suspected.",
        "plan": "Dental referral; ibuprofen.",
        "interpreter": PHONE,
        **extra,
    }
    return services.record_visit(actor=actor, request_id=request_id, data=VisitIn(**data))


def codes(concepts: list[dict[str, Any]] | dict[str, Any]) -> set[tuple[str, str]]:
    items = concepts if isinstance(concepts, list) else [concepts]
    return {(c["system"], c["code"]) for item in items for c in item.get("coding", [])}


def extension(document: dict[str, Any], name: str) -> dict[str, Any]:
    url = f"{BASE}/StructureDefinition/{name}"
    return next(e for e in document["extension"] if e["url"] == url)
