"""The audit chain's hashing rule: which bytes of an entry the hash covers. Kept apart
from writing and sealing (core.audit) so that the rule reads on its own; core.audit
re-exports these names.

`hash = sha256(prev_hash + canonical(entry))`, the first entry's `prev_hash` being
GENESIS.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

GENESIS = "0" * 64


def canonical(event: Any, seq: int | None = None) -> str:
    """The exact bytes the hash covers, besides the previous hash (`event`: an entry or
    a row with its columns; `seq` given when sealing a row that has none yet). The
    facility and the detail are covered when there is one (entries written before they
    existed have none, and keep the bytes they were sealed with)."""
    covered = {
        "seq": event.seq if seq is None else seq,
        "occurred_at": event.occurred_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor": event.actor,
        "tag": event.tag,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "outcome": event.outcome,
        "changed_fields": list(event.changed_fields or []),
        "request_id": event.request_id,
        "client_addr": event.client_addr,
    }
    if event.facility_id is not None:
        covered["facility_id"] = event.facility_id
    detail = getattr(event, "detail", None)
    if detail is not None:
        covered["detail"] = detail
    return json.dumps(covered, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def compute_hash(prev_hash: str, event: Any, seq: int | None = None) -> str:
    return hashlib.sha256((prev_hash + canonical(event, seq)).encode()).hexdigest()


__all__ = ["GENESIS", "canonical", "compute_hash"]
