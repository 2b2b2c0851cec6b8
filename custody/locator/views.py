"""The public detainee locator page: `GET /locator`, no login, English or Spanish.

A GET form (nothing to protect with CSRF, nothing stored in a session): the visitor's
answer is in the URL they can bookmark or share, and no cookie is set. The rules are the
service's (custody/services/locator.py); this module only words its problems in the
visitor's language.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, g, render_template, request
from flask_babel import get_locale, gettext, lazy_gettext
from flask_limiter import RateLimitExceeded
from wtforms import Form, SelectField, StringField

from core.access import public
from core.actor import Actor
from core.formfields import MemorableDateField
from core.i18n import LANGUAGE_NAMES, LANGUAGES
from custody.locator import services as locator
from custody.people import reference

bp = Blueprint("locator", __name__)

QUERY_FIELDS = ("a_number", "family_name", "given_name", "country_of_birth")
DATE_PARTS = ("dob_month", "dob_day", "dob_year")


class LocatorForm(Form):
    class Meta:
        csrf = False

    a_number = StringField(
        lazy_gettext("A-number"),
        description=lazy_gettext("8 or 9 digits, like A123456789 or 123-456-789."),
    )
    family_name = StringField(lazy_gettext("Family name (last name)"))
    given_name = StringField(lazy_gettext("Given name (first name)"))
    dob = MemorableDateField(lazy_gettext("Date of birth"))  # dob_month, dob_day, dob_year
    country_of_birth = SelectField(
        lazy_gettext("Country of birth"), choices=[], validate_choice=False
    )

    def __init__(self, formdata: Any, language: str) -> None:
        super().__init__(formdata)
        countries = reference.countries(language).items()
        self.country_of_birth.choices = [("", gettext("- Select -")), *countries]

    @property
    def date_of_birth(self) -> str:
        """ISO text from the three boxes ("" when all are empty; the service judges it)."""
        born = self.dob.data
        if born is None:
            return ""
        return born.isoformat() if isinstance(born, dt.date) else "not-a-date"


PROBLEM_TEXT = {
    locator.Problem.REQUIRED: lazy_gettext("This field is required."),
    locator.Problem.COUNTRY: lazy_gettext("Choose a country from the list."),
    locator.Problem.A_NUMBER: lazy_gettext("Use 8 or 9 digits, like A123456789 or 123-456-789."),
    locator.Problem.NAME: lazy_gettext("Use letters (at most 100 characters)."),
    locator.Problem.DATE: lazy_gettext("Enter a real date of birth in the past."),
    locator.Problem.NAME_OR_NUMBER: lazy_gettext(
        "Enter an A-number, or the family name, given name and date of birth."
    ),
}


def _show_problems(form: LocatorForm, err: locator.LocatorQueryInvalid) -> list[dict[str, str]]:
    """Put each message next to its field; the list feeds the summary at the top."""
    summary = []
    for field, problem in err.problems.items():
        text = str(PROBLEM_TEXT[problem])
        if field == "date_of_birth":
            form.dob.errors = [text]
            summary.append({"id": form.dob.id, "label": gettext("Date of birth"), "text": text})
        else:
            form[field].errors = [text]
            summary.append(
                {"id": form[field].id, "label": str(form[field].label.text), "text": text}
            )
    return summary


def _language() -> str:
    locale = get_locale()
    return locale.language if locale is not None and locale.language in LANGUAGES else "en"


@bp.get("/locator")
@public
def search() -> Any:
    language = _language()
    form = LocatorForm(request.args, language)
    submitted = any(request.args.get(name) is not None for name in (*QUERY_FIELDS, *DATE_PARTS))
    found = None
    problems: list[dict[str, str]] = []
    if submitted:
        actor = Actor.anonymous(request_id=g.get("request_id"))  # anonymous: no address
        try:
            found = locator.locate(
                actor=actor,
                country_of_birth=form.country_of_birth.data,
                a_number=form.a_number.data,
                family_name=form.family_name.data,
                given_name=form.given_name.data,
                date_of_birth=form.date_of_birth,
            )
        except locator.LocatorQueryInvalid as err:
            problems = _show_problems(form, err)
            submitted = False
    return render_template(
        "custody/locator/search.html",
        form=form,
        lang=language,
        other_languages=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGES if code != language],
        submitted=submitted,
        found=found,
        problems=problems,
    )


@bp.errorhandler(RateLimitExceeded)
def too_many_searches(err: RateLimitExceeded) -> Any:
    language = _language()
    html = render_template(
        "custody/locator/too_many.html",
        lang=language,
        other_languages=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGES if code != language],
    )
    return html, 429
