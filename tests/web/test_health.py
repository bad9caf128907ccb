"""`/healthz` reports the database and cache."""

from flask.testing import FlaskClient


def test_healthz_ok(client: FlaskClient) -> None:
    """A running app with its database answers 200 and says each check is ok."""
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.json == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}


def test_unknown_path_is_a_plain_404_page(client: FlaskClient) -> None:
    """An unknown path gets the tool's own error page, not a traceback."""
    resp = client.get("/no/such/page")
    assert resp.status_code == 404
    assert b"Not Found" in resp.data
