"""Core API calls: who am I."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from core.access import authenticated, current_actor

blueprint = Blueprint("core_api", __name__, url_prefix="", description="Session and identity")


class MeOut(Schema):
    user_id = fields.String()
    username = fields.String()
    role = fields.String()
    facility_id = fields.String(allow_none=True)


@blueprint.get("/me")
@authenticated
@blueprint.response(200, MeOut)
def me() -> Any:
    return current_actor()
