"""The machine-checkable part of PDF/UA-1 (ISO 14289-1) that `check_pdf` runs.

What a program can decide from the file alone: the document is marked and has a
non-empty structure tree whose types are standard or role-mapped to standard ones,
every page's text and images sit in marked content (tagged with an MCID, or an
artifact), pages and annotations point into the tree, figures carry alternative text,
fonts map to Unicode, and the catalog gives language and title display. Whether the
tags are the *right* ones (reading order, alt text that says something, headings that
match the content) is for a person with the Matterhorn protocol, not for this module.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import pikepdf

from core.pdf.report import Check

if TYPE_CHECKING:
    from core.pdf.xmp import Xmp

# ISO 32000-1 14.8.4 standard structure types
STANDARD_TYPES = {
    "Document", "Part", "Art", "Sect", "Div", "BlockQuote", "Caption", "TOC", "TOCI",
    "Index", "NonStruct", "Private", "P", "H", "H1", "H2", "H3", "H4", "H5", "H6", "L",
    "LI", "Lbl", "LBody", "Table", "TR", "TH", "TD", "THead", "TBody", "TFoot", "Span",
    "Quote", "Note", "Reference", "BibEntry", "Code", "Link", "Annot", "Ruby", "RB",
    "RT", "RP", "Warichu", "WT", "WP", "Figure", "Formula", "Form",
}  # fmt: skip
STANDARD_ENCODINGS = {"/WinAnsiEncoding", "/MacRomanEncoding", "/StandardEncoding"}
# text showing, XObject (image or form) painting, inline images
PAINT_OPERATORS = {"Tj", "TJ", "'", '"', "Do", "INLINE IMAGE"}
MAX_ELEMENTS = 200_000  # a cycle or a hostile file must not keep the checker busy


def run(pdf: pikepdf.Pdf, xmp: Xmp | str) -> list[Check]:
    root = pdf.Root
    mark_info = _dict(root.get("/MarkInfo"))
    tree = root.get("/StructTreeRoot")
    elements = list(_elements(tree)) if isinstance(tree, pikepdf.Dictionary) else []
    prefs = _dict(root.get("/ViewerPreferences"))
    title = xmp.get("dc:title") if not isinstance(xmp, str) else None
    role_map = _role_map(tree)
    unmapped = _unmapped_types(role_map, elements)
    no_alt = [f"Figure {e.objgen}" for e in elements if _is_figure(e, role_map) and not _has_alt(e)]
    unmarked, orphan_pages = _content_problems(pdf)
    annots = _annotation_problems(pdf)
    fonts = _fonts_without_unicode(pdf)
    return [
        Check("PDF/UA-1 7.1", "/MarkInfo /Marked true", mark_info.get("/Marked") is True),
        Check("PDF/UA-1 7.1", "StructTreeRoot with a non-empty tree", bool(elements),
              f"{len(elements)} structure elements"),
        Check("PDF/UA-1 7.1", "RoleMap maps every non-standard type", not unmapped,
              ", ".join(sorted(unmapped))),
        Check("PDF/UA-1 7.1", "text and images inside marked content (MCID or Artifact)",
              not unmarked, "; ".join(unmarked[:5])),
        Check("PDF/UA-1 7.1", "pages with marked content have /StructParents",
              not orphan_pages, ", ".join(orphan_pages)),
        Check("PDF/UA-1 7.1", "ViewerPreferences /DisplayDocTitle true",
              prefs.get("/DisplayDocTitle") is True),
        Check("PDF/UA-1 7.1", "dc:title in the XMP metadata", bool(title), repr(title)),
        Check("PDF/UA-1 7.2", "/Lang on the catalog", bool(str(root.get("/Lang", ""))),
              str(root.get("/Lang", ""))),
        Check("PDF/UA-1 7.3", "every Figure has /Alt or /ActualText", not no_alt,
              ", ".join(no_alt[:5])),
        Check("PDF/UA-1 7.18", "annotations tagged, links described, pages /Tabs /S",
              not annots, "; ".join(annots[:5])),
        Check("PDF/UA-1 7.21.7", "every font maps to Unicode", not fonts, ", ".join(fonts[:5])),
    ]  # fmt: skip


def _dict(value: object) -> pikepdf.Dictionary:
    return value if isinstance(value, pikepdf.Dictionary) else pikepdf.Dictionary()


def _elements(tree: pikepdf.Dictionary) -> Iterator[pikepdf.Dictionary]:
    """Structure elements under the root, depth first, each once."""
    seen: set[tuple[int, int]] = set()
    stack = [tree.get("/K")]
    while stack and len(seen) < MAX_ELEMENTS:
        kid = stack.pop()
        if isinstance(kid, pikepdf.Array):
            stack.extend(reversed(list(kid)))
        elif isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            key = kid.objgen if kid.is_indirect else (-id(kid), 0)
            if key not in seen:
                seen.add(key)
                yield kid
                stack.append(kid.get("/K"))


def _resolve(kind: str, role_map: pikepdf.Dictionary | dict[str, object]) -> str:
    for _ in range(20):  # role maps may chain; a loop resolves to nothing
        if kind in STANDARD_TYPES:
            return kind
        target = role_map.get("/" + kind)
        if target is None:
            return kind
        kind = str(target)[1:]
    return kind


def _role_map(tree: object) -> pikepdf.Dictionary | dict[str, object]:
    found = tree.get("/RoleMap") if isinstance(tree, pikepdf.Dictionary) else None
    return found if isinstance(found, pikepdf.Dictionary) else {}


def _unmapped_types(
    role_map: pikepdf.Dictionary | dict[str, object], elements: list[pikepdf.Dictionary]
) -> set[str]:
    kinds = {str(element.get("/S"))[1:] for element in elements}
    return {kind for kind in kinds if _resolve(kind, role_map) not in STANDARD_TYPES}


def _is_figure(
    element: pikepdf.Dictionary, role_map: pikepdf.Dictionary | dict[str, object]
) -> bool:
    return _resolve(str(element.get("/S"))[1:], role_map) == "Figure"


def _has_alt(element: pikepdf.Dictionary) -> bool:
    return bool(str(element.get("/Alt", "")) or str(element.get("/ActualText", "")))


def _content_problems(pdf: pikepdf.Pdf) -> tuple[list[str], list[str]]:
    """Text-showing and image-painting operators outside tagged marked content; pages
    with MCIDs but no /StructParents. Form XObjects' own streams are not walked."""
    unmarked: list[str] = []
    orphan_pages: list[str] = []
    for number, page in enumerate(pdf.pages, 1):
        stack: list[bool] = []  # one entry per open sequence: tagged or artifact?
        has_mcid = False
        try:
            instructions = pikepdf.parse_content_stream(page)
        except pikepdf.PdfError as err:
            unmarked.append(f"page {number}: unreadable content ({err})")
            continue
        for instruction in instructions:
            op, operands = str(instruction.operator), list(instruction.operands)
            if op in ("BDC", "BMC"):
                tagged = _opens_tagged(op, operands)
                has_mcid = has_mcid or (op == "BDC" and _has_mcid(operands))
                stack.append(tagged or any(stack[-1:]))
            elif op == "EMC" and stack:
                stack.pop()
            elif op in PAINT_OPERATORS and not any(stack[-1:]):
                unmarked.append(f"page {number}: {op} outside marked content")
                break
        if has_mcid and "/StructParents" not in page.obj:
            orphan_pages.append(f"page {number}")
    return unmarked, orphan_pages


