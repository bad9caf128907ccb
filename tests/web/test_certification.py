"""The 1EdTech LTI 1.3 certification launches: 12 refusals and 18 acceptances.

Spec: https://www.imsglobal.org/spec/lti/v1p3/cert/ §6 (known bad payloads, valid launches).
Every refusal is a 4xx page in plain words and leaves no launch, user or course behind.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from lti_tool.app import db_session
from lti_tool.db.models import Context, LaunchRecord, User
from lti_tool.lti import claims as c
from lti_tool.platform_sim.oidc import REMOVE
from lti_tool.platform_sim.store import SimStore
from tests.web.lti_flow import launch

MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
INSTITUTION = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"
# The certification suite's bad launches carry no return URL: the tool shows its own page.
NO_RETURN = {c.LAUNCH_PRESENTATION: REMOVE}


def counts(app: Flask) -> tuple[int, int, int]:
    """How many launches, users and courses the tool has stored."""
    with app.app_context():
        s = db_session()
        return (
            s.scalar(select(func.count()).select_from(LaunchRecord)) or 0,
            s.scalar(select(func.count()).select_from(User)) or 0,
            s.scalar(select(func.count()).select_from(Context)) or 0,
        )


def assert_refused(app: Flask, flow: Any, words: str) -> None:
    """A 4xx page naming the problem, and nothing stored."""
    resp = flow.launch if flow.launch is not None else flow.login
    assert 400 <= resp.status_code < 500, resp.status_code
    text = resp.get_data(as_text=True)
    assert words in text, text[:2000]
    assert "Traceback" not in text
    assert counts(app) == (0, 0, 0)


BAD_PAYLOADS: dict[str, tuple[dict[str, Any], str]] = {
    "01_no_kid": ({"header": {"kid": None}}, "no key id (kid)"),
    "02_incorrect_kid": ({"header": {"kid": "not-a-key-of-this-platform"}}, "does not list"),
    "03_wrong_lti_version": ({"claims": {c.VERSION: "1.2.0"}}, "not an LTI 1.3.0 message"),
    "04_no_lti_version": ({"claims": {c.VERSION: REMOVE}}, "not an LTI 1.3.0 message"),
    "05_invalid_lti_message": (
        {"token_options": {"replace_body": {"name": "badltilaunch"}}},
        "issuer (iss) is missing",
    ),
    "06_missing_lti_claims": (
        {
            "claims": {
                "aud": REMOVE,
                "iss": REMOVE,
                "sub": REMOVE,
                c.DEPLOYMENT_ID: REMOVE,
                c.ROLES: REMOVE,
            }
        },
        "issuer (iss) is missing",
    ),
    "07_timestamps_incorrect": ({"claims": {"iat": 11111, "exp": 22222}}, "has expired"),
    "08_message_type_missing": ({"claims": {c.MESSAGE_TYPE: REMOVE}}, "what kind of LTI message"),
    "09_role_claim_missing": ({"claims": {c.ROLES: REMOVE}}, "did not carry the user&#39;s roles"),
    "10_deployment_id_missing": ({"claims": {c.DEPLOYMENT_ID: REMOVE}}, "which deployment"),
    "11_resource_link_id_missing": (
        {"claims": {c.RESOURCE_LINK: {"title": "no id"}}},
        "resource link id",
    ),
    "12_user_sub_missing": ({"claims": {"sub": REMOVE}}, "who the user is (sub)"),
}


@pytest.mark.parametrize("case", sorted(BAD_PAYLOADS))
def test_certification_bad_payload_is_refused(
    case: str, app: Flask, client: FlaskClient, sim: SimStore
) -> None:
    """Each known-bad payload gets a 4xx page in plain words and no session."""
    options, words = BAD_PAYLOADS[case]
    options = {k: dict(v) for k, v in options.items()}
    options.setdefault("claims", {}).update(NO_RETURN)
    flow = launch(client, sim, "l1", **options)
    assert_refused(app, flow, words)


def _roles(*names: str) -> list[str]:
    """Full membership role URIs."""
    return [MEMBERSHIP + n for n in names]


def valid_variants(main: str, short: str) -> dict[str, dict[str, Any]]:
    """The nine valid launch variants for one role."""
    pii_gone = {"name": REMOVE, "given_name": REMOVE, "family_name": REMOVE, "email": REMOVE}
    return {
        "plain": {c.ROLES: _roles(main)},
        "multiple_roles": {c.ROLES: [*_roles(main, "Mentor"), INSTITUTION + "Staff"]},
        "short_role": {c.ROLES: [short]},
        "unknown_role": {c.ROLES: [*_roles(main), "http://example.com/roles#Wizard"]},
        "no_role": {c.ROLES: [""]},
        "email_only": {
            c.ROLES: _roles(main),
            "name": REMOVE,
            "given_name": REMOVE,
            "family_name": REMOVE,
        },
        "names_only": {c.ROLES: _roles(main), "email": REMOVE},
        "no_pii": {c.ROLES: _roles(main), **pii_gone},
        "email_without_context": {
            c.ROLES: _roles(main),
            "name": REMOVE,
            "given_name": REMOVE,
            "family_name": REMOVE,
            c.CONTEXT: REMOVE,
            c.AGS_ENDPOINT: REMOVE,
            c.NRPS_SERVICE: REMOVE,
        },
    }


VALID = [
    (who, name, claims)
    for who, main, short in (
        ("instructor", "Instructor", "Instructor"),
        ("learner", "Learner", "Learner"),
    )
    for name, claims in valid_variants(main, short).items()
]


@pytest.mark.parametrize(("who", "variant", "claims"), VALID, ids=[f"{w}-{n}" for w, n, _ in VALID])
def test_certification_valid_launch_lands(
    who: str, variant: str, claims: dict[str, Any], client: FlaskClient, sim: SimStore
) -> None:
    """Each of the 18 valid launches lands on the home page with the right role.

    An unknown or empty role gets the least privilege (learner); short role names count
    like the full URIs.
    """
    user = "t1" if who == "instructor" else "l1"
    flow = launch(client, sim, user, claims=claims)
    assert flow.launch is not None and flow.launch.status_code == 302, flow.launch.get_data(
        as_text=True
    )
    page = client.get(f"/home?ltik={flow.ltik}", follow_redirects=True)
    assert page.status_code == 200
    expected = "learner" if variant == "no_role" else who
    assert f"({expected})" in page.get_data(as_text=True)
    if variant == "email_without_context":
        assert "did not come from a course" in page.get_data(as_text=True)


# --- the gaps pylti1p3 leaves open, each closed --------------------------------------------


def test_gap_replayed_id_token_and_state_is_refused(
    app: Flask, client: FlaskClient, sim: SimStore
) -> None:
    """The same id_token and state posted twice: the second is refused (state is single use)."""
    flow = launch(client, sim, "l1")
    assert flow.launch is not None and flow.launch.status_code == 302
    again = client.post("/lti/launch", data=flow.form)
    assert again.status_code == 403
    assert "expired or was already used" in again.get_data(as_text=True)
    assert counts(app)[0] == 1


def test_gap_replayed_id_token_with_a_fresh_state_is_refused(
    client: FlaskClient, sim: SimStore
) -> None:
    """An old id_token posted with the state of a new login fails on the nonce."""
    first = launch(client, sim, "l1")
    assert first.launch is not None and first.launch.status_code == 302
    from tests.web.lti_flow import login

    _, second_form = login(client, sim, "l1")
    forged = {"id_token": first.form["id_token"], "state": second_form["state"]}
    resp = client.post("/lti/launch", data=forged)
    # The old token is genuine, so the refusal goes back to the LMS with the reason.
    assert resp.status_code == 302
    assert "/return?lti_errormsg=" in resp.headers["Location"]
    assert "nonce" in resp.headers["Location"]


def test_gap_missing_exp_is_refused(app: Flask, client: FlaskClient, sim: SimStore) -> None:
    """A token with no exp is refused (pylti1p3 accepts it)."""
    flow = launch(client, sim, "l1", claims={"exp": REMOVE, **NO_RETURN})
    assert_refused(app, flow, "no &#39;exp&#39; claim")


def test_gap_missing_iat_is_refused(app: Flask, client: FlaskClient, sim: SimStore) -> None:
    """A token with no iat is refused."""
    flow = launch(client, sim, "l1", claims={"iat": REMOVE, **NO_RETURN})
    assert_refused(app, flow, "no &#39;iat&#39; claim")


def test_gap_stale_iat_is_refused(app: Flask, client: FlaskClient, sim: SimStore) -> None:
    """A token issued a day ago (but not yet expired) is refused as too old."""
    now = int(time.time())
    flow = launch(client, sim, "l1", claims={"iat": now - 86400, "exp": now + 600, **NO_RETURN})
    assert_refused(app, flow, "too old")


def test_gap_clock_leeway_tolerates_small_skew(client: FlaskClient, sim: SimStore) -> None:
    """A token issued 30 s in the future passes with the default 60 s leeway."""
    now = int(time.time())
    flow = launch(client, sim, "l1", claims={"iat": now + 30})
    assert flow.launch is not None and flow.launch.status_code == 302


def test_gap_clock_leeway_is_configurable(app: Flask, client: FlaskClient, sim: SimStore) -> None:
    """With the leeway set to 5 s, a token 30 s in the future is refused."""
    app.config["CLOCK_LEEWAY_SECONDS"] = 5
    now = int(time.time())
    flow = launch(client, sim, "l1", claims={"iat": now + 30, **NO_RETURN})
    assert_refused(app, flow, "issued in the future")


def test_gap_aud_list_with_matching_azp_is_accepted(client: FlaskClient, sim: SimStore) -> None:
    """aud may be a list that contains the client_id, with azp naming it."""
    flow = launch(client, sim, "l1", claims={"aud": ["someone-else", "tool-1"], "azp": "tool-1"})
    assert flow.launch is not None and flow.launch.status_code == 302


def test_gap_aud_list_without_azp_is_refused(
    app: Flask, client: FlaskClient, sim: SimStore
) -> None:
    """Several audiences and no azp: refused."""
    flow = launch(
        client, sim, "l1", claims={"aud": ["someone-else", "tool-1"], "azp": REMOVE, **NO_RETURN}
    )
    assert_refused(app, flow, "no authorized party (azp)")


def test_gap_wrong_azp_is_refused(app: Flask, client: FlaskClient, sim: SimStore) -> None:
    """azp naming another client is refused (pylti1p3 ignores it)."""
    flow = launch(client, sim, "l1", claims={"azp": "someone-else", **NO_RETURN})
    assert_refused(app, flow, "authorized party (azp) is not")


def test_gap_aud_without_client_id_is_refused(
    app: Flask, client: FlaskClient, sim: SimStore
) -> None:
    """An audience that does not include this tool is refused."""
    flow = launch(client, sim, "l1", claims={"aud": ["someone-else"], "azp": REMOVE, **NO_RETURN})
    assert_refused(app, flow, "addressed to another tool")


def test_gap_malformed_aud_list_is_a_4xx_not_a_500(
    app: Flask, client: FlaskClient, sim: SimStore
) -> None:
    """aud=[other, client] made pylti1p3 raise a bare Exception; a malformed aud here is a 403."""
    flow = launch(client, sim, "l1", claims={"aud": [1, {"x": 2}], **NO_RETURN})
    assert_refused(app, flow, "audience (aud) is missing or malformed")


@pytest.mark.parametrize(("alg", "key"), [("HS256", "shared-secret-guess"), ("none", None)])
def test_gap_only_rs256_is_accepted(
    alg: str, key: str | None, app: Flask, client: FlaskClient, sim: SimStore
) -> None:
    """alg=none and HS256 tokens are refused before any key is looked at."""
    flow = launch(client, sim, "l1", token_options={"alg": alg, "key": key}, claims=NO_RETURN)
    assert_refused(app, flow, "requires RS256")


def test_gap_unknown_kid_triggers_one_refetch(client: FlaskClient, sim: SimStore) -> None:
    """After the platform rotates its key, the new kid is found by refetching the key set."""
    first = launch(client, sim, "l1")
    assert first.launch is not None and first.launch.status_code == 302
    fetched = sim.jwks_requests
    sim.rotate_key()
    second = launch(client, sim, "l1")
    assert second.launch is not None and second.launch.status_code == 302
    assert sim.jwks_requests == fetched + 1


def test_gap_refetch_on_unknown_kid_is_rate_limited(
    app: Flask, client: FlaskClient, sim: SimStore
) -> None:
    """A stream of unknown kids causes at most one refetch per interval."""
    first = launch(client, sim, "l1")
    assert first.launch is not None and first.launch.status_code == 302
    fetched = sim.jwks_requests
    for n in range(3):
        flow = launch(client, sim, "l1", header={"kid": f"forged-{n}"}, claims=NO_RETURN)
        assert flow.launch is not None and flow.launch.status_code == 403
    assert sim.jwks_requests == fetched + 1


def test_gap_unknown_deployment_is_refused_with_what_to_do(
    app: Flask, client: FlaskClient, sim: SimStore
) -> None:
    """A deployment nobody allowed is refused, naming it and the command that allows it."""
    flow = launch(client, sim, "l1", claims={c.DEPLOYMENT_ID: "dep-unknown", **NO_RETURN})
    assert_refused(app, flow, "not set up for deployment &#39;dep-unknown&#39;")
    assert "lti-tool platform add" in flow.launch.get_data(as_text=True)


def test_refusal_with_return_url_goes_back_to_the_lms(
    app: Flask, client: FlaskClient, sim: SimStore
) -> None:
    """A verified launch that is refused returns to the LMS with lti_errormsg."""
    flow = launch(client, sim, "l1", claims={c.DEPLOYMENT_ID: "dep-unknown"})
    assert flow.launch is not None and flow.launch.status_code == 302
    location = flow.launch.headers["Location"]
    assert location.startswith(sim.base_url + "/courses/c1/return?lti_errormsg=")
    assert counts(app) == (0, 0, 0)


def test_signature_by_another_key_is_refused(
    app: Flask, client: FlaskClient, sim: SimStore
) -> None:
    """A token signed by a key that is not the platform's, under the platform's kid, fails."""
    from lti_tool.platform_sim.store import new_platform_key

    other = new_platform_key()
    flow = launch(client, sim, "l1", token_options={"key": other.private_pem}, claims=NO_RETURN)
    assert_refused(app, flow, "signature does not match")
