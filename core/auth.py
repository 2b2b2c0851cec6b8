"""Passwords, login with lockout, and API bearer tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from zxcvbn import zxcvbn

from core import audit
from core.access import authorize
from core.actor import Actor
from core.audit import Outcome
from core.audit_tags import CoreAuditTag, SubjectType
from core.db import after_commit, after_unit, db, unit_of_work, utcnow
from core.errors import NotFound, ValidationFailed
from core.models import ApiToken, User
from core.permissions import Permission, Role

_hasher = PasswordHasher()
# A hash to verify against when the username is unknown, so timing does not tell.
_DUMMY_HASH = _hasher.hash("not-a-real-password-for-timing")

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128
COMMON_PASSWORDS = frozenset(
    {
        "password1234",
        "123456789012",
        "qwertyuiopas",
        "passwordpassword",
        "letmeinletmein",
        "administrator",
        "changemechangeme",
        "welcome12345",
        "iloveyou1234",
        "custodia1234",
    }
)


# zxcvbn's score, 0 to 4: 4 is at least 10^10 guesses. Staff passwords guard detention
# and health records, and 3 still lets "Summer2026!!" through.
MIN_PASSWORD_SCORE = 4


def password_problems(password: str, username: str = "") -> list[str]:
    """The policy (NIST SP 800-63B style): long enough, not the username, and not easy to
    guess — judged by zxcvbn (common and breached passwords, names, keyboard patterns,
    dates, l33t substitutions), which refuses what a word list of ten would let pass."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"Use at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"Use at most {MAX_PASSWORD_LENGTH} characters.")
        return problems
    lowered = password.lower()
    if username and username.lower() in lowered:
        problems.append("The password must not contain the username.")
    context = [part for part in (username, "custodia") if part]
    strength = zxcvbn(password, user_inputs=context)
    if lowered in COMMON_PASSWORDS or strength["score"] < MIN_PASSWORD_SCORE:
        problems.append("This password is too easy to guess.")
    return problems


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    message: str | None = None

    @property
    def ok(self) -> bool:
        return self.user is not None


LOGIN_FAILED = "The username or password is not correct."
LOCKED = (
    "This account is locked after too many failed sign-ins. "
    "Try again later or ask an administrator."
)


def authenticate(
    *, username: str, password: str, actor: Actor, threshold: int, window: dt.timedelta
) -> LoginResult:
    """Check a password; count failures; lock the account after `threshold` in `window`."""
    with unit_of_work() as session:
        # The row lock makes concurrent attempts on one account count one after another.
        user = session.scalar(
            sa.select(User).where(User.username == username.strip().lower()).with_for_update()
        )
        now = utcnow()
        if user is None:
            check_password(_DUMMY_HASH, password)
            audit.record(
                actor=actor,
                tag=CoreAuditTag.LOGIN,
                outcome=Outcome.DENIED,
                subject_type=SubjectType.USER,
                subject_id=None,
            )
            return LoginResult(None, LOGIN_FAILED)
        if user.locked_until and user.locked_until > now:
            audit.record(
                actor=actor,
                tag=CoreAuditTag.LOGIN,
                outcome=Outcome.DENIED,
                subject_type=SubjectType.USER,
                subject_id=user.id,
                changed_fields=["locked_until"],
            )
            return LoginResult(None, LOCKED)
        if not user.is_active or not check_password(user.password_hash, password):
            _count_failure(user, now, threshold, window, actor)
            locked = user.locked_until is not None and user.locked_until > now
            return LoginResult(None, LOCKED if locked else LOGIN_FAILED)
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        user.failed_logins, user.first_failed_at, user.locked_until = 0, None, None
        user.last_login_at = now
        audit.record(
            actor=_as(user, actor),
            tag=CoreAuditTag.LOGIN,
            subject_type=SubjectType.USER,
            subject_id=user.id,
            changed_fields=["last_login_at"],
        )
        return LoginResult(user)


def _count_failure(
    user: User, now: dt.datetime, threshold: int, window: dt.timedelta, actor: Actor
) -> None:
    if user.first_failed_at is None or now - user.first_failed_at > window:
        user.failed_logins, user.first_failed_at = 0, now
    user.failed_logins += 1
    changed = ["failed_logins"]
    audit.record(
        actor=actor,
        tag=CoreAuditTag.LOGIN,
        outcome=Outcome.DENIED,
        subject_type=SubjectType.USER,
        subject_id=user.id,
        changed_fields=changed,
    )
    if user.failed_logins >= threshold:
        user.locked_until = now + window
        audit.record(
            actor=actor,
            tag=CoreAuditTag.LOCKOUT,
            outcome=Outcome.DENIED,
            subject_type=SubjectType.USER,
            subject_id=user.id,
            changed_fields=["locked_until"],
        )


def _as(user: User, actor: Actor) -> Actor:
    return actor_for(user, request_id=actor.request_id, client_addr=actor.client_addr)


def actor_for(
    user: User | TokenUser, *, request_id: str | None = None, client_addr: str | None = None
) -> Actor:
    return Actor(user.id, user.username, Role(user.role), user.facility_id, request_id, client_addr)


def record_logout(*, actor: Actor) -> None:
    """Sign out: every page session of the user ends, in this browser and any other
    (a copied cookie too). API tokens are credentials of scripts and stay."""
    with unit_of_work() as session:
        user = session.get(User, actor.user_id) if actor.user_id is not None else None
        if user is not None:
            end_sessions(user, revoke_tokens=False)
        audit.record(
            actor=actor,
            tag=CoreAuditTag.LOGOUT,
            subject_type=SubjectType.USER,
            subject_id=actor.user_id,
        )


