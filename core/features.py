"""Features plug into core here; core imports none of them (warehouse's
`config.include`, indico's signals).

A feature is a package with `init_app(app: Flask) -> None`. The app factory registers
core's own pages and API first, then imports each package named in the `FEATURES`
setting and calls its `init_app` (`compose`). `init_app` contributes through the app's
`Registry` (`registry(app)`):

- page blueprints (`add_blueprint`), optionally sharing a public rate limit;
- API blueprints under /api/v1, bearer token, no CSRF (`add_api_blueprint`), and public
  ones that answer without a token, rate-limited instead (`add_public_api_blueprint`);
- click commands and groups of the `custodia` command (`add_command`);
- navigation items and dashboard links (`Link`), each shown to actors who hold its
  permission, in `order`;
- dashboard panels (`DashboardPanel`): a callable that adds figures, links or a section
  to the actor's dashboard, and the template that shows the section;
- the facility directory that resolves users' facility scopes (`core.directory`), and
  the lookup of where a person is held now (`core.whereabouts`).

Permissions stay with their feature: its `permissions.py` grants them with
`core.permissions.grant()` when it is imported.

Contributions are kept per app (`app.extensions`), so several apps (the tests build
many) never share them. Including a feature twice does nothing; two contributions that
collide (a second blueprint, command or navigation item of the same name, a second
facility directory) are refused with `FeatureConflict` naming both contributors.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, cast

import click
import flask
from flask import Flask, current_app, g
from flask_smorest import Api
from flask_smorest import Blueprint as ApiBlueprint

from core import ratelimit
from core.actor import Actor
from core.api import register_api_blueprint
from core.directory import FacilityDirectory, NoFacilities
from core.errors import ConfigurationError
from core.whereabouts import NoWhereabouts, Whereabouts

if TYPE_CHECKING:
    from core.dashboard import Dashboard
    from core.exports.kinds import ExportKind

EXTENSION = "custodia_features"
CORE = "core"


class FeatureConflict(ConfigurationError):
    """Two contributions claim the same name (or a feature cannot be composed)."""


@dataclass(frozen=True)
class Link:
    """A navigation item or dashboard link, shown to actors who hold `permission`.
    Lower `order` comes first; equal orders keep registration order."""

    label: str
    endpoint: str
    permission: StrEnum
    order: int


@dataclass(frozen=True)
class RateLimit:
    """One budget per client address, shared by every route registered with it; the
    limit (e.g. "30/minute;300/day") is read per request from `app.config[config_key]`,
    so an operator or a test can change it without a restart."""

    scope: str
    config_key: str


PanelFn = Callable[[Actor, "Dashboard"], None]


@dataclass(frozen=True)
class DashboardPanel:
    """A part of the dashboard. `contribute(actor, board)` adds figures and links to
    `board`, and what its section shows to `board.sections[name]`; `template` (included
    by templates/home/dashboard.html) renders that section. Panels run in `order`, for
    actors who hold `permission` (None: every actor who may see the dashboard)."""

    name: str
    contribute: PanelFn
    order: int
    permission: StrEnum | None = None
    template: str | None = None


@dataclass(eq=False)
class Registry:
    """What core and each feature contributed to one app (`registry(app)`)."""

    app: Flask
    api: Api
    features: list[str] = field(default_factory=list)  # included, in order
    nav_items: list[Link] = field(default_factory=list)  # by order
    dashboard_links: list[Link] = field(default_factory=list)  # by order
    dashboard_panels: list[DashboardPanel] = field(default_factory=list)  # by order
    facility_directory: FacilityDirectory = field(default_factory=NoFacilities)
    whereabouts: Whereabouts = field(default_factory=NoWhereabouts)
    export_kinds: list[ExportKind] = field(default_factory=list)  # in registration order
    including: str = field(default=CORE, init=False)  # who is registering now
    _claims: dict[str, str] = field(default_factory=dict, init=False, repr=False)  # what → who

    # --- routes and commands ---------------------------------------------------------

    def add_blueprint(
        self, blueprint: flask.Blueprint, *, rate_limit: RateLimit | None = None
    ) -> None:
        """Register a page blueprint; with `rate_limit`, its routes share that budget."""
        self._claim(f"blueprint {blueprint.name!r}")
        self.app.register_blueprint(blueprint)
        if rate_limit is not None:
            ratelimit.limit_shared(self.app, rate_limit.scope, rate_limit.config_key, blueprint)

    def add_api_blueprint(self, blueprint: ApiBlueprint) -> None:
        """Mount an API blueprint under /api/v1: bearer tokens, so no CSRF; documented in
        /api/v1/openapi.json."""
        self._claim(f"blueprint {blueprint.name!r}")
        register_api_blueprint(self.api, blueprint)

    def add_public_api_blueprint(self, blueprint: ApiBlueprint, *, rate_limit: RateLimit) -> None:
        """Mount an API blueprint whose routes answer without a token (each declared
        `@public`), rate-limited per client address instead."""
        self.add_api_blueprint(blueprint)
        ratelimit.limit_shared(self.app, rate_limit.scope, rate_limit.config_key, blueprint)

    def add_command(self, command: click.Command) -> None:
        """Add a click command or group to the `custodia` command (the app's CLI group,
        which core.cli's FlaskGroup lists beside core's own commands)."""
        name = command.name or ""
        self._claim(f"command {name!r}")
        self.app.cli.add_command(command)

    # --- navigation and dashboard -----------------------------------------------------

    def add_nav_item(self, item: Link) -> None:
        self._claim(f"navigation item {item.label!r}")
        self._claim(f"navigation endpoint {item.endpoint!r}")
        self.nav_items = _by_order([*self.nav_items, item])

    def add_dashboard_link(self, link: Link) -> None:
        self._claim(f"dashboard link {link.label!r}")
        self.dashboard_links = _by_order([*self.dashboard_links, link])

    def add_dashboard_panel(self, panel: DashboardPanel) -> None:
        self._claim(f"dashboard panel {panel.name!r}")
        self.dashboard_panels = _by_order([*self.dashboard_panels, panel])

    def nav_for(self, actor: Actor) -> list[Link]:
        """The navigation items `actor` may follow, in order."""
        return [item for item in self.nav_items if actor.can(item.permission)]

    # --- exports ----------------------------------------------------------------------

    def add_export_kind(self, kind: ExportKind) -> None:
        """Offer a kind of export on the exports page (core.exports); its route is the
        feature's own."""
        self._claim(f"export kind {kind.name!r}")
        self.export_kinds = [*self.export_kinds, kind]

    # --- facility scopes --------------------------------------------------------------

    def set_facility_directory(self, directory: FacilityDirectory) -> None:
        """Name the directory that resolves users' facility scopes (one per app)."""
        self._claim("facility directory")
        self.facility_directory = directory

    def set_whereabouts(self, lookup: Whereabouts) -> None:
        """Name the lookup of where people are held now (one per app)."""
        self._claim("whereabouts")
        self.whereabouts = lookup

    def _claim(self, what: str) -> None:
        owner = self._claims.get(what)
        if owner is not None:
            raise FeatureConflict(f"The {what} is registered twice (first by {owner}).")
        self._claims[what] = self.including


