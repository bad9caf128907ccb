"""`lti-tool platform add/list/approve` and `lti-tool keys rotate`."""

from __future__ import annotations

from collections.abc import Callable

from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient

CANVAS = [
    "--issuer", "https://canvas.instructure.com",
    "--auth-url", "https://sso.canvaslms.com/api/lti/authorize_redirect",
    "--token-url", "https://sso.canvaslms.com/login/oauth2/token",
    "--jwks-url", "https://sso.canvaslms.com/api/lti/security/jwks",
]  # fmt: skip


def test_platform_add_then_list(cli: Callable[..., Result]) -> None:
    """A registration by hand is listed with its deployment and guessed product."""
    out = cli(
        "platform",
        "add",
        *CANVAS,
        "--client-id",
        "10000000000001",
        "--deployment-id",
        "1:abc",
        "--name",
        "District Canvas",
    )
    assert out.exit_code == 0, out.output
    assert "Registered District Canvas" in out.output
    assert "https://tool.example.edu/lti/login" in out.output
    listed = cli("platform", "list")
    assert (
        "canvas" in listed.output and "10000000000001" in listed.output and "1:abc" in listed.output
    )


def test_same_issuer_two_client_ids_are_two_registrations(cli: Callable[..., Result]) -> None:
    """Canvas tenants share one issuer: each client_id is its own registration."""
    cli("platform", "add", *CANVAS, "--client-id", "A", "--deployment-id", "1")
    cli("platform", "add", *CANVAS, "--client-id", "B", "--deployment-id", "1")
    cli("platform", "add", *CANVAS, "--client-id", "A", "--deployment-id", "2")
    listed = cli("platform", "list").output
    assert listed.count("https://canvas.instructure.com") == 2
    assert "deployments: 1, 2" in listed


def test_platform_add_refuses_bad_urls_with_exit_2(cli: Callable[..., Result]) -> None:
    """A malformed URL names the field and exits 2, storing nothing."""
    out = cli("platform", "add", "--issuer", "canvas", "--client-id", "x", "--auth-url", "x",
              "--token-url", "x", "--jwks-url", "x", "--deployment-id", "1")  # fmt: skip
    assert out.exit_code == 2
    assert "issuer must be an absolute https URL" in out.output
    assert "No platforms registered" in cli("platform", "list").output


def test_approve_unknown_registration(cli: Callable[..., Result]) -> None:
    """Approving a registration that does not exist is a clear usage error."""
    out = cli("platform", "approve", "999")
    assert out.exit_code == 2 and "no registration with id 999" in out.output


def test_keys_rotate_keeps_old_key_published(
    cli: Callable[..., Result], client: FlaskClient, app: Flask
) -> None:
    """After a rotation the JWKS lists the new key first and still the old one."""
    first = client.get("/.well-known/jwks.json").json["keys"]
    assert len(first) == 1
    out = cli("keys", "rotate")
    assert out.exit_code == 0 and "stays in the JWKS until" in out.output
    after = client.get("/.well-known/jwks.json").json["keys"]
    assert [k["kid"] for k in after][1:] == [first[0]["kid"]]
    assert after[0]["kid"] != first[0]["kid"]


def test_jwks_serves_public_keys_only(client: FlaskClient) -> None:
    """No private member of an RSA JWK (d, p, q, dp, dq, qi) is ever published."""
    keys = client.get("/.well-known/jwks.json").json["keys"]
    for key in keys:
        assert set(key) == {"kty", "n", "e", "kid", "alg", "use"}


def test_retired_key_drops_out_after_the_overlap(
    cli: Callable[..., Result], client: FlaskClient, app: Flask
) -> None:
    """With no overlap, a rotated-out key leaves the JWKS at once."""
    client.get("/.well-known/jwks.json")
    import os

    os.environ["LTI_TOOL_KEY_ROTATION_OVERLAP_DAYS"] = "0"
    try:
        cli("keys", "rotate")
    finally:
        del os.environ["LTI_TOOL_KEY_ROTATION_OVERLAP_DAYS"]
    assert len(client.get("/.well-known/jwks.json").json["keys"]) == 1


def test_private_keys_are_encrypted_at_rest(client: FlaskClient, app: Flask) -> None:
    """The stored private key is not PEM text, and only the app's secret opens it."""
    import pytest
    from sqlalchemy import select

    from lti_tool.app import db_session
    from lti_tool.db.models import ToolKey
    from lti_tool.secretbox import SecretBox, SecretBoxError

    client.get("/.well-known/jwks.json")
    with app.app_context():
        row = db_session().scalars(select(ToolKey)).one()
        assert b"PRIVATE KEY" not in row.private_key_encrypted
        assert b"PRIVATE KEY" in app.extensions["secretbox"].open(row.private_key_encrypted)
        with pytest.raises(SecretBoxError):
            SecretBox("another-secret-entirely").open(row.private_key_encrypted)
