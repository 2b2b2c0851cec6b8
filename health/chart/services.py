"""The chart's services: a patient's chart, finding a patient, the clinician's recent
charts. Each checks `health:record:read`, the facility scope and the restricted labels
(through `health.chart.record` and the FHIR search) and is audited per patient."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import sqlalchemy as sa

from core.access import authorize
from core.actor import Actor
from core.audit import AuditEvent
from core.db import db, utcnow
from core.errors import NotFound, ValidationFailed
from core.features import whereabouts
from core.scope import Access
from core.whereabouts import Placement
from health.audit_tags import HealthAuditTag, HealthSubject
from health.chart import summary
from health.chart.codes import Kind
from health.chart.record import patient_record
from health.chart.summary import Chart
from health.fhir import jsontext, link, scope, services
from health.fhir.store import Stored
from health.permissions import HealthPermission

A_NUMBER = re.compile(r"^A?\s*(\d{3})-?(\d{3})-?(\d{2,3})$", re.IGNORECASE)
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class TimelineFilter:
    """Which encounters the timeline shows: kinds (empty: all) and a date range, in the
    facility's local days, both ends included."""

    kinds: frozenset[Kind] = frozenset()
    start: dt.date | None = None
    end: dt.date | None = None


@dataclass(frozen=True)
class PatientHit:
    patient_id: str
    name: str
    a_number: str | None
    birth_date: str | None
    placement: Placement | None


def encounter_type_system() -> str:
    return f"{services.fhir_base()}/CodeSystem/encounter-type"


def chart(*, actor: Actor, patient_id: str, timeline: TimelineFilter | None = None) -> Chart:
    """The chart of `patient_id` as `actor` may see it (audited `health:chart:read`)."""
    record = patient_record(actor=actor, patient_id=patient_id)
    a_number = summary.identifier_of(record.patient, services.a_number_system())
    placement = whereabouts().held(a_number) if a_number else None
    built = summary.build(
        record,
        placement=placement,
        a_number_system=services.a_number_system(),
        encounter_system=encounter_type_system(),
        today=utcnow().date(),
    )
    if timeline is not None:
        built.timeline = filter_timeline(built, timeline)
    return built


def filter_timeline(built: Chart, wanted: TimelineFilter) -> list[summary.TimelineEntry]:
    if wanted.start and wanted.end and wanted.start > wanted.end:
        raise ValidationFailed({"end": ["The end date is before the start date."]})
    clock = summary.Clock(built.placement.time_zone if built.placement else None)
    kept = []
    for entry in built.timeline:
        if wanted.kinds and entry.kind not in wanted.kinds:
            continue
        if wanted.start or wanted.end:
            if entry.at is None:
                continue
            day = entry.at.astimezone(clock.zone).date()
            if (wanted.start and day < wanted.start) or (wanted.end and day > wanted.end):
                continue
        kept.append(entry)
    return kept


def patient_id_for(*, actor: Actor, a_number: str) -> str:
    """The id of the Patient with this A-number (NotFound when none); the chart read
    that follows checks the scope and writes the audit entry."""
    authorize(actor, HealthPermission.READ, subject_type=HealthSubject.PATIENT)
    normal = normalize_a_number(a_number)
    found = link.patient_id_of(normal) if normal else None
    if found is None:
        raise NotFound("No health record has this A-number.")
    scope.check(actor, [found], Access.READ)  # the redirect would name the Patient
    return found


def normalize_a_number(value: str) -> str | None:
    match = A_NUMBER.match(value.strip())
    return "".join(match.groups()).zfill(9) if match else None


def find_patients(*, actor: Actor, query: str) -> list[PatientHit]:
    """Patients whose name, A-number (A123456789, 123-456-789) or date of birth
    (YYYY-MM-DD) matches `query`, among those `actor` may read (facility scope,
    restricted labels); the search is audited per patient found."""
    text = query.strip()
    if not text:
        return []
    if len(text) > 100:
        raise ValidationFailed({"q": ["Use at most 100 characters."]})
    if (a_number := normalize_a_number(text)) is not None:
        params = [("identifier", f"{services.a_number_system()}|{a_number}")]
    elif DATE.match(text):
        try:
            dt.date.fromisoformat(text)
        except ValueError:
            raise ValidationFailed({"q": ["Use a real date, like 1990-04-01."]}) from None
        params = [("birthdate", text)]
    else:
        params = [("name", text)]
    result = services.search(
        actor=actor, resource_type="Patient", params=[*params, ("_count", "50")]
    )
    return [_hit(stored) for stored in result.matches]


def _hit(stored: Stored, lookup: bool = True) -> PatientHit:
    document = jsontext.loads(stored.text or "{}")
    a_number = summary.identifier_of(document, services.a_number_system())
    return PatientHit(
        patient_id=stored.id,
        name=summary.name_of(document),
        a_number=a_number,
        birth_date=document.get("birthDate"),
        placement=whereabouts().held(a_number) if a_number and lookup else None,
    )


def recent_charts(*, actor: Actor, limit: int = 8) -> list[PatientHit]:
    """The charts `actor` opened last (from their `health:chart:read` audit entries),
    newest first, that they may still read; reading the names is audited as a search."""
    authorize(actor, HealthPermission.READ, subject_type=HealthSubject.PATIENT)
    if actor.user_id is None:
        return []
    ids = _recent_subjects(actor.user_id, limit)
    if not ids:
        return []
    params = [("_id", ",".join(ids)), ("_count", str(limit))]
    result = services.search(actor=actor, resource_type="Patient", params=params)
    by_id = {stored.id: _hit(stored, lookup=False) for stored in result.matches}
    return [by_id[pid] for pid in ids if pid in by_id]


def _recent_subjects(user_id: int, limit: int) -> list[str]:
    """The patients of the user's latest successful chart reads, newest first."""
    latest = sa.func.max(AuditEvent.id)
    rows = db.session.execute(
        sa.select(AuditEvent.subject_id)
        .where(
            AuditEvent.actor_id == user_id,
            AuditEvent.tag == HealthAuditTag.CHART.value,
            AuditEvent.outcome == "success",
            AuditEvent.subject_id.is_not(None),
        )
        .group_by(AuditEvent.subject_id)
        .order_by(latest.desc())
        .limit(limit)
    ).scalars()
    return [str(subject) for subject in rows]
