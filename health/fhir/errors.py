"""Domain errors of the FHIR store, search and services.

They say what went wrong in FHIR's terms (the issues of an OperationOutcome:
diagnostics, the element's expression, an issue type when a more precise one than the
error's own applies) and are raised with no HTTP status in hand: the class is the kind
of failure. `health.fhir.outcome` maps them to the REST API's answers (status and
OperationOutcome body) and to bundle entries' responses. As with core's errors
(`core/errors.py`), the class's `status` is what any surface answers (the custody API
too, when a booking's link to the health record fails).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Self

from core.errors import Conflict, DomainError, NotFound


@dataclass(frozen=True)
class Issue:
    """One OperationOutcome issue: `code` is the issue type (http://hl7.org/fhir/issue-type)
    when it is more precise than the one of the error it belongs to."""

    diagnostics: str
    expression: tuple[str, ...] = ()
    code: str | None = None


class FhirProblem(DomainError):
    """Base of every FHIR domain error; `issues` become OperationOutcome.issue."""

    def __init__(
        self,
        message: str,
        *,
        expression: Sequence[str] = (),
        code: str | None = None,
        issues: Sequence[Issue] = (),
    ) -> None:
        super().__init__(message)
        self.issues = list(issues) or [Issue(message, tuple(expression), code)]

    def within(self, prefix: str) -> Self:
        """The same error, every diagnostics prefixed (`Bundle.entry[3]: …`)."""
        self.issues = [replace(i, diagnostics=f"{prefix}: {i.diagnostics}") for i in self.issues]
        return self


class InvalidRequest(FhirProblem):
    """The body, the resource or a parameter is malformed or not valid FHIR."""

    status = 400


class UnknownResource(FhirProblem, NotFound):
    """No such resource, version or resource type."""


class ResourceDeleted(FhirProblem):
    """The resource (or the version asked for) is a deletion."""

    status = 410


class ResourceConflict(FhirProblem, Conflict):
    """The change conflicts with the stored state (e.g. a delete of a referenced resource)."""


class PreconditionFailed(FhirProblem):
    """A condition of the request does not hold: a stale If-Match, a conditional
    create or reference that matches several resources (or none)."""

    status = 412


class TooCostly(FhirProblem):
    """The request asks more than the server takes (a Bundle over the entry cap)."""

    status = 413


class RuleViolation(FhirProblem):
    """Valid FHIR that breaks a rule we enforce (a coded value outside its required
    value set)."""

    status = 422
