"""Property-based checks of /fhir (hypothesis): hostile and half-valid resource bodies
(alone, in batches and transactions) and search parameters on several types. Whatever
comes in, the answer is never a 5xx, is `application/fhir+json` and parses as JSON; an
error is an OperationOutcome with an issue; a write that succeeded stored valid FHIR.

Example counts come from the hypothesis profile (tests/conftest.py): small in the suite,
a few hundred in `.ci/run`'s fuzz step (CUSTODIA_HYPOTHESIS_PROFILE=ci-fuzz).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from health.fhir.searchparams import DEFINITIONS
from tests.health.conftest import FHIR, observation, patient

TYPES = ("Patient", "Observation", "Encounter", "Condition")
NASTY_TEXT = (
    "",
    " ",
    "\x00",
    "\u0000n:{}\u0000",  # the store's internal number marker (health/fhir/jsontext.py)
    "\u0000n:1e400\u0000",
    "\ud800",  # a lone surrogate
    "\u202e\ufeff\uffff",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ᚠ 漢字 مرحبا",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%00%2e%2e/",
    "A" * 70_000,
)
RAW_NUMBERS = ("1e400", "-1e400", "1E-400", "-0", "0.0000000000000000000001", "1" * 400)
json_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(NASTY_TEXT),
)
json_values = st.recursive(
    json_leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)
# fmt: off
NAMES = [
    "id", "meta", "text", "status", "code", "subject", "identifier", "name", "gender",
    "birthDate", "valueQuantity", "effectiveDateTime", "note", "extension", "contained",
    "class", "period", "clinicalStatus", "_birthDate", "resourceType", "deceasedBoolean",
    "deceasedDateTime", "component",
]
# fmt: on
FIELD_NAMES = st.sampled_from(NAMES) | st.text(max_size=15)


def templates(patient_id: str) -> dict[str, dict[str, Any]]:
    return {
        "Patient": patient(),
        "Observation": observation(patient_id),
        "Encounter": {
            "resourceType": "Encounter",
            "status": "finished",
            "class": {
                "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                "code": "AMB",
            },
            "subject": {"reference": f"Patient/{patient_id}"},
            "period": {"start": "2026-03-04T10:00:00Z"},
        },
        "Condition": {
            "resourceType": "Condition",
            "code": {"text": "Asthma"},
            "subject": {"reference": f"Patient/{patient_id}"},
        },
    }


def _nested(depth: int) -> Any:
    value: Any = "deep"
    for i in range(depth):
        value = [value] if i % 2 else {"x": value}
    return value


@st.composite
def resources(draw: st.DrawFn, patient_id: str) -> dict[str, Any]:
    """A valid-looking resource of one of TYPES with a few fields set, removed, retyped or
    nested deep."""
    resource = json.loads(json.dumps(templates(patient_id)[draw(st.sampled_from(TYPES))]))
    for _ in range(draw(st.integers(0, 4))):
        name = draw(FIELD_NAMES)
        action = draw(st.sampled_from(["set", "drop", "deep", "wrap"]))
        if action == "set":
            resource[name] = draw(json_values)
        elif action == "drop":
            resource.pop(name, None)
        elif action == "deep":
            resource[name] = _nested(draw(st.integers(1, 80)))
        elif name in resource:
            resource[name] = [resource[name]]
    return resource


@st.composite
def raw_bodies(draw: st.DrawFn, patient_id: str) -> bytes:
    """Bodies as text: JSON of `resources`, or JSON a serialiser would never write
    (duplicate keys, numbers beyond a double, bare values, truncation, bad bytes)."""
    text = json.dumps(draw(resources(patient_id)), ensure_ascii=draw(st.booleans()))
    tweak = draw(
        st.sampled_from(["none", "number", "duplicate", "truncate", "bare", "bytes", "bom"])
    )
    if tweak == "number":
        text = text[:-1] + f', "valueDecimal": {draw(st.sampled_from(RAW_NUMBERS))}}}'
    elif tweak == "duplicate":
        other = draw(st.sampled_from((*TYPES, "Bundle", "", "Unknown")))
        text = text[:-1] + f', "resourceType": "{other}", "id": {json.dumps(draw(json_leaves))}}}'
    elif tweak == "truncate":
        text = text[: draw(st.integers(0, len(text)))]
    elif tweak == "bare":
        text = json.dumps(draw(json_values))
    data = text.encode("utf-8", "surrogatepass")
    if tweak == "bytes":
        data = data[:-1] + draw(st.binary(min_size=1, max_size=8)) + data[-1:]
    elif tweak == "bom":
        data = b"\xef\xbb\xbf" + data
    return data


def encoded(params: list[tuple[str, str]]) -> str:
    """A query string as a client could send it (lone surrogates as their raw bytes)."""
    return urlencode(params, encoding="utf-8", errors="surrogatepass")


def assert_fhir_answer(response: Any, sent: Any) -> Any:
    assert response.status_code < 500, (response.status_code, sent, response.text[:2000])
    assert response.mimetype == FHIR, (response.status_code, response.mimetype, sent)
    body = json.loads(response.get_data(as_text=True))
    if response.status_code >= 400:
        assert body["resourceType"] == "OperationOutcome", body
        assert body["issue"] and body["issue"][0]["severity"] in ("error", "fatal"), body
    return body


@pytest.fixture
def seeded(fhir) -> dict[str, str]:
    """A patient and an observation to search, include and overwrite."""
    patient_id = fhir.create(patient())["id"]
    observation_id = fhir.create(observation(patient_id))["id"]
    return {"Patient": patient_id, "Observation": observation_id}


def fuzz_settings(share: float = 1.0) -> settings:
    """The loaded profile's settings, with `share` of its examples."""
    return settings(max_examples=max(1, int(settings.default.max_examples * share)))


