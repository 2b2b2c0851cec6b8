"""OperationOutcome: every FHIR error, and the errors services raise to produce one."""

from __future__ import annotations

import json
from typing import Any

from flask import Response

from core.errors import DomainError

FHIR_JSON = "application/fhir+json"

# HTTP status -> OperationOutcome.issue.code (http://hl7.org/fhir/issue-type)
ISSUE_CODES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    409: "conflict",
    410: "deleted",
    412: "conflict",
    413: "too-costly",
    415: "not-supported",
    422: "processing",
    500: "exception",
}


class FhirError(DomainError):
    """A FHIR interaction failed; `issues` become OperationOutcome.issue."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        expression: list[str] | None = None,
        code: str | None = None,
        issues: list[dict[str, Any]] | None = None,
    ) -> None:
        issue = issue_for(status, message, expression=expression, code=code)
        super().__init__(message, issues=issues or [issue])
        self.status = status


def issue_for(
    status: int, message: str, *, expression: list[str] | None = None, code: str | None = None
) -> dict[str, Any]:
    issue: dict[str, Any] = {
        "severity": "error",
        "code": code or ISSUE_CODES.get(status, "processing"),
        "diagnostics": message,
    }
    if expression:
        issue["expression"] = expression
    return issue


def operation_outcome(issues: list[dict[str, Any]]) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": issues}


def outcome_response(status: int, message: str, extra: dict[str, Any]) -> Response:
    """The error renderer core.web uses for every error under /fhir."""
    issues = extra.get("issues")
    if not issues:
        issues = [issue_for(status, message)]
        errors = extra.get("errors")
        if isinstance(errors, dict):
            issues = [
                issue_for(status, f"{message} {name}: {' '.join(map(str, problems))}")
                for name, problems in errors.items()
            ] or issues
    response = Response(json.dumps(operation_outcome(issues)), status=status, mimetype=FHIR_JSON)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="custodia"'
    return response
