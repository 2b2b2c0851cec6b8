from tests.helpers import last_event


def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json == {"status": "ok", "database": "ok"}


def test_login_and_dashboard(client, make):
    make.facility()
    user = make.login(client, role="officer")
    r = client.get("/dashboard")
    assert r.status_code == 200, r.text
    assert "Officer dashboard" in r.text
    assert last_event("core:auth:login", subject_id=str(user.id)).outcome == "success"


def test_api_facilities(client, make):
    facility = make.facility()
    r = client.get("/api/v1/facilities", headers=make.headers("officer"))
    assert r.status_code == 200
    assert facility.code in [f["code"] for f in r.json["items"]]
