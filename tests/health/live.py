"""A real HTTP server for FHIR clients (fhirpy, parallel urllib requests): its own fresh
database migrated to head, one user of `role` and their bearer token."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask

from core.actor import Actor
from core.auth import create_token
from core.users import UserIn, create_user
from tests.live import serve


@dataclass(frozen=True)
class LiveFhir:
    app: Flask
    base: str  # http://127.0.0.1:PORT/fhir
    token: str


@contextmanager
def serve_fhir(name: str, role: str = "clinician") -> Iterator[LiveFhir]:
    username = f"{name.replace('_', '-')}-{role.replace('_', '-')}"

    def world() -> dict[str, str]:
        system = Actor.system("test")
        create_user(
            actor=system,
            data=UserIn(
                username=username,
                full_name="Live Clinician",
                role=role,
                password="a-long-test-password-41",
            ),
        )
        return {"token": create_token(actor=system, username=username, expires_days=1)}

    with serve(name, world) as served:
        yield LiveFhir(served["app"], served["base"] + "/fhir", served["token"])