def test_resource_bodies_never_error(fhir, seeded):
    """POST and PUT of hostile bodies: a 2xx stored a resource of the type asked for,
    anything else is a 4xx OperationOutcome."""

    @fuzz_settings(2)
    @given(body=raw_bodies(seeded["Patient"]), kind=st.sampled_from(TYPES), put=st.booleans())
    def run(body: bytes, kind: str, put: bool) -> None:
        if put:
            response = fhir.client.put(
                f"/fhir/{kind}/{seeded.get(kind, 'fuzz-1')}", data=body, headers=_sending(fhir)
            )
        else:
            response = fhir.client.post(f"/fhir/{kind}", data=body, headers=_sending(fhir))
        answer = assert_fhir_answer(response, body[:500])
        if response.status_code < 300:
            assert answer["resourceType"] == kind and answer["id"], answer
            again = fhir.get(f"{kind}/{answer['id']}")
            assert again.status_code == 200 and again.json["resourceType"] == kind
            assert "\x00" not in again.get_data(as_text=True)

    run()


def _sending(fhir: Any) -> dict[str, str]:
    return {**fhir.headers, "Content-Type": FHIR}


@st.composite
def bundles(draw: st.DrawFn, patient_id: str) -> dict[str, Any]:
    entries = []
    for _ in range(draw(st.integers(0, 5))):
        resource = draw(resources(patient_id))
        method = draw(st.sampled_from(["POST", "PUT", "GET", "DELETE", "PATCH", "", None]))
        kind = resource.get("resourceType", "Patient")
        url = draw(
            st.sampled_from(
                [
                    str(kind),
                    f"{kind}/fuzz-2",
                    f"Patient/{patient_id}",
                    f"Patient?_id={patient_id}",
                    "Observation?subject=Patient/" + patient_id,
                    "",
                    "../metadata",
                    "http://elsewhere.example/fhir/Patient/1",
                ]
            )
            | st.text(max_size=20)
        )
        entry: dict[str, Any] = {
            "fullUrl": draw(st.sampled_from(["urn:uuid:0c1d7bb8-7f26-4a47-8d2c-1", None]))
            or f"urn:uuid:{draw(st.uuids())}",
            "resource": resource,
            "request": {"method": method, "url": url},
        }
        if entries and "subject" in resource and draw(st.booleans()):  # refer within it
            resource["subject"] = {"reference": draw(st.sampled_from(entries))["fullUrl"]}
        if draw(st.booleans()):
            entry[draw(FIELD_NAMES)] = draw(json_values)
        entries.append(entry)
    bundle = {
        "resourceType": "Bundle",
        "type": draw(st.sampled_from(["batch", "transaction", "collection", "searchset", "x"])),
        "entry": entries,
    }
    if draw(st.booleans()):
        bundle[draw(FIELD_NAMES)] = draw(json_values)
    return bundle


