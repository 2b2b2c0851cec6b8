"""HTTP plumbing: trusted hosts, request ids, who is calling, idle timeout, security
headers, errors (an unavailable database is a 503 on every surface)."""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import (
    Flask,
    Response,
    current_app,
    flash,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import LoginManager, current_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed, SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from core import audit, i18n, ratelimit
from core.actor import Actor
from core.auth import SESSION_VERSION, actor_for, session_is_current, user_for_token
from core.bodies import check_json_depth
from core.db import MAX_ID, db, is_unavailable, utcnow
from core.errors import DomainError, Forbidden, Unauthenticated, ValidationFailed
from core.logs import configure_logging
from core.models import User

log = logging.getLogger("custodia.http")
csrf = CSRFProtect()
login_manager = LoginManager()
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
API_PREFIXES = ("/api/", "/fhir")
# Pages that scripts may also call with a bearer token (then errors answer in JSON)
TOKEN_PAGE_PREFIXES = ("/exports/",)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
HSTS = "max-age=63072000; includeSubDomains"  # two years, as browsers' preload lists ask
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIXES)


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header[:7].lower() == "bearer " else None


def wants_json() -> bool:
    """Answer in JSON: the API, or a script calling a page with a bearer token."""
    return is_api_request() or bool(g.get("token_caller"))


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    """The signed-in user, unless the session was ended since it was signed (logout,
    password, role, scope or deactivation: `core.auth.end_sessions`)."""
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not user.is_active:
        return None
    return user if session_is_current(user, session.get(SESSION_VERSION)) else None


def _begin_request() -> Response | None:
    g.started = time.perf_counter()
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if _REQUEST_ID.fullmatch(incoming) else secrets.token_hex(8)
    g.actor = None
    if isinstance(request.routing_exception, SecurityError):
        return _untrusted_host()
    _identify_caller()
    return None


def _identify_caller() -> None:
    """The actor: from the bearer token (`/api`, `/fhir`, and `/exports/...` when one is
    sent) or the page session."""
    addr = request.remote_addr
    token = _bearer_token()
    if token is not None and request.path.startswith(TOKEN_PAGE_PREFIXES):
        g.token_caller = True  # no session is read: the token alone says who calls
    if is_api_request() or g.get("token_caller"):
        if token is not None:
            seconds = current_app.config["TOKEN_CACHE_SECONDS"]
            user = user_for_token(token, cache_seconds=seconds)
            if user is not None:
                g.actor = actor_for(user, request_id=g.request_id, client_addr=addr)
        return
    if request.endpoint == "static":
        return
    if current_user.is_authenticated:
        if _idle_expired():
            logout_user()
            session.clear()
            flash("You were signed out after 15 minutes without activity.", "info")
            return
        session["last_seen"] = int(time.time())
        session.permanent = True
        g.actor = actor_for(current_user, request_id=g.request_id, client_addr=addr)


def _untrusted_host() -> Response:
    """A `Host` (or, behind a configured proxy, `X-Forwarded-Host`) not in TRUSTED_HOSTS:
    refused before anything else runs, so no absolute URL is ever built from it."""
    log.warning("request for an untrusted host refused")
    message = "This host name is not served here."
    if request.path.startswith("/fhir"):
        return make_response(_respond(400, message))  # an OperationOutcome, no URL in it
    if is_api_request():
        return _json_error(400, message)
    return Response(message + "\n", status=400, mimetype="text/plain")  # no page: no URLs


def _idle_expired() -> bool:
    last_seen = session.get("last_seen")
    limit = current_app.config["IDLE_TIMEOUT"].total_seconds()
    return last_seen is None or time.time() - float(last_seen) > limit


def _refuse_hostile_bodies() -> None:
    """JSON bodies (the API, FHIR) too deeply nested are refused before any parsing."""
    if request.method in ("POST", "PUT", "PATCH") and "json" in (request.mimetype or ""):
        check_json_depth(request.get_data(cache=True))


