"""Domain errors raised by services; one handler per surface maps them to HTTP."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400
    default_message = "The request could not be processed."

    def __init__(self, message: str | None = None, **details: Any) -> None:
        super().__init__(message or self.default_message)
        self.message = message or self.default_message
        self.details = details


class Unauthenticated(DomainError):
    status = 401
    default_message = "Authentication is required."


class Forbidden(DomainError):
    status = 403
    default_message = "You do not have permission to do this."


class NotFound(DomainError):
    status = 404
    default_message = "Not found."


class Conflict(DomainError):
    status = 409
    default_message = "This conflicts with the current state."


class ValidationFailed(DomainError):
    """Input that is well-formed but wrong; `errors` maps field name to messages."""

    status = 422
    default_message = "Some fields are not valid."

    def __init__(
        self, errors: dict[str, list[str]], message: str | None = None, **details: Any
    ) -> None:
        super().__init__(message, **details)
        self.errors = errors


class ConfigurationError(RuntimeError):
    """The environment asks for something we refuse to run with."""
