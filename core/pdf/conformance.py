"""PDF/A-3b and PDF/UA-1 machine checks with pikepdf: `check_pdf(data)`.

veraPDF (the reference validator) is Java from Maven and cannot be installed on our
machines, and no other validator is packaged for PyPI, Debian or npm. This module checks
the clauses of ISO 19005-3 (PDF/A-3, level b) and ISO 14289-1 (PDF/UA-1) that our
exports rely on and that a program can decide cheaply; docs/exports.md ("Conformance:
what was verified") lists them and what is left to veraPDF or to a person. Each check
names its clause, so a failure says which rule broke.

The `pdfuaid:part=1` identification is reported apart (`ua_identified`), not as a
check: the engine adds it only once the other PDF/UA checks pass.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator

import pikepdf

from core.pdf import pdfua_checks
from core.pdf.report import Check, ConformanceReport
from core.pdf.xmp import Xmp, XmpError, docinfo_mismatches, parse_xmp

__all__ = ["Check", "ConformanceReport", "check_pdf"]


# ISO 19005-3 6.6.1: actions a PDF/A file must not contain; 6.2.10: the blend modes of
# ISO 32000-1 table 136 and 137 (nothing else).
FORBIDDEN_ACTIONS = {
    "/Launch", "/Sound", "/Movie", "/ResetForm", "/ImportData", "/Hide", "/SetOCGState",
    "/Rendition", "/Trans", "/GoTo3DView", "/JavaScript",
}  # fmt: skip
ALLOWED_NAMED = {"/NextPage", "/PrevPage", "/FirstPage", "/LastPage"}
BLEND_MODES = {
    "/Normal", "/Compatible", "/Multiply", "/Screen", "/Overlay", "/Darken", "/Lighten",
    "/ColorDodge", "/ColorBurn", "/HardLight", "/SoftLight", "/Difference", "/Exclusion",
    "/Hue", "/Saturation", "/Color", "/Luminosity",
}  # fmt: skip
FORBIDDEN_ANNOTS = {"/3D", "/Sound", "/Screen", "/Movie"}
AF_RELATIONSHIPS = {"/Source", "/Data", "/Alternative", "/Supplement", "/Unspecified"}
_HEADER = re.compile(rb"%PDF-1\.[0-7]\r?\n?%[\x80-\xff]{4}")


def check_pdf(data: bytes) -> ConformanceReport:
    """Every check on `data`; a file pikepdf cannot open fails the "structure" rule."""
    report = ConformanceReport()
    report.checks.append(_header(data))
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except (pikepdf.PdfError, pikepdf.PasswordError, ValueError) as err:
        report.checks.append(Check("structure", "the file opens as a PDF", False, str(err)))
        return report
    with pdf:
        problems = pdf.check_pdf_syntax()
        report.checks.append(
            Check("structure", "qpdf structural check", not problems, "; ".join(problems[:5]))
        )
        xmp = _read_xmp(pdf)
        for rule_id, rule in _PDFA_RULES:
            report.checks.append(_guarded(rule_id, rule, pdf, xmp))
        try:
            report.checks.extend(pdfua_checks.run(pdf, xmp))
        except MALFORMED as err:
            report.checks.append(_unchecked("PDF/UA-1 7.1", err))
        report.ua_identified = isinstance(xmp, Xmp) and xmp.get("pdfuaid:part") == "1"
    return report


# what a rule meets in a malformed file: an object of the wrong type where it expects a
# dictionary, array or number (pikepdf raises these rather than returning None)
MALFORMED = (pikepdf.PdfError, AttributeError, TypeError, ValueError, KeyError, IndexError)


def _guarded(rule_id: str, rule: Rule, pdf: pikepdf.Pdf, xmp: Xmp | str) -> Check:
    """A malformed object fails the rule that met it, never the whole check."""
    try:
        return rule(pdf, xmp)
    except MALFORMED as err:
        return _unchecked(rule_id, err)


def _unchecked(rule_id: str, err: Exception) -> Check:
    return Check(rule_id, "could not be checked: malformed objects", False, f"{err}"[:200])


def _read_xmp(pdf: pikepdf.Pdf) -> Xmp | str:
    """The parsed XMP packet, or why there is none usable."""
    stream = pdf.Root.get("/Metadata")
    if not isinstance(stream, pikepdf.Stream):
        return "no /Metadata stream in the catalog"
    try:
        return parse_xmp(stream.read_bytes())
    except (XmpError, pikepdf.PdfError) as err:
        return str(err)


def _header(data: bytes) -> Check:
    """6.1.2: `%PDF-1.n` (n ≤ 7) then a comment of four bytes above 127."""
    ok = _HEADER.match(data) is not None
    return Check("PDF/A-3 6.1.2", "file header %PDF-1.n and binary comment", ok, repr(data[:16]))


Rule = Callable[[pikepdf.Pdf, "Xmp | str"], Check]


def _trailer(pdf: pikepdf.Pdf, _xmp: Xmp | str) -> Check:
    """6.1.3: a file identifier (/ID) in the trailer, and no encryption."""
    ident = pdf.trailer.get("/ID")
    problems = []
    if not (isinstance(ident, pikepdf.Array) and len(ident) == 2):
        problems.append("trailer has no /ID of two strings")
    if "/Encrypt" in pdf.trailer or pdf.is_encrypted:
        problems.append("file is encrypted")
    return Check("PDF/A-3 6.1.3", "trailer /ID present, no /Encrypt", not problems, _j(problems))


def _streams(pdf: pikepdf.Pdf, _xmp: Xmp | str) -> Check:
    """6.1.7: no external streams (/F, /FFilter, /FDecodeParms) and no LZW filter."""
    bad = []
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Stream):
            keys = {"/F", "/FFilter", "/FDecodeParms"} & set(obj.stream_dict.keys())
            if keys or "/LZWDecode" in str(obj.stream_dict.get("/Filter", "")):
                bad.append(f"{obj.objgen}: {sorted(keys) or 'LZWDecode'}")
    return Check("PDF/A-3 6.1.7", "no external or LZW-compressed streams", not bad, _j(bad))


def _xmp_present(_pdf: pikepdf.Pdf, xmp: Xmp | str) -> Check:
    """6.6.2.1: the catalog's metadata stream holds a well-formed XMP packet."""
    ok = isinstance(xmp, Xmp)
    return Check("PDF/A-3 6.6.2.1", "XMP metadata present and valid", ok, "" if ok else str(xmp))


