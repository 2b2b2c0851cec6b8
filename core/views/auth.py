"""Sign-in and sign-out pages."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from core.access import authenticated, current_actor, public
from core.actor import Actor
from core.auth import SESSION_VERSION, authenticate, record_logout

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=128)])


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths: no open redirect. Browsers read a backslash as a
    slash, so `/\\evil.example` would leave the site: refuse backslashes and controls."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and target.isprintable()
    ):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("home.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> Any:
    form = LoginForm()
    if form.validate_on_submit():
        caller = Actor.anonymous(g.request_id, request.remote_addr)
        result = authenticate(
            username=form.username.data or "",
            password=form.password.data or "",
            actor=caller,
            threshold=current_app.config["LOCKOUT_THRESHOLD"],
            window=current_app.config["LOCKOUT_WINDOW"],
        )
        if result.ok and result.user is not None:
            session.clear()
            login_user(result.user)
            session[SESSION_VERSION] = result.user.session_version or 0
            session["last_seen"] = int(time.time())
            session.permanent = True
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors = [result.message]
        return render_template("auth/login.html", form=form), 401
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@authenticated
def logout() -> Any:
    record_logout(actor=current_actor())
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))
