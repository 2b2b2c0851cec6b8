"""What comes in to be written, checked before it is: the body parsed, the document
validated (no control characters in its strings), an update's If-Match compared with the
current row (locked for the update); a delete of what others reference is allowed (their
references then resolve to the tombstone). Each check yields a `Pending` that
`writes.write_many` stores; every write path of a user (REST, transaction, batch) then
passes it through `health.fhir.guard`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from health.fhir import jsontext, store, writes
from health.fhir.errors import (
    InvalidRequest,
    PreconditionFailed,
    UnknownResource,
)
from health.fhir.resource_types import check_id, check_type, whole_number
from health.fhir.store import Stored
from health.fhir.validation import validate
from health.fhir.writes import Pending

# The permission a resource's restricted security label asks of whoever writes it (or
# writes over it): the one place to change when the label gets its own permission.
# FHIR strings hold no control characters but tab, CR and LF (R4 `string`: [ \r\n\t\S]+)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def parse_body(body: bytes | str) -> Any:
    try:
        return jsontext.loads(body)
    except (ValueError, UnicodeDecodeError) as err:
        raise InvalidRequest(f"The body is not valid JSON: {err}", code="structure") from None


def expected_version(if_match: str | None) -> int | None:
    if not if_match:
        return None
    value = if_match.strip()
    value = value[2:] if value.startswith("W/") else value
    version = whole_number(value.strip('"'))
    if version is None:
        raise InvalidRequest('If-Match must be a version ETag like W/"3".')
    return version


def _clean(value: Any) -> bool:
    """The fast check (no paths built); `_controls` says where when it fails."""
    if isinstance(value, str):
        return not _CONTROL.search(value)
    if isinstance(value, dict):
        return all(_clean(k) and _clean(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_clean(item) for item in value)
    return True


def _controls(value: Any, path: str) -> Iterator[str]:
    if isinstance(value, str) and _CONTROL.search(value):
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            if _CONTROL.search(key):
                yield f"{path}.{key!r}"
            yield from _controls(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _controls(item, f"{path}[{index}]")


def check_strings(document: Any, resource_type: str) -> None:
    """InvalidRequest naming each element whose string (or key) holds a control
    character other than tab, CR or LF (NUL among them): FHIR forbids them, and none
    may reach the stored JSON."""
    if _clean(document):
        return
    where = list(_controls(document, resource_type))[:50]
    raise InvalidRequest(
        "Strings may not contain control characters (other than tab, CR and LF): "
        + ", ".join(where),
        expression=where,
    )


def pending_create(resource_type: str, document: Any) -> Pending:
    check_type(resource_type)
    check_strings(document, resource_type)
    validate(document, resource_type)
    return Pending(resource_type, writes.new_id(), document, "POST")


def pending_update(
    resource_type: str,
    resource_id: str,
    document: Any,
    if_match: str | None,
    prefetched: dict[tuple[str, str], Stored] | None = None,
) -> Pending:
    """`prefetched`: the result of `current_for_update` over every key this unit of work
    updates (absent key: no such resource); None reads the row here."""
    check_type(resource_type)
    check_id(resource_type, resource_id)
    check_strings(document, resource_type)
    validate(document, resource_type)
    if document.get("id") != resource_id:
        raise InvalidRequest(
            "The resource id must equal the id in the URL.", expression=[f"{resource_type}.id"]
        )
    if prefetched is None:
        existing = store.current(resource_type, resource_id, for_update=True)
    else:
        existing = prefetched.get((resource_type, resource_id))
    wanted = expected_version(if_match)
    if wanted is not None and (existing is None or existing.version != wanted):
        have = f'W/"{existing.version}"' if existing else "nothing"
        raise PreconditionFailed(
            f'If-Match W/"{wanted}" does not match the current version ({have}).'
        )
    return Pending(resource_type, resource_id, document, "PUT", current=existing)


def pending_delete(resource_type: str, resource_id: str) -> Pending | None:
    """None when already deleted (deleting again changes nothing). A resource others
    still reference may be deleted (FHIR allows it): their references then resolve to
    the tombstone (410), and `referential` refuses new references to it."""
    check_type(resource_type)
    existing = store.current(resource_type, resource_id, for_update=True)
    if existing is None:
        raise UnknownResource(f"{resource_type}/{resource_id} is not known.")
    if existing.is_deleted:
        return None
    return Pending(resource_type, resource_id, None, "DELETE", current=existing)
