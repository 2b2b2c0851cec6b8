"""`custodia fhir import PATH...`: load transaction, batch and collection Bundles.

A transaction Bundle is imported all or nothing, like POST /fhir. A collection is
turned into a transaction first: entries with an id are PUT under that id, the others
POSTed; references to other entries' fullUrls are rewritten. Each file is one unit of
work, audited as `health:fhir:import` with one entry per patient in the file (not one
per resource). A PDF (bytes starting `%PDF-`, e.g. a health-record export) is read for
the FHIR Bundles attached to it (`health.fhir.pdf_bundles`); each attachment is imported
like a file of its own, reported as `export.pdf#fhir-bundle.json`. After a run of
files (`import_files`, the CLI) the FHIR tables are ANALYZEd, so the planner's
statistics describe what was loaded.

`import_files(..., jobs=N)` spreads the files over N processes (each file still one
unit of work). Files are then imported in no particular order relative to each other:
use it for independent bundles (Synthea's per-patient ones), not for files that refer
to or conditionally create what another file holds. Validation through fhir.resources
costs about 1 ms of CPU per resource, so one process cannot load much more than
1,000 resources/s; more processes use the other cores.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app

from core.actor import Actor
from core.db import db, unit_of_work
from health.audit_tags import HealthAuditTag
from health.fhir import maintenance, pdf_bundles
from health.fhir.errors import FhirProblem, InvalidRequest
from health.fhir.incoming import parse_body
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
        request: dict[str, Any]
        if "id" in resource:
            request = {"method": "PUT", "url": f"{rtype}/{resource['id']}"}
        else:
            request = {"method": "POST", "url": rtype}
        entries.append({"fullUrl": raw.get("fullUrl"), "resource": resource, "request": request})
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def import_bundle(*, actor: Actor, bundle: Any, path: str = "-") -> ImportResult:
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise InvalidRequest(f"{path}: not a FHIR Bundle.")
    kind = bundle.get("type", "")
    result = ImportResult(path, kind)
    # no client and no server base: the responses are counted, never rendered
    if kind == "batch":
        responses = run_batch(actor, bundle, base_url="")
    elif kind in ("transaction", "collection"):
        source = bundle if kind == "transaction" else as_transaction(bundle)
        with unit_of_work():
            responses = run_transaction(
                actor, source, base_url="", interaction=HealthAuditTag.IMPORT
            )
    else:
        raise InvalidRequest(f"{path}: Bundle.type {kind!r} cannot be imported.")
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


def _sources(path: Path) -> list[tuple[str, Any]]:
    """(label, parsed Bundle) for each Bundle a file holds: one for a JSON file, one
    per attached Bundle for a PDF. A file that holds none raises InvalidRequest."""
    data = path.read_bytes()
    if not pdf_bundles.is_pdf(data):
        return [(str(path), parse_body(data))]
    attached = pdf_bundles.attached_bundles(data, path=str(path))
    return [(f"{path}#{item.name}", item.bundle) for item in attached]


@dataclass
class FileOutcome:
    """One file's (or one attached Bundle's) result, or why it failed as a whole
    (status and first diagnostics)."""

    path: str
    result: ImportResult | None
    failure: str | None = None


def _import_one(actor: Actor, path: str) -> list[FileOutcome]:
    """The outcome of each Bundle in the file; one failed outcome if it holds none."""
    try:
        sources = _sources(Path(path))
    except FhirProblem as err:
        return [_failed(path, err)]
    outcomes = []
    for label, bundle in sources:
        try:
            outcomes.append(
                FileOutcome(label, import_bundle(actor=actor, bundle=bundle, path=label))
            )
        except FhirProblem as err:
            outcomes.append(_failed(label, err))
    return outcomes


def _failed(label: str, err: FhirProblem) -> FileOutcome:
    return FileOutcome(label, None, f"{err.status} {err.issues[0].diagnostics}")


def import_files(*, actor: Actor, paths: Sequence[str], jobs: int = 1) -> Iterator[FileOutcome]:
    """Import files one by one (jobs=1, in order) or in `jobs` worker processes;
    outcomes come back in the order of `paths` either way (a PDF's attached Bundles in
    the order of their names). Once all are in, the FHIR tables are ANALYZEd
    (`maintenance.analyze`): the planner sees the rows just loaded."""
    yield from _import_all(actor, paths, jobs)
    maintenance.analyze()


def _import_all(actor: Actor, paths: Sequence[str], jobs: int) -> Iterator[FileOutcome]:
    if jobs <= 1 or len(paths) <= 1:
        for path in paths:
            yield from _import_one(actor, path)
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    context = multiprocessing.get_context("fork")
    with context.Pool(jobs, initializer=_start_worker, initargs=(app, actor)) as pool:
        for outcomes in pool.imap(_worker_import, paths):
            yield from outcomes


_WORKER: dict[str, Any] = {}


def _start_worker(app: Any, actor: Actor) -> None:
    """In a forked worker: its own app context and its own database connections, and
    the default signal handlers: a handler the parent installed (an RQ or gunicorn
    worker's SIGTERM, say) would keep the pool's terminate() from ending this worker,
    and the import would wait on it for ever."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    context = app.app_context()
    context.push()
    db.engine.dispose(close=False)  # never share the parent's pooled connections
    _WORKER.update(context=context, actor=actor)


def _worker_import(path: str) -> list[FileOutcome]:
    return _import_one(_WORKER["actor"], path)
