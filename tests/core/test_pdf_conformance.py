"""core.pdf.conformance: WeasyPrint's PDF/A-3b + tagged output passes; files broken one
rule at a time fail that rule, by name. The PDFs are rendered here by real WeasyPrint
and edited with pikepdf; `custodia pdf check` is run on files written to disk."""

from __future__ import annotations

import base64
import gc
import io
import json
import subprocess
import warnings
from collections.abc import Callable
from pathlib import Path

import pikepdf
import pytest
import weasyprint
from click.testing import CliRunner

from core.pdf.cli import pdf_group
from core.pdf.conformance import ConformanceReport, check_pdf
from core.pdf.xmp import Xmp, XmpError, docinfo_mismatches, parse_xmp

BUNDLE = {"resourceType": "Bundle", "type": "collection", "entry": []}
PIXEL = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8"
    "BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
HTML = """<!doctype html><html lang="en"><head><title>Health record</title>
<meta name="dcterms.created" content="2026-12-01T10:00:00Z">
<style>@page { @top-center { content: "DOE, Jane  A123-456-789" }
               @bottom-center { content: "Page " counter(page) " of " counter(pages) } }</style>
</head><body><h1>Health record</h1>
<p>Synthetic patient Jane Doe, see <a href="https://example.org/guide">the guide</a>.</p>
<table><thead><tr><th>Vital</th><th>Value</th></tr></thead>
<tbody><tr><td>Pulse</td><td>72</td></tr></tbody></table>
<img alt="A one-pixel marker" src="data:image/png;base64,{PIXEL}">
</body></html>"""