def _has_mcid(operands: Sequence[object]) -> bool:
    props = operands[1] if len(operands) > 1 else None
    return isinstance(props, pikepdf.Dictionary) and "/MCID" in props


def _opens_tagged(op: str, operands: Sequence[object]) -> bool:
    if operands and str(operands[0]) == "/Artifact":
        return True
    return op == "BDC" and _has_mcid(operands)


def _annotation_problems(pdf: pikepdf.Pdf) -> list[str]:
    """7.18.1: annotations other than Popup are in the structure tree (/StructParent);
    7.18.5: links have /Contents; 7.18.3: a page with annotations has /Tabs /S."""
    problems = []
    for number, page in enumerate(pdf.pages, 1):
        annots = [a for a in page.obj.get("/Annots", []) if a.get("/Subtype") != "/Popup"]
        if annots and page.obj.get("/Tabs") != "/S":
            problems.append(f"page {number}: no /Tabs /S")
        for annot in annots:
            if "/StructParent" not in annot:
                problems.append(f"page {number}: {annot.get('/Subtype')} not tagged")
            if annot.get("/Subtype") == "/Link" and not str(annot.get("/Contents", "")):
                problems.append(f"page {number}: link without /Contents")
    return problems


def _fonts_without_unicode(pdf: pikepdf.Pdf) -> list[str]:
    """7.21.7: a font's characters map to Unicode: a /ToUnicode CMap, or a simple font
    with a standard named encoding."""
    bad = []
    for obj in pdf.objects:
        if not (isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Font"):
            continue
        subtype = obj.get("/Subtype")
        if subtype in ("/CIDFontType0", "/CIDFontType2") or "/ToUnicode" in obj:
            continue
        if subtype == "/Type0" or obj.get("/Encoding") not in STANDARD_ENCODINGS:
            bad.append(str(obj.get("/BaseFont", obj.objgen)))
    return bad
