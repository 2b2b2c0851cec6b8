"""User management services (admin pages and `custodia users create`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NoReturn

import sqlalchemy as sa

from core import audit
from core.access import authorize
from core.actor import Actor
from core.audit_tags import CoreAuditTag, SubjectType
from core.auth import end_sessions, forget_tokens, hash_password, password_problems
from core.db import after_commit, db, unit_of_work, utcnow
from core.directory import FacilityRef
from core.errors import Conflict, NotFound, ValidationFailed
from core.features import facility_directory
from core.models import User
from core.permissions import Permission, Role

USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-")


@dataclass(frozen=True)
class UserIn:
    username: str
    role: str
    password: str
    full_name: str = ""
    facility_code: str | None = None


@dataclass(frozen=True)
class UserRow:
    """A user as the list shows them: with their facility scope resolved (None: all
    facilities, or a scope the facility directory no longer knows)."""

    user: User
    facility: FacilityRef | None


def _facility_id(code: str | None) -> int | None:
    """The scope key of the facility an admin named by code (the facility directory
    registered by a feature resolves it); None for no code."""
    if not code:
        return None
    found = facility_directory().by_code(code)
    if found is None:
        raise ValidationFailed({"facility": [f"No facility with code {code!r}."]})
    return found.id


def _validate(data: UserIn) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    name = data.username.strip().lower()
    if not 3 <= len(name) <= 64 or not set(name) <= USERNAME_CHARS:
        errors["username"] = ["Use 3–64 lowercase letters, digits, dots, dashes or underscores."]
    if data.role not in {r.value for r in Role}:
        errors["role"] = [f"Choose one of: {', '.join(r.value for r in Role)}."]
    if problems := password_problems(data.password, name):
        errors["password"] = problems
    return errors


def create_user(*, actor: Actor, data: UserIn) -> User:
    """Create a user. An admin limited to one facility creates users of that facility."""
    authorize(actor, Permission.USER_MANAGE, subject_type=SubjectType.USER)
    if errors := _validate(data):
        raise ValidationFailed(errors)
    with unit_of_work() as session:
        username = data.username.strip().lower()
        facility_id = _facility_id(data.facility_code)
        _authorize_scope(actor, facility_id, None)
        if session.scalar(sa.select(User.id).where(User.username == username)):
            raise Conflict(f"A user named {username!r} already exists.", field="username")
        user = User(
            username=username,
            full_name=data.full_name.strip(),
            role=data.role,
            facility_id=facility_id,
            password_hash=hash_password(data.password),
            password_changed_at=utcnow(),
            is_active=True,
            failed_logins=0,
        )
        session.add(user)
        session.flush()
        audit.record(
            actor=actor,
            tag=CoreAuditTag.USER_CREATE,
            subject_type=SubjectType.USER,
            subject_id=user.id,
            changed_fields=["username", "role", "facility_id", "full_name", "password_hash"],
        )
        return user


def update_user(
    *,
    actor: Actor,
    user_id: int,
    role: str | None = None,
    facility_code: str | None = None,
    full_name: str | None = None,
    is_active: bool | None = None,
) -> User:
    """Change role, facility scope (empty string: all facilities), name or active flag."""
    authorize(actor, Permission.USER_MANAGE, subject_type=SubjectType.USER, subject_id=user_id)
    if role is not None and role not in {r.value for r in Role}:
        raise ValidationFailed({"role": ["Unknown role."]})
    if full_name is not None and len(full_name.strip()) > 200:
        raise ValidationFailed({"full_name": ["Use at most 200 characters."]})
    with unit_of_work():
        user = _reachable(actor, user_id)
        changes: dict[str, object] = {"role": role, "is_active": is_active}
        if full_name is not None:
            changes["full_name"] = full_name.strip()
        if facility_code is not None:
            changes["facility_id"] = _facility_id(facility_code)  # "" clears the scope
            _authorize_scope(actor, changes["facility_id"], user_id)
        changed = [
            name
            for name, value in changes.items()
            if (name == "facility_id" or value is not None) and getattr(user, name) != value
        ]
        for name in changed:
            setattr(user, name, changes[name])
        if {"role", "facility_id", "is_active"} & set(changed):
            # what the user may do changed: no session or token keeps the old rights
            end_sessions(user, revoke_tokens=True)
        if user.id == actor.user_id and ("role" in changed or user.is_active is False):
            field = "role" if "role" in changed else "is_active"
            raise Conflict(
                "You cannot change your own role or deactivate yourself: ask another admin.",
                field=field,
            )
        after_commit(forget_tokens)  # a token must not outlive its user's old role
        audit.record(
            actor=actor,
            tag=CoreAuditTag.USER_UPDATE,
            subject_type=SubjectType.USER,
            subject_id=user.id,
            changed_fields=changed,
        )
        return user


def set_password(*, actor: Actor, user_id: int, password: str) -> User:
    authorize(actor, Permission.USER_MANAGE, subject_type=SubjectType.USER, subject_id=user_id)
    with unit_of_work():
        user = _reachable(actor, user_id)
        if problems := password_problems(password, user.username):
            raise ValidationFailed({"password": problems})
        user.password_hash = hash_password(password)
        user.password_changed_at = utcnow()
        end_sessions(user, revoke_tokens=True)
        audit.record(
            actor=actor,
            tag=CoreAuditTag.USER_PASSWORD,
            subject_type=SubjectType.USER,
            subject_id=user.id,
            changed_fields=["password_hash"],
        )
        return user


def unlock_user(*, actor: Actor, user_id: int) -> None:
    authorize(actor, Permission.USER_MANAGE, subject_type=SubjectType.USER, subject_id=user_id)
    with unit_of_work():
        user = _reachable(actor, user_id)
        user.failed_logins, user.first_failed_at, user.locked_until = 0, None, None
        audit.record(
            actor=actor,
            tag=CoreAuditTag.USER_UNLOCK,
            subject_type=SubjectType.USER,
            subject_id=user.id,
            changed_fields=["failed_logins", "locked_until"],
        )


def list_users(
    *, actor: Actor, role: str | None = None, status: str | None = None
) -> list[UserRow]:
    """Users the admin may manage (their facility's only, for a facility admin), by
    user name, each with their facility; `status` is `active`, `inactive` or `locked`."""
    authorize(actor, Permission.USER_MANAGE, subject_type=SubjectType.USER)
    query = sa.select(User).order_by(User.username)
    if actor.facility_id is not None and not actor.is_system:
        query = query.where(User.facility_id == actor.facility_id)
    if role:
        query = query.where(User.role == role)
    if status == "active":
        query = query.where(User.is_active.is_(True))
    elif status == "inactive":
        query = query.where(User.is_active.is_(False))
    elif status == "locked":
        query = query.where(User.locked_until > utcnow())
    users = db.session.scalars(query).all()
    scopes = {u.facility_id for u in users if u.facility_id is not None}
    facilities = facility_directory().by_ids(scopes) if scopes else {}
    return [
        UserRow(u, None if u.facility_id is None else facilities.get(u.facility_id)) for u in users
    ]


def get_user(*, actor: Actor, user_id: int) -> User:
    authorize(actor, Permission.USER_MANAGE, subject_type=SubjectType.USER, subject_id=user_id)
    return _reachable(actor, user_id)


def facility_choices(*, actor: Actor, current_id: int | None = None) -> list[FacilityRef]:
    """The facilities an admin may scope a user to: the active ones they see, plus the
    user's `current_id` one even when it is closed (or the select would show "All
    facilities" and saving would widen the user's scope)."""
    authorize(actor, Permission.USER_MANAGE, subject_type=SubjectType.USER)
    directory = facility_directory()
    found = directory.choices(actor)
    if current_id is not None and current_id not in {f.id for f in found}:
        found += directory.by_ids([current_id]).values()
    return found


def _reachable(actor: Actor, user_id: int) -> User:
    """The user, if the actor's facility scope reaches them (403, audited, otherwise)."""
    user = db.session.get(User, user_id)
    if user is None:
        _missing(user_id)
    _authorize_scope(actor, user.facility_id, user_id)
    return user


def _authorize_scope(actor: Actor, facility_id: object, user_id: int | None) -> None:
    if actor.facility_id is not None and facility_id is None and not actor.is_system:
        facility_id = -1  # an unscoped user is beyond a facility admin's reach
    authorize(
        actor,
        Permission.USER_MANAGE,
        facility_id=facility_id,  # type: ignore[arg-type]
        check_facility=True,
        subject_type=SubjectType.USER,
        subject_id=user_id,
    )


def _missing(user_id: int) -> NoReturn:
    raise NotFound(f"No user {user_id}.")


def usernames(ids: Iterable[int | None]) -> dict[int, str]:
    """Usernames of the staff a record names (who classified, reviewed, recorded…), in
    one query; missing and None ids are left out. A read of names only: no permission
    beyond the caller's reading of the record itself."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    rows = db.session.execute(sa.select(User.id, User.username).where(User.id.in_(wanted)))
    return {user_id: name for user_id, name in rows}
