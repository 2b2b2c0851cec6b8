"""Rule-set pages: staff who read facilities see the rule sets; administrators (RULES_MANAGE,
not limited to one facility) add sets and rules and change limits. Views are thin: each
POST validates its form and calls one service in custody.services.rules."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import Blueprint, flash, redirect, render_template, request, url_for

from core.access import current_actor, requires
from core.forms import call_service, choices, render_form_page
from custody.permissions import CustodyPermission
from custody.rules import services as svc
from custody.rules.forms import (
    FIELD_FOR,
    STARTS,
    NewRuleForm,
    RuleForm,
    RuleSetForm,
    duration_text,
    repeat_text,
)
from custody.rules.inputs import RuleSetIn

T = TypeVar("T")

bp = Blueprint("rules", __name__, url_prefix="/rule-sets")
admin_bp = Blueprint("admin_rules", __name__, url_prefix="/admin/rule-sets")


@bp.app_template_filter("duration")
def _duration(minutes: int | None) -> str:
    return duration_text(minutes)


@bp.app_template_global("repeat_text")
def _repeat(minutes: int | None, anchor: str) -> str:
    return repeat_text(minutes, anchor)


# --- reading -------------------------------------------------------------------------


@bp.get("")
@requires(CustodyPermission.FACILITY_READ)
def index() -> Any:
    sets = svc.list_rule_sets(actor=current_actor())
    return render_template("custody/rules/rule_sets.html", rule_sets=sets)


@bp.get("/<set_code>")
@requires(CustodyPermission.FACILITY_READ)
def show(set_code: str) -> Any:
    found = svc.get_rule_set(actor=current_actor(), code=set_code)
    return render_template("custody/rules/rule_set.html", rule_set=found, starts=STARTS)


# --- managing ------------------------------------------------------------------------


@admin_bp.route("/new", methods=["GET", "POST"])
@requires(CustodyPermission.RULES_MANAGE)
def new_rule_set() -> Any:
    actor = current_actor()
    svc.authorize_manage(actor=actor)
    form = RuleSetForm()
    form.copy_from.choices = choices(
        [("", "An empty set")]
        + [(s.code, f"{s.code} · {s.name}") for s in svc.list_rule_sets(actor=actor)]
    )
    if form.validate_on_submit():
        created = call_service(
            form,
            lambda: svc.create_rule_set(
                actor=actor,
                data=RuleSetIn(
                    code=form.code.data or "",
                    name=form.name.data or "",
                    copy_from=form.copy_from.data or None,
                ),
            ),
        )
        if created is not None:
            flash(f"Rule set {created.code} created.", "success")
            return redirect(url_for("rules.show", set_code=created.code))
    return render_form_page("custody/rules/rule_set_form.html", form=form)


@admin_bp.route("/<set_code>/rules/new", methods=["GET", "POST"])
@requires(CustodyPermission.RULES_MANAGE)
def new_rule(set_code: str) -> Any:
    actor = current_actor()
    svc.authorize_manage(actor=actor)
    rule_set = svc.get_rule_set(actor=actor, code=set_code)
    form = NewRuleForm()
    if request.method == "GET":
        form.set_from(None, None, "start")
        form.is_active.data = True
    if form.validate_on_submit():
        data = form.new_rule()
        added = call_service(
            form, lambda: svc.add_rule(actor=actor, set_code=set_code, data=data), FIELD_FOR
        )
        if added is not None:
            flash(f"Rule {added.rule} added.", "success")
            return redirect(url_for("rules.show", set_code=rule_set.code))
    return render_form_page("custody/rules/rule_form.html", form=form, rule_set=rule_set, rule=None)


@admin_bp.route("/rules/<int:rule_id>", methods=["GET", "POST"])
@requires(CustodyPermission.RULES_MANAGE)
def edit_rule(rule_id: int) -> Any:
    actor = current_actor()
    svc.authorize_manage(actor=actor)
    rule = svc.get_rule(actor=actor, rule_id=rule_id)
    if request.method == "GET":
        form = RuleForm(obj=rule, formdata=None)
        form.set_from(rule.limit_minutes, rule.repeat_minutes, rule.repeat_anchor)
    else:
        form = RuleForm()
    if form.validate_on_submit():
        patch = form.patch()
        changed = call_service(
            form, lambda: svc.update_rule(actor=actor, rule_id=rule_id, data=patch), FIELD_FOR
        )
        if changed is not None:
            flash(f"Rule {changed.rule} saved. Clocks opened from now on use it.", "success")
            return redirect(url_for("rules.show", set_code=changed.standards_set.code))
    return render_form_page(
        "custody/rules/rule_form.html", form=form, rule_set=rule.standards_set, rule=rule
    )
