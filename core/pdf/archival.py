"""The finished file's archival layer: PDF/A-3b metadata, associated files, export id.

Both render paths (one WeasyPrint pass, or merged chunks) end here, so a document has
the same properties whichever path made it: one XMP packet (pdfaid part 3 B, pdfuaid
part 1 when tagged, the export id under a declared extension schema), DocInfo that
agrees with it, title shown instead of the file name, language, the sRGB output intent,
and each `Attachment` embedded as a PDF/A-3 associated file listed in the catalog /AF.
`embedded_export_id` and `attachments_of` read them back (`custodia exports verify`,
`custodia fhir import`).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from importlib.resources import files
from xml.sax.saxutils import escape

import pikepdf
import weasyprint
from pikepdf import Array, Dictionary, Name, String

from core.pdf.document import Attachment, PdfDocument

EXPORT_NS = "https://custodia.dev/ns/export/1.0/"
INFO_EXPORT_ID = "/CustodiaExportId"
SRGB_PROFILE = files("weasyprint.pdf").joinpath("sRGB2014.icc")
PRODUCER = f"Custodia (WeasyPrint {weasyprint.__version__}, pikepdf {pikepdf.__version__})"

_XMP = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
    xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"
    xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/"
    xmlns:custodia="{ns}"
    xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
    xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"
    xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
   <pdfaid:part>3</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>{ua}
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
   <dc:language><rdf:Bag><rdf:li>{lang}</rdf:li></rdf:Bag></dc:language>
   <xmp:CreatorTool>Custodia</xmp:CreatorTool>
   <xmp:CreateDate>{when}</xmp:CreateDate>
   <xmp:ModifyDate>{when}</xmp:ModifyDate>
   <xmp:MetadataDate>{when}</xmp:MetadataDate>
   <pdf:Producer>{producer}</pdf:Producer>{export_id}
   <pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
    <pdfaSchema:schema>Custodia export</pdfaSchema:schema>
    <pdfaSchema:namespaceURI>{ns}</pdfaSchema:namespaceURI>
    <pdfaSchema:prefix>custodia</pdfaSchema:prefix>
    <pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">
     <pdfaProperty:name>exportId</pdfaProperty:name>
     <pdfaProperty:valueType>Text</pdfaProperty:valueType>
     <pdfaProperty:category>external</pdfaProperty:category>
     <pdfaProperty:description>Export record id (custodia exports verify)</pdfaProperty:description>
    </rdf:li></rdf:Seq></pdfaSchema:property>
   </rdf:li></rdf:Bag></pdfaExtension:schemas>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""


def xmp_packet(document: PdfDocument, when: dt.datetime, *, tagged: bool) -> bytes:
    ua = "\n   <pdfuaid:part>1</pdfuaid:part>" if tagged else ""
    export_id = ""
    if document.export_id:
        export_id = f"\n   <custodia:exportId>{escape(document.export_id)}</custodia:exportId>"
    text = _XMP.format(
        ns=EXPORT_NS,
        ua=ua,
        title=escape(document.title),
        lang=escape(document.lang),
        when=when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        producer=escape(PRODUCER),
        export_id=export_id,
    )
    return text.encode()


def finish(pdf: pikepdf.Pdf, document: PdfDocument, *, tagged: bool) -> None:
    """Give `pdf` the document's archival metadata, attachments and export id."""
    when = dt.datetime.now(dt.UTC).replace(microsecond=0)
    root = pdf.Root
    metadata = pdf.make_stream(xmp_packet(document, when, tagged=tagged))
    metadata.Type, metadata.Subtype = Name.Metadata, Name.XML
    root.Metadata = metadata
    if "/OutputIntents" not in root:
        root.OutputIntents = Array([_srgb_intent(pdf)])
    root.Lang = String(document.lang)
    root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
    if tagged:
        root.MarkInfo = Dictionary(Marked=True)
    info_date = when.strftime("D:%Y%m%d%H%M%SZ")
    info = Dictionary(
        Title=String(document.title),
        Creator=String("Custodia"),
        Producer=String(PRODUCER),
        CreationDate=String(info_date),
        ModDate=String(info_date),
    )
    if document.export_id:
        info[INFO_EXPORT_ID] = String(document.export_id)
    pdf.trailer.Info = pdf.make_indirect(info)
    _attach(pdf, document.attachments, info_date)


def _srgb_intent(pdf: pikepdf.Pdf) -> pikepdf.Object:
    """The PDF/A output intent: colours are sRGB (the ICC profile WeasyPrint ships)."""
    profile = pdf.make_stream(SRGB_PROFILE.read_bytes())
    profile.N = 3
    return pdf.make_indirect(
        Dictionary(
            Type=Name.OutputIntent,
            S=Name.GTS_PDFA1,
            OutputConditionIdentifier=String("sRGB IEC61966-2.1"),
            Info=String("sRGB IEC61966-2.1"),
            DestOutputProfile=profile,
        )
    )


def _attach(pdf: pikepdf.Pdf, attachments: Sequence[Attachment], info_date: str) -> None:
    specs = []
    for attachment in attachments:
        spec = pikepdf.AttachedFileSpec(
            pdf,
            attachment.data,
            description=attachment.description,
            filename=attachment.filename,
            mime_type=attachment.mime_type,
            creation_date=info_date,
            mod_date=info_date,
            relationship=Name("/" + attachment.relationship),
        )
        pdf.attachments[attachment.filename] = spec
        specs.append(spec.obj)
    if specs:
        pdf.Root.AF = Array(specs)


def save(pdf: pikepdf.Pdf) -> bytes:
    out = io.BytesIO()
    pdf.save(
        out,
        compress_streams=True,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
        min_version="1.7",
    )
    return out.getvalue()


def embedded_export_id(data: bytes) -> str | None:
    """The export id written into a PDF by `finish` (DocInfo, else XMP), or None when
    `data` is not a PDF or carries none."""
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            value = pdf.trailer.get("/Info", Dictionary()).get(INFO_EXPORT_ID)
            if value is not None:
                return str(value)
            with pdf.open_metadata() as meta:
                found = meta.get(f"{{{EXPORT_NS}}}exportId")
                return str(found) if found else None
    except pikepdf.PdfError:
        return None


def attachments_of(data: bytes) -> dict[str, bytes]:
    """Every embedded file of a PDF by file name (the FHIR Bundle of an export)."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return {name: spec.get_file().read_bytes() for name, spec in pdf.attachments.items()}
