"""The export document's types: what features build and what the engine returns.

Kept apart from the engine so that `core.exports`, the features and the pool workers
can import them without loading Flask templates or pikepdf.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Attachment:
    """A file embedded in the PDF (PDF/A-3 associated file), e.g. the FHIR Bundle."""

    filename: str  # "bundle.json"
    data: bytes
    mime_type: str  # "application/fhir+json"
    description: str
    relationship: str = "Source"  # PDF/A-3 AFRelationship: Source, Data, Supplement…


@dataclass(frozen=True)
class RunningHeader:
    """What every page's header and footer carry (plain text; the engine escapes it)."""

    export_title: str  # "Custody record", "Health record"…
    person_name: str  # "DOE, Jane"
    a_number: str  # as pages write it: "A123-456-789"
    date_of_birth: str  # "03/14/1990"
    facility: str  # facility name (or "Not held")
    generated_by: str  # "records1 (Records)"
    generated_at: str  # facility local time with zone: "12/01/2026 09:05 CST"
    confidential: bool = False  # health exports: "Confidential health information"


@dataclass(frozen=True)
class PdfDocument:
    """One export: header, body parts (HTML fragments, already escaped by Jinja), and
    attachments. Parts are the unit of chunking and caching: keep each part a
    self-contained block (a section, an encounter, a month of log) and keep earlier
    parts byte-identical when a record is only appended to."""

    title: str  # the PDF's title (document metadata)
    header: RunningHeader
    parts: Sequence[str]
    lang: str = "en"
    attachments: Sequence[Attachment] = field(default_factory=tuple)
    export_id: str | None = None  # embedded in the PDF's metadata (core.exports)


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    pages: int
    parts_rendered: int = 0  # chunks laid out now
    parts_cached: int = 0  # chunks taken from the cache


Progress = Callable[[int, int], None]  # (done, total) chunks
