"""Authorisation: `authorize` for services, `requires` for routes.

Every route declares a permission with `@requires(Permission.X)` or `@public`; a test
walks the URL map and fails on any route without one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import g, request

from core.actor import Actor
from core.audit import AuditDraft, persist_denial
from core.errors import Forbidden, NotFound, Unauthenticated
from core.permissions import AnyPermission

F = TypeVar("F", bound=Callable[..., Any])


def denial(
    actor: Actor, permission: AnyPermission | str, subject_type: str | None, subject_id: object
) -> Forbidden:
    err = Forbidden()
    err.audit = AuditDraft(  # type: ignore[attr-defined]
        tag=str(permission),
        actor=actor,
        subject_type=subject_type,
        subject_id=None if subject_id is None else str(subject_id),
    )
    # Written once, in a transaction of its own that the caller's rollback cannot undo.
    persist_denial(err.audit)  # type: ignore[attr-defined]
    return err


def authorize(
    actor: Actor,
    permission: AnyPermission,
    *,
    facility_id: int | None = None,
    check_facility: bool = False,
    subject_type: str | None = None,
    subject_id: object = None,
) -> None:
    """Raise Forbidden (carrying an audit draft for the denial) unless allowed."""
    if not actor.can(permission):
        raise denial(actor, permission, subject_type, subject_id)
    if check_facility and not actor.can_reach_facility(facility_id):
        raise denial(actor, permission, subject_type, subject_id)


R = TypeVar("R")


def authorize_found(
    actor: Actor,
    permission: AnyPermission,
    record: R | None,
    *,
    facility_of: Callable[[R], int | None],
    subject_type: str,
    subject_id: object,
    missing: str,
) -> R:
    """A record looked up for `actor`: permission first (403 whatever exists), then the
    record (404 with `missing`), then its facility (403 for a user limited to another)."""
    if record is None:
        authorize(actor, permission, subject_type=subject_type, subject_id=subject_id)
        raise NotFound(missing)
    authorize(
        actor,
        permission,
        facility_id=facility_of(record),
        check_facility=True,
        subject_type=subject_type,
        subject_id=subject_id,
    )
    return record


def current_actor() -> Actor:
    """The actor of this request (set by the authentication hooks)."""
    actor = getattr(g, "actor", None)
    if actor is None:
        raise Unauthenticated()
    return actor


def requires(permission: AnyPermission) -> Callable[[F], F]:
    """Declare and enforce the permission a route needs."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            actor = getattr(g, "actor", None)
            if actor is None:
                raise Unauthenticated()
            authorize(actor, permission, subject_type="route", subject_id=request.endpoint)
            return view(*args, **kwargs)

        wrapper.required_permission = permission  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def public(view: F) -> F:
    """Declare a route that answers without login (health check, login page, locator)."""
    view.is_public = True  # type: ignore[attr-defined]
    return view


def authenticated(view: F) -> F:
    """Declare a route any signed-in user may call (their own session, logout)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if getattr(g, "actor", None) is None:
            raise Unauthenticated()
        return view(*args, **kwargs)

    wrapper.any_signed_in_user = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]
