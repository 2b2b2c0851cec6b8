"""Shared helpers for the PDF engine tests: synthetic documents and text extraction."""

from __future__ import annotations

import subprocess
from pathlib import Path

from markupsafe import escape

from core.pdf import Attachment, PdfDocument, RunningHeader

HEADER = RunningHeader(
    export_title="Health record",
    person_name="TESTER, Quinn",
    a_number="A123-456-789",
    date_of_birth="03/14/1990",
    facility="North Test Processing Center",
    generated_by="records1 (Records)",
    generated_at="12/01/2026 09:05 CST",
    confidential=True,
)


def encounter(n: int, rows: int = 6, note: str = "Reports mild headache.") -> str:
    """An encounter part as a feature template would render it (escaped text)."""
    vitals = "".join(
        f"<tr><td>0{n % 9 + 1}/0{r % 9 + 1}/2026 08:{r:02d} CST</td><td>BP</td>"
        f"<td>12{r}/8{r % 10}</td></tr>"
        for r in range(rows)
    )
    return (
        f'<section class="x-section"><h2>Encounter {n}</h2>'
        f"<h3>Subjective</h3><p>{escape(note)} {'Sleeps poorly. ' * 12}</p>"
        f"<h3>Plan</h3><p>{'Follow up in two weeks. ' * 8}</p>"
        '<table class="x-table"><thead><tr><th>Taken</th><th>Vital</th><th>Value</th></tr>'
        f"</thead><tbody>{vitals}</tbody></table>"
        '<dl class="x-facts"><dt>Clinician</dt><dd>clin1</dd></dl></section>'
    )


def document(parts: list[str], **overrides: object) -> PdfDocument:
    fields: dict[str, object] = {
        "title": "Health record — TESTER, Quinn",
        "header": HEADER,
        "parts": parts,
        "attachments": (
            Attachment(
                filename="fhir-bundle.json",
                data=b'{"resourceType": "Bundle", "type": "collection", "entry": []}',
                mime_type="application/fhir+json",
                description="FHIR R4 Bundle (collection) this record was made from",
                relationship="Source",
            ),
        ),
        "export_id": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
    }
    fields.update(overrides)
    return PdfDocument(**fields)  # type: ignore[arg-type]


def pages_text(data: bytes, tmp_path: Path) -> list[str]:
    """pdftotext -layout of each page (split on form feeds)."""
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    result = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return result.stdout.split("\f")[:-1]


def flat(text: str) -> str:
    """Whitespace-normalised text (lines wrap where the layout chose)."""
    return " ".join(text.split())


def ink(data: bytes, tmp_path: Path, page: int = 1) -> float:
    """Share of dark pixels in the body area of `page` (between header and footer):
    what a reader sees, not just what text extraction finds."""
    path = tmp_path / "ink.pdf"
    path.write_bytes(data)
    result = subprocess.run(
        [
            "pdftoppm",
            "-f",
            str(page),
            "-l",
            str(page),
            "-r",
            "30",
            "-gray",
            "-x",
            "20",
            "-y",
            "60",
            "-W",
            "200",
            "-H",
            "200",
            str(path),
        ],
        capture_output=True,
        check=True,
    )
    header, _, pixels = result.stdout.partition(b"255\n")
    assert header.startswith(b"P5")
    return sum(1 for value in pixels if value < 128) / max(len(pixels), 1)
