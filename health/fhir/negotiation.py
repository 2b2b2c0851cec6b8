"""What the HTTP headers of a FHIR request ask beyond the resource: the FHIR version
(`fhirVersion` on Accept or Content-Type: only 4.0 is served, another is a 406), the
client's preferences (`Prefer`, one header or several, each a comma-separated list:
`handling=lenient, return=minimal`) and conditional reads (`If-None-Match`,
`If-Modified-Since` → 304)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from email.utils import parsedate_to_datetime

from health.fhir.outcome import NotAcceptable, operation_outcome
from health.fhir.store import Stored

FHIR_VERSIONS = ("4.0", "4.0.1")
RETURNS = ("minimal", "representation", "OperationOutcome")


def _parameters(value: str) -> dict[str, str]:
    """The `;` parameters of one media range, names in lower case."""
    found = {}
    for part in value.split(";")[1:]:
        name, _, given = part.partition("=")
        found[name.strip().lower()] = given.strip().strip('"')
    return found


def _other_version(value: str) -> str | None:
    """The `fhirVersion` a media range names when it is not R4."""
    version = _parameters(value).get("fhirversion")
    return version if version is not None and version not in FHIR_VERSIONS else None


def check_fhir_version(accept: str, content_type: str) -> None:
    """NotAcceptable (406) when the Content-Type names another `fhirVersion` than R4
    (4.0), or every media range of the Accept header does."""
    ranges = [item for item in accept.split(",") if item.strip()]
    others = [_other_version(item) for item in ranges]
    wrong = _other_version(content_type) or (others[0] if ranges and all(others) else None)
    if wrong is not None:
        raise NotAcceptable(
            f"This server serves FHIR R4 (fhirVersion=4.0), not fhirVersion={wrong}.",
            code="not-supported",
        )


def preferences(headers: Iterable[str]) -> dict[str, str]:
    """Every preference of every `Prefer` header: {name: value} (`respond-async` → "")."""
    found: dict[str, str] = {}
    for header in headers:
        for item in header.split(","):
            name, _, value = item.split(";")[0].partition("=")
            if name.strip():
                found.setdefault(name.strip().lower(), value.strip().strip('"'))
    return found


def return_preference(headers: Iterable[str]) -> str:
    """`minimal`, `representation` (the default) or `OperationOutcome`."""
    wanted = preferences(headers).get("return", "representation")
    return wanted if wanted in RETURNS else "representation"


def preferred_body(headers: Iterable[str], stored: Stored, message: str) -> str:
    """The body of a create, update or patch as `Prefer: return=` asks: nothing, the
    resource, or an OperationOutcome (one information issue saying what was done)."""
    wanted = return_preference(headers)
    if wanted == "minimal":
        return ""
    if wanted == "OperationOutcome":
        issue = {"severity": "information", "code": "informational", "diagnostics": message}
        return json.dumps(operation_outcome([issue]))
    return stored.text or ""


def _version_tags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/").strip('"') for tag in header.split(",") if tag.strip()}


def not_modified(stored: Stored, if_none_match: str | None, if_modified_since: str | None) -> bool:
    """True when a conditional read may answer 304: `If-None-Match` names the current
    version (or `*`); else `If-Modified-Since` is not before its last change (whole
    seconds, as HTTP dates have them). If-None-Match wins when both are sent (RFC 9110)."""
    if if_none_match:
        tags = _version_tags(if_none_match)
        return "*" in tags or str(stored.version) in tags
    if if_modified_since:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False  # an invalid date is ignored (RFC 9110 13.1.3)
        if since.tzinfo is None:
            since = since.replace(tzinfo=dt.UTC)
        return stored.last_updated.replace(microsecond=0) <= since
    return False
