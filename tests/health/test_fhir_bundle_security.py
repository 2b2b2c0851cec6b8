"""Hostile and careless Bundles (Security II): the entry cap, checked before any entry is
read and stated in the CapabilityStatement; batch GETs audited once per read; the
number marker of `jsontext` out of clients' reach; `urn:uuid:` references never kept;
duplicate fullUrls refused; restricted labels checked on every write path."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import sqlalchemy as sa

from core.audit import AuditEvent
from core.db import db
from core.permissions import ROLE_PERMISSIONS, Role
from health.fhir import jsontext
from health.fhir.models import FhirResource
from health.fhir.validation import validate
from health.permissions import HealthPermission
from tests.health.conftest import assert_outcome, observation, patient
from tests.helpers import events, last_event

PSY = {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "PSYTHPN"}
FORGED = "\u0000n:{}\u0000"
A = "urn:uuid:aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
B = "urn:uuid:bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"
C = "urn:uuid:cccccccc-cccc-4ccc-8ccc-cccccccccccc"


def _bundle(entries, kind="transaction"):
    return {"resourceType": "Bundle", "type": kind, "entry": entries}


def _post(resource, full_url=None, **request):
    entry = {"resource": resource, "request": {"method": "POST", "url": resource["resourceType"]}}
    entry["request"].update(request)
    if full_url:
        entry["fullUrl"] = full_url
    return entry


def _statuses(body):
    return [e["response"]["status"].split()[0] for e in body["entry"]]


def _tagged(value):
    return patient(identifier=[{"system": "urn:synthetic:bundle-security", "value": value}])


def _count(fhir, query):
    return fhir.get(query).json["total"]


def _stored_rows():
    return db.session.scalar(sa.select(sa.func.count()).select_from(FhirResource))


# --- 1. the entry cap ------------------------------------------------------------------


def test_the_default_cap_is_1000_and_the_capability_statement_states_it(fhir, app):
    assert app.config["FHIR_MAX_BUNDLE_ENTRIES"] == 1000
    body = fhir.get("metadata").json
    rest = body["rest"][0]
    assert rest["extension"][0]["valueUnsignedInt"] == 1000
    assert "at most 1000 entries" in rest["documentation"]
    validate(body)  # still a valid CapabilityStatement


def test_a_bundle_over_the_cap_is_refused_before_any_entry_is_read(fhir, app, monkeypatch):
    monkeypatch.setitem(app.config, "FHIR_MAX_BUNDLE_ENTRIES", 3)
    assert "at most 3 entries" in fhir.get("metadata").json["rest"][0]["documentation"]
    pid = fhir.create(patient())["id"]
    reads_before = len(events("health:fhir:read"))
    rows_before = _stored_rows()
    over = [_post(_tagged("cap")) for _ in range(3)] + [{"request": {"method": "GET"}}]
    for kind in ("batch", "transaction"):
        body = assert_outcome(fhir.post("", _bundle(over, kind)), 413, "Bundle.entry")
        assert "at most 3 entries" in body["issue"][0]["diagnostics"]
        assert body["issue"][0]["code"] == "too-costly"
    # junk entries over the cap: the cap answers, not the first malformed entry
    assert_outcome(fhir.post("", _bundle(["junk"] * 4, "batch")), 413, "Bundle.entry")
    assert _stored_rows() == rows_before and len(events("health:fhir:read")) == reads_before
    at_cap = [{"request": {"method": "GET", "url": f"Patient/{pid}"}}] * 3
    assert _statuses(fhir.post("", _bundle(at_cap, "batch")).json) == ["200"] * 3


def test_batch_gets_write_one_audit_entry_per_read_and_no_more(fhir):
    pid = fhir.create(patient())["id"]
    before = {tag: len(events(tag)) for tag in ("health:fhir:read", "health:fhir:transaction")}
    total_before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    gets = [{"request": {"method": "GET", "url": f"Patient/{pid}"}}] * 5
    for kind in ("batch", "transaction"):
        assert _statuses(fhir.post("", _bundle(gets, kind)).json) == ["200"] * 5
    reads = events("health:fhir:read")[before["health:fhir:read"] :]
    assert len(reads) == 10 and {r.subject_id for r in reads} == {pid}
    assert len(events("health:fhir:transaction")) == before["health:fhir:transaction"]
    total = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    assert total - total_before == 10
    # a write and reads in one batch: one entry for the write, one per read that answered
    mixed = [*gets[:2], {"request": {"method": "GET", "url": "Patient/nobody"}}, _post(patient())]
    assert _statuses(fhir.post("", _bundle(mixed, "batch")).json) == ["200", "200", "404", "201"]
    after = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    assert after - total == 3
    assert len(events("health:fhir:transaction")) == before["health:fhir:transaction"] + 1


# --- 2. the number marker ---------------------------------------------------------------


def test_the_marker_cannot_be_forged_on_create_update_or_in_a_bundle(fhir):
    pid = fhir.create(patient())["id"]
    forged = observation(pid, note=[{"text": FORGED}])
    raw = json.dumps(forged)
    assert "\\u0000n:{}\\u0000" in raw  # the finding's exact body
    assert_outcome(fhir.post("Observation", raw), 400, "Observation.note[0].text")
    oid = fhir.create(observation(pid))["id"]
    assert_outcome(
        fhir.put(f"Observation/{oid}", {**forged, "id": oid}), 400, "Observation.note[0].text"
    )
    assert "note" not in fhir.get(f"Observation/{oid}").json
    transaction = _bundle([_post(observation(pid)), _post(forged)])
    body = assert_outcome(fhir.post("", transaction), 400, "Observation.note[0].text")
    assert body["issue"][0]["diagnostics"].startswith("Bundle.entry[1]")
    batch = fhir.post("", _bundle([_post(observation(pid)), _post(forged)], "batch")).json
    assert _statuses(batch) == ["201", "400"]
    outcome = batch["entry"][1]["response"]["outcome"]["issue"][0]
    assert outcome["expression"] == ["Observation.note[0].text"]
    assert _count(fhir, f"Observation?patient={pid}") == 2  # the plain one and one of the batch
    stored = db.session.scalars(sa.select(sa.cast(FhirResource.resource, sa.Text))).all()
    assert not any('"text":{}' in text or "\\u0000" in text for text in stored)


def test_other_control_characters_are_refused_but_tab_and_newline_are_kept(fhir):
    pid = fhir.create(patient())["id"]
    bell = observation(pid, note=[{"text": "ring\u0007"}])
    assert_outcome(fhir.post("Observation", bell), 400, "Observation.note[0].text")
    fine = fhir.create(observation(pid, note=[{"text": "line one\nline\ttwo"}]))
    assert fine["note"][0]["text"] == "line one\nline\ttwo"


def test_the_decoder_leaves_client_strings_alone_and_keeps_the_digits():
    document = {"text": FORGED, "also": "\u0000n:1.5\u0000", "value": Decimal("72.50")}
    text = jsontext.dumps(document)
    assert '"value":72.50' in text
    assert jsontext.loads(text) == document
    assert jsontext.dumps([Decimal("1E+2"), Decimal("-0.000")]) == "[1E+2,-0.000]"


# --- 3. urn:uuid references -------------------------------------------------------------


def _nested_observation():
    """An Observation whose references to A sit at several depths."""
    obs = observation("x", subject={"reference": A})
    obs["performer"] = [{"reference": A}]
    obs["extension"] = [
        {"url": "urn:synthetic:ext", "valueReference": {"reference": A}},
    ]
    obs["component"] = [
        {
            "code": {"text": "note"},
            "extension": [{"url": "urn:synthetic:ext2", "valueReference": {"reference": A}}],
            "valueString": "nested",
        }
    ]
    return obs


def _references(document):
    found = []
    if isinstance(document, dict):
        for key, value in document.items():
            found += [value] if key == "reference" else _references(value)
    elif isinstance(document, list):
        for value in document:
            found += _references(value)
    return found


@pytest.mark.parametrize("kind", ["batch", "transaction"])
def test_references_to_entries_become_type_and_id_at_any_depth(fhir, kind):
    # the Observation comes first: in a batch it still runs after the Patient it names
    body = fhir.post("", _bundle([_post(_nested_observation()), _post(_tagged("n"), A)], kind))
    assert _statuses(body.json) == ["201", "201"], body.text
    oid, pid = (e["response"]["location"].split("/")[1] for e in body.json["entry"])
    stored = fhir.get(f"Observation/{oid}")
    assert "urn:uuid" not in stored.text
    assert _references(stored.json) == [f"Patient/{pid}"] * 4
    assert _count(fhir, f"Observation?subject=Patient/{pid}") == 1


def test_a_batch_entry_naming_no_entry_fails_alone(fhir):
    obs = observation("x", subject={"reference": B})
    body = fhir.post("", _bundle([_post(_tagged("lone"), A), _post(obs)], "batch")).json
    assert _statuses(body) == ["201", "400"]
    issue = body["entry"][1]["response"]["outcome"]["issue"][0]
    assert issue["expression"] == ["Bundle.entry[1].resource.subject.reference"]
    assert B in issue["diagnostics"]
    assert _count(fhir, "Patient?identifier=urn:synthetic:bundle-security|lone") == 1
    assert not [t for t in _all_text() if "urn:uuid" in t]


def test_a_batch_entry_whose_target_failed_or_circles_fails_alone(fhir):
    bad = _tagged("bad")
    bad["gender"] = "nope"
    obs = observation("x", subject={"reference": A})
    circle_one = observation("x", hasMember=[{"reference": B}])
    circle_two = observation("x", hasMember=[{"reference": A}])
    batch = _bundle([_post(bad, A), _post(obs), _post(_tagged("fine"), C)], "batch")
    body = fhir.post("", batch).json
    assert _statuses(body) == ["422", "400", "201"]
    assert "which failed" in body["entry"][1]["response"]["outcome"]["issue"][0]["diagnostics"]
    circle = _bundle([_post(circle_one, A), _post(circle_two, B), _post(_tagged("c"))], "batch")
    body = fhir.post("", circle).json
    assert _statuses(body) == ["400", "400", "201"]
    assert "circle" in body["entry"][0]["response"]["outcome"]["issue"][0]["diagnostics"]
    assert not [t for t in _all_text() if "urn:uuid" in t]


def test_a_transaction_naming_no_entry_writes_nothing(fhir):
    rows = _stored_rows()
    obs = observation("x", subject={"reference": A}, hasMember=[{"reference": B}])
    bundle = _bundle([_post(_tagged("tx"), A), _post(obs)])
    body = assert_outcome(
        fhir.post("", bundle), 400, "Bundle.entry[1].resource.hasMember[0].reference"
    )
    assert B in body["issue"][0]["diagnostics"]
    assert _stored_rows() == rows


def test_a_duplicate_full_url_is_a_400_naming_it(fhir):
    rows = _stored_rows()
    bundle = _bundle([_post(_tagged("d1"), A), _post(_tagged("d2"), A)])
    body = assert_outcome(fhir.post("", bundle), 400, "Bundle.entry[0].fullUrl")
    assert (
        A in body["issue"][0]["diagnostics"] and "more than one" in body["issue"][0]["diagnostics"]
    )
    assert _stored_rows() == rows
    batch = _bundle(
        [_post(_tagged("d1"), A), _post(_tagged("d2"), A), _post(_tagged("d3"))], "batch"
    )
    body = fhir.post("", batch).json
    assert _statuses(body) == ["400", "400", "201"]
    assert _count(fhir, "Patient?identifier=urn:synthetic:bundle-security|d3") == 1
    assert _count(fhir, "Patient?identifier=urn:synthetic:bundle-security|d1") == 0


def _all_text():
    return db.session.scalars(sa.select(sa.cast(FhirResource.resource, sa.Text))).all()


# --- 4. conditional create, serially (the parallel case: test_fhir_conditional_race) ---


def test_conditional_create_serially_and_in_a_batch(fhir):
    condition = "identifier=urn:synthetic:bundle-security|cc"
    first = fhir.post("Patient", _tagged("cc"), **{"If-None-Exist": condition})
    again = fhir.post("Patient", _tagged("cc"), **{"If-None-Exist": condition})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json["id"] == again.json["id"]
    other = "identifier=urn:synthetic:bundle-security|cb"
    entries = [_post(_tagged("cb"), ifNoneExist=other) for _ in range(3)]
    body = fhir.post("", _bundle(entries, "batch")).json
    assert _statuses(body) == ["201", "200", "200"]
    assert len({e["response"]["location"].split("/")[1] for e in body["entry"]}) == 1
    assert _count(fhir, f"Patient?{other}") == 1
    twice = "identifier=urn:synthetic:bundle-security|ct"
    entries = [_post(_tagged("ct"), ifNoneExist=twice) for _ in range(2)]
    assert_outcome(fhir.post("", _bundle(entries)), 400, "Bundle.entry[1].request.ifNoneExist")
    assert _count(fhir, f"Patient?{twice}") == 0


# --- 5. restricted labels on every write path -------------------------------------------


RESTRICTED = {HealthPermission.RESTRICTED_READ, HealthPermission.RESTRICTED_WRITE}


def _restricted(monkeypatch, allowed: bool) -> None:
    """The clinician of `fhir` with (as mental_health has) or without restricted access."""
    permissions = ROLE_PERMISSIONS[Role.CLINICIAN] - RESTRICTED
    if allowed:
        permissions |= RESTRICTED
    monkeypatch.setitem(ROLE_PERMISSIONS, Role.CLINICIAN, permissions)


@pytest.fixture
def note(fhir, monkeypatch):
    _restricted(monkeypatch, allowed=True)
    pid = fhir.create(patient())["id"]
    oid = fhir.create(observation(pid, meta={"security": [PSY]}))["id"]
    _restricted(monkeypatch, allowed=False)
    return {"pid": pid, "oid": oid}


def _put(resource, url):
    return {"resource": resource, "request": {"method": "PUT", "url": url}}


def _delete(url):
    return {"request": {"method": "DELETE", "url": url}}


def _unchanged(fhir, monkeypatch, note):
    _restricted(monkeypatch, allowed=True)
    stored = fhir.get(f"Observation/{note['oid']}")
    _restricted(monkeypatch, allowed=False)
    assert stored.status_code == 200 and stored.json["meta"]["versionId"] == "1"
    assert stored.json["meta"]["security"] == [PSY]


def test_no_write_path_overwrites_deletes_or_strips_a_restricted_resource(fhir, note, monkeypatch):
    pid, oid = note["pid"], note["oid"]

    def denied():  # six writes refused, and the batch's read of the note
        tags = ("health:restricted:write", "health:restricted:read")
        return [e for tag in tags for e in events(tag, outcome="denied")]

    denied_before = len(denied())
    stripped = observation(pid, id=oid)  # the same resource without its label
    assert_outcome(fhir.put(f"Observation/{oid}", stripped), 403)
    assert_outcome(fhir.delete(f"Observation/{oid}"), 403)
    assert_outcome(fhir.post("", _bundle([_put(stripped, f"Observation/{oid}")])), 403)
    assert_outcome(fhir.post("", _bundle([_delete(f"Observation/{oid}")])), 403)
    batch = _bundle(
        [_put(stripped, f"Observation/{oid}"), _delete(f"Observation/{oid}"), _post(_tagged("ok"))],
        "batch",
    )
    assert _statuses(fhir.post("", batch).json) == ["403", "403", "201"]
    reads = [
        {"request": {"method": "GET", "url": u}} for u in (f"Observation/{oid}", f"Patient/{pid}")
    ]
    answer = fhir.post("", _bundle(reads, "batch"))
    assert _statuses(answer.json) == ["403", "200"] and "valueQuantity" not in answer.text
    _unchanged(fhir, monkeypatch, note)
    denials = denied()[denied_before:]
    assert len(denials) == 7 and {d.subject_id for d in denials} == {pid}


def test_no_write_path_creates_a_restricted_resource_without_the_permission(fhir, note):
    pid = note["pid"]
    labelled = observation(pid, meta={"security": [PSY]})
    rows = _stored_rows()
    assert_outcome(fhir.post("Observation", labelled), 403)
    assert_outcome(fhir.put("Observation/new-note", {**labelled, "id": "new-note"}), 403)
    assert_outcome(fhir.post("", _bundle([_post(_tagged("t")), _post(labelled)])), 403)
    batch = fhir.post("", _bundle([_post(labelled), _put(labelled, "Observation/n2")], "batch"))
    assert _statuses(batch.json) == ["403", "403"]
    assert _stored_rows() == rows
    assert last_event("health:restricted:write").subject_id == pid


def test_with_the_permission_every_write_path_may_write_restricted_ones(fhir, note, monkeypatch):
    _restricted(monkeypatch, allowed=True)
    pid, oid = note["pid"], note["oid"]
    relabelled = observation(pid, id=oid, meta={"security": [PSY]}, status="amended")
    body = fhir.post("", _bundle([_put(relabelled, f"Observation/{oid}")], "batch")).json
    assert _statuses(body) == ["200"]
    assert fhir.get(f"Observation/{oid}").json["status"] == "amended"
    assert _statuses(fhir.post("", _bundle([_delete(f"Observation/{oid}")])).json) == ["204"]
    assert_outcome(fhir.get(f"Observation/{oid}"), 410)
