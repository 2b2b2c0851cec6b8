"""_summary and _elements (R4 search.html#summary, #elements) on search and read: the
kept elements, the SUBSETTED tag, the self link, counts unaffected."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.health.conftest import assert_outcome, observation, patient

SUBSETTED = {
    "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
    "code": "SUBSETTED",
    "display": "Resource encoded in summary mode",
}
TEXT = {"status": "generated", "div": '<div xmlns="http://www.w3.org/1999/xhtml">HR 72.5</div>'}
FULL = {
    "resourceType",
    "id",
    "meta",
    "text",
    "status",
    "code",
    "subject",
    "effectiveDateTime",
    "valueQuantity",
    "note",
    "interpretation",
    "referenceRange",
    "component",
}


@pytest.fixture
def world(fhir):
    alex = fhir.create(patient(text=TEXT, maritalStatus={"text": "unknown"}))["id"]
    body = observation(
        alex,
        text=TEXT,
        note=[{"text": "taken after exercise"}],
        interpretation=[{"text": "normal"}],
        referenceRange=[{"text": "60-100"}],
        component=[
            {
                "code": {"text": "systolic"},
                "valueQuantity": {"value": 120},
                "interpretation": [{"text": "high"}],
            }
        ],
    )
    raw = json.dumps(body).replace('"value": 72.5,', '"value": 72.50,')  # the client's digits
    assert "72.50" in raw
    obs = []
    for _ in range(3):
        created = fhir.post("Observation", raw)
        assert created.status_code == 201, created.text
        obs.append(created.json["id"])
    return {"alex": alex, "obs": obs}


def _resources(response, mode="match"):
    assert response.status_code == 200, response.text
    return [e["resource"] for e in response.json.get("entry", []) if e["search"]["mode"] == mode]


def _self(response):
    url = next(x["url"] for x in response.json["link"] if x["relation"] == "self")
    return parse_qsl(urlsplit(url).query)


def _subsetted(resource):
    return SUBSETTED in resource["meta"].get("tag", [])


def test_summary_true_keeps_summary_and_mandatory_elements(fhir, world):
    response = fhir.get(f"Observation?patient={world['alex']}&_summary=true")
    resources = _resources(response)
    assert len(resources) == 3
    for resource in resources:
        assert set(resource) == {
            "resourceType",
            "id",
            "meta",
            "status",
            "code",
            "subject",
            "effectiveDateTime",
            "valueQuantity",
            "component",
        }
        # within a backbone element too: component.interpretation is no summary element
        assert resource["component"] == [
            {"code": {"text": "systolic"}, "valueQuantity": {"value": 120}}
        ]
        assert _subsetted(resource) and resource["meta"]["versionId"] == "1"
    assert ("_summary", "true") in _self(response)
    assert '"value":72.50' in response.text  # the stored digits, not a re-serialisation


def test_summary_text_data_false(fhir, world):
    oid = world["obs"][0]
    text = fhir.get(f"Observation/{oid}?_summary=text").json
    assert set(text) == {"resourceType", "id", "meta", "text", "status", "code"}
    assert text["text"] == TEXT and _subsetted(text)
    data = fhir.get(f"Observation/{oid}?_summary=data").json
    assert set(data) == FULL - {"text"} and _subsetted(data)
    assert data["component"][0]["interpretation"] == [{"text": "high"}]
    whole = fhir.get(f"Observation/{oid}?_summary=false")
    assert set(whole.json) == FULL and not _subsetted(whole.json)
    assert whole.text == fhir.get(f"Observation/{oid}").text
    response = fhir.get(f"Observation?_id={oid}&_summary=data")
    assert set(_resources(response)[0]) == FULL - {"text"}
    assert ("_summary", "data") in _self(response)


def test_elements_keeps_those_plus_id_meta_and_mandatory(fhir, world):
    response = fhir.get(f"Observation?patient={world['alex']}&_elements=subject,value,note")
    for resource in _resources(response):
        assert set(resource) == {
            "resourceType",
            "id",
            "meta",
            "status",  # mandatory
            "code",  # mandatory
            "subject",
            "valueQuantity",  # `value` names the choice
            "note",
        }
        assert _subsetted(resource)
    assert ("_elements", "subject,value,note") in _self(response)
    read = fhir.get(f"Observation/{world['obs'][0]}?_elements=Observation.effectiveDateTime").json
    assert set(read) == {"resourceType", "id", "meta", "status", "code", "effectiveDateTime"}


def test_includes_are_subsetted_too(fhir, world):
    query = f"Observation?patient={world['alex']}&_include=Observation:subject"
    [included] = _resources(fhir.get(f"{query}&_summary=true"), "include")
    assert included["id"] == world["alex"] and _subsetted(included)
    assert "name" in included and "text" not in included and "maritalStatus" not in included
    [included] = _resources(fhir.get(f"{query}&_elements=Patient.gender"), "include")
    assert set(included) == {"resourceType", "id", "meta", "gender"}


def test_summary_count_unaffected(fhir, world):
    alex = world["alex"]
    body = fhir.get(f"Observation?patient={alex}&_summary=count").json
    assert body["total"] == 3 and "entry" not in body
    body = fhir.get(f"Observation?patient={alex}&_summary=count&_elements=note").json
    assert body["total"] == 3 and "entry" not in body
    response = fhir.get(f"Observation?patient={alex}&_summary=true&_count=2")
    assert response.json["total"] == 3 and len(_resources(response)) == 2


def test_stored_resource_is_not_changed(fhir, world):
    oid = world["obs"][0]
    fhir.get(f"Observation/{oid}?_summary=true")
    fhir.get(f"Observation?_id={oid}&_elements=note")
    stored = fhir.get(f"Observation/{oid}").json
    assert set(stored) == FULL and "tag" not in stored["meta"]


def test_bad_subset_requests(fhir, world):
    oid = world["obs"][0]
    assert_outcome(fhir.get(f"Observation/{oid}?_summary=count"), 400, "_summary")
    assert_outcome(fhir.get(f"Observation/{oid}?_summary=maybe"), 400, "_summary")
    assert_outcome(fhir.get(f"Observation/{oid}?_elements=nonsense"), 400, "_elements")
    both = f"Observation?_id={oid}&_summary=true&_elements=note"
    assert_outcome(fhir.get(f"Observation/{oid}?_summary=true&_elements=note"), 400, "_elements")
    assert_outcome(fhir.get(both), 400, "_elements")
    lenient = fhir.get(both, Prefer="handling=lenient")
    [resource] = _resources(lenient)
    assert "note" not in resource and "subject" in resource  # _summary=true applied
    assert [k for k, _ in _self(lenient)] == ["_id", "_summary", "_count"]
    [outcome] = _resources(lenient, "outcome")
    assert outcome["issue"][0]["expression"] == ["_elements"]
    assert fhir.get("Nonsense/1?_elements=x").status_code == 404


def test_batch_entries_are_subsetted(fhir, world):
    oid = world["obs"][0]
    bundle = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [
            {"request": {"method": "GET", "url": f"Observation/{oid}?_summary=text"}},
            {"request": {"method": "GET", "url": f"Observation?_id={oid}&_elements=note"}},
        ],
    }
    body = fhir.post("", bundle).json
    read = body["entry"][0]["resource"]
    assert set(read) == {"resourceType", "id", "meta", "text", "status", "code"}
    [match] = [e["resource"] for e in body["entry"][1]["resource"]["entry"]]
    assert set(match) == {"resourceType", "id", "meta", "status", "code", "note"}
    assert _subsetted(read) and _subsetted(match)