SESSION_VERSION = "session_version"  # the key in the signed page session


def end_sessions(user: User, *, revoke_tokens: bool) -> None:
    """End every page session of `user` now (and, with `revoke_tokens`, every API token),
    inside the caller's unit of work (its audit entry is the caller's: the policy says
    which changes end sessions, docs/security.md)."""
    user.session_version = (user.session_version or 0) + 1
    if revoke_tokens:
        db.session.execute(
            sa.update(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
    after_commit(forget_tokens)  # this worker's token cache forgets the user at once


def session_is_current(user: User, version: object) -> bool:
    """Whether a page session signed with `version` still belongs to `user`."""
    return isinstance(version, int) and version == (user.session_version or 0)


# --- API tokens ----------------------------------------------------------------------

TOKEN_PREFIX = "cst_"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(*, actor: Actor, username: str, expires_days: int) -> str:
    """Create a bearer token for `username`; return the secret (shown once)."""
    authorize(actor, Permission.TOKEN_MANAGE, subject_type=SubjectType.USER, subject_id=username)
    if not 1 <= expires_days <= 366:
        raise ValidationFailed({"expires_days": ["Choose between 1 and 366 days."]})
    with unit_of_work() as session:
        user = session.scalar(sa.select(User).where(User.username == username))
        if user is None or not user.is_active:
            raise NotFound(f"No active user named {username!r}.")
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = ApiToken(
            user=user,
            token_hash=_digest(secret),
            prefix=secret[:12],
            expires_at=utcnow() + dt.timedelta(days=expires_days),
        )
        session.add(token)
        session.flush()
        audit.record(
            actor=actor,
            tag=CoreAuditTag.TOKEN_CREATE,
            subject_type=SubjectType.API_TOKEN,
            subject_id=token.id,
            changed_fields=["user_id", "expires_at"],
        )
        return secret


def revoke_token(*, actor: Actor, token: str) -> int:
    """Revoke by the secret itself or by its 12-character prefix; returns how many."""
    authorize(actor, Permission.TOKEN_MANAGE, subject_type=SubjectType.API_TOKEN)
    with unit_of_work() as session:
        match = (
            ApiToken.token_hash == _digest(token) if len(token) > 12 else ApiToken.prefix == token
        )
        rows = session.scalars(
            sa.select(ApiToken).where(match, ApiToken.revoked_at.is_(None))
        ).all()
        if not rows:
            raise NotFound("No active token matches.")
        after_unit(forget_tokens)
        for row in rows:
            row.revoked_at = utcnow()
            audit.record(
                actor=actor,
                tag=CoreAuditTag.TOKEN_REVOKE,
                subject_type=SubjectType.API_TOKEN,
                subject_id=row.id,
                changed_fields=["revoked_at"],
            )
        return len(rows)


@dataclass(frozen=True)
class TokenUser:
    """Who a bearer token speaks for (what an `Actor` needs, nothing more)."""

    id: int
    username: str
    role: str
    facility_id: int | None


_TOKEN_QUERY = (
    sa.select(User.id, User.username, User.role, User.facility_id, ApiToken.expires_at)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(
        ApiToken.token_hash == sa.bindparam("digest"),
        ApiToken.revoked_at.is_(None),
        ApiToken.expires_at > sa.bindparam("now", type_=ApiToken.expires_at.type),
        User.is_active.is_(True),
    )
)


class _TokenCache:
    """Recently checked tokens, per process: digest -> (valid until, user).

    An API request pays for its token on every call; within `TOKEN_CACHE_SECONDS` (config,
    default 5, 0 turns it off) a token seen valid is trusted without asking the database
    again. Revoking a token or changing or deactivating its user empties this process's
    cache at once; other worker processes notice within those seconds. Only valid tokens
    are kept, at most `LIMIT` of them, so guessing cannot grow it."""

    LIMIT = 4096

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, TokenUser]] = {}

    def get(self, digest: str) -> TokenUser | None:
        entry = self._entries.get(digest)
        if entry is None or entry[0] <= time.monotonic():
            return None
        return entry[1]

    def put(self, digest: str, user: TokenUser, seconds: float) -> None:
        with self._lock:
            if len(self._entries) >= self.LIMIT:
                self._entries.clear()
            self._entries[digest] = (time.monotonic() + seconds, user)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_token_cache = _TokenCache()


def forget_tokens() -> None:
    """Ask the database again for every token (after a revocation or a user change)."""
    _token_cache.clear()


def user_for_token(secret: str, *, cache_seconds: float = 0) -> TokenUser | None:
    """Look a bearer token up by its SHA-256: one indexed Core query, no argon2, no ORM
    objects (every API request pays for it); `cache_seconds` > 0 trusts a token seen
    valid that recently (never past its expiry)."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    digest = _digest(secret)
    if cache_seconds > 0 and (cached := _token_cache.get(digest)) is not None:
        return cached
    now = utcnow()
    row = db.session.execute(_TOKEN_QUERY, {"digest": digest, "now": now}).first()
    if row is None:
        return None
    user = TokenUser(*row[:4])
    if cache_seconds > 0:
        left = (row.expires_at - now).total_seconds()
        _token_cache.put(digest, user, min(cache_seconds, left))
    return user
