"""Read an XMP packet (the PDF's metadata stream) into `prefix:name` properties.

The conformance checker needs a handful of simple properties (pdfaid, pdfuaid, dc:title,
dates) and must compare them with the document-information dictionary as ISO 19005-3
6.6.3 asks. Properties may be written as attributes of `rdf:Description` or as child
elements (plain text, or the first `rdf:li` of an Alt/Seq/Bag); both forms are read.
XMP forbids DTDs: a packet with one is refused before parsing (no entity expansion).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from xml.etree import ElementTree as ET

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
PREFIXES = {
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://ns.adobe.com/xap/1.0/": "xmp",
    "http://ns.adobe.com/pdf/1.3/": "pdf",
    "http://www.aiim.org/pdfa/ns/id/": "pdfaid",
    "http://www.aiim.org/pdfua/ns/id/": "pdfuaid",
}
# ISO 19005-3 6.6.3: document-information key → XMP property it must equal
DOCINFO_XMP = {
    "/Title": "dc:title",
    "/Author": "dc:creator",
    "/Subject": "dc:description",
    "/Keywords": "pdf:Keywords",
    "/Creator": "xmp:CreatorTool",
    "/Producer": "pdf:Producer",
    "/CreationDate": "xmp:CreateDate",
    "/ModDate": "xmp:ModifyDate",
}
_PDF_DATE = re.compile(
    r"D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:([Zz+-])(\d{2})?'?(\d{2})?'?)?$"
)


class XmpError(ValueError):
    pass


@dataclass
class Xmp:
    properties: dict[str, str]

    def get(self, name: str) -> str | None:
        return self.properties.get(name)


def parse_xmp(packet: bytes) -> Xmp:
    if b"<!DOCTYPE" in packet or b"<!ENTITY" in packet:
        raise XmpError("XMP packet contains a DTD")
    text = re.sub(rb"<\?xpacket[^>]*\?>", b"", packet).strip()
    try:
        root = ET.fromstring(text)  # noqa: S314 (DTDs refused above: no entities)
    except ET.ParseError as err:
        raise XmpError(f"XMP is not well-formed XML: {err}") from None
    rdf = root if root.tag == f"{{{RDF}}}RDF" else root.find(f"{{{RDF}}}RDF")
    if rdf is None:
        raise XmpError("XMP has no rdf:RDF element")
    properties: dict[str, str] = {}
    for description in rdf.iter(f"{{{RDF}}}Description"):
        for key, value in description.attrib.items():
            _put(properties, key, value)
        for child in description:
            _put(properties, child.tag, _value(child))
    return Xmp(properties)


def _value(element: ET.Element) -> str:
    """Plain text; an Alt's x-default (or first) entry; a Seq's or Bag's entries joined
    with ", " (as a DocInfo /Author lists several creators)."""
    alt = element.find(f"{{{RDF}}}Alt")
    if alt is not None:
        items = list(alt.iter(f"{{{RDF}}}li"))
        default = [li for li in items if li.get(XML_LANG) == "x-default"]
        return ((default or items)[0].text or "") if items else ""
    items = list(element.iter(f"{{{RDF}}}li"))
    return ", ".join(li.text or "" for li in items) if items else (element.text or "")


def _put(properties: dict[str, str], tag: str, value: str) -> None:
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        prefix = PREFIXES.get(namespace)
        if prefix is not None:
            properties[f"{prefix}:{local}"] = value.strip()


def docinfo_mismatches(info: dict[str, str], xmp: Xmp) -> list[str]:
    """The DocInfo entries whose XMP counterpart is missing or different."""
    problems = []
    for key, prop in DOCINFO_XMP.items():
        if key not in info:
            continue
        theirs = xmp.get(prop)
        if key.endswith("Date"):
            same = theirs is not None and _pdf_date(info[key]) == _xmp_date(theirs)
        else:
            same = theirs == info[key]
        if not same:
            problems.append(f"{key} {info[key]!r} vs {prop} {theirs!r}")
    return problems


def _pdf_date(value: str) -> datetime | None:
    match = _PDF_DATE.match(value.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, sign, tzh, tzm = match.groups()
    offset = timedelta(hours=int(tzh or 0), minutes=int(tzm or 0))
    zone = UTC if sign in (None, "Z", "z") else timezone(offset if sign == "+" else -offset)
    return datetime(
        int(year), int(month or 1), int(day or 1), int(hour or 0), int(minute or 0),
        int(second or 0), tzinfo=zone,
    )  # fmt: skip


def _xmp_date(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
