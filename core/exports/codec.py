"""A built `PdfDocument` kept on a job row until a worker renders it: JSON (attachments
base64), zlib-compressed. Only what the document says: no actor, no callable."""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any

from core.pdf import Attachment, PdfDocument, RunningHeader


def pack(document: PdfDocument) -> bytes:
    body = {
        "title": document.title,
        "header": document.header.__dict__,
        "parts": list(document.parts),
        "lang": document.lang,
        "attachments": [_attachment(a) for a in document.attachments],
        "export_id": document.export_id,
    }
    return zlib.compress(json.dumps(body).encode(), level=6)


def unpack(data: bytes) -> PdfDocument:
    body = json.loads(zlib.decompress(data))
    return PdfDocument(
        title=body["title"],
        header=RunningHeader(**body["header"]),
        parts=tuple(body["parts"]),
        lang=body["lang"],
        attachments=tuple(
            Attachment(**{**a, "data": base64.b64decode(a["data"])}) for a in body["attachments"]
        ),
        export_id=body["export_id"],
    )


def _attachment(attachment: Attachment) -> dict[str, Any]:
    return {**attachment.__dict__, "data": base64.b64encode(attachment.data).decode()}
