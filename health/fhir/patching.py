"""PATCH with JSON Patch (RFC 6902, `application/json-patch+json`) or JSON Merge Patch
(RFC 7386, `application/merge-patch+json`; with `application/json` the body's shape
decides: an array is a JSON Patch, an object a merge patch), on its own and as a
transaction or batch entry.

The patch is applied to the current version, read and locked as an update's is; the
result must then pass everything an update passes (validation, the id of the URL,
If-Match, restricted labels and facility scope through `health.fhir.guard`) and is
stored as the next version (history method PATCH, audited as an update). A malformed
patch is a 400; one that cannot be applied (a `test` that fails, a path that is not
there) a 422. In a Bundle the entry's resource is a Binary whose `data` is the patch in
base64 (`contentType` application/json-patch+json), as R4 has it; HAPI's FHIRPath
Patch (a Parameters resource) is not supported."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import jsonpatch
import jsonpointer

from core.access import authorize
from core.actor import Actor
from core.db import unit_of_work
from health.audit_tags import HealthAuditTag
from health.fhir import guard, incoming, jsontext, store, writes
from health.fhir.errors import (
    InvalidRequest,
    PreconditionFailed,
    ResourceDeleted,
    RuleViolation,
    UnknownResource,
)
from health.fhir.resource_types import check_id, check_type
from health.fhir.services import audit_access
from health.fhir.store import Stored
from health.fhir.writes import Pending
from health.permissions import HealthPermission

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"


def operations_of(binary: Any, where: str) -> Any:
    """The JSON Patch a transaction entry carries (a Binary, base64 `data`)."""
    if not isinstance(binary, dict) or binary.get("resourceType") != "Binary":
        raise InvalidRequest(
            "A PATCH entry's resource is a Binary holding the JSON Patch "
            "(contentType application/json-patch+json, data in base64).",
            expression=[f"{where}.resource"],
        )
    if binary.get("contentType") != JSON_PATCH:
        raise InvalidRequest(
            f"The Binary's contentType must be {JSON_PATCH}.",
            expression=[f"{where}.resource.contentType"],
        )
    try:
        return incoming.parse_body(base64.b64decode(str(binary.get("data", "")), validate=True))
    except (binascii.Error, ValueError):
        raise InvalidRequest(
            "The Binary's data is not base64.", expression=[f"{where}.resource.data"]
        ) from None


def check_kind(media_type: str, operations: Any) -> None:
    """A JSON Patch is an array, a merge patch an object (InvalidRequest otherwise); the
    plain JSON types take either."""
    if media_type == JSON_PATCH and not isinstance(operations, list):
        raise InvalidRequest(f"A {JSON_PATCH} body is an array of operations.")
    if media_type == MERGE_PATCH and not isinstance(operations, dict):
        raise InvalidRequest(f"A {MERGE_PATCH} body is a JSON object.")


def merged(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON Merge Patch: objects merged key by key, null removes a key."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merged(result.get(key), value)
    return result


def patched(current: Stored, operations: Any) -> dict[str, Any]:
    """The current version's document with the patch applied: a JSON Patch (an array of
    operations) or a JSON Merge Patch (an object); meta's versionId and lastUpdated are
    dropped (the write sets them)."""
    original = jsontext.loads(current.text or "{}")
    if isinstance(operations, dict):
        document = merged(original, operations)
    elif not isinstance(operations, list) or not operations:
        raise InvalidRequest("A JSON Patch is a non-empty array of operations.")
    else:
        document = _json_patch(original, operations)
    if not isinstance(document, dict):
        raise RuleViolation("The patch does not leave a resource.")
    meta = document.get("meta")
    if isinstance(meta, dict):
        meta.pop("versionId", None)
        meta.pop("lastUpdated", None)
        if not meta:
            document.pop("meta")
    return document


def _json_patch(original: Any, operations: list[Any]) -> Any:
    try:
        patch = jsonpatch.JsonPatch(operations)
        return patch.apply(original)
    except jsonpatch.InvalidJsonPatch as err:
        raise InvalidRequest(f"The JSON Patch is not valid: {err}") from None
    except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException) as err:
        raise RuleViolation(f"The JSON Patch cannot be applied: {err}") from None
    except (TypeError, ValueError, KeyError, IndexError) as err:  # e.g. a path not a string
        raise InvalidRequest(f"The JSON Patch is not valid: {err}") from None


def pending_patch(
    resource_type: str,
    resource_id: str,
    operations: Any,
    if_match: str | None,
    prefetched: dict[tuple[str, str], Stored] | None = None,
) -> Pending:
    """The patched resource, checked as an update (If-Match before the patch is applied:
    a stale version is a 412 whatever the patch says)."""
    check_type(resource_type)
    check_id(resource_type, resource_id)
    if prefetched is None:
        current = store.current(resource_type, resource_id, for_update=True)
    else:
        current = prefetched.get((resource_type, resource_id))
    if current is None:
        raise UnknownResource(f"{resource_type}/{resource_id} is not known.")
    if current.is_deleted:
        raise ResourceDeleted(f"{resource_type}/{resource_id} is deleted.")
    key = (resource_type, resource_id)
    wanted = incoming.expected_version(if_match)
    if wanted is not None and wanted != current.version:
        raise PreconditionFailed(
            f'If-Match W/"{wanted}" does not match the current version (W/"{current.version}").'
        )
    document = patched(current, operations)
    pending = incoming.pending_update(resource_type, resource_id, document, None, {key: current})
    pending.method = "PATCH"
    return pending


def patch(
    *, actor: Actor, resource_type: str, resource_id: str, operations: Any, if_match: str | None
) -> Stored:
    """PATCH /fhir/Type/id: the new version."""
    authorize(actor, HealthPermission.WRITE, subject_type=resource_type, subject_id=resource_id)
    with unit_of_work():
        guard.check_current(actor, resource_type, resource_id, "PATCH")
        pending = pending_patch(resource_type, resource_id, operations, if_match)
        guard.check_write(actor, pending)
        (stored,) = writes.write_many([pending])
        audit_access(actor, HealthAuditTag.UPDATE, [stored], default=resource_type)
    return stored
