"""Strict by default, honest always: what search cannot apply is a 400 naming it, or,
with `Prefer: handling=lenient`, dropped, left out of the self link and named in an
OperationOutcome entry of the searchset."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.health.conftest import assert_outcome, observation, patient

# (parameter as sent, value): each used to answer 200 with every Observation
REFUSED = [
    ("_filter", "code eq 8867-4"),
    ("_text", "fever"),
    ("_content", "fever"),
    ("_list", "some-list"),
    ("_query", "named"),
    ("_type", "Patient"),
    ("_contained", "true"),
    ("_source", "urn:x"),
    ("code-value-quantity", "8867-4$gt60"),
    ("combo-code-value-quantity", "8867-4$gt60"),
    ("patient.organization.name", "Testperson"),  # two levels
    ("patient.nosuch", "900000001"),
    ("subject:Nowhere.name", "Testperson"),
    ("code.name", "Testperson"),  # code is no reference
    ("_has:Observation:nosuch:code", "8867-4"),
    ("_has:Observation:patient:_has:Observation:patient:code", "8867-4"),
    ("nosuch:missing", "true"),
    ("code:text", "HR"),
    ("code:above", "8867-4"),
    ("subject:identifier", "900000001"),
    ("_id:exact", "x"),
    ("_include:iterate", "Observation:nonsense"),
    ("_include:recurse", "Observation:subject"),
    ("_revinclude", "*"),
    ("_include", "Observation:nonsense"),
    ("_revinclude", "Provenance:target:Nonsense"),
    ("_sort", "nonsense"),
    ("_summary", "maybe"),
    ("_elements", "nonsense"),
    ("_total", "sometimes"),
    ("bogus", "1"),
]


@pytest.fixture
def world(fhir):
    alex = fhir.create(patient())["id"]
    other = fhir.create(patient(name=[{"family": "Otherperson"}]))["id"]
    mine = [fhir.create(observation(alex))["id"] for _ in range(2)]
    fhir.create(observation(other))
    return {"alex": alex, "mine": sorted(mine)}


def _matches(body):
    return sorted(
        e["resource"]["id"] for e in body.get("entry", []) if e["search"]["mode"] == "match"
    )


def _outcomes(body):
    return [e["resource"] for e in body.get("entry", []) if e["search"]["mode"] == "outcome"]


def _self(body):
    url = next(x["url"] for x in body["link"] if x["relation"] == "self")
    return parse_qsl(urlsplit(url).query)


@pytest.mark.parametrize(("name", "value"), REFUSED, ids=[f"{n}={v}" for n, v in REFUSED])
def test_refused_by_default_dropped_when_lenient(fhir, world, name, value):
    query = f"Observation?patient={world['alex']}&{name}={value}"
    refused = assert_outcome(fhir.get(query), 400, name)
    assert repr(name) in refused["issue"][0]["diagnostics"]
    assert_outcome(fhir.get(query, Prefer="handling=strict"), 400, name)

    lenient = fhir.get(query, Prefer="handling=lenient")
    assert lenient.status_code == 200, lenient.text
    body = lenient.json
    assert _matches(body) == world["mine"]  # `patient` applied, the other patient's left out
    assert body["total"] == 2
    [outcome] = _outcomes(body)
    [issue] = outcome["issue"]
    assert issue["severity"] == "warning" and issue["expression"] == [name]
    assert name in issue["diagnostics"]
    applied = _self(body)
    assert ("patient", world["alex"]) in applied
    assert name not in [k for k, _ in applied]


def test_lenient_names_every_dropped_parameter_and_keeps_the_rest(fhir, world):
    query = (
        f"Observation?patient={world['alex']}&_filter=x&patient.nosuch=Testperson"
        "&code=8867-4&_summary=count"
    )
    body = fhir.get(query, Prefer="return=representation, handling=lenient").json
    assert body["total"] == 2
    expressions = [i["expression"] for o in _outcomes(body) for i in o["issue"]]
    assert expressions == [["_filter"], ["patient.nosuch"]]
    assert [k for k, _ in _self(body)] == ["patient", "code", "_summary", "_count"]


def test_supported_parameters_are_applied_not_dropped(fhir, world):
    body = fhir.get(
        f"Observation?patient={world['alex']}&code:not=1&_sort=-date&_include=Observation:subject"
        "&patient.name=Testperson&code:missing=false&_include:iterate=Patient:organization",
        Prefer="handling=lenient",
    ).json
    assert _matches(body) == world["mine"]
    assert _outcomes(body) == []
    assert [e["resource"]["id"] for e in body["entry"] if e["search"]["mode"] == "include"] == [
        world["alex"]
    ]


def test_post_search_is_strict_too(fhir, world):
    response = fhir.client.post(
        "/fhir/Observation/_search",
        data={"_has:Observation:nosuch:code": "1"},
        headers=fhir.headers,
    )
    assert_outcome(response, 400, "_has:Observation:nosuch:code")


def test_batch_search_and_conditional_create_are_strict(fhir, world):
    bundle = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [
            {"request": {"method": "GET", "url": "Observation?_filter=x"}},
            {"request": {"method": "GET", "url": f"Observation?patient={world['alex']}"}},
        ],
    }
    body = fhir.post("", bundle).json
    assert [e["response"]["status"].split()[0] for e in body["entry"]] == ["400", "200"]
    issue = body["entry"][0]["response"]["outcome"]["issue"][0]
    assert issue["expression"] == ["_filter"]
    created = fhir.post("Patient", patient(), **{"If-None-Exist": "_content=x"})
    assert_outcome(created, 400, "_content")


def test_capability_statement_says_strict_and_lenient(fhir):
    documentation = fhir.get("metadata").json["rest"][0]["documentation"]
    assert "strict by default" in documentation
    assert "handling=lenient" in documentation and "SUBSETTED" in documentation
