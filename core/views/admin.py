"""Admin pages: users (create, role and facility scope, password reset, unlock,
deactivate). Views are thin: each POST validates its form and calls one service."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from core.access import current_actor, requires
from core.db import utcnow
from core.directory import FacilityRef
from core.forms import call_service, choices, new_password_fields, render_form_page
from core.models import User
from core.permissions import Permission, Role
from core.users import (
    UserIn,
    create_user,
    facility_choices,
    get_user,
    list_users,
    set_password,
    unlock_user,
    update_user,
)

bp = Blueprint("admin", __name__, url_prefix="/admin")

ROLE_CHOICES = [(r.value, r.label) for r in Role]

STATUS_CHOICES = [
    ("", "Any"),
    ("active", "Active"),
    ("inactive", "Deactivated"),
    ("locked", "Locked"),
]


def _scope_field(field: SelectField, user: User | None = None, *, select: bool = False) -> None:
    """Offer the facilities a user may be scoped to (`facility_choices`: with an existing
    `user`, theirs too) and, with `select`, select the user's current one."""
    actor = current_actor()
    current_id = user.facility_id if user is not None else None
    found = facility_choices(actor=actor, current_id=current_id)
    everyone = [] if actor.facility_id else [("", "All facilities")]
    field.choices = choices(everyone + [(f.code, _facility_label(f)) for f in found])
    if select:
        field.data = next((f.code for f in found if f.id == current_id), "")


def _facility_label(facility: FacilityRef) -> str:
    closed = "" if facility.is_active else " (inactive)"
    return f"{facility.code} · {facility.name}{closed}"


class UserFilter(FlaskForm):
    class Meta:
        csrf = False

    role = SelectField(
        "Role", choices=choices([("", "Any"), *ROLE_CHOICES]), validators=[Optional()]
    )
    status = SelectField("Status", choices=choices(STATUS_CHOICES), validators=[Optional()])


class UserCreateForm(FlaskForm):
    username = StringField(
        "User name",
        validators=[DataRequired(), Length(min=3, max=64)],
        description="Lowercase letters, digits, dots, dashes or underscores.",
    )
    full_name = StringField("Full name", validators=[Optional(), Length(max=200)])
    role = SelectField("Role", choices=choices(ROLE_CHOICES), validators=[DataRequired()])
    facility = SelectField(
        "Facility", validators=[Optional()], description="Limit the user to one facility."
    )
    password, confirm = new_password_fields()


class UserEditForm(FlaskForm):
    full_name = StringField("Full name", validators=[Optional(), Length(max=200)])
    role = SelectField("Role", choices=choices(ROLE_CHOICES), validators=[DataRequired()])
    facility = SelectField(
        "Facility", validators=[Optional()], description="Limit the user to one facility."
    )
    is_active = BooleanField("Active (may sign in)")


class PasswordForm(FlaskForm):
    password, confirm = new_password_fields()


class UnlockForm(FlaskForm):
    pass


@bp.get("/users")
@requires(Permission.USER_MANAGE)
def users() -> Any:
    form = UserFilter(request.args)
    valid = form.validate()
    found = list_users(
        actor=current_actor(),
        role=form.role.data if valid else None,
        status=form.status.data if valid else None,
    )
    return render_template("admin/users.html", users=found, form=form, now=utcnow())


@bp.route("/users/new", methods=["GET", "POST"])
@requires(Permission.USER_MANAGE)
def new_user() -> Any:
    form = UserCreateForm()
    _scope_field(form.facility)
    if form.validate_on_submit():
        data = UserIn(
            username=form.username.data or "",
            full_name=form.full_name.data or "",
            role=form.role.data or "",
            facility_code=form.facility.data or None,
            password=form.password.data or "",
        )
        user = call_service(form, lambda: create_user(actor=current_actor(), data=data))
        if user is not None:
            flash(f"User {user.username} created.", "success")
            return redirect(url_for("admin.user", user_id=user.id))
    return render_form_page("admin/user_new.html", form=form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@requires(Permission.USER_MANAGE)
def user(user_id: int) -> Any:
    target = get_user(actor=current_actor(), user_id=user_id)
    form = UserEditForm(obj=target if request.method == "GET" else None)
    _scope_field(form.facility, target, select=request.method == "GET")
    if request.method == "POST" and form.validate_on_submit():
        changed = call_service(
            form,
            lambda: update_user(
                actor=current_actor(),
                user_id=user_id,
                full_name=form.full_name.data or "",
                role=form.role.data,
                facility_code=form.facility.data or "",
                is_active=form.is_active.data,
            ),
        )
        if changed is not None:
            flash("Changes saved.", "success")
            return redirect(url_for("admin.user", user_id=user_id))
    return _user_page(target, form=form)


@bp.post("/users/<int:user_id>/password")
@requires(Permission.USER_MANAGE)
def user_password(user_id: int) -> Any:
    target = get_user(actor=current_actor(), user_id=user_id)
    form = PasswordForm()
    if form.validate_on_submit():
        done = call_service(
            form,
            lambda: set_password(
                actor=current_actor(), user_id=user_id, password=form.password.data or ""
            ),
        )
        if done is not None:
            flash(f"New password set for {target.username}. Tell them in person.", "success")
            return redirect(url_for("admin.user", user_id=user_id))
    return _user_page(target, password_form=form)


@bp.post("/users/<int:user_id>/unlock")
@requires(Permission.USER_MANAGE)
def user_unlock(user_id: int) -> Any:
    target = get_user(actor=current_actor(), user_id=user_id)
    form = UnlockForm()
    if form.validate_on_submit():
        unlock_user(actor=current_actor(), user_id=user_id)
        flash(f"{target.username} can sign in again.", "success")
        return redirect(url_for("admin.user", user_id=user_id))
    return _user_page(target, unlock_form=form)


def _user_page(target: Any, **forms: FlaskForm) -> Any:
    edit = forms.get("form") or UserEditForm(obj=target, formdata=None)
    if "form" not in forms:
        _scope_field(edit.facility, target, select=True)
    return render_form_page(
        "admin/user.html",
        target=target,
        form=edit,
        password_form=forms.get("password_form") or PasswordForm(formdata=None),
        unlock_form=forms.get("unlock_form") or UnlockForm(formdata=None),
        now=utcnow(),
    )
