"""The health-record document: the running header and the parts (the cover, one part
per encounter oldest first, then the by-type pieces), each rendered from
`templates/exports/health_record/` with autoescaping, and the FHIR Bundle attached.

Parts never carry when the export was made nor totals of the whole record, so an
appended record leaves the earlier encounter and table parts byte-identical and the
engine's part cache serves them."""

from __future__ import annotations

import datetime as dt

from flask import render_template

from core.actor import Actor
from core.db import utcnow
from core.pdf import PdfDocument, RunningHeader
from core.pdf.header import person_header
from health.chart import summary
from health.exports import bundle, bytype, content
from health.exports.reading import ExportRecord, read

TITLE = "Health record"
TEMPLATES = "exports/health_record"


def build(*, actor: Actor, patient_id: str) -> PdfDocument:
    """The health record of `patient_id` as `actor` may see it (checked and audited by
    `reading.read`: NotFound, Forbidden before anything is rendered)."""
    export = read(actor=actor, patient_id=patient_id)
    running = header(export, actor, utcnow())
    return PdfDocument(
        title=f"{TITLE}: {running.person_name}",
        header=running,
        parts=parts(export),
        lang="en",
        attachments=(bundle.attachment(export),),
    )


def name_parts(export: ExportRecord) -> tuple[str, str]:
    """(family, given) of the Patient's first name with parts; (its text, "") else."""
    for name in export.record.patient.get("name") or ():
        if isinstance(name, dict) and (name.get("family") or name.get("given")):
            given = " ".join(str(g) for g in name.get("given") or ())
            return str(name.get("family") or ""), given
    return summary.name_of(export.record.patient), ""


def header(export: ExportRecord, actor: Actor, now: dt.datetime) -> RunningHeader:
    family, given = name_parts(export)
    return person_header(
        title=TITLE,
        family_name=family,
        given_name=given,
        a_number_value=export.a_number,
        date_of_birth=content.us_date(export.record.patient.get("birthDate")),
        facility=export.facility,
        actor=actor,
        generated_at=export.context.clock.local(now),
        confidential=True,
    )


def parts(export: ExportRecord) -> list[str]:
    record, context = export.record, export.context
    cover = content.cover(record, context, export.a_number)
    found = [render_template(f"{TEMPLATES}/cover.html", cover=cover, zone=str(context.clock.zone))]
    encounters = content.encounters(record, context)
    for index, encounter in enumerate(encounters):
        found.append(render_template(f"{TEMPLATES}/encounter.html", e=encounter, first=index == 0))
    if not encounters:
        found.append(render_template(f"{TEMPLATES}/empty.html", title="By encounter"))
    for index, pieces in enumerate(bytype.packed(bytype.tables(record, context))):
        found.append(render_template(f"{TEMPLATES}/by_type.html", pieces=pieces, first=index == 0))
    return found
