"""Search: every parameter kind, modifiers, prefixes, paging, _sort, _include, total."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.health.conftest import assert_outcome, observation, patient
from tests.helpers import fhir_samples


@pytest.fixture
def world(fhir):
    alex = fhir.create(patient())["id"]
    other = fhir.create(
        patient(
            name=[{"family": "Müller-Probe", "given": ["Zoë"]}],
            gender="male",
            birthDate="1975",
            identifier=[{"system": "urn:other", "value": "777"}],
        )
    )["id"]
    enc = fhir.create(
        {
            "resourceType": "Encounter",
            "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
            "subject": {"reference": f"Patient/{alex}"},
            "period": {"start": "2026-03-04T09:00:00Z", "end": "2026-03-04T11:00:00Z"},
        }
    )["id"]
    obs = []
    for day, value, code in (("01", 60, "8867-4"), ("04", 72.5, "8867-4"), ("20", 98, "2708-6")):
        body = observation(alex, effectiveDateTime=f"2026-03-{day}T10:00:00Z")
        body["code"]["coding"][0]["code"] = code
        body["valueQuantity"]["value"] = value
        body["encounter"] = {"reference": f"Encounter/{enc}"}
        body["category"] = [{"coding": [{"system": "urn:cat", "code": "vital-signs"}]}]
        obs.append(fhir.create(body)["id"])
    obs.append(fhir.create(observation(other, status="preliminary"))["id"])
    return {"alex": alex, "other": other, "enc": enc, "obs": obs}


def ids(response):
    assert response.status_code == 200, response.text
    body = response.json
    assert body["resourceType"] == "Bundle" and body["type"] == "searchset"
    return sorted(
        e["resource"]["id"] for e in body.get("entry", []) if e["search"]["mode"] == "match"
    )


def test_reference_patient_subject_and_bare_id(fhir, world):
    alex, obs = world["alex"], world["obs"]
    assert ids(fhir.get(f"Observation?patient={alex}")) == sorted(obs[:3])
    assert ids(fhir.get(f"Observation?subject=Patient/{alex}")) == sorted(obs[:3])
    assert ids(fhir.get(f"Observation?subject={alex}")) == sorted(obs[:3])
    assert ids(fhir.get(f"Observation?subject:Patient={alex}")) == sorted(obs[:3])
    assert ids(fhir.get(f"Observation?encounter=Encounter/{world['enc']}")) == sorted(obs[:3])
    assert ids(fhir.get(f"Encounter?patient={alex}")) == [world["enc"]]


def test_token_forms(fhir, world):
    obs = world["obs"]
    alex = world["alex"]
    assert ids(fhir.get(f"Observation?patient={alex}&code=http://loinc.org|8867-4")) == sorted(
        obs[:2]
    )
    assert ids(fhir.get(f"Observation?patient={alex}&code=8867-4")) == sorted(obs[:2])
    assert ids(fhir.get(f"Observation?patient={alex}&code=|8867-4")) == []
    assert ids(fhir.get(f"Observation?patient={alex}&code:not=8867-4")) == [obs[2]]
    assert ids(fhir.get(f"Observation?patient={alex}&code=8867-4,2708-6")) == sorted(obs[:3])
    assert ids(fhir.get("Observation?category=urn:cat|vital-signs")) == sorted(obs[:3])
    assert ids(fhir.get("Observation?status=preliminary")) == [obs[3]]
    assert ids(fhir.get("Patient?identifier=777")) == [world["other"]]
    assert ids(fhir.get("Patient?identifier=urn:other|777")) == [world["other"]]
    assert ids(fhir.get("Patient?gender=male")) == [world["other"]]


def test_string_default_exact_contains(fhir, world):
    other = world["other"]
    assert ids(fhir.get("Patient?family=muller")) == [other]
    assert ids(fhir.get("Patient?name=zoe")) == [other]
    assert ids(fhir.get("Patient?family:exact=Müller-Probe")) == [other]
    assert ids(fhir.get("Patient?family:exact=müller-probe")) == []
    assert ids(fhir.get("Patient?family:contains=probe")) == [other]


def test_date_prefixes_and_partial_dates(fhir, world):
    a = world["alex"]
    obs = world["obs"]
    q = f"Observation?patient={a}&date="
    assert ids(fhir.get(q + "2026-03")) == sorted(obs[:3])
    assert ids(fhir.get(q + "2026-03-04")) == [obs[1]]
    assert ids(fhir.get(q + "eq2026-03-04")) == [obs[1]]
    assert ids(fhir.get(q + "ne2026-03-04")) == sorted([obs[0], obs[2]])
    assert ids(fhir.get(q + "gt2026-03-04")) == [obs[2]]
    assert ids(fhir.get(q + "ge2026-03-04")) == sorted(obs[1:3])
    assert ids(fhir.get(q + "lt2026-03-04")) == [obs[0]]
    assert ids(fhir.get(q + "le2026-03-04")) == sorted(obs[:2])
    assert ids(fhir.get(q + "sa2026-03-04")) == [obs[2]]
    assert ids(fhir.get(q + "eb2026-03-04")) == [obs[0]]
    assert obs[1] in ids(fhir.get(q + "ap2026-03-04"))
    both = fhir.get(f"Observation?patient={a}&date=ge2026-03-02&date=le2026-03-19")
    assert ids(both) == [obs[1]]
    assert ids(fhir.get("Patient?birthdate=1975-06-01")) == []
    assert ids(fhir.get("Patient?birthdate=1975")) == [world["other"]]
    assert_outcome(fhir.get(q + "yesterday"), 400, "date")


def test_quantity_and_last_updated_and_id(fhir, world):
    obs = world["obs"]
    a = world["alex"]
    assert ids(fhir.get(f"Observation?patient={a}&value-quantity=gt70")) == sorted(obs[1:3])
    assert ids(fhir.get(f"Observation?patient={a}&value-quantity=72.5")) == [obs[1]]
    got = fhir.get(f"Observation?patient={a}&value-quantity=72.5|http://unitsofmeasure.org|/min")
    assert ids(got) == [obs[1]]
    assert ids(fhir.get(f"Observation?_id={obs[0]},{obs[1]}")) == sorted(obs[:2])
    assert len(ids(fhir.get(f"Observation?patient={a}&_lastUpdated=gt2000-01-01"))) == 3
    assert ids(fhir.get(f"Observation?patient={a}&_lastUpdated=lt2000-01-01")) == []


def test_paging_links_total_and_keyset_under_writes(fhir, world):
    a = world["alex"]
    first = fhir.get(f"Observation?patient={a}&_count=2").json
    assert first["total"] == 3 and len(first["entry"]) == 2
    links = {link["relation"]: link["url"] for link in first["link"]}
    assert "_count=2" in links["self"] and "previous" not in links
    fhir.create(observation(a))  # a concurrent write must not shift the next page
    second = fhir.get(links["next"].split("/fhir/", 1)[1]).json
    seen = [e["resource"]["id"] for e in first["entry"] + second["entry"]]
    assert len(seen) == len(set(seen))
    assert set(world["obs"][:3]) <= set(seen)
    back = {link["relation"]: link["url"] for link in second["link"]}["previous"]
    again = fhir.get(back.split("/fhir/", 1)[1]).json
    before = [e["resource"]["id"] for e in again["entry"]]
    assert len(before) == 2 and max(before) < second["entry"][0]["resource"]["id"]


def test_sort_summary_count_and_total_none(fhir, world):
    a = world["alex"]
    sorted_desc = fhir.get(f"Observation?patient={a}&_sort=-date").json
    dates = [e["resource"]["effectiveDateTime"] for e in sorted_desc["entry"]]
    assert dates == sorted(dates, reverse=True)
    paged = fhir.get(f"Observation?patient={a}&_sort=date&_count=1").json
    nxt = {link["relation"]: link["url"] for link in paged["link"]}["next"]
    assert "_after=" in nxt and "_offset" not in nxt
    assert fhir.get(nxt.split("/fhir/", 1)[1]).json["entry"][0]["resource"]["id"] == world["obs"][1]
    count = fhir.get(f"Observation?patient={a}&_summary=count").json
    assert count["total"] == 3 and "entry" not in count
    assert "total" not in fhir.get(f"Observation?patient={a}&_total=none").json
    assert_outcome(fhir.get("Observation?_sort=nonsense"), 400, "_sort")


def test_include_and_revinclude(fhir, world):
    a = world["alex"]
    body = fhir.get(f"Observation?patient={a}&_include=Observation:subject").json
    included = [e for e in body["entry"] if e["search"]["mode"] == "include"]
    assert [e["resource"]["id"] for e in included] == [a]
    body = fhir.get(f"Patient?_id={a}&_revinclude=Observation:subject").json
    included = {e["resource"]["id"] for e in body["entry"] if e["search"]["mode"] == "include"}
    assert included == set(world["obs"][:3])
    assert_outcome(fhir.get("Observation?_include=Nonsense:x"), 400, "_include")


def test_post_search_and_unknown_parameters(fhir, world):
    a = world["alex"]
    response = fhir.client.post(
        "/fhir/Observation/_search",
        data={"patient": a, "code": "8867-4", "bogus": "1"},
        headers={**fhir.headers, "Prefer": "handling=lenient"},
    )
    assert ids(response) == sorted(world["obs"][:2])
    self_link = next(x["url"] for x in response.json["link"] if x["relation"] == "self")
    assert "bogus" not in self_link and "code=8867-4" in self_link
    assert_outcome(fhir.get("Observation?bogus=1"), 400, "bogus")  # strict by default
    strict = fhir.get("Observation?bogus=1", Prefer="handling=strict")
    assert_outcome(strict, 400, "bogus")
    assert_outcome(fhir.get("Observation?code:below=1"), 400, "code:below")
    assert_outcome(fhir.get("Observation?_count=x"), 400, "_count")
    assert_outcome(fhir.get("Nonsense?x=1"), 404)


CONTRACT_TYPES = (
    "Patient",
    "Encounter",
    "Observation",
    "Condition",
    "AllergyIntolerance",
    "MedicationRequest",
    "MedicationAdministration",
    "Immunization",
    "Procedure",
    "QuestionnaireResponse",
    "Flag",
    "DocumentReference",
    "Practitioner",
    "Organization",
    "Location",
    "Claim",
    "Goal",
    "CarePlan",
    "ImagingStudy",
    "ExplanationOfBenefit",
    "DiagnosticReport",
    "Basic",
)
NAMED = {"Patient", "Practitioner", "Organization", "Location"}
# Types the samples hold no example of: a minimal one written here.
WRITTEN_HERE = {
    "MedicationAdministration": {
        "resourceType": "MedicationAdministration",
        "status": "completed",
        "medicationCodeableConcept": {"text": "acetaminophen 500 mg tablet"},
        "subject": {"reference": "Patient/x"},
        "effectiveDateTime": "2026-03-01T10:00:00Z",
    },
    "Location": {"resourceType": "Location", "status": "active", "name": "Medical Unit B"},
    "Basic": {
        "resourceType": "Basic",
        "code": {"coding": [{"system": "urn:custodia:test", "code": "accommodation"}]},
        "subject": {"reference": "Patient/x"},
    },
}


def _real_examples() -> dict[str, list[dict]]:
    """Resources nobody here wrote, by type: the official R4 examples, then Synthea
    bundles' entries until every contract type has one."""
    found: dict[str, list[dict]] = {}
    samples = fhir_samples()
    for path in sorted((samples / "r4-official-examples").glob("*.json")):
        body = json.loads(path.read_text())
        found.setdefault(body.get("resourceType", ""), []).append(body)
    for bundle in sorted((samples / "synthea-r4-bundles").glob("*.json")):
        if all(found.get(rtype) or rtype in WRITTEN_HERE for rtype in CONTRACT_TYPES):
            break
        for entry in json.loads(bundle.read_text())["entry"]:
            found.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    for rtype, body in WRITTEN_HERE.items():
        found.setdefault(rtype, []).append(body)
    return found


