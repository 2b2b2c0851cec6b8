"""How an export and its job answer: the PDF, and the job's state for a script (JSON)
or for a person (a page that refreshes itself while the job runs)."""

from __future__ import annotations

from typing import cast

from flask import Response, jsonify, make_response, redirect, render_template, url_for

from core.exports.models import ExportJob, JobStatus
from core.web import wants_json

RUNNING = (JobStatus.QUEUED.value, JobStatus.RUNNING.value)


def pdf_response(data: bytes, filename: str, export_id: str) -> Response:
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in filename)
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{safe}"', "X-Export-Id": export_id},
    )


def job_state(job: ExportJob) -> dict[str, object]:
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "done": job.done,
        "total": job.total,
        "message": job.message,
        "export_id": job.export_id,
    }


def job_response(job: ExportJob) -> Response:
    """Running: 202 (Location: the job URL); done: 303 to the file; failed: 409 with the
    message."""
    if job.status == JobStatus.DONE.value:
        return cast(Response, redirect(url_for("exports.job_file", job_id=job.id), code=303))
    code = 202 if job.status in RUNNING else 409
    if wants_json():
        response = jsonify(job_state(job))
    else:
        response = make_response(render_template("exports/page_job.html", job=job))
    response.status_code = code
    if job.status in RUNNING:
        response.headers["Location"] = url_for("exports.job", job_id=job.id)
        response.headers["Retry-After"] = "2"
        response.headers["Refresh"] = "3"  # the page reloads itself (no script: CSP)
    return response
