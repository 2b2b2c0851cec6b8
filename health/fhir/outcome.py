"""OperationOutcome: every FHIR error as the REST API and the bundles answer it.

The store, search and services raise domain errors (`health.fhir.errors`); this module
maps them to an HTTP status (the error class's) and an OperationOutcome body whose
issue type defaults to the one of that status. The REST layer's own refusals (406,
415) are defined here.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response

from health.fhir.errors import FhirProblem, Issue

FHIR_JSON = "application/fhir+json"
FHIR_JSON_UTF8 = f"{FHIR_JSON}; charset=utf-8"  # every FHIR response's Content-Type

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
    503: "transient",  # the database is unavailable: try again later
}


class NotAcceptable(FhirProblem):
    """The client accepts no format we serve."""

    status = 406


class UnsupportedMediaType(FhirProblem):
    """The body comes in a format we do not take."""

    status = 415


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


def issues_of(err: FhirProblem) -> list[dict[str, Any]]:
    """The error's issues as OperationOutcome.issue (the type of its status by default)."""
    return [_issue(err.status, issue) for issue in err.issues]


def _issue(status: int, issue: Issue) -> dict[str, Any]:
    return issue_for(status, issue.diagnostics, expression=list(issue.expression), code=issue.code)


def operation_outcome(issues: list[dict[str, Any]]) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": issues}


def problem_response(err: FhirProblem) -> Response:
    """The answer to a FHIR domain error raised under /fhir."""
    return _response(err.status, issues_of(err))


def outcome_response(status: int, message: str, extra: dict[str, Any]) -> Response:
    """The error renderer core.web uses for every other error under /fhir (401, 403,
    routing, core's domain errors)."""
    issues = [issue_for(status, message)]
    errors = extra.get("errors")
    if isinstance(errors, dict):
        issues = [
            issue_for(status, f"{message} {name}: {' '.join(map(str, problems))}")
            for name, problems in errors.items()
        ] or issues
    return _response(status, issues)


def _response(status: int, issues: list[dict[str, Any]]) -> Response:
    body = json.dumps(operation_outcome(issues))
    response = Response(body, status=status, content_type=FHIR_JSON_UTF8)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="custodia"'
    return response