def _by_order(items: Iterable[Any]) -> list[Any]:
    return sorted(items, key=lambda item: item.order)  # stable: ties keep their order


def init_app(app: Flask, *, api: Api) -> Registry:
    """Give `app` an empty registry (core contributes first, then `compose`)."""
    features = Registry(app=app, api=api)
    app.extensions[EXTENSION] = features

    @app.context_processor
    def _navigation() -> dict[str, Any]:
        actor: Actor | None = g.get("actor")
        return {"nav_items": features.nav_for(actor) if actor is not None else []}

    return features


def registry(app: Flask | None = None) -> Registry:
    """The feature registry of `app` (default: the current app)."""
    target = app if app is not None else current_app
    return cast(Registry, target.extensions[EXTENSION])


def facility_directory(app: Flask | None = None) -> FacilityDirectory:
    """The directory that resolves facility scopes in `app` (default: the current app)."""
    return registry(app).facility_directory


def whereabouts(app: Flask | None = None) -> Whereabouts:
    """Where people are held now, as the feature keeping bookings says (default app:
    the current one)."""
    return registry(app).whereabouts


def include(app: Flask, name: str) -> None:
    """Compose the feature package `name`: import it and call its `init_app(app)`.
    A feature already included is left alone, so naming it twice is harmless."""
    features = registry(app)
    if name in features.features:
        return
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as err:
        if err.name != name:
            raise
        raise FeatureConflict(f"FEATURES names {name!r}, which is not a package.") from err
    init = getattr(module, "init_app", None)
    if not callable(init):
        raise FeatureConflict(f"Feature {name!r} has no init_app(app).")
    features.features.append(name)
    features.including = name
    try:
        init(app)
    finally:
        features.including = CORE


def compose(app: Flask, names: Iterable[str]) -> None:
    """Include each feature in `names`, in order (the `FEATURES` setting)."""
    for name in names:
        include(app, name)
