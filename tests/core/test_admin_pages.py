"""Admin user pages: list, create, edit, reset password, unlock, deactivate."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from core.auth import check_password
from core.db import db, utcnow
from core.errors import Conflict
from core.models import User
from core.permissions import Role
from core.users import update_user
from tests.helpers import PASSWORD, csrf_token, events, last_event

NEW_PASSWORD = "correct horse battery staple 7"


@pytest.fixture
def admin(client, make):
    return make.login(client, role="admin")


def _user(username: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.username == username))


def _post(client, path: str, **data: object):
    token = csrf_token(client.get("/admin/users/new").text)
    return client.post(path, data={"csrf_token": token, **data})


def _sign_in(app, username: str, password: str) -> int:
    """Status of a sign-in from a fresh browser (302 signed in, 401 refused)."""
    other = app.test_client()
    page = other.get("/login")
    data = {"username": username, "password": password, "csrf_token": csrf_token(page.text)}
    return other.post("/login", data=data).status_code


def _create(client, **overrides: object):
    data = {
        "username": "rosa.quintero",
        "full_name": "Rosa Quintero",
        "role": "officer",
        "facility": "",
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
        **overrides,
    }
    return _post(client, "/admin/users/new", **data)


def test_list_shows_users_and_filters(client, make, admin):
    make.user("auditor", username="ada.audit")
    make.user("clinician", username="cal.clin", is_active=False)
    page = client.get("/admin/users")
    assert page.status_code == 200
    assert "ada.audit" in page.text and "cal.clin" in page.text
    only = client.get("/admin/users?role=auditor")
    assert "ada.audit" in only.text and "cal.clin" not in only.text
    inactive = client.get("/admin/users?status=inactive")
    assert "cal.clin" in inactive.text and "ada.audit" not in inactive.text
    assert client.get("/admin/users?role=emperor").status_code == 200  # ignored, not a 500


def test_list_shows_each_users_facility_scope(client, make, admin):
    facility = make.facility()
    make.user("officer", username="scoped.one", facility_id=facility.id)
    make.user("officer", username="unscoped.one")
    make.user("officer", username="lost.one", facility_id=2_000_000_000)  # no such facility
    page = client.get("/admin/users").text
    cells = dict(re.findall(r'>([a-z.]+)</a></th>.*?data-label="Facility">([^<]*)<', page, re.S))
    assert cells["scoped.one"] == facility.code and cells["unscoped.one"] == "All"
    assert cells["lost.one"] == "Unknown (#2000000000)"  # never shown as "All"


def test_create_user(client, make, admin):
    facility = make.facility()
    response = _create(client, facility=facility.code)
    assert response.status_code == 302
    user = _user("rosa.quintero")
    assert user.role == "officer" and user.facility_id == facility.id
    assert check_password(user.password_hash, NEW_PASSWORD)
    event = last_event("core:user:create", subject_id=str(user.id))
    assert event.actor_id == admin.id and "password_hash" in event.changed_fields
    assert "created" in client.get(response.location).text


def test_invalid_create_keeps_what_was_typed_and_writes_nothing(client, admin):
    before = len(events("core:user:create"))
    response = _create(client, username="Bad Name!", confirm="something else entirely")
    assert response.status_code == 422
    assert 'value="Rosa Quintero"' in response.text  # typed values kept
    assert NEW_PASSWORD not in response.text  # passwords are never echoed
    assert "The passwords differ." in response.text
    assert 'id="confirm-error"' in response.text
    assert _user("bad name!") is None and len(events("core:user:create")) == before


def test_weak_password_is_refused_next_to_the_field(client, admin):
    response = _create(client, password="password1234", confirm="password1234")
    assert response.status_code == 422
    assert 'id="password-error"' in response.text
    assert _user("rosa.quintero") is None


def test_duplicate_user_name_is_refused_next_to_the_field(client, make, admin):
    make.user(username="rosa.quintero")
    response = _create(client)
    assert response.status_code == 422
    assert 'id="username-error"' in response.text and "already exists" in response.text


def test_edit_role_scope_and_name(client, make, admin):
    target, facility = make.user("officer"), make.facility()
    response = _post(
        client,
        f"/admin/users/{target.id}",
        full_name="Renamed Person",
        role="supervisor",
        facility=facility.code,
        is_active="y",
    )
    assert response.status_code == 302
    db.session.refresh(target)
    assert (target.role, target.facility_id, target.full_name) == (
        "supervisor",
        facility.id,
        "Renamed Person",
    )
    event = last_event("core:user:update", subject_id=str(target.id))
    assert set(event.changed_fields) == {"role", "facility_id", "full_name"}


def test_deactivate_and_the_user_cannot_sign_in(client, app, make, admin):
    target = make.user("records")
    response = _post(
        client, f"/admin/users/{target.id}", full_name=target.full_name, role="records"
    )
    assert response.status_code == 302  # the checkbox left empty: deactivated
    db.session.refresh(target)
    assert target.is_active is False
    assert _sign_in(app, target.username, PASSWORD) == 401
    assert last_event("core:user:update", subject_id=str(target.id)).changed_fields == ["is_active"]


def test_an_admin_cannot_deactivate_or_demote_themselves(client, admin):
    response = _post(client, f"/admin/users/{admin.id}", role="admin", facility="")
    assert response.status_code == 422
    assert "yourself" in response.text and 'id="is_active-error"' in response.text
    demoted = _post(client, f"/admin/users/{admin.id}", role="officer", is_active="y")
    assert demoted.status_code == 422 and 'id="role-error"' in demoted.text
    db.session.refresh(admin)
    assert admin.is_active and admin.role == "admin"
    assert not events("core:user:update", subject_id=str(admin.id))


def test_the_self_rule_lives_in_the_service(make):
    actor = make.actor("admin")
    db.session.commit()  # keep the set-up when the service rolls back
    with pytest.raises(Conflict) as refused:
        update_user(actor=actor, user_id=actor.user_id, is_active=False)
    assert refused.value.details["field"] == "is_active"
    with pytest.raises(Conflict):
        update_user(actor=actor, user_id=actor.user_id, role="officer")
    me = db.session.get(User, actor.user_id)
    assert me.is_active and me.role == "admin"
    assert update_user(actor=actor, user_id=actor.user_id, full_name="Still Me").full_name == (
        "Still Me"
    )


def test_a_closed_facility_scope_survives_an_edit(client, make, admin):
    closed = make.facility(is_active=False)
    target = make.user("officer", facility_id=closed.id)
    page = client.get(f"/admin/users/{target.id}").text
    assert f'<option selected value="{closed.code}">' in page
    response = _post(
        client,
        f"/admin/users/{target.id}",
        full_name="Renamed",
        role="officer",
        facility=closed.code,
        is_active="y",
    )
    assert response.status_code == 302
    db.session.refresh(target)
    assert target.facility_id == closed.id and target.full_name == "Renamed"


def test_reset_password(client, app, make, admin):
    target = make.user()
    path = f"/admin/users/{target.id}/password"
    weak = _post(client, path, password="short", confirm="short")
    assert weak.status_code == 422 and 'id="password-error"' in weak.text
    response = _post(client, path, password=NEW_PASSWORD, confirm=NEW_PASSWORD)
    assert response.status_code == 302
    db.session.refresh(target)
    assert check_password(target.password_hash, NEW_PASSWORD)
    assert last_event("core:user:password", subject_id=str(target.id)).changed_fields == [
        "password_hash"
    ]
    assert _sign_in(app, target.username, NEW_PASSWORD) == 302
    assert _sign_in(app, target.username, PASSWORD) == 401


def test_unlock(client, app, make, admin):
    target = make.user(failed_logins=5, locked_until=utcnow() + dt.timedelta(minutes=10))
    page = client.get(f"/admin/users/{target.id}")
    assert "Locked until" in page.text and "Unlock" in page.text
    response = _post(client, f"/admin/users/{target.id}/unlock")
    assert response.status_code == 302
    db.session.refresh(target)
    assert target.locked_until is None and target.failed_logins == 0
    assert last_event("core:user:unlock", subject_id=str(target.id)).actor_id == admin.id
    assert _sign_in(app, target.username, PASSWORD) == 302


def test_facility_admin_manages_only_their_facility(client, make):
    home, other = make.facility(), make.facility()
    admin = make.login(client, make.user("admin", facility_id=home.id))
    mine = make.user("officer", username="mine.officer", facility_id=home.id)
    theirs = make.user("officer", username="their.officer", facility_id=other.id)
    listing = client.get("/admin/users").text
    assert "mine.officer" in listing and "their.officer" not in listing
    assert client.get(f"/admin/users/{mine.id}").status_code == 200
    assert client.get(f"/admin/users/{theirs.id}").status_code == 403
    assert last_event("core:user:manage", actor_id=admin.id).outcome == "denied"
    escaped = _create(client, facility=other.code)
    assert escaped.status_code in (403, 422) and _user("rosa.quintero") is None


def test_unknown_user_is_404(client, admin):
    assert client.get("/admin/users/999999").status_code == 404


@pytest.mark.parametrize("role", [r.value for r in Role if r is not Role.ADMIN])
def test_other_roles_are_refused(client, make, role):
    make.login(client, role=role)
    target = make.user(failed_logins=5, locked_until=utcnow() + dt.timedelta(minutes=10))
    for path in ("/admin/users", "/admin/users/new", f"/admin/users/{target.id}"):
        assert client.get(path).status_code == 403, path
    token = csrf_token(client.get("/dashboard").text)
    posts = {
        "/admin/users/new": {"username": "sneaky", "role": "admin", "password": NEW_PASSWORD},
        f"/admin/users/{target.id}": {"role": "admin", "is_active": "y"},
        f"/admin/users/{target.id}/password": {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        f"/admin/users/{target.id}/unlock": {},
    }
    for path, data in posts.items():
        assert client.post(path, data={"csrf_token": token, **data}).status_code == 403, path
    db.session.refresh(target)
    assert target.role == "officer" and target.locked_until is not None
    assert check_password(target.password_hash, PASSWORD) and _user("sneaky") is None
    assert last_event("core:user:manage").outcome == "denied"


def test_missing_csrf_token_is_a_form_message_not_a_500(client, make, admin):
    target = make.user()
    response = client.post(f"/admin/users/{target.id}/unlock", data={})
    assert response.status_code == 400
    assert "The form expired" in response.text
    created = client.post("/admin/users/new", data={"username": "no.token", "role": "officer"})
    assert created.status_code == 400 and _user("no.token") is None


def test_a_clinician_is_made_a_mental_health_clinician_from_the_form(client, make, admin):
    page = client.get("/admin/users/new").text
    assert '<option value="mental_health">Mental health</option>' in page
    target = make.user("clinician")
    response = _post(
        client,
        f"/admin/users/{target.id}",
        full_name="Therapist Person",
        role="mental_health",
        facility="",
        is_active="y",
    )
    assert response.status_code == 302
    db.session.refresh(target)
    assert target.role == "mental_health"
    assert "role" in last_event("core:user:update", subject_id=str(target.id)).changed_fields