def _about(resource: Any, patient_ref: str) -> Any:
    """The resource with every Patient reference pointing at our patient."""
    if isinstance(resource, dict):
        out = {k: _about(v, patient_ref) for k, v in resource.items() if k not in ("id", "meta")}
        ref = out.get("reference")
        if isinstance(ref, str) and ref.startswith(("Patient/", "urn:uuid:")):
            out["reference"] = patient_ref
        return out
    if isinstance(resource, list):
        return [_about(item, patient_ref) for item in resource]
    return resource


def test_every_contract_type_is_searchable(app, fhir, monkeypatch):
    """Each type of the contract, stored from a real example, is found by its own search
    parameters (the patient, its status, its name) and not found by a different value.
    The examples refer to resources stored nowhere: referential integrity is off here."""
    monkeypatch.setitem(app.config, "FHIR_ENFORCE_REFERENCES", False)
    examples = _real_examples()
    ours = fhir.create(patient(name=[{"family": "Searchable", "given": ["Sam"]}]))["id"]
    stranger = fhir.create(patient(identifier=[{"system": "urn:x", "value": "1"}]))["id"]
    for rtype in CONTRACT_TYPES:
        assert examples.get(rtype), f"no real example of {rtype}"
        created = None
        for example in examples[rtype]:
            body = _about(example, f"Patient/{ours}")
            subject = body.get("subject") or body.get("patient") or {}
            if rtype not in NAMED and subject.get("reference") != f"Patient/{ours}":
                continue  # an example about a group or a device
            response = fhir.post(rtype, body)
            if response.status_code == 201:
                created = response.json
                break
        assert created is not None, (rtype, response.text)
        if rtype in NAMED:
            name = created["name"] if isinstance(created["name"], str) else None
            first = {} if name else created["name"][0]
            name = name or first.get("family") or first.get("text") or first["given"][0]
            queries = [(f"name={name.split()[0]}", True), ("name=Nobody-by-that-name", False)]
        else:
            queries = [(f"patient={ours}", True), (f"patient={stranger}", False)]
        status = created.get("status") or created.get("lifecycleStatus")
        if isinstance(status, str) and rtype not in NAMED:
            param = "lifecycle-status" if rtype == "Goal" else "status"
            queries += [(f"patient={ours}&{param}={status}", True)]
            queries += [(f"patient={ours}&{param}=not-a-status", False)]
        for query, expected in queries:
            found = ids(fhir.get(f"{rtype}?{query}"))
            assert (created["id"] in found) is expected, (rtype, query, found)


def test_patient_scoped_search_keeps_one_plan_for_every_value(app, fhir, world):
    """Patient-scoped searches probe each of the patient's resources (the EXISTS are
    fenced), so their plan does not depend on the code or date and PostgreSQL can reuse
    a generic plan instead of planning each search; results stay exact."""
    import sqlalchemy as sa

    from core.db import db
    from health.fhir.query import parse
    from health.fhir.search import run
    from tests.conftest import is_postgres

    alex = world["alex"]
    for code, expected in (("8867-4", 2), ("2708-6", 1), ("0000-0", 0)) * 4:
        query = parse(
            "Observation",
            [("patient", alex), ("code", f"http://loinc.org|{code}"), ("date", "ge2026")],
        )
        assert query.patient_scoped
        assert len(run(query, restricted_ok=True).matches) == expected
    assert not parse("Observation", [("code", "http://loinc.org|8867-4")]).patient_scoped
    if is_postgres():
        plans = (
            db.session.execute(
                sa.text(
                    "SELECT generic_plans FROM pg_prepared_statements "
                    "WHERE statement LIKE '%fhir_idx_token%' AND statement LIKE '%OFFSET%'"
                )
            )
            .scalars()
            .all()
        )
        assert plans and max(plans) > 0
