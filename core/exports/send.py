"""`send_export`: what a feature's export route answers.

The document is built in the request (`build` checks permission and scope and reads the
data), so nothing is rendered that the caller may not see. Then: the print view
(`?format=html`, audited as a view); a small document rendered at once (200, the PDF);
or a large one (more than `EXPORT_INLINE_MAX_PARTS` parts) handed to a background job:
202 with `Location: /exports/jobs/<id>` — or, from the exports page (`?background=1`),
a redirect back to that page, where its progress shows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from flask import Response, current_app, redirect, request, url_for

from core.access import current_actor
from core.actor import Actor
from core.exports import jobs, services
from core.exports.kinds import ExportKind
from core.exports.responses import job_response, pdf_response
from core.features import facility_directory, whereabouts
from core.pdf import PdfDocument, render_print_html


def send_export(
    kind: ExportKind,
    *,
    subject_id: str,
    build: Callable[[], PdfDocument],
    facility_id: int | None = None,
) -> Response:
    """Answer an export route (see the module). `facility_id`: the facility the export
    concerns, for the record and the audit (default: `_facility`)."""
    actor = current_actor()
    purpose = services.clean_purpose(kind, request.args.get("purpose"))
    document = build()
    subject = services.subject_of(
        kind,
        subject_id,
        document,
        purpose=purpose,
        facility_id=facility_id if facility_id is not None else _facility(actor, document),
    )
    if request.args.get("format") == "html":
        services.record_print_view(actor=actor, subject=subject)
        return Response(render_print_html(document), mimetype="text/html")
    background = request.args.get("background") == "1"
    if background or len(document.parts) > current_app.config["EXPORT_INLINE_MAX_PARTS"]:
        job = services.create_job(
            actor=actor, subject=subject, document=document, enqueue=jobs.enqueue
        )
        if background:
            return cast(Response, redirect(url_for("exports.page", job=job.id), code=303))
        return job_response(job)  # 202 while queued (409 if it could not be queued)
    record, data = services.produce(actor=actor, subject=subject, document=document)
    return pdf_response(data, f"{kind.name}-{subject_id}.pdf", record.id)


def _facility(actor: Actor, document: PdfDocument) -> int | None:
    """The facility an export concerns when its route does not say: a scoped caller's
    own (they could build it only within their scope), else where the person is held
    now (their history then shows its time zone); None when nowhere."""
    if actor.limited_to is not None:
        return actor.limited_to
    digits = "".join(ch for ch in document.header.a_number if ch.isdigit())
    placement = whereabouts().held(digits) if len(digits) == 9 else None
    found = facility_directory().by_code(placement.facility_code) if placement else None
    return found.id if found else None
