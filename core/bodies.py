"""Hostile request bodies refused before any work: a JSON body nested deeper than
`MAX_JSON_DEPTH` is a 400 before a parser (json, marshmallow, pydantic) recurses into it
and fails with a RecursionError (which was a 500)."""

from __future__ import annotations

import re

from core.errors import DomainError

MAX_JSON_DEPTH = 64  # FHIR resources nest a dozen levels; a bundle adds three
# A JSON string (with its escapes) or one bracket: the scan skips what strings hold.
_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


class BodyTooDeep(DomainError):
    status = 400
    default_message = f"The JSON body is nested more than {MAX_JSON_DEPTH} levels deep."


def json_depth(body: bytes, limit: int = MAX_JSON_DEPTH) -> int:
    """How deep the arrays and objects of `body` nest, counting up to `limit + 1` (the
    scan stops there); brackets inside strings do not count."""
    depth = deepest = 0
    for match in _TOKENS.finditer(body):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    break
        elif token in (b"]", b"}"):
            depth -= 1
    return deepest


def check_json_depth(body: bytes, limit: int = MAX_JSON_DEPTH) -> None:
    """Raise `BodyTooDeep` (400) for a body nested deeper than `limit`."""
    if body.count(b"[") + body.count(b"{") > limit and json_depth(body, limit) > limit:
        raise BodyTooDeep()
