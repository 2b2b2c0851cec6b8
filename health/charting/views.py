"""The charting pages, under /health/patients/<patient_id>/…: a small page of links
("New screening, assessment, dental, mental-health evaluation, SOAP note…") and one
form per kind of encounter or record; the code lookups (a JSON endpoint for the
search-as-you-type script, a plain search page without JavaScript). Thin: each POST
parses its form and calls one service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, request, url_for

from core.access import current_actor, requires
from core.forms import call_service, render_form_page
from health.charting import codes, context, parsing, questionnaires, services, specialties
from health.charting.encounter import Charted
from health.charting.forms import (
    AllergyForm,
    AssessmentForm,
    DentalForm,
    ImmunizationForm,
    IntakeForm,
    MentalHealthForm,
    ProblemForm,
    SoapForm,
)
from health.charting.inputs import (
    AllergyIn,
    AssessmentIn,
    DentalIn,
    ImmunizationIn,
    IntakeScreeningIn,
    MentalHealthIn,
    ProblemIn,
    SoapIn,
)
from health.permissions import HealthPermission

bp = Blueprint("charting", __name__)
PATIENT = "/health/patients/<patient_id>"
FORMS = {
    "intake": ("New intake health screening", "charting.intake"),
    "assessment": ("New comprehensive health assessment", "charting.assessment"),
    "dental-screening": ("New dental screening", "charting.dental_screening"),
    "dental": ("New dental encounter", "charting.dental"),
    "mental-health": ("New mental-health evaluation (PHQ-9)", "charting.mental_health"),
    "soap": ("New SOAP note", "charting.soap"),
    "problem": ("Add a problem", "charting.problem"),
    "allergy": ("Add an allergy", "charting.allergy"),
    "immunization": ("Add an immunization", "charting.immunization"),
}


def _page(template: str, patient: context.PatientHeader, **extra: Any) -> Any:
    return render_form_page(
        f"health/charting/{template}",
        patient=patient,
        codes=codes,
        questionnaires=questionnaires,
        **extra,
    )


def _saved(patient_id: str, what: str) -> Any:
    flash(f"{what} saved.", "success")
    return redirect(url_for("chart.chart", patient_id=patient_id))  # the timeline shows it


@bp.get(PATIENT + "/charting")
@requires(HealthPermission.READ)
def index(patient_id: str) -> Any:
    patient = context.patient_header(actor=current_actor(), patient_id=patient_id)
    return _page("index.html", patient, forms=FORMS)


def _encounter_form(
    patient_id: str,
    form: Any,
    template: str,
    what: str,
    run: Callable[[context.PatientHeader], Charted],
) -> Any:
    patient = context.patient_header(actor=current_actor(), patient_id=patient_id)
    if request.method == "GET":
        parsing.prefill(form, patient.zone)
    if form.validate_on_submit() and call_service(form, lambda: run(patient), parsing.ALIASES):
        return _saved(patient_id, what)
    return _page(template, patient, form=form)


@bp.route(PATIENT + "/intake-screening", methods=["GET", "POST"])
@requires(HealthPermission.WRITE)
def intake(patient_id: str) -> Any:
    form = IntakeForm()

    def run(patient: context.PatientHeader) -> Charted:
        return services.record_intake_screening(
            actor=current_actor(),
            data=IntakeScreeningIn(
                encounter=parsing.encounter_in(form, patient_id, patient.zone),
                vitals=parsing.vitals_in(form),
                tb_symptoms=tuple(form.tb_symptoms.data or ()),
                medications=parsing.medications(form.medications.data),
                allergies=parsing.allergies(form.allergies.data),
                no_known_allergies=bool(form.no_known_allergies.data),
                conditions=parsing.code_list(form.conditions.data),
                pregnancy=form.pregnancy.data or "",
                disabilities=tuple(form.disabilities.data or ()),
                accommodations=tuple(form.accommodations.data or ()),
                withdrawal_risk=form.withdrawal_risk.data or "",
                withdrawal_substances=tuple(form.withdrawal_substances.data or ()),
                suicide_screen=parsing.screener(form),
            ),
        )

    return _encounter_form(patient_id, form, "intake.html", "Intake health screening", run)


@bp.route(PATIENT + "/health-assessment", methods=["GET", "POST"])
@requires(HealthPermission.WRITE)
def assessment(patient_id: str) -> Any:
    form = AssessmentForm()

    def run(patient: context.PatientHeader) -> Charted:
        return services.record_assessment(
            actor=current_actor(),
            data=AssessmentIn(
                encounter=parsing.encounter_in(form, patient_id, patient.zone),
                vitals=parsing.vitals_in(form),
                history=form.history.data or "",
                exam=form.exam.data or "",
                assessment=form.assessment.data or "",
                plan=form.plan.data or "",
                conditions=parsing.code_list(form.conditions.data),
            ),
        )

    return _encounter_form(patient_id, form, "assessment.html", "Health assessment", run)


def _dental(patient_id: str, screening: bool) -> Any:
    form = DentalForm()

    def run(patient: context.PatientHeader) -> Charted:
        return specialties.record_dental(
            actor=current_actor(),
            data=DentalIn(
                encounter=parsing.encounter_in(form, patient_id, patient.zone),
                screening=screening,
                findings=parsing.tooth_findings(form),
                urgency=form.urgency.data or "",
                note=form.note.data or "",
            ),
        )

    what = "Dental screening" if screening else "Dental encounter"
    return _encounter_form(patient_id, form, "dental.html", what, run)


@bp.route(PATIENT + "/dental-screening", methods=["GET", "POST"])
@requires(HealthPermission.WRITE)
def dental_screening(patient_id: str) -> Any:
    return _dental(patient_id, screening=True)


@bp.route(PATIENT + "/dental", methods=["GET", "POST"])
@requires(HealthPermission.WRITE)
def dental(patient_id: str) -> Any:
    return _dental(patient_id, screening=False)


@bp.route(PATIENT + "/mental-health-evaluation", methods=["GET", "POST"])
@requires(HealthPermission.WRITE)
def mental_health(patient_id: str) -> Any:
    form = MentalHealthForm()

    def run(patient: context.PatientHeader) -> Charted:
        return specialties.record_mental_health_evaluation(
            actor=current_actor(),
            data=MentalHealthIn(
                encounter=parsing.encounter_in(form, patient_id, patient.zone),
                phq9=parsing.phq9_answers(form),
                difficulty=form.difficulty.data or "",
                note=form.note.data or "",
                conditions=parsing.code_list(form.conditions.data),
            ),
        )

    return _encounter_form(patient_id, form, "mental_health.html", "Mental-health evaluation", run)


@bp.route(PATIENT + "/soap-note", methods=["GET", "POST"])
@requires(HealthPermission.WRITE)
def soap(patient_id: str) -> Any:
    form = SoapForm()

    def run(patient: context.PatientHeader) -> Charted:
        return services.record_soap_note(
            actor=current_actor(),
            type_code=form.type_code.data or "",
            data=SoapIn(
                encounter=parsing.encounter_in(form, patient_id, patient.zone),
                subjective=form.subjective.data or "",
                objective=form.objective.data or "",
                assessment=form.assessment.data or "",
                plan=form.plan.data or "",
            ),
        )

    return _encounter_form(patient_id, form, "soap.html", "SOAP note", run)


def _record_form(patient_id: str, form: Any, template: str, what: str, run: Callable) -> Any:
    patient = context.patient_header(actor=current_actor(), patient_id=patient_id)
    if form.validate_on_submit() and call_service(form, lambda: run(patient)):
        return _saved(patient_id, what)
    return _page(template, patient, form=form, title=what)


@bp.route(PATIENT + "/problems/new", methods=["GET", "POST"])
@requires(HealthPermission.WRITE)
def problem(patient_id: str) -> Any:
    form = ProblemForm()
    return _record_form(
        patient_id,
        form,
        "record.html",
        "Problem",
        lambda _: services.add_problem(
            actor=current_actor(),
            data=ProblemIn(
                patient_id=patient_id,
                code=parsing.code_list(form.code.data)[0] if form.code.data else "",
                onset=form.onset.data,
            ),
        ),
    )


@bp.route(PATIENT + "/allergies/new", methods=["GET", "POST"])
@requires(HealthPermission.WRITE)
def allergy(patient_id: str) -> Any:
    form = AllergyForm()
    return _record_form(
        patient_id,
        form,
        "record.html",
        "Allergy",
        lambda _: services.add_allergy(
            actor=current_actor(),
            patient_id=patient_id,
            data=AllergyIn(
                form.substance.data or "", form.reaction.data or "", form.criticality.data or ""
            ),
        ),
    )


@bp.route(PATIENT + "/immunizations/new", methods=["GET", "POST"])
@requires(HealthPermission.WRITE)
def immunization(patient_id: str) -> Any:
    form = ImmunizationForm()
    return _record_form(
        patient_id,
        form,
        "record.html",
        "Immunization",
        lambda patient: services.add_immunization(
            actor=current_actor(),
            data=ImmunizationIn(
                patient_id=patient_id,
                cvx=parsing.code_list(form.cvx.data)[0] if form.cvx.data else "",
                occurred=parsing.aware(form.occurred.data, patient.zone),
                lot=form.lot.data or "",
            ),
        ),
    )


# --- code lookups --------------------------------------------------------------------


def _system(name: str) -> str:
    system = codes.SEARCHABLE.get(name)
    if system is None:
        abort(404)
    return system


@bp.get("/health/codes/<system>")
@requires(HealthPermission.READ)
def code_search(system: str) -> Any:
    """As-you-type lookups: `?q=` → `{"items": [{"code", "display"}]}` (no patient data)."""
    found = codes.search(_system(system), request.args.get("q", "")[:100])
    return jsonify(items=[{"code": c.code, "display": c.display} for c in found])


@bp.get("/health/codes/<system>/search")
@requires(HealthPermission.READ)
def code_page(system: str) -> Any:
    """The same search as a plain page, for browsers without JavaScript."""
    code_system = _system(system)
    text = request.args.get("q", "")[:100]
    return render_form_page(
        "health/charting/codes.html",
        system=system,
        text=text,
        found=codes.search(code_system, text, limit=50) if text else [],
        source=codes.source_of(code_system),
    )
