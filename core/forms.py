"""Flask-WTF form helpers shared by every page: service errors shown next to the field.

A page view validates its form, calls one service and, when the service refuses the
input (`ValidationFailed`, or a `Conflict` naming a field), puts the messages on the
form's fields so the page is rendered again with what was typed and what to fix.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

from flask import render_template, request
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from core.errors import Conflict, ValidationFailed

T = TypeVar("T")

# Field names used by services that differ from the form's field names.
ALIASES = {"facility_id": "facility", "facility_code": "facility"}


def choices(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    """Select options from (value, label) pairs (WTForms 3.3 deprecates bare tuples)."""
    return [SelectChoice(value, label) for value, label in pairs]


def attach_errors(
    form: FlaskForm, errors: dict[str, list[str]], aliases: Mapping[str, str] | None = None
) -> None:
    """Show service errors on the matching fields (service names renamed by `aliases`
    over ALIASES); the rest as form-level errors."""
    renamed = {**ALIASES, **(aliases or {})}
    for name, messages in errors.items():
        field = getattr(form, renamed.get(name, name), None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, *messages]
        else:
            form.form_errors.extend(messages)


def call_service(
    form: FlaskForm, service: Callable[[], T], aliases: Mapping[str, str] | None = None
) -> T | None:
    """Run `service`; on refused input attach the messages to `form` and return None.
    Permission errors and missing records propagate (403/404 pages)."""
    try:
        return service()
    except ValidationFailed as err:
        attach_errors(form, err.errors, aliases)
    except Conflict as err:
        field = err.details.get("field")
        attach_errors(form, {field or "__form__": [err.message]}, aliases)
    return None


def new_password_fields() -> tuple[PasswordField, PasswordField]:
    """A new password and its confirmation; the policy itself is the service's."""
    return (
        PasswordField(
            "New password",
            validators=[DataRequired(), Length(max=128)],
            description="At least 12 characters; a phrase of several words is easiest.",
        ),
        PasswordField(
            "Repeat the password",
            validators=[DataRequired(), EqualTo("password", message="The passwords differ.")],
        ),
    )


def render_form_page(template: str, **context: object) -> tuple[str, int]:
    """Render a page holding forms: 422 when a submitted form has errors, else 200."""
    forms = [f for f in context.values() if isinstance(f, FlaskForm)]
    failed = request.method == "POST" and any(f.errors for f in forms)
    return render_template(template, **context), 422 if failed else 200


def form_data(form: FlaskForm, *names: str) -> dict[str, object]:
    """The named fields' values (all but the CSRF token when none are named)."""
    wanted = names or [n for n in form.data if n != "csrf_token"]
    return {name: form.data[name] for name in wanted}