def _pdfaid(_pdf: pikepdf.Pdf, xmp: Xmp | str) -> Check:
    """6.6.4: the PDF/A identification schema says part 3, conformance B."""
    if not isinstance(xmp, Xmp):
        return Check("PDF/A-3 6.6.4", "pdfaid:part=3, pdfaid:conformance=B", False, "no XMP")
    part, level = xmp.get("pdfaid:part"), xmp.get("pdfaid:conformance")
    ok = part == "3" and level == "B"
    return Check(
        "PDF/A-3 6.6.4", "pdfaid:part=3, pdfaid:conformance=B", ok, f"part={part} level={level}"
    )


def _docinfo(pdf: pikepdf.Pdf, xmp: Xmp | str) -> Check:
    """6.6.3: each document-information entry equals its XMP counterpart."""
    if not isinstance(xmp, Xmp):
        return Check("PDF/A-3 6.6.3", "DocInfo consistent with XMP", False, "no XMP")
    info = pdf.trailer.get("/Info")
    entries = (
        {str(k): str(v) for k, v in info.items()} if isinstance(info, pikepdf.Dictionary) else {}
    )
    problems = docinfo_mismatches(entries, xmp)
    return Check("PDF/A-3 6.6.3", "DocInfo consistent with XMP", not problems, _j(problems))


def _output_intent(pdf: pikepdf.Pdf, _xmp: Xmp | str) -> Check:
    """6.2.3: an OutputIntent /GTS_PDFA1 with an embedded ICC profile (/N 1, 3 or 4)."""
    intents = pdf.Root.get("/OutputIntents")
    found = []
    for intent in intents if isinstance(intents, pikepdf.Array) else []:
        profile = intent.get("/DestOutputProfile")
        if (
            intent.get("/S") == "/GTS_PDFA1"
            and isinstance(profile, pikepdf.Stream)
            and int(profile.stream_dict.get("/N", 0)) in (1, 3, 4)
        ):
            found.append(profile.objgen)
    ok = len(set(found)) == 1
    detail = "" if ok else f"{len(set(found))} GTS_PDFA1 intents with an ICC profile"
    return Check("PDF/A-3 6.2.3", "OutputIntent GTS_PDFA1 with an ICC profile", ok, detail)


def _device_colours(pdf: pikepdf.Pdf, _xmp: Xmp | str) -> Check:
    """6.2.4.3: DeviceRGB only under an RGB output intent (/N 3), DeviceCMYK only under
    a CMYK one (/N 4): in images, colour-space operators and rg/RG/k/K on pages."""
    allowed = {"/DeviceGray"} | _DEVICE_FOR_N.get(_intent_components(pdf), set())
    bad = []
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Stream) and obj.stream_dict.get("/Subtype") == "/Image":
            space = str(obj.stream_dict.get("/ColorSpace", ""))
            if space.startswith("/Device") and space not in allowed:
                bad.append(f"image {obj.objgen}: {space}")
    for number, page in enumerate(pdf.pages, 1):
        used = _page_device_spaces(page)
        if used - allowed:
            bad.append(f"page {number}: {', '.join(sorted(used - allowed))}")
    return Check("PDF/A-3 6.2.4.3", "device colours match the output intent", not bad, _j(bad))


