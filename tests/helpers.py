"""Helpers for tests: people and things, sign-in, tokens, audit assertions."""

from __future__ import annotations

import os
import re
import signal
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from core.actor import Actor
from core.audit import AuditEvent
from core.auth import actor_for, create_token
from core.db import db
from core.models import User
from tests import factories

PASSWORD = factories.PASSWORD
_CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def csrf_token(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no csrf_token in the page"
    return match.group(1) or match.group(2)


NONE = {
    "current_offense": "none",
    "prior_convictions": "none",
    "violence_history": "none",
    "escape_history": "none",
    "institutional_conduct": "none",
    "security_threat_group": "no",
}
# Worksheet answers that score to each level.
WORKSHEET_ANSWERS = {
    1: NONE,
    2: {**NONE, "current_offense": "moderate", "prior_convictions": "one_or_two"},
    3: {**NONE, "current_offense": "violent_felony"},
}


class Maker:
    def __init__(self, app: Flask) -> None:
        self.app = app

    def facility(self, **kwargs: Any) -> Any:
        return factories.FacilityFactory(**kwargs)

    def unit(self, **kwargs: Any) -> Any:
        return factories.HousingUnitFactory(**kwargs)

    def bed(self, **kwargs: Any) -> Any:
        return factories.BedFactory(**kwargs)

    def detainee(self, **kwargs: Any) -> Any:
        return factories.DetaineeFactory(**kwargs)

    def booking(
        self, facility: Any = None, detainee: Any = None, property: Any = (), **data: Any
    ) -> Any:
        """A booking made through the service (so its clocks open as in production)."""
        from custody.bookings.inputs import BookingIn, property_lines
        from custody.bookings.intake import book_detainee

        facility = facility or self.facility()
        detainee = detainee or self.detainee()
        booking = BookingIn(
            detainee_id=detainee.id,
            facility_code=facility.code,
            property=property_lines(property),
            **data,
        )
        return book_detainee(actor=Actor.system("test"), booking=booking)

    def classified(self, booking: Any, level: int = 2, screened: bool = True) -> Any:
        """Classify (the scored level, or a supervisor override to `level`) and screen."""
        from custody.bookings.classification import classify, record_screening
        from custody.bookings.inputs import WorksheetIn

        system = Actor.system("test")
        classify(
            actor=system,
            booking_id=booking.id,
            worksheet=WorksheetIn(inputs=WORKSHEET_ANSWERS[level]),
        )
        if screened:
            record_screening(
                actor=system,
                booking_id=booking.id,
                victimization_risk=False,
                abusiveness_risk=False,
            )
        return booking

    def user(self, role: str = "officer", **kwargs: Any) -> User:
        return factories.UserFactory(role=role, **kwargs)

    def actor(self, role: str = "officer", **kwargs: Any) -> Actor:
        return actor_for(
            self.user(role, **kwargs), request_id="test-request", client_addr="127.0.0.1"
        )

    def token(self, role: str = "officer", **kwargs: Any) -> str:
        user = kwargs.pop("user", None) or self.user(role, **kwargs)
        return create_token(actor=Actor.system("test"), username=user.username, expires_days=1)

    def headers(self, role: str = "officer", **kwargs: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, **kwargs)}"}

    def login(self, client: FlaskClient, user: User | None = None, role: str = "officer") -> User:
        user = user or self.user(role)
        page = client.get("/login")
        response = client.post(
            "/login",
            data={
                "username": user.username,
                "password": PASSWORD,
                "csrf_token": csrf_token(page.text),
            },
        )
        assert response.status_code == 302, response.text
        return user


def events(tag: str | None = None, **filters: Any) -> Sequence[AuditEvent]:
    query = sa.select(AuditEvent).order_by(AuditEvent.id)
    if tag:
        query = query.where(AuditEvent.tag == tag)
    for name, value in filters.items():
        query = query.where(getattr(AuditEvent, name) == value)
    return db.session.scalars(query).all()


def last_event(tag: str | None = None, **filters: Any) -> AuditEvent:
    found = events(tag, **filters)
    assert found, f"no audit event {tag} {filters}"
    return found[-1]


def fhir_samples() -> Path:
    """`../shared/fhir-samples` next to the checkout (CUSTODIA_SHARED overrides
    `../shared`). Missing samples fail the test: they are part of what CI proves."""
    shared = Path(
        os.environ.get("CUSTODIA_SHARED") or Path(__file__).resolve().parents[2] / "shared"
    )
    samples = shared / "fhir-samples"
    assert samples.is_dir(), f"no FHIR samples at {samples}: set CUSTODIA_SHARED"
    return samples


@contextmanager
def own_signal_handlers() -> Iterator[None]:
    """Puts back SIGTERM and SIGINT handlers after code that installs its own (an RQ
    worker run in the test's process): later tests that fork and terminate children
    must find the defaults."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