def _finish_request(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config["CUSTODIA_ENV"] == "production":  # behind TLS only (README)
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    response.headers["X-Request-ID"] = g.get("request_id", "-")
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    if request.endpoint != "static":
        elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        log.info("%s %s %s %.1fms", request.method, request.path, response.status_code, elapsed)
    return response


# --- errors --------------------------------------------------------------------------


def _json_error(status: int, message: str, **extra: Any) -> Response:
    body = {"message": message, **{k: v for k, v in extra.items() if v is not None}}
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="custodia"'
    return response


def _page_error(status: int, message: str) -> Any:
    if status == 401:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return render_template("error.html", status=status, message=message), status


def _handle_domain_error(err: DomainError) -> Any:
    audit.persist_denial(getattr(err, "audit", None))
    if isinstance(err, ValidationFailed):
        return _respond(err.status, err.message, errors=err.errors)
    return _respond(err.status, err.message, **err.details)


ErrorRenderer = Callable[[int, str, dict[str, Any]], Response]
_ERROR_RENDERERS: dict[str, ErrorRenderer] = {}


def register_error_renderer(prefix: str, renderer: ErrorRenderer) -> None:
    """Let a feature render the errors of its own path prefix (FHIR: OperationOutcome)."""
    _ERROR_RENDERERS[prefix] = renderer


def _respond(status: int, message: str, **extra: Any) -> Any:
    for prefix, renderer in _ERROR_RENDERERS.items():
        if request.path == prefix or request.path.startswith(prefix + "/"):
            return renderer(status, message, extra)
    if wants_json():
        return _json_error(status, message, **extra)
    return _page_error(status, message)


def _handle_http_error(err: HTTPException) -> Any:
    status = err.code or 500
    if isinstance(err, InternalServerError) and is_unavailable(err.original_exception):
        return _unavailable(err.original_exception)  # raised while handling another error
    data = getattr(err, "data", None) or {}
    messages = data.get("messages") if isinstance(data, dict) else None
    if messages:  # webargs/marshmallow validation from flask-smorest
        return _respond(422, "Some fields are not valid.", errors=_flatten(messages))
    response = make_response(_respond(status, err.description or err.name))
    if isinstance(err, MethodNotAllowed) and err.valid_methods:
        response.headers["Allow"] = ", ".join(sorted(err.valid_methods))
    return response


def _flatten(messages: dict[str, Any]) -> dict[str, Any]:
    """{"json": {"field": [...]}} → {"field": [...]} (query/path args likewise)."""
    flat: dict[str, Any] = {}
    for location in messages.values():
        if isinstance(location, dict):
            flat.update(location)
    return flat


def _handle_csrf(err: CSRFError) -> Any:
    return _respond(400, "The form expired or was not sent from this site. Reload and try again.")


def _handle_unexpected(err: Exception) -> Any:
    if is_unavailable(err):
        return _unavailable(err)
    log.exception("unhandled error (request id %s)", g.get("request_id", "-"))
    db.session.rollback()
    return _respond(
        500, "Something went wrong on our side. Quote request id " + g.get("request_id", "-")
    )


def _handle_db_error(err: sa.exc.SQLAlchemyError) -> Any:
    """A constraint we did not foresee: a conflict, not a crash; an unreachable
    database: a 503."""
    if is_unavailable(err):
        return _unavailable(err)
    db.session.rollback()
    if isinstance(err, sa.exc.IntegrityError):
        log.warning("integrity error turned into 409")
        return _respond(409, "This conflicts with an existing record.")
    if isinstance(err, sa.exc.DataError):
        log.warning("data error turned into 422")
        return _respond(422, "A value is too long or has characters that cannot be stored.")
    return _handle_unexpected(err)


def _unavailable(err: BaseException | None) -> Response:
    """The database cannot be reached: 503 with Retry-After, in the body of the surface
    (JSON, OperationOutcome `transient`, a page). One log line, naming only the error's
    class: a database error's text can carry the statement's parameters."""
    log.warning("database unavailable (%s): answered 503", type(err).__name__)
    _rollback_quietly()
    if "_login_user" not in g:  # the page's template must not load the user again
        g._login_user = login_manager.anonymous_user()
    message = (
        "The service is unavailable for a moment. Please try again shortly. "
        "Quote request id " + g.get("request_id", "-")
    )
    response = make_response(_respond(503, message))
    response.headers["Retry-After"] = str(current_app.config["OUTAGE_RETRY_AFTER"])
    return response


def _rollback_quietly() -> None:
    """Roll the session back; on a connection already lost that can fail too."""
    try:
        db.session.rollback()
    except sa.exc.SQLAlchemyError:  # nothing is left to undo on a dead connection
        log.info("rollback after a database outage failed too")


def positive_up_to(limit: str) -> str:
    """A regex for the whole numbers 1 to `limit` (its decimal digits), no leading zeros."""
    shorter = rf"[1-9]\d{{0,{len(limit) - 2}}}" if len(limit) > 1 else ""
    same_length = [limit]
    for i, digit in enumerate(limit):
        low = "1" if i == 0 else "0"
        if int(digit) > int(low):
            same_length.append(rf"{limit[:i]}[{low}-{int(digit) - 1}]\d{{{len(limit) - i - 1}}}")
    return "(?:" + "|".join(filter(None, [shorter, *same_length])) + ")"


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` in every route: a positive id that fits a database integer column
    (a larger number is a 404, not an overflow inside the database driver). The range
    is in the regex, so a path whose id is out of it matches no route: a 404, not a 405
    naming the methods of a sibling route that only failed the conversion."""

    regex = positive_up_to(str(MAX_ID))

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = DatabaseIdConverter
    hops = app.config["PROXY_HOPS"]
    if hops:  # X-Forwarded-* believed only from this many proxies in front of us
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )
    # `/fhir//x` is a 404 in the surface's own format, not werkzeug's HTML redirect to
    # `/fhir/x` (whose absolute Location would be built from the Host header).
    app.url_map.merge_slashes = False
    configure_logging()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # our own access log has the id
    app.before_request(_begin_request)  # first, so even a CSRF refusal has a request id
    app.before_request(_refuse_hostile_bodies)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"

    app.after_request(_finish_request)
    i18n.init_app(app)
    ratelimit.init_app(app)  # after _begin_request, so a refusal has a request id
    app.register_error_handler(DomainError, _handle_domain_error)
    app.register_error_handler(CSRFError, _handle_csrf)
    app.register_error_handler(HTTPException, _handle_http_error)
    app.register_error_handler(sa.exc.SQLAlchemyError, _handle_db_error)
    app.register_error_handler(Exception, _handle_unexpected)

    @app.context_processor
    def _template_globals() -> dict[str, Any]:
        actor: Actor | None = g.get("actor")
        return {"actor": actor, "now": utcnow()}  # nav_items: core.features


__all__ = ["Forbidden", "Unauthenticated", "csrf", "init_app", "is_api_request", "wants_json"]