def test_bundles_never_error(fhir, seeded):
    """Batches and transactions of hostile entries: the bundle answers 2xx or 4xx, and
    each entry's own response names a status."""

    @fuzz_settings()
    @given(bundle=bundles(seeded["Patient"]))
    def run(bundle: dict[str, Any]) -> None:
        response = fhir.post("", bundle)
        answer = assert_fhir_answer(response, bundle)
        if response.status_code < 300:
            assert answer["resourceType"] == "Bundle", answer
            assert answer["type"] == bundle["type"] + "-response", answer
            for entry in answer.get("entry", []):
                assert entry["response"]["status"][:3].isdigit(), entry
                assert not entry["response"]["status"].startswith("5"), entry

    run()


# fmt: off
MODIFIERS = (
    "", ":exact", ":contains", ":missing", ":not", ":text", ":above", ":below", ":in",
    ":identifier", ":Patient", ":of-type", ":iterate", ":", "::", ":x",
)
PREFIXES = ("", "eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap", "zz")
SPECIAL = (
    "_count", "_offset", "_sort", "_include", "_revinclude", "_summary", "_elements",
    "_total", "_id", "_lastUpdated", "_tag", "_security", "_profile", "_has", "_type",
    "_since", "_at", "_format", "_contained", "_list", "_text", "_content", "_filter",
)
# fmt: on
# fmt: off
SAMPLE_VALUES = [
    "2026", "2026-03", "2026-03-04", "2026-03-04T10:00:00Z", "2026-13-45", "1e400", "-1",
    "0", "99999999999999999999", "NaN", "5.4|http://unitsofmeasure.org|mg",
    "http://loinc.org|8867-4", "|8867-4", "http://loinc.org|", "|", "Patient/1", "Patient/",
    "true", "false", "count", "Observation:subject", "*", "Patient:*",
    "Observation:patient:Patient", "-_lastUpdated", "name,-birthdate", ",", "a\\,b",
    "subject:Patient.name", "Observation:patient:code", "\x00", "%", "_", "²", "١٢", "1" * 5000,
]
# fmt: on
VALUES = st.sampled_from(SAMPLE_VALUES) | st.sampled_from(NASTY_TEXT[:-1]) | st.text(max_size=30)


NUMBERS = st.sampled_from(
    ["0", "1", "20", "-1", "1.5", "1e3", " 1", "", "²", "١٢", "99999999999999999999", "1" * 5000]
) | st.integers(0, 10**30).map(str)
PAGING = ("_count", "_offset")


def value_for(draw: st.DrawFn, name: str) -> str:
    """Numbers of every spelling for paging parameters, anything for the others."""
    if name in PAGING:
        return draw(NUMBERS)
    return draw(st.sampled_from(PREFIXES)) + draw(VALUES)


@st.composite
def search_params(draw: st.DrawFn) -> list[tuple[str, str]]:
    kind = draw(st.sampled_from(TYPES))
    known = [p.name for p in DEFINITIONS.get(kind, ())]
    params = []
    for _ in range(draw(st.integers(0, 5))):
        name = draw(
            st.sampled_from(PAGING)
            | st.sampled_from(SPECIAL)
            | st.sampled_from(known)
            | st.text(max_size=12)
        )
        if name not in PAGING and draw(st.booleans()):
            name += draw(st.sampled_from(MODIFIERS))
        if draw(st.integers(0, 5)) == 0:
            name = f"{name}.{draw(st.sampled_from(known or ['name']))}"  # a chain
        params.append((name, value_for(draw, name)))
    return [("_type", kind), *params]


def test_search_parameters_never_error(fhir, seeded):
    """Any parameter, modifier, prefix and value on several types (GET and POST
    _search): a searchset Bundle or a 4xx OperationOutcome."""

    @fuzz_settings(2)
    @given(params=search_params(), post=st.booleans())
    def run(params: list[tuple[str, str]], post: bool) -> None:
        kind, query = params[0][1], encoded(params[1:])
        if post:
            form = {**fhir.headers, "Content-Type": "application/x-www-form-urlencoded"}
            response = fhir.client.post(f"/fhir/{kind}/_search", data=query, headers=form)
        else:
            response = fhir.client.get(f"/fhir/{kind}?{query}", headers=fhir.headers)
        answer = assert_fhir_answer(response, params)
        if response.status_code < 300:
            assert answer["resourceType"] == "Bundle" and answer["type"] == "searchset"

    run()