_DEVICE_FOR_N = {3: {"/DeviceRGB"}, 4: {"/DeviceCMYK"}}
_DEVICE_OPERATORS = {"rg": "/DeviceRGB", "RG": "/DeviceRGB", "k": "/DeviceCMYK", "K": "/DeviceCMYK"}


def _intent_components(pdf: pikepdf.Pdf) -> int:
    for intent in pdf.Root.get("/OutputIntents", []):
        profile = intent.get("/DestOutputProfile")
        if intent.get("/S") == "/GTS_PDFA1" and isinstance(profile, pikepdf.Stream):
            return int(profile.stream_dict.get("/N", 0))
    return 0


def _page_device_spaces(page: pikepdf.Page) -> set[str]:
    used = set()
    try:
        instructions = pikepdf.parse_content_stream(page)
    except pikepdf.PdfError:
        return {"unreadable content stream"}
    for instruction in instructions:
        op = str(instruction.operator)
        if op in _DEVICE_OPERATORS:
            used.add(_DEVICE_OPERATORS[op])
        elif op in ("cs", "CS") and str(instruction.operands[0]).startswith("/Device"):
            used.add(str(instruction.operands[0]))
    return used


def _fonts(pdf: pikepdf.Pdf, _xmp: Xmp | str) -> Check:
    """6.2.11.4.1: every font program is embedded (descendant fonts of Type0 too);
    6.2.11.3.2: a CIDFontType2 has a /CIDToGIDMap; a Type3 font has its glyph
    procedures (its glyphs are content, nothing to embed)."""
    bad = []
    for font in _fonts_in(pdf):
        subtype = font.get("/Subtype")
        if subtype == "/Type3":
            if not isinstance(font.get("/CharProcs"), pikepdf.Dictionary):
                bad.append(f"Type3 {font.objgen} without /CharProcs")
            continue
        targets = font.get("/DescendantFonts") if subtype == "/Type0" else [font]
        for target in targets or [font]:
            descriptor = target.get("/FontDescriptor")
            files = {"/FontFile", "/FontFile2", "/FontFile3"}
            if not isinstance(descriptor, pikepdf.Dictionary) or not files & set(descriptor.keys()):
                bad.append(f"{target.get('/BaseFont', target.objgen)} not embedded")
            if target.get("/Subtype") == "/CIDFontType2" and "/CIDToGIDMap" not in target:
                bad.append(f"{target.get('/BaseFont', target.objgen)} without /CIDToGIDMap")
    return Check("PDF/A-3 6.2.11.4.1", "every font embedded", not bad, _j(bad))


def _fonts_in(pdf: pikepdf.Pdf) -> Iterator[pikepdf.Dictionary]:
    for obj in pdf.objects:
        if (
            isinstance(obj, pikepdf.Dictionary)
            and obj.get("/Type") == "/Font"
            and obj.get("/Subtype") not in ("/CIDFontType0", "/CIDFontType2")
        ):
            yield obj


def _actions(pdf: pikepdf.Pdf, _xmp: Xmp | str) -> Check:
    """6.6.1 and 6.6.2: no JavaScript, Launch or other forbidden actions, no named
    actions but page navigation, no additional-actions (/AA) dictionaries."""
    bad = []
    names = pdf.Root.get("/Names")
    if isinstance(names, pikepdf.Dictionary) and "/JavaScript" in names:
        bad.append("catalog /Names /JavaScript")
    for obj in _dictionaries(pdf):
        kind = obj.get("/S")
        if "/JS" in obj or "/AA" in obj or kind in FORBIDDEN_ACTIONS:
            bad.append(f"{obj.objgen}: {kind if kind in FORBIDDEN_ACTIONS else '/JS or /AA'}")
        elif kind == "/Named" and obj.get("/N") not in ALLOWED_NAMED:
            bad.append(f"{obj.objgen}: named action {obj.get('/N')}")
    return Check("PDF/A-3 6.6.1", "no JavaScript, Launch or forbidden actions", not bad, _j(bad))


def _dictionaries(pdf: pikepdf.Pdf) -> Iterator[pikepdf.Dictionary]:
    """Every indirect dictionary, and the direct ones one level inside them (an action
    is often written inline in its annotation's /A)."""
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Dictionary):
            yield obj
            for value in obj.values():
                if isinstance(value, pikepdf.Dictionary) and not value.is_indirect:
                    yield value


