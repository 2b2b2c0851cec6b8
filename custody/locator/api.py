"""The public detainee locator API: `GET /api/v1/locator`, without a token, rate-limited.

200 `{"found": true, "name", "in_transit", "facility": {"name", "address", "phone"},
"field_office"}` (`facility` is null while in transit); 404 `{"found": false, "message"}`,
the same bytes for unknown, released and wrong-country searches; 422 names the fields;
429 when the client address has used its budget (LOCATOR_RATE_LIMIT).
"""

from __future__ import annotations

from typing import Any

from flask import Response, g, jsonify
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from core.access import public
from core.actor import Actor
from custody.locator import services as locator

blueprint = Blueprint(
    "locator_api",
    __name__,
    url_prefix="/locator",
    description="Public detainee locator: no token, rate-limited per client address",
)
blueprints = (blueprint,)

NOT_FOUND_MESSAGE = (
    "No one in custody matches this search. Check the spelling, the date and country of "
    "birth, or the A-number."
)


class LocatorQuery(Schema):
    """Country of birth, and either the A-number or family + given name + date of birth.
    Other query parameters are ignored."""

    a_number = fields.String(metadata={"example": "A123456789"})
    family_name = fields.String()
    given_name = fields.String()
    date_of_birth = fields.Date(metadata={"example": "1990-04-30"})
    country_of_birth = fields.String(
        metadata={"description": "ISO 3166-1 alpha-2 code, like MX or GT (always required)"}
    )


class LocatorFacilityOut(Schema):
    name = fields.String(required=True)
    address = fields.String(required=True, metadata={"example": "1 Example Road, Town, TX 78000"})
    phone = fields.String(required=True)


class LocatorOut(Schema):
    found = fields.Boolean(required=True, metadata={"example": True})
    name = fields.String(required=True, metadata={"description": "Family name, given name"})
    in_transit = fields.Boolean(
        required=True,
        metadata={"description": "Being moved between facilities: no facility until arrival"},
    )
    facility = fields.Nested(LocatorFacilityOut, allow_none=True, required=True)
    field_office = fields.String(required=True)


class LocatorNotFoundOut(Schema):
    found = fields.Boolean(required=True, metadata={"example": False})
    message = fields.String(required=True)


def not_found_body() -> dict[str, Any]:
    return {"found": False, "message": NOT_FOUND_MESSAGE}


def as_json(found: locator.Located) -> dict[str, Any]:
    facility = None
    if not found.in_transit:
        facility = {
            "name": found.facility_name,
            "address": found.facility_address,
            "phone": found.facility_phone,
        }
    return {
        "found": True,
        "name": found.name,
        "in_transit": found.in_transit,
        "facility": facility,
        "field_office": found.field_office,
    }


@blueprint.get("")
@public
@blueprint.doc(security=[])
@blueprint.arguments(LocatorQuery, location="query")
@blueprint.response(200, LocatorOut)
@blueprint.alt_response(404, schema=LocatorNotFoundOut, description="Not in custody")
@blueprint.alt_response(422, description="Incomplete or invalid query; names the fields")
@blueprint.alt_response(429, description="Too many searches from this address; retry later")
def search(query: dict[str, Any]) -> Any:
    """Find a person in custody: name, facility and field office, nothing else."""
    actor = Actor.anonymous(request_id=g.get("request_id"))  # no address: anonymous search
    found = locator.locate(
        actor=actor,
        country_of_birth=query.get("country_of_birth"),
        a_number=query.get("a_number"),
        family_name=query.get("family_name"),
        given_name=query.get("given_name"),
        date_of_birth=query.get("date_of_birth"),
    )
    if found is None:
        response: Response = jsonify(not_found_body())
        response.status_code = 404
        return response
    return as_json(found)
