"""JSON that keeps the client's numbers: decimals are parsed as Decimal and written back
with the digits they came with (1.50 stays 1.50), so the stored document is the
client's, not a re-serialisation that rounds.

`dumps` writes each Decimal as a marked string and then replaces the marks with the
digits. The mark carries a random nonce drawn for that call, so no client string can
produce one (and incoming strings may not hold control characters at all:
`health.fhir.incoming.check_strings`); only a finite number's digits are put back."""

from __future__ import annotations

import json
import re
import secrets
from decimal import Decimal
from typing import Any

_DIGITS = r"-?[0-9]+(?:\.[0-9]+)?(?:E[+-]?[0-9]+)?"


def loads(text: str | bytes) -> Any:
    return json.loads(text, parse_float=Decimal)


def dumps(document: Any) -> str:
    nonce = secrets.token_hex(12)
    seen: list[bool] = []

    def number(value: Any) -> str:
        if isinstance(value, Decimal) and value.is_finite():
            seen.append(True)
            return f"\x00{nonce}:{value}\x00"
        raise TypeError(f"{type(value).__name__} is not JSON serialisable")

    text = json.dumps(document, default=number, ensure_ascii=False, separators=(",", ":"))
    if seen:
        marked = re.compile(rf'"\\u0000{nonce}:({_DIGITS})\\u0000"')
        text = marked.sub(r"\1", text)
    return text