def _transparency(pdf: pikepdf.Pdf, _xmp: Xmp | str) -> Check:
    """6.2.5 and 6.2.10: standard blend modes only, no transfer functions or halftone
    overrides in graphics states; without an output intent a page group needs /CS."""
    bad = []
    for obj in _dictionaries(pdf):
        if obj.get("/Type") == "/ExtGState" or "/BM" in obj or "/TR" in obj:
            mode = obj.get("/BM")
            modes = list(mode) if isinstance(mode, pikepdf.Array) else [mode]
            if any(mode is not None and str(mode) not in BLEND_MODES for mode in modes):
                bad.append(f"{obj.objgen}: blend mode {modes}")
            if "/TR" in obj or "/HTP" in obj or obj.get("/TR2", "/Default") != "/Default":
                bad.append(f"{obj.objgen}: /TR, /TR2 or /HTP")
    if "/OutputIntents" not in pdf.Root:
        for number, page in enumerate(pdf.pages, 1):
            group = page.obj.get("/Group")
            if isinstance(group, pikepdf.Dictionary) and "/CS" not in group:
                bad.append(f"page {number}: transparency group without /CS")
    return Check("PDF/A-3 6.2.10", "transparency and graphics states allowed", not bad, _j(bad))


def _annotations(pdf: pikepdf.Pdf, _xmp: Xmp | str) -> Check:
    """6.3.1 and 6.3.2: allowed annotation types, the Print flag set and Hidden,
    Invisible, NoView and ToggleNoView clear (Popup annotations excepted)."""
    bad = []
    for number, page in enumerate(pdf.pages, 1):
        for annot in page.obj.get("/Annots", []):
            subtype = annot.get("/Subtype")
            flags = int(annot.get("/F", 0))
            if subtype in FORBIDDEN_ANNOTS:
                bad.append(f"page {number}: {subtype} annotation")
            elif subtype != "/Popup" and (not flags & 4 or flags & (1 | 2 | 32 | 256)):
                bad.append(f"page {number}: {subtype} annotation flags {flags}")
    return Check("PDF/A-3 6.3.2", "annotations printable and visible", not bad, _j(bad))


def _embedded_files(pdf: pikepdf.Pdf, _xmp: Xmp | str) -> Check:
    """6.8: an embedded file is an associated file: its file specification has /F,
    /UF, /Desc and /AFRelationship and is listed in the catalog's /AF; the embedded
    stream gives its MIME type (/Subtype) and /Params /ModDate."""
    listed = {spec.objgen for spec in pdf.Root.get("/AF", []) if spec.is_indirect}
    bad = []
    for spec in _filespecs(pdf):
        name = str(spec.get("/UF", spec.get("/F", spec.objgen)))
        missing = [key for key in ("/F", "/UF", "/Desc") if not str(spec.get(key, ""))]
        if spec.get("/AFRelationship") not in AF_RELATIONSHIPS:
            missing.append("/AFRelationship")
        holder = spec.get("/EF")
        stream = holder.get("/F") if isinstance(holder, pikepdf.Dictionary) else None
        if not isinstance(stream, pikepdf.Stream) or "/Subtype" not in stream.stream_dict:
            missing.append("/EF /F /Subtype (MIME type)")
        elif "/ModDate" not in stream.stream_dict.get("/Params", {}):
            missing.append("/Params /ModDate")
        if spec.objgen not in listed:
            missing.append("entry in catalog /AF")
        if missing:
            bad.append(f"{name}: no {', '.join(missing)}")
    return Check("PDF/A-3 6.8", "embedded files are associated files", not bad, _j(bad))


def _filespecs(pdf: pikepdf.Pdf) -> Iterator[pikepdf.Dictionary]:
    """Indirect file specifications, and direct ones in the EmbeddedFiles name tree."""
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Dictionary) and "/EF" in obj:
            yield obj
    for spec in pdf.attachments.values():
        if not spec.obj.is_indirect:
            yield spec.obj


def _j(items: list[str]) -> str:
    shown = "; ".join(items[:5])
    return shown + (f" (+{len(items) - 5} more)" if len(items) > 5 else "")


_PDFA_RULES: list[tuple[str, Rule]] = [
    ("PDF/A-3 6.1.3", _trailer),
    ("PDF/A-3 6.1.7", _streams),
    ("PDF/A-3 6.6.2.1", _xmp_present),
    ("PDF/A-3 6.6.4", _pdfaid),
    ("PDF/A-3 6.6.3", _docinfo),
    ("PDF/A-3 6.2.3", _output_intent),
    ("PDF/A-3 6.2.4.3", _device_colours),
    ("PDF/A-3 6.2.11.4.1", _fonts),
    ("PDF/A-3 6.6.1", _actions),
    ("PDF/A-3 6.2.10", _transparency),
    ("PDF/A-3 6.3.2", _annotations),
    ("PDF/A-3 6.8", _embedded_files),
]
