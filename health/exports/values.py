"""How the export reads single FHIR values: a resource's time, its display text, an
Observation's value, the Encounter it belongs to, a note's narrative as plain text.
Pure functions over stored documents, shared by `content` and `bytype`; codes are
named with the chart's helpers (`health.chart.codes`, `health.chart.vitals`)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from html.parser import HTMLParser
from typing import Any

from health.chart import codes
from health.chart import vitals as vital_signs
from health.chart.codes import Vital
from health.chart.summary import instant

ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
# where a resource says when it happened, in the order we look
TIME_KEYS = (
    "effectiveDateTime",
    "occurrenceDateTime",
    "authoredOn",
    "authored",
    "onsetDateTime",
    "recordedDate",
    "recorded",
    "dateAsserted",
    "date",
    "issued",
)


def when_of(resource: dict[str, Any]) -> dt.datetime | None:
    """When the resource happened (its clinical time, else its period's start, else
    when it was stored)."""
    for key in TIME_KEYS:
        if isinstance(resource.get(key), str):
            return instant(resource[key])
    for key in ("period", "effectivePeriod"):
        period = resource.get(key)
        if isinstance(period, dict) and (period.get("start") or period.get("end")):
            return instant(period.get("start") or period.get("end"))
    return instant((resource.get("meta") or {}).get("lastUpdated"))


def sort_key(resource: dict[str, Any]) -> tuple[str, str]:
    """Oldest first; ties by id, so an appended record keeps the earlier order."""
    at = when_of(resource)
    return (at.isoformat() if at else "", str(resource.get("id") or ""))


def concept(value: Any) -> str:
    return codes.concept_name(value)


def coded_name(value: Any) -> str:
    """A concept's name, with its ICD-10-CM code when it has one:
    "Essential (primary) hypertension (ICD-10-CM I10)"."""
    name = codes.concept_name(value)
    icd = next((c.get("code") for c in codes.codings(value) if c.get("system") == ICD10), None)
    return f"{name} (ICD-10-CM {icd})" if icd and icd != name else name


def display_of(resource: dict[str, Any]) -> str:
    """A resource's display text for the generic lists."""
    for key in ("code", "type", "vaccineCode", "medicationCodeableConcept", "category"):
        value = resource.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        if isinstance(value, dict):
            return concept(value)
    if isinstance(resource.get("questionnaire"), str):  # a QuestionnaireResponse
        return f"Answers to {resource['questionnaire'].rstrip('/').rsplit('/', 1)[-1]}"
    for key in ("title", "description", "name"):
        if isinstance(resource.get(key), str) and resource[key]:
            return str(resource[key])
    return str(resource.get("resourceType") or "Resource")


def reference_of(value: Any) -> str | None:
    if isinstance(value, dict) and isinstance(value.get("reference"), str):
        return str(value["reference"])
    return None


def encounter_of(resource: dict[str, Any]) -> str | None:
    """The "Encounter/<id>" a resource was recorded in, if any."""
    for key in ("encounter", "context"):
        value = resource.get(key)
        if isinstance(value, dict) and isinstance(value.get("encounter"), list):
            value = value["encounter"][0] if value["encounter"] else None
        found = reference_of(value)
        if found and found.startswith("Encounter/"):
            return found
    return None


def _quantity(value: Any) -> str:
    if not isinstance(value, dict) or value.get("value") is None:
        return ""
    number = value["value"]
    shown = vital_signs.format_value(float(number)) if not isinstance(number, bool) else ""
    return f"{shown} {value.get('unit') or value.get('code') or ''}".strip()


def observation_value(observation: dict[str, Any]) -> str:
    """The value as read: "128/82 mmHg" for a blood-pressure panel, "76 /min",
    "12 (Moderate depression)" for a scored questionnaire."""
    series = vital_signs.readings([{**observation, "status": "final"}])
    systolic, diastolic = series.get(Vital.SYSTOLIC), series.get(Vital.DIASTOLIC)
    if systolic and diastolic:
        s, d = systolic[-1].value, diastolic[-1].value
        text = f"{vital_signs.format_value(s)}/{vital_signs.format_value(d)} {systolic[-1].unit}"
    elif "valueQuantity" in observation:
        text = _quantity(observation["valueQuantity"])
    elif "valueCodeableConcept" in observation:
        text = concept(observation["valueCodeableConcept"])
    elif isinstance(observation.get("valueBoolean"), bool):
        text = "Yes" if observation["valueBoolean"] else "No"
    else:
        raw = observation.get("valueInteger", observation.get("valueString"))
        text = "" if raw is None else str(raw)
    found = [c for c in observation.get("component") or () if c.get("valueBoolean") is True]
    if found and not (systolic and diastolic):
        text = f"{text}: {', '.join(concept(c.get('code')) for c in found)}"
    bands = [concept(i) for i in observation.get("interpretation") or ()]
    if bands:
        text = f"{text} ({', '.join(bands)})" if text else ", ".join(bands)
    return text or "No value recorded"


def is_vital(observation: dict[str, Any]) -> bool:
    return codes.has_code(observation.get("code"), set(Vital), codes.LOINC) is not None


class _Text(HTMLParser):
    """The text of an XHTML narrative, one string per paragraph (tags dropped,
    entities decoded: the template escapes it again)."""

    BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self.current: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCKS:
            self.flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCKS:
            self.flush()

    def handle_data(self, data: str) -> None:
        self.current.append(data)

    def flush(self) -> None:
        text = " ".join("".join(self.current).split())
        if text:
            self.paragraphs.append(text)
        self.current = []


def narrative_text(div: Any) -> list[str]:
    if not isinstance(div, str):
        return []
    parser = _Text()
    parser.feed(div)
    parser.close()
    parser.flush()
    return parser.paragraphs


def attachment_text(attachment: Any) -> list[str]:
    """A plain-text attachment's lines (other content types are named, not shown)."""
    if not isinstance(attachment, dict):
        return []
    kind = str(attachment.get("contentType") or "")
    if not kind.startswith("text/plain") or not isinstance(attachment.get("data"), str):
        return [f"Attachment ({kind or 'unknown type'}) not shown."] if kind else []
    try:
        text = base64.b64decode(attachment["data"], validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return ["Attachment could not be read."]
    return [line.strip() for line in text.splitlines() if line.strip()]