def _render(html: str = HTML, **options: object) -> bytes:
    """WeasyPrint 70 opens its sRGB profile for PDF/A and never closes it: the
    ResourceWarning of that one leak is silenced here (and collected at once), not
    across the suite."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        data = weasyprint.HTML(string=html.replace("{PIXEL}", PIXEL)).write_pdf(**options)
        gc.collect()
    return data


@pytest.fixture(scope="module")
def good() -> bytes:
    """What the export engine asks of WeasyPrint: PDF/A-3b, tags, the Bundle attached."""
    encoded = base64.b64encode(json.dumps(BUNDLE).encode()).decode()
    attachment = weasyprint.Attachment(
        url=f"data:application/fhir+json;base64,{encoded}",
        name="fhir-bundle.json",
        description="FHIR R4 Bundle (collection) this record was made from",
        relationship="Source",
    )
    return _render(pdf_variant="pdf/a-3b", pdf_tags=True, attachments=[attachment])


def _edited(data: bytes, edit: Callable[[pikepdf.Pdf], None]) -> bytes:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        edit(pdf)
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()


def _failed_rules(report: ConformanceReport) -> dict[str, str]:
    return {f"{c.rule} {c.description}": c.detail for c in report.failures}


def test_weasyprint_pdfa3b_tagged_output_passes_every_check(good):
    report = check_pdf(good)
    assert report.passed, report.failures
    assert report.passed_for("PDF/A-3") and report.passed_for("PDF/UA-1")
    rules = {check.rule for check in report.checks}
    assert {"structure", "PDF/A-3 6.6.4", "PDF/A-3 6.8", "PDF/A-3 6.2.11.4.1"} <= rules
    assert {"PDF/UA-1 7.1", "PDF/UA-1 7.2", "PDF/UA-1 7.3", "PDF/UA-1 7.18"} <= rules
    assert not report.ua_identified  # WeasyPrint's pdf/a-3b does not claim PDF/UA
    text = subprocess.run(["pdftotext", "-", "-"], input=good, capture_output=True, check=True)
    assert b"Synthetic patient Jane Doe" in text.stdout


def test_ua_identification_is_reported_apart(good):
    def claim_ua(pdf: pikepdf.Pdf) -> None:
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            meta["pdfuaid:part"] = "1"

    report = check_pdf(_edited(good, claim_ua))
    assert report.ua_identified
    assert report.passed, report.failures


def test_plain_weasyprint_output_is_neither_pdfa_nor_pdfua():
    failed = _failed_rules(check_pdf(_render()))
    assert "PDF/A-3 6.6.2.1 XMP metadata present and valid" in failed
    assert "PDF/A-3 6.6.4 pdfaid:part=3, pdfaid:conformance=B" in failed
    assert "PDF/A-3 6.2.3 OutputIntent GTS_PDFA1 with an ICC profile" in failed
    assert "PDF/UA-1 7.1 /MarkInfo /Marked true" in failed
    assert (
        "page 1: TJ outside marked content"
        in failed["PDF/UA-1 7.1 text and images inside marked content (MCID or Artifact)"]
    )


def test_pdfa2b_is_not_pdfa3():
    failed = _failed_rules(check_pdf(_render(pdf_variant="pdf/a-2b", pdf_tags=True)))
    assert failed == {"PDF/A-3 6.6.4 pdfaid:part=3, pdfaid:conformance=B": "part=2 level=B"}


def test_cmyk_colour_under_the_srgb_intent_fails():
    """WeasyPrint writes device-cmyk() as DeviceCMYK even under its sRGB output intent."""
    html = HTML.replace("<h1>", '<h1 style="color: device-cmyk(0 0 0 1)">')
    failed = _failed_rules(check_pdf(_render(html, pdf_variant="pdf/a-3b", pdf_tags=True)))
    assert failed == {
        "PDF/A-3 6.2.4.3 device colours match the output intent": "page 1: /DeviceCMYK"
    }


def _drop_xmp(pdf: pikepdf.Pdf) -> None:
    del pdf.Root.Metadata


def _no_af_relationship(pdf: pikepdf.Pdf) -> None:
    del pdf.Root.AF[0].AFRelationship


def _attachment_outside_af(pdf: pikepdf.Pdf) -> None:
    del pdf.Root.AF


def _pikepdf_attachment(pdf: pikepdf.Pdf) -> None:
    """A plain PDF 1.7 attachment, as tools without PDF/A-3 write one: in the
    EmbeddedFiles name tree only, with no relationship."""
    stream = pdf.make_stream(b"{}", Type=pikepdf.Name.EmbeddedFile)
    stream.Subtype = pikepdf.Name("/application/json")
    stream.Params = pikepdf.Dictionary(ModDate=pikepdf.String("D:20261201100000Z"))
    spec = pikepdf.Dictionary(
        Type=pikepdf.Name.Filespec,
        F=pikepdf.String("extra.json"),
        UF=pikepdf.String("extra.json"),
        Desc=pikepdf.String("extra"),
        EF=pikepdf.Dictionary(F=stream),
    )
    names = pdf.Root.Names.EmbeddedFiles.Names  # a name tree is sorted: "extra" first
    names.insert(0, pdf.make_indirect(spec))
    names.insert(0, pikepdf.String("extra.json"))


def _unembedded_font(pdf: pikepdf.Pdf) -> None:
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.Type1,
            BaseFont=pikepdf.Name.Helvetica,
            Encoding=pikepdf.Name.WinAnsiEncoding,
        )
    )
    pdf.pages[0].Resources.Font.Helv = font


def _untagged_text(pdf: pikepdf.Pdf) -> None:
    page = pdf.pages[0]
    font = next(iter(page.Resources.Font.keys()))
    page.contents_add(pdf.make_stream(f"BT {font} 12 Tf (x) Tj ET".encode()), prepend=False)


def _javascript(pdf: pikepdf.Pdf) -> None:
    action = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
    pdf.Root.OpenAction = pdf.make_indirect(action)


def _hidden_link(pdf: pikepdf.Pdf) -> None:
    pdf.pages[0].Annots[0].F = 0


def _other_title(pdf: pikepdf.Pdf) -> None:
    pdf.docinfo["/Title"] = "Another title"


def _no_display_title(pdf: pikepdf.Pdf) -> None:
    del pdf.Root.ViewerPreferences


def _figure_without_alt(pdf: pikepdf.Pdf) -> None:
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Dictionary) and obj.get("/S") == "/Figure":
            del obj.Alt


def _unmapped_type(pdf: pikepdf.Pdf) -> None:
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Dictionary) and obj.get("/S") == "/Table":
            obj.S = pikepdf.Name("/Record")


def _null_descendant_font(pdf: pikepdf.Pdf) -> None:
    font = next(iter(pdf.pages[0].Resources.Font.values()))
    font.DescendantFonts = pikepdf.Array([None])


def _no_lang(pdf: pikepdf.Pdf) -> None:
    del pdf.Root.Lang


BREAKAGES = [
    (_drop_xmp, "PDF/A-3 6.6.2.1 XMP metadata present and valid", "no /Metadata"),
    (_no_af_relationship, "PDF/A-3 6.8 embedded files are associated files", "/AFRelationship"),
    (_pikepdf_attachment, "PDF/A-3 6.8 embedded files are associated files",
     "extra.json: no /AFRelationship, entry in catalog /AF"),
    (_attachment_outside_af, "PDF/A-3 6.8 embedded files are associated files", "catalog /AF"),
    (_unembedded_font, "PDF/A-3 6.2.11.4.1 every font embedded", "/Helvetica not embedded"),
    (_untagged_text, "PDF/UA-1 7.1 text and images inside marked content (MCID or Artifact)",
     "Tj outside"),
    (_javascript, "PDF/A-3 6.6.1 no JavaScript, Launch or forbidden actions", "/JavaScript"),
    (_hidden_link, "PDF/A-3 6.3.2 annotations printable and visible", "/Link annotation flags 0"),
    (_other_title, "PDF/A-3 6.6.3 DocInfo consistent with XMP", "Another title"),
    (_no_display_title, "PDF/UA-1 7.1 ViewerPreferences /DisplayDocTitle true", ""),
    (_figure_without_alt, "PDF/UA-1 7.3 every Figure has /Alt or /ActualText", "Figure"),
    (_unmapped_type, "PDF/UA-1 7.1 RoleMap maps every non-standard type", "Record"),
    (_no_lang, "PDF/UA-1 7.2 /Lang on the catalog", ""),
    (_null_descendant_font, "PDF/A-3 6.2.11.4.1 could not be checked: malformed objects",
     "NoneType"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("edit", "rule", "detail"), BREAKAGES, ids=lambda v: getattr(v, "__name__", "")
)
def test_a_broken_rule_fails_by_name(good, edit, rule, detail):
    failed = _failed_rules(check_pdf(_edited(good, edit)))
    assert rule in failed, failed
    assert detail in failed[rule]
    if edit is not _drop_xmp:  # without XMP, the XMP-based rules fail with it
        assert len(failed) == 1, failed


def test_encrypted_file_fails_the_trailer_rule(good):
    with pikepdf.open(io.BytesIO(good)) as pdf:
        out = io.BytesIO()
        pdf.save(out, encryption=pikepdf.Encryption(owner="o", user="", aes=True, R=6))
    failed = _failed_rules(check_pdf(out.getvalue()))
    assert "file is encrypted" in failed["PDF/A-3 6.1.3 trailer /ID present, no /Encrypt"]


def test_not_a_pdf_fails_without_raising():
    report = check_pdf(b"<html>not a pdf</html>")
    assert not report.passed
    assert {c.rule for c in report.failures} == {"PDF/A-3 6.1.2", "structure"}


def test_cli_reports_and_exits_non_zero_on_failure(good, tmp_path: Path):
    ok, bad = tmp_path / "ok.pdf", tmp_path / "bad.pdf"
    ok.write_bytes(good)
    bad.write_bytes(_edited(good, _no_af_relationship))
    runner = CliRunner()
    passing = runner.invoke(pdf_group, ["check", str(ok)])
    assert passing.exit_code == 0, passing.output
    assert f"{ok}: PASSED" in passing.output
    assert "ok   PDF/A-3 6.8 embedded files are associated files" in passing.output
    assert "PDF/UA identification present: absent" in passing.output
    both = runner.invoke(pdf_group, ["check", "--failures-only", str(ok), str(bad)])
    assert both.exit_code == 1
    assert f"{bad}: FAILED (1 checks)" in both.output
    assert "FAIL PDF/A-3 6.8 embedded files are associated files: fhir-bundle.json: no " in (
        both.output
    )


XMP = b"""<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
<rdf:Description rdf:about="" pdfaid:part="3"><pdfaid:conformance>B</pdfaid:conformance>
<dc:title><rdf:Alt><rdf:li xml:lang="es">Expediente</rdf:li>
<rdf:li xml:lang="x-default">Health record</rdf:li></rdf:Alt></dc:title>
<dc:creator><rdf:Seq><rdf:li>a</rdf:li><rdf:li>b</rdf:li></rdf:Seq></dc:creator>
</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="r"?>"""


def test_xmp_properties_as_attributes_elements_and_lists():
    xmp = parse_xmp(XMP)
    assert xmp.get("pdfaid:part") == "3" and xmp.get("pdfaid:conformance") == "B"
    assert xmp.get("dc:title") == "Health record"  # the x-default entry of the Alt
    assert xmp.get("dc:creator") == "a, b"
    assert docinfo_mismatches({"/Title": "Health record", "/Author": "a, b"}, xmp) == []
    assert docinfo_mismatches({"/CreationDate": "D:20261201100000Z"}, xmp) == [
        "/CreationDate 'D:20261201100000Z' vs xmp:CreateDate None"
    ]
    same_instant = Xmp({"xmp:ModifyDate": "2026-12-01T09:00:00Z"})
    assert docinfo_mismatches({"/ModDate": "D:20261201100000+01'00'"}, same_instant) == []
    assert docinfo_mismatches({"/ModDate": "D:20261201100000Z"}, same_instant) != []


def test_xmp_with_a_dtd_is_refused():
    with pytest.raises(XmpError, match="DTD"):
        parse_xmp(b'<!DOCTYPE x [<!ENTITY a "aaaa">]><x:xmpmeta xmlns:x="adobe:ns:meta/"/>')
