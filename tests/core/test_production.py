"""Production hygiene: absolute URLs only for trusted host names (an unchecked `Host`
is a 400), X-Forwarded-* believed only behind a configured proxy, one rate-limit store
shared by every worker, and client request ids validated or replaced."""

from __future__ import annotations

import logging
import os
import re
import uuid

import pytest
import redis

from tests.conftest import PRODUCTION_HOSTS, PRODUCTION_OVERRIDES, PRODUCTION_STORE, make_app
from tests.helpers import events

FHIR = "application/fhir+json"
TRUSTED = PRODUCTION_HOSTS  # records.custodia.test
GENERATED_ID = re.compile(r"[0-9a-f]{16}")
CLOSED_PORT_URL = "postgresql+psycopg://postgres@127.0.0.1:1/x"  # never connected to


@pytest.fixture
def trusted(app, monkeypatch):
    """The test app serving only TRUSTED (Flask reads TRUSTED_HOSTS on each request)."""
    monkeypatch.setitem(app.config, "TRUSTED_HOSTS", [TRUSTED])


# --- trusted hosts -------------------------------------------------------------------


def test_an_untrusted_host_is_a_400_on_every_surface(client, make, trusted):
    evil = {"Host": "evil.example"}
    api = client.get("/api/v1/facilities", headers={**evil, **make.headers("admin")})
    fhir = client.get("/fhir/metadata", headers={**evil, "Accept": FHIR})
    page = client.get("/login", headers=evil)
    assert api.status_code == 400 and api.json == {"message": "This host name is not served here."}
    assert fhir.status_code == 400 and fhir.mimetype == FHIR
    assert fhir.json["issue"][0]["diagnostics"] == "This host name is not served here."
    assert page.status_code == 400 and page.mimetype == "text/plain"
    for response in (api, fhir, page):
        assert "evil.example" not in response.text
        assert GENERATED_ID.fullmatch(response.headers["X-Request-ID"])
    assert client.get("/login", base_url=f"https://{TRUSTED}").status_code == 200


def test_development_serves_local_names_only(client):
    assert client.get("/healthz", base_url="http://127.0.0.1:5000").status_code == 200
    assert client.get("/healthz", base_url="http://localhost:5000").status_code == 200
    assert client.get("/healthz", headers={"Host": "custodia.lan"}).status_code == 400


def test_fhir_full_urls_use_the_trusted_host_and_ignore_forwarded_headers(client, make, trusted):
    headers = {**make.headers("clinician"), "Accept": FHIR, "Content-Type": FHIR}
    base = f"https://{TRUSTED}"
    patient = {"resourceType": "Patient", "name": [{"family": "Hostcheck", "given": ["Lee"]}]}
    created = client.post("/fhir/Patient", json=patient, headers=headers, base_url=base)
    assert created.status_code == 201, created.text
    pid = created.json["id"]
    assert created.headers["Location"] == f"{base}/fhir/Patient/{pid}/_history/1"
    forged = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "gopher"}
    bundle = client.get(
        "/fhir/Patient?family=Hostcheck", headers={**headers, **forged}, base_url=base
    ).json
    assert [e["fullUrl"] for e in bundle["entry"]] == [f"{base}/fhir/Patient/{pid}"]
    assert all(link["url"].startswith(f"{base}/fhir/Patient?") for link in bundle["link"])
    refused = client.get(
        "/fhir/Patient?family=Hostcheck", headers={**headers, "Host": "evil.example"}
    )
    assert refused.status_code == 400 and "evil.example" not in refused.text


def _metadata_url(app, **headers: str) -> tuple[int, str | None]:
    response = app.test_client().get("/fhir/metadata", headers={"Accept": FHIR, **headers})
    url = response.json.get("implementation", {}).get("url") if response.is_json else None
    return response.status_code, url


