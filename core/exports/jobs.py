"""Background rendering of large exports.

With `REDIS_URL` set a job goes to the RQ queue "exports", which `custodia exports
worker` serves; without Redis a small thread pool in the app's own process (app context
pushed) does the same work. Either way the worker claims the job row, renders with
progress written to the row in short transactions of its own, then keeps the export
(record, file, audit entry) and marks the job done in one unit of work. A failure is
recorded on the row with a message; the job URL never answers 500 for it.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any, cast

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue

from core.actor import Actor
from core.db import db, unit_of_work, utcnow
from core.exports import services
from core.exports.codec import unpack
from core.exports.models import ExportJob, JobStatus
from core.permissions import Role

log = logging.getLogger("custodia.exports")
QUEUE = "exports"
POOL = "custodia_export_pool"


def queue(url: str) -> Queue:
    return Queue(QUEUE, connection=Redis.from_url(url))


def enqueue(job_id: str) -> None:
    """Hand a committed job to RQ (REDIS_URL) or to this process's thread pool."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    url = app.config.get("REDIS_URL")
    if url:
        try:
            queue(url).enqueue(
                run_job, job_id, job_timeout=app.config["EXPORT_JOB_TIMEOUT"], result_ttl=3600
            )
        except RedisError as err:  # the job row says so; the request still answers
            log.warning("export job %s not queued (%s)", job_id, type(err).__name__)
            _fail(job_id, "The export queue is unavailable. Request the export again later.")
        return
    pool = app.extensions.get(POOL)
    if pool is None:
        pool = app.extensions[POOL] = ThreadPoolExecutor(
            app.config["EXPORT_LOCAL_WORKERS"], thread_name_prefix="export"
        )
    pool.submit(_run_in, app, job_id)


def _run_in(app: Flask, job_id: str) -> None:
    with app.app_context():
        try:
            run_job(job_id)
        finally:
            db.session.remove()


def run_job(job_id: str) -> None:
    """Render one job (RQ calls this by name, inside `custodia exports worker`'s app
    context; the local pool through `_run_in`)."""
    if not has_app_context():
        raise RuntimeError("export jobs run inside the app: use `custodia exports worker`")
    job = _claim(job_id)
    if job is None:
        return
    try:
        document = replace(unpack(job.document or b""), export_id=services.new_export_id())
        data, pages = services.render(document, progress=lambda d, t: _progress(job_id, d, t))
        _finish(job, document.export_id or "", data, pages)
    except Exception as err:  # recorded on the row: the page says it failed, never a 500
        db.session.rollback()
        log.warning("export job %s failed (%s)", job_id, type(err).__name__)
        _fail(job_id, f"The export could not be produced ({type(err).__name__}). Request it again.")


def _claim(job_id: str) -> ExportJob | None:
    """Mark a queued job running (only one worker wins); None if another took it."""
    with unit_of_work() as session:
        result = session.execute(
            sa.update(ExportJob)
            .where(ExportJob.id == job_id, ExportJob.status == JobStatus.QUEUED.value)
            .values(status=JobStatus.RUNNING.value)
        )
        claimed = cast(sa.CursorResult[Any], result).rowcount
        if not claimed:
            return None
        return session.get(ExportJob, job_id, populate_existing=True)


def _progress(job_id: str, done: int, total: int) -> None:
    with unit_of_work() as session:
        session.execute(
            sa.update(ExportJob).where(ExportJob.id == job_id).values(done=done, total=total)
        )


def _requester(job: ExportJob) -> Actor:
    role = Role(job.requester_role) if job.requester_role else None
    return Actor(
        job.requested_by_id,
        job.requested_by,
        role,
        job.requester_facility_id,
        job.request_id,
        job.client_addr,
    )


def _finish(job: ExportJob, export_id: str, data: bytes, pages: int) -> None:
    subject = services.Subject(
        job.kind, job.subject_type, job.subject_id, job.person, job.facility_id, job.purpose
    )
    with unit_of_work() as session:
        services.keep(
            actor=_requester(job), subject=subject, export_id=export_id, data=data, pages=pages
        )
        session.execute(
            sa.update(ExportJob)
            .where(ExportJob.id == job.id)
            .values(
                status=JobStatus.DONE.value,
                export_id=export_id,
                done=ExportJob.total,
                document=None,
                finished_at=utcnow(),
            )
        )


def _fail(job_id: str, message: str) -> None:
    with unit_of_work() as session:
        session.execute(
            sa.update(ExportJob)
            .where(ExportJob.id == job_id)
            .values(status=JobStatus.FAILED.value, message=message[:300], finished_at=utcnow())
        )
