"""People pages: search, the person's record, editing them, their alerts."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from core.access import current_actor, requires
from core.errors import ValidationFailed
from core.forms import attach_errors, call_service, render_form_page
from custody.bookings import forms
from custody.bookings import services as lookups
from custody.bookings.views.blueprint import bp
from custody.people import search as people_search
from custody.people import services as identity
from custody.people.alerts import shown_alerts
from custody.people.inputs import PersonPatch
from custody.people.models import ALERT_LABELS
from custody.permissions import CustodyPermission


@bp.get("/detainees")
@requires(CustodyPermission.DETAINEE_READ)
def detainees() -> Any:
    form = forms.SearchForm(request.args)
    people: list[Any] = []
    query = (form.q.data or "").strip()
    if query and form.validate():
        by_number = people_search.normalize_a_number(query) is not None
        people = list(
            people_search.search_detainees(
                actor=current_actor(),
                a_number=query if by_number else None,
                name=None if by_number else query,
            )
        )
    recent = not query
    if recent:  # before anything is typed: the people booked most recently
        people = list(people_search.recent_detainees(actor=current_actor()))
    active = lookups.active_bookings([p.id for p in people])
    return render_template(
        "custody/bookings/detainees.html",
        form=form,
        people=people,
        active=active,
        query=query,
        recent=recent,
    )


@bp.get("/detainees/<int:detainee_id>")
@requires(CustodyPermission.DETAINEE_READ)
def detainee(detainee_id: int, alerts_form: forms.AlertsForm | None = None) -> Any:
    person = people_search.get_detainee(actor=current_actor(), detainee_id=detainee_id)
    bookings = lookups.bookings_of(actor=current_actor(), detainee_id=person.id)
    if alerts_form is None:
        active = [a.kind for a in person.active_alerts()]
        alerts_form = forms.AlertsForm(formdata=None, data={"kinds": active})
    return render_form_page(
        "custody/bookings/detainee.html",
        person=person,
        bookings=bookings,
        alerts=shown_alerts(person),
        labels=ALERT_LABELS,
        alerts_form=alerts_form,
    )


def _person_form_data(person: Any) -> dict[str, Any]:
    languages = list(person.languages)
    return {
        "family_name": person.family_name,
        "given_name": person.given_name,
        "middle_name": person.middle_name,
        "date_of_birth": person.date_of_birth,
        "sex": person.sex,
        "gender_identity": person.gender_identity or "",
        "country_of_birth": person.country_of_birth,
        "country_of_citizenship": person.country_of_citizenship or "",
        "primary_language": languages[0].code if languages else "",
        "interpreter_needed": bool(languages and languages[0].interpreter_needed),
        "other_languages": forms.language_names([lang.code for lang in languages[1:]]),
        "aliases": "\n".join(f"{a.family_name}, {a.given_name}" for a in person.aliases),
    }


@bp.route("/detainees/<int:detainee_id>/edit", methods=["GET", "POST"])
@requires(CustodyPermission.DETAINEE_WRITE)
def edit_detainee(detainee_id: int) -> Any:
    person = people_search.get_detainee(actor=current_actor(), detainee_id=detainee_id)
    if request.method == "GET":
        form = forms.PersonForm(formdata=None, data=_person_form_data(person))
    else:
        form = forms.PersonForm()
    if form.validate_on_submit():
        changed = None
        try:
            changed = identity.update_detainee(
                actor=current_actor(),
                detainee_id=detainee_id,
                data=PersonPatch(**person_data(form)),
            )
        except ValidationFailed as err:
            attach_errors(form, err.errors, INTAKE_FIELDS)
        if changed is not None:
            flash("Identity saved.", "success")
            return redirect(url_for("bookings.detainee", detainee_id=detainee_id))
    return render_form_page("custody/bookings/person_form.html", form=form, person=person)


@bp.post("/detainees/<int:detainee_id>/alerts")
@requires(CustodyPermission.ALERT_WRITE)
def alerts(detainee_id: int) -> Any:
    form = forms.AlertsForm()
    if form.validate_on_submit():
        done = call_service(
            form,
            lambda: identity.set_alerts(
                actor=current_actor(), detainee_id=detainee_id, kinds=form.kinds.data or []
            ),
        )
        if done is not None:
            flash("Alerts saved.", "success")
            return redirect(url_for("bookings.detainee", detainee_id=detainee_id))
    return detainee(detainee_id, alerts_form=form)


# --- intake --------------------------------------------------------------------------

INTAKE_FIELDS = {"languages": "other_languages", "orientation_at": "orientation_given"}


def person_data(form: forms.IntakeForm) -> dict[str, Any]:
    """The person's fields of the intake (or correction) form, by name."""
    found = {"a_number": form.a_number.data} if "a_number" in form else {}
    return found | {
        "family_name": form.family_name.data,
        "given_name": form.given_name.data,
        "middle_name": form.middle_name.data,
        "date_of_birth": form.date_of_birth.data,
        "sex": form.sex.data,
        "gender_identity": form.gender_identity.data,
        "country_of_birth": form.country_of_birth.data,
        "country_of_citizenship": form.country_of_citizenship.data,
        "languages": forms.parse_languages(
            form.primary_language.data, form.other_languages.data, form.interpreter_needed.data
        ),
        "aliases": forms.parse_aliases(form.aliases.data or ""),
    }