def test_forwarded_headers_are_believed_only_behind_a_configured_proxy(monkeypatch):
    proxied_headers = {
        "Host": "10.0.0.5:8000",  # the proxy's upstream address: not a public name
        "X-Forwarded-Host": TRUSTED,
        "X-Forwarded-Proto": "https",
    }
    direct = make_app(CLOSED_PORT_URL, TRUSTED_HOSTS=[TRUSTED])
    assert direct.config["PROXY_HOPS"] == 0
    assert _metadata_url(direct, **proxied_headers)[0] == 400  # Host itself is checked
    monkeypatch.setenv("CUSTODIA_PROXY_HOPS", "1")
    proxied = make_app(CLOSED_PORT_URL, TRUSTED_HOSTS=[TRUSTED])
    assert _metadata_url(proxied, **proxied_headers) == (200, f"https://{TRUSTED}/fhir")
    forged = {**proxied_headers, "X-Forwarded-Host": "evil.example"}
    assert _metadata_url(proxied, **forged)[0] == 400  # what the proxy passes is checked too


# --- one rate-limit store for every worker -------------------------------------------


def _worker(**overrides: object):
    """One gunicorn worker: an app of its own, as each worker process builds."""
    return make_app(CLOSED_PORT_URL, TESTING=False, LOCATOR_RATE_LIMIT="2/minute", **overrides)


def _locate(app, address: str) -> int:
    client = app.test_client()
    response = client.get(
        "/locator", base_url=f"https://{TRUSTED}", environ_base={"REMOTE_ADDR": address}
    )
    return response.status_code


@pytest.fixture
def redis_store() -> str:
    try:
        redis.Redis.from_url(PRODUCTION_STORE, socket_connect_timeout=1).ping()
    except redis.RedisError:
        if os.environ.get("CUSTODIA_REQUIRE_REDIS"):  # CI starts Redis: missing is a failure
            raise
        pytest.skip(f"needs Redis at {PRODUCTION_STORE} (the shared rate-limit store)")
    return PRODUCTION_STORE


def test_production_workers_share_one_rate_limit_budget_in_redis(redis_store):
    first, second = _worker(**PRODUCTION_OVERRIDES), _worker(**PRODUCTION_OVERRIDES)
    assert first.config["RATELIMIT_STORAGE_URI"] == redis_store
    address, other = (f"10.{b[0]}.{b[1]}.{b[2]}" for b in (uuid.uuid4().bytes, uuid.uuid4().bytes))
    assert [_locate(first, address), _locate(first, address)] == [200, 200]
    assert _locate(second, address) == 429  # the other worker saw the same two searches
    assert _locate(second, other) == 200  # counted per client address


def test_workers_counting_in_memory_would_each_grant_the_budget_again():
    """Why production refuses memory:// (tests/core/test_config.py): the same client
    gets the budget once per worker."""
    first, second = _worker(TRUSTED_HOSTS=[TRUSTED]), _worker(TRUSTED_HOSTS=[TRUSTED])
    assert first.config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert [_locate(first, "192.0.2.10") for _ in range(3)] == [200, 200, 429]
    assert [_locate(second, "192.0.2.10") for _ in range(3)] == [200, 200, 429]


# --- request ids ---------------------------------------------------------------------

HOSTILE_IDS = [
    "abcdefgh\n",  # a valid id and a newline: a forged log line after it
    "abcdefgh\r\nX-Injected: yes",
    "x" * 500,
    "ünïcödé-request-id",
    "req id with spaces",
    "1234567",  # too short
    "<script>alert(1)</script>",
]


@pytest.mark.parametrize("incoming", HOSTILE_IDS)
def test_a_hostile_request_id_is_replaced_everywhere_it_goes(client, make, caplog, incoming):
    user = make.user("officer")
    with caplog.at_level(logging.INFO):
        response = client.post(
            "/api/v1/facilities",
            headers=make.headers(user=user),
            environ_overrides={"HTTP_X_REQUEST_ID": incoming},  # raw, as a socket brings it
            json={"code": "NOPE"},
        )
    assert response.status_code == 403
    used = response.headers["X-Request-ID"]
    assert GENERATED_ID.fullmatch(used) and used != incoming
    [denied] = [e for e in events(actor_id=user.id) if e.outcome == "denied"]
    assert denied.request_id == used  # the audit entry keeps the id the response names
    assert incoming not in caplog.text and "X-Injected" not in caplog.text


@pytest.mark.parametrize("incoming", ["lb-7f3a9c21.0001", "A" * 64, "a_b-c.d_12"])
def test_a_sane_request_id_is_kept(client, incoming):
    response = client.get("/healthz", headers={"X-Request-ID": incoming})
    assert response.headers["X-Request-ID"] == incoming
