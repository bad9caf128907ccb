"""The LtiDeepLinkingResponse: what the certification suite checks, and the platform's limits."""

from __future__ import annotations

from typing import Any

import jwt
import pytest

from lti_tool.lti import claims as c
from lti_tool.lti.deep_linking import DeepLinkingError, ResourceLinkItem, build_response
from lti_tool.lti.keys import SigningKey
from lti_tool.platform_sim.store import new_platform_key

_KEY = new_platform_key()
KEY = SigningKey(kid=_KEY.kid, private_pem=_KEY.private_pem)
ISSUER = "https://canvas.instructure.com"
ITEM = ResourceLinkItem(
    "Fractions", "https://tool.example/lti/launch", score_maximum=4, tag="NF.1", resource_id="r1"
)


def _request(**settings: Any) -> dict[str, Any]:
    """The claims of a validated LtiDeepLinkingRequest."""
    return {
        "iss": ISSUER,
        c.MESSAGE_TYPE: "LtiDeepLinkingRequest",
        c.DEPLOYMENT_ID: "7:abc",
        c.DL_SETTINGS: {
            "deep_link_return_url": "https://lms.example/courses/1/deep_linking_response",
            "accept_types": ["ltiResourceLink"],
            "accept_multiple": False,
            "accept_lineitem": True,
            "data": "opaque-42",
            **settings,
        },
    }


def _decode(token: str) -> dict[str, Any]:
    return jwt.decode(token, KEY.private_key.public_key(), algorithms=["RS256"], audience=ISSUER)


def test_the_response_carries_what_certification_checks() -> None:
    answer = build_response(_request(), "100001", KEY, [ITEM], message="Added", now=1_000)
    assert answer.return_url.endswith("/deep_linking_response")
    assert jwt.get_unverified_header(answer.jwt)["kid"] == KEY.kid
    body = jwt.decode(
        answer.jwt,
        KEY.private_key.public_key(),
        algorithms=["RS256"],
        audience=ISSUER,
        options={"verify_exp": False, "verify_iat": False},
    )
    assert body["iss"] == "100001" and body["aud"] == [ISSUER] and body["nonce"]
    assert body["exp"] - body["iat"] == 600
    assert body[c.MESSAGE_TYPE] == "LtiDeepLinkingResponse" and body[c.VERSION] == "1.3.0"
    assert body[c.DEPLOYMENT_ID] == "7:abc" and body[c.DL_DATA] == "opaque-42"
    assert body[c.DL_MSG] == "Added"
    [item] = body[c.DL_CONTENT_ITEMS]
    assert item == {
        "type": "ltiResourceLink",
        "title": "Fractions",
        "url": "https://tool.example/lti/launch",
        "lineItem": {"scoreMaximum": 4, "label": "Fractions", "resourceId": "r1", "tag": "NF.1"},
    }


def test_no_data_in_the_request_means_none_in_the_response() -> None:
    request = _request()
    del request[c.DL_SETTINGS]["data"]
    body = _decode(build_response(request, "1", KEY, [ITEM]).jwt)
    assert c.DL_DATA not in body


def test_a_placement_without_line_items_gets_none_and_the_teacher_is_told() -> None:
    answer = build_response(_request(accept_lineitem=False), "1", KEY, [ITEM])
    [item] = _decode(answer.jwt)[c.DL_CONTENT_ITEMS]
    assert "lineItem" not in item and answer.line_item_dropped


def test_a_single_item_placement_refuses_two() -> None:
    with pytest.raises(DeepLinkingError, match="single item"):
        build_response(_request(), "1", KEY, [ITEM, ITEM])
    assert (
        len(
            _decode(build_response(_request(accept_multiple=True), "1", KEY, [ITEM, ITEM]).jwt)[
                c.DL_CONTENT_ITEMS
            ]
        )
        == 2
    )


def test_a_placement_that_takes_no_links_is_refused() -> None:
    with pytest.raises(DeepLinkingError, match="does not accept LTI links"):
        build_response(_request(accept_types=["file"]), "1", KEY, [ITEM])


@pytest.mark.parametrize(
    "claims",
    [
        {c.MESSAGE_TYPE: "LtiResourceLinkRequest"},
        {c.MESSAGE_TYPE: "LtiDeepLinkingRequest"},
        {c.MESSAGE_TYPE: "LtiDeepLinkingRequest", c.DL_SETTINGS: {"deep_link_return_url": 5}},
        {
            c.MESSAGE_TYPE: "LtiDeepLinkingRequest",
            c.DL_SETTINGS: {"deep_link_return_url": "javascript:alert(1)"},
        },
    ],
)
def test_requests_that_cannot_be_answered(claims: dict[str, Any]) -> None:
    with pytest.raises(DeepLinkingError):
        build_response({"iss": ISSUER, c.DEPLOYMENT_ID: "1", **claims}, "1", KEY, [ITEM])