@st.composite
def other_reads(draw: st.DrawFn, patient_id: str) -> tuple[str, list[tuple[str, str]]]:
    path = draw(
        st.sampled_from(
            [
                "_history",
                "Patient/_history",
                f"Patient/{patient_id}/_history",
                f"Patient/{patient_id}/$everything",
                f"Patient/{patient_id}/_history/1",
                "Observation/_history",
                f"Patient/{patient_id}/Observation",  # compartment search
                "Patient/fuzz-3/Observation",
                "",  # system search
            ]
        )
    )
    names = st.sampled_from([*PAGING, "_since", "_at", "start", "end", "_type", "_id", "code"])
    chosen = draw(st.lists(names | st.text(max_size=8), max_size=4))
    return path, [(name, value_for(draw, name)) for name in chosen]


def test_history_and_everything_never_error(fhir, seeded):
    @fuzz_settings()
    @given(read=other_reads(seeded["Patient"]))
    def run(read: tuple[str, list[tuple[str, str]]]) -> None:
        path, params = read
        response = fhir.client.get(f"/fhir/{path}?{encoded(params)}", headers=fhir.headers)
        assert_fhir_answer(response, read)

    run()


def _quoted(text: str) -> str:
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def _header(text: str) -> str:
    """`text` as the bytes a client would send in a header (no line breaks)."""
    raw = text.encode("utf-8", "surrogatepass").decode("latin-1")
    return raw.replace("\r", " ").replace("\n", " ")


@st.composite
def interactions(draw: st.DrawFn, patient_id: str) -> tuple[str, str, dict[str, str], bytes]:
    """Any method on any path shape, with odd ids, versions and conditional headers."""
    kind = draw(st.sampled_from([*TYPES, "Bundle", "Unknown", "patient", "$everything", ""]))
    ident = draw(st.sampled_from([patient_id, "fuzz-3", "-", "a" * 65, "..", "%00"]) | VALUES)
    shape = draw(st.sampled_from(["{t}", "{t}/{i}", "{t}/{i}/_history/{v}", "{t}/{i}/$everything"]))
    version = draw(NUMBERS | VALUES)
    path = shape.format(t=kind, i=_quoted(ident), v=_quoted(version))
    header = st.sampled_from(["If-None-Exist", "If-Match", "If-None-Match", "Prefer", "Accept"])
    values = (
        st.sampled_from(
            [
                f"identifier=https://custodia.dev/fhir/sid/a-number|900000001&_id={patient_id}",
                'W/"1"',
                'W/"x"',
                "*",
                "return=minimal",
                "handling=strict",
                "application/fhir+json",
                "text/html",
                "application/xml;q=0.9, */*;q=0.1",
            ]
        )
        | VALUES
    )
    headers = {name: value for name, value in draw(st.lists(st.tuples(header, values)))}
    body = draw(st.just(b"") | raw_bodies(patient_id))
    return draw(st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"])), path, headers, body


def test_interactions_never_error(fhir, seeded):
    """Reads, vreads, deletes and conditional writes with odd ids and headers."""

    @fuzz_settings()
    @given(call=interactions(seeded["Patient"]))
    def run(call: tuple[str, str, dict[str, str], bytes]) -> None:
        method, path, headers, body = call
        safe = {k: _header(v) for k, v in headers.items()}
        response = fhir.client.open(
            f"/fhir/{path}",
            method=method,
            data=body or None,
            headers={**fhir.headers, "Content-Type": FHIR, **safe},
        )
        assert_fhir_answer(response, call)

    run()


ODD_NUMBERS = ["²", "١٢", "1" * 5000, "99999999999999999999"]


@pytest.mark.parametrize("number", ODD_NUMBERS)
def test_numbers_the_fuzzers_found_are_refused_not_crashed_on(fhir, seeded, number):
    """Found by the fuzzers: "²" passed `str.isdigit` and failed `int()`, 5,000 digits
    failed `int()`, 20 digits overflowed the database: each was a 500."""
    pid = seeded["Patient"]
    for path in (
        "Patient?_count=",
        "_history?_count=",
        "_history?_offset=",
        f"Patient/{pid}/_history?_count=",
        f"Patient/{pid}/$everything?_offset=",
    ):
        body = assert_fhir_answer(fhir.get(path + number), path)
        if body["resourceType"] == "OperationOutcome":
            assert "whole number" in body["issue"][0]["diagnostics"], body
    assert fhir.get(f"Patient/{pid}/_history/{number}").status_code == 404
    response = fhir.put(f"Patient/{pid}", {**patient(), "id": pid}, **{"If-Match": f'W/"{number}"'})
    assert response.status_code == 400 and "If-Match" in response.json["issue"][0]["diagnostics"]
    assert fhir.get(f"Patient/{pid}").json["meta"]["versionId"] == "1"  # nothing written
