"""What a kind of export is (features register theirs with
`registry(app).add_export_kind`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from core.actor import Actor

# (actor, A-number as typed) → the subject id the kind's route takes; raises NotFound
# or Forbidden (the exports page shows the message)
Resolver = Callable[[Actor, str], str]


@dataclass(frozen=True)
class ExportKind:
    """One kind of export (registered by its feature with `add_export_kind`)."""

    name: str  # "custody-record": the file name stem and the audit's "what"
    label: str  # "Custody record"
    endpoint: str  # the PDF route's endpoint ("custody_exports.custody_record")
    permission: StrEnum  # what the route requires
    subject_type: str  # "booking", "patient", "transfer": the audit subject
    health: bool = False  # needs ?purpose=, marked confidential
    # lets the exports page find the subject from a person's A-number; kinds without
    # one are not offered there (their routes still answer)
    resolve: Resolver | None = field(default=None, compare=False)
