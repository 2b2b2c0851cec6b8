"""A synthetic health record that lays out like a real one, for the PDF benchmarks.

Encounter blocks with SOAP paragraphs, a small vitals table, medication and problem
lists, in the shared export classes (docs/exports.md). Names and text are invented
and deterministic (seeded), so two runs lay out the same pages; `encounters` controls
the length (about 1.1 pages per encounter).
"""

from __future__ import annotations

import datetime as dt
import random

from markupsafe import escape

from core.pdf import Attachment, PdfDocument, RunningHeader

PROSE = (
    "patient reports intermittent headache since transfer denies vision change "
    "nausea sleep poor appetite fair taking medication as prescribed mild lower back "
    "pain after work detail no fever chills cough tolerating diet hydration "
    "encouraged follow up blood pressure reviewed labs pending education provided "
    "verbalized understanding ambulating without assistance alert oriented calm "
    "cooperative skin intact no rash"
)
WORDS = tuple(PROSE.split())
MEDS = (
    "Lisinopril 10 mg daily",
    "Metformin 500 mg twice daily",
    "Ibuprofen 400 mg as needed",
    "Sertraline 50 mg daily",
    "Atorvastatin 20 mg nightly",
    "Albuterol inhaler as needed",
)
PROBLEMS = (
    "Essential hypertension",
    "Type 2 diabetes mellitus",
    "Low back pain",
    "Insomnia",
    "Seasonal allergies",
    "Mild intermittent asthma",
)


def _sentences(rng: random.Random, count: int) -> str:
    out = []
    for _ in range(count):
        words = [rng.choice(WORDS) for _ in range(rng.randint(8, 18))]
        out.append(" ".join(words).capitalize() + ".")
    return " ".join(out)


def encounter(n: int, seed: int = 15) -> str:
    """One encounter part (what health/exports would render; text escaped)."""
    rng = random.Random(seed * 100_003 + n)
    when = dt.datetime(2024, 1, 1, 8, 0) + dt.timedelta(days=n * 2, minutes=rng.randint(0, 500))
    stamp = when.strftime("%m/%d/%Y %H:%M") + " CST"
    soap = "".join(
        f"<h3>{title}</h3><p>{escape(_sentences(rng, rng.randint(2, 5)))}</p>"
        for title in ("Subjective", "Objective", "Assessment", "Plan")
    )
    vitals = "".join(
        f"<tr><td>{stamp}</td><td>{name}</td><td>{value}</td></tr>"
        for name, value in (
            ("Blood pressure", f"{rng.randint(105, 150)}/{rng.randint(65, 95)} mmHg"),
            ("Heart rate", f"{rng.randint(55, 105)} /min"),
            ("Temperature", f"{rng.uniform(36.1, 37.9):.1f} °C"),
            ("SpO2", f"{rng.randint(93, 100)} %"),
        )
    )
    meds = "".join(f"<li>{m}</li>" for m in rng.sample(MEDS, rng.randint(1, 3)))
    problems = "".join(f"<li>{p}</li>" for p in rng.sample(PROBLEMS, rng.randint(1, 2)))
    return (
        f'<section class="x-section"><h2>Encounter {n} — {stamp} — Sick call</h2>'
        f'<dl class="x-facts"><dt>Clinician</dt><dd>clinician{rng.randint(1, 9)} (RN)</dd>'
        f"<dt>Location</dt><dd>Medical unit, North Test Processing Center</dd></dl>{soap}"
        '<table class="x-table"><thead><tr><th>Taken</th><th>Vital</th><th>Value</th></tr>'
        f"</thead><tbody>{vitals}</tbody></table>"
        f"<h3>Medications</h3><ul>{meds}</ul><h3>Problems</h3><ul>{problems}</ul></section>"
    )


def record(encounters: int, *, export_id: str = "bench") -> PdfDocument:
    header = RunningHeader(
        export_title="Health record",
        person_name="SAMPLE, Avery",
        a_number="A200-300-400",
        date_of_birth="07/04/1985",
        facility="North Test Processing Center",
        generated_by="records1 (Records)",
        generated_at=dt.datetime.now().strftime("%m/%d/%Y %H:%M:%S") + " CST",
        confidential=True,
    )
    bundle = b'{"resourceType": "Bundle", "type": "collection", "entry": []}'
    return PdfDocument(
        title="Health record — SAMPLE, Avery",
        header=header,
        parts=[encounter(n) for n in range(1, encounters + 1)],
        attachments=(
            Attachment(
                "fhir-bundle.json",
                bundle,
                "application/fhir+json",
                "FHIR R4 Bundle (collection) this record was made from",
            ),
        ),
        export_id=export_id,
    )
