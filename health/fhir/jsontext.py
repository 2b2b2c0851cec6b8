"""JSON that keeps the client's numbers: decimals are parsed as Decimal and written back
with the digits they came with (1.50 stays 1.50), so the stored document is the
client's, not a re-serialisation that rounds."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

_MARK = "\x00n:"
_MARKED = re.compile(r'"\\u0000n:([^"\\]+)\\u0000"')


def loads(text: str | bytes) -> Any:
    return json.loads(text, parse_float=Decimal)


def _number(value: Any) -> str:
    if isinstance(value, Decimal):
        return f"{_MARK}{value}\x00"
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(document: Any) -> str:
    text = json.dumps(document, default=_number, ensure_ascii=False, separators=(",", ":"))
    if "\\u0000n:" in text:
        text = _MARKED.sub(r"\1", text)
    return text
