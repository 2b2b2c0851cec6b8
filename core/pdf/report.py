"""What `core.pdf.conformance.check_pdf` returns: one `Check` per rule, named by its
clause (ISO 19005-3 for PDF/A-3, ISO 14289-1 for PDF/UA-1), so that a failure says
which rule broke and the CLI, the engine and the tests read the same result."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple


class Check(NamedTuple):
    rule: str  # "PDF/A-3 6.2.11.4.1", "PDF/UA-1 7.1", "structure"
    description: str
    ok: bool
    detail: str = ""


@dataclass
class ConformanceReport:
    checks: list[Check] = field(default_factory=list)
    ua_identified: bool = False  # pdfuaid:part=1 in the XMP ("PDF/UA identification")

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(check.ok for check in self.checks)

    def passed_for(self, prefix: str) -> bool:
        """Whether every check of one standard passed ("PDF/A-3" or "PDF/UA-1")."""
        chosen = [c for c in self.checks if c.rule.startswith(prefix)]
        return bool(chosen) and all(c.ok for c in chosen)

    @property
    def failures(self) -> list[Check]:
        return [check for check in self.checks if not check.ok]
