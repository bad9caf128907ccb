"""OIDC login initiation and launch validation: one chain of steps, each refusing in plain words.

Spec: https://www.imsglobal.org/spec/security/v1p0/#openid_connect_launch_flow (§5.1.1–5.1.3)
and https://www.imsglobal.org/spec/lti/v1p3/#required-message-claims.

pylti1p3 validates the LTI message (its message validators); this module closes the gaps the
library leaves (research: lti.md §1): state and nonce are single use and shared across
workers, `exp` and `iat` are required, `iat` may not be too old, `aud` may be a list that must
contain the client_id with `azp` equal to it, only RS256 is accepted, and an unknown `kid`
triggers one rate-limited refetch of the platform's keys.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from pylti1p3.exception import LtiException
from pylti1p3.message_validators import get_validators
from sqlalchemy.orm import Session

from lti_tool.db.cache import Cache
from lti_tool.lti import claims as c
from lti_tool.lti import jws
from lti_tool.lti import state as login_states
from lti_tool.lti.directory import PlatformDirectory, PlatformInfo
from lti_tool.lti.platform_keys import KeySetError, PlatformKeySets
from lti_tool.lti.platforms import registrations_for_issuer

MAX_ID_TOKEN_BYTES = 64 * 1024
# lti_storage_target names a window: "_parent", or a frame such as "post_message_forwarding".
_FRAME_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")


class LaunchError(Exception):
    """A login or launch the tool refuses; the message is shown to the person as it is."""

    status = 400

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        hint: str = "",
        return_url: str | None = None,
    ) -> None:
        """Keep a plain-words message, a status, an optional hint and the LMS's return URL."""
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.hint = hint
        # Only ever set from a token whose signature held: never redirect on unverified data.
        self.return_url = return_url


@dataclass(frozen=True)
class LaunchSettings:
    """The settings launch validation needs, lifted out of the app config."""

    base_url: str
    leeway: int
    max_token_age: int
    state_ttl: int
    # HMAC key for login states (lti.state.derive_key of the tool's secret).
    state_key: bytes = field(repr=False)

    @property
    def launch_url(self) -> str:
        """The redirect URI the tool registers and receives launches on."""
        return self.base_url + "/lti/launch"


@dataclass(frozen=True)
class LoginResult:
    """Where the browser goes next, and the state to bind to it."""

    auth_url: str
    state: str
    storage_target: str | None
    new_window_params: dict[str, str]


@dataclass(frozen=True)
class ValidatedLaunch:
    """A launch whose every check passed: the only shape raw claims leave this module in."""

    registration_id: int
    deployment_pk: int
    claims: dict[str, Any] = field(repr=False)

    @property
    def message_type(self) -> str:
        """The LTI message type."""
        return str(self.claims[c.MESSAGE_TYPE])


def begin_login(
    session: Session,
    settings: LaunchSettings,
    params: dict[str, str],
    *,
    directory: PlatformDirectory | None = None,
) -> LoginResult:
    """Answer a third-party initiated login: pick the registration, mint state and nonce.

    Nothing is written: the state is signed and carries what the launch needs, and the nonce
    is derived from it (see lti.state); the launch marks the state used, atomically, once.

    Spec: https://www.imsglobal.org/spec/security/v1p0/#step-1-third-party-initiated-login
    """
    issuer = (params.get("iss") or "").strip()
    login_hint = params.get("login_hint") or ""
    target = params.get("target_link_uri") or ""
    if not issuer:
        raise LaunchError("The login request did not say which platform it came from (iss).")
    if not login_hint:
        raise LaunchError("The login request did not carry a login_hint.")
    if not target:
        raise LaunchError("The login request did not say where to launch (target_link_uri).")
    if urlsplit(target).netloc != urlsplit(settings.base_url).netloc:
        raise LaunchError(
            "The login request asks to launch a different site than this tool "
            f"(target_link_uri {target!r}).",
            hint="Check the tool's launch URL in the LMS registration.",
        )
    directory = directory or PlatformDirectory(ttl=0)
    reg = _registration_for_login(session, directory, issuer, params.get("client_id"))
    storage_target = params.get("lti_storage_target") or None
    if storage_target and not _FRAME_NAME.fullmatch(storage_target):
        raise LaunchError("The login request's lti_storage_target is not a window or frame name.")
    login_state = login_states.mint(
        settings.state_key,
        reg.id,
        int(time.time()),
        settings.state_ttl,
        storage_target,
        _origin(reg.auth_login_url) if storage_target else None,
    )
    state = login_state.value
    nonce = login_states.nonce_for(settings.state_key, state)
    query = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": reg.client_id,
        "redirect_uri": settings.launch_url,
        "login_hint": login_hint,
        "state": state,
        "nonce": nonce,
    }
    if params.get("lti_message_hint"):
        query["lti_message_hint"] = params["lti_message_hint"]
    separator = "&" if "?" in reg.auth_login_url else "?"
    new_window = {k: v for k, v in params.items() if k != "lti_storage_target"}
    return LoginResult(
        auth_url=reg.auth_login_url + separator + urlencode(query),
        state=state,
        storage_target=storage_target,
        new_window_params=new_window,
    )


def _origin(url: str) -> str:
    """scheme://host[:port] of a URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _registration_for_login(
    session: Session, directory: PlatformDirectory, issuer: str, client_id: str | None
) -> PlatformInfo:
    """The registration a login is for: by issuer + client_id, or the issuer's only one."""
    reg: PlatformInfo | None
    if client_id:
        reg = directory.by_client(session, issuer, client_id)
    else:
        regs = registrations_for_issuer(session, issuer)
        if len(regs) > 1:
            raise LaunchError(
                f"The platform {issuer} has several registrations with this tool and the login "
                "request did not say which one (client_id)."
            )
        reg = directory.by_id(session, regs[0].id) if regs else None
    if reg is None:
        raise LaunchError(
            f"This tool is not registered with the platform {issuer}"
            + (f" for client_id {client_id}." if client_id else "."),
            status=403,
            hint="An administrator can register it with `lti-tool platform add` or through "
            "LTI Dynamic Registration.",
        )
    if reg.status == "pending":
        raise LaunchError(
            f"The registration of {reg.name or issuer} is waiting for an administrator's approval.",
            status=403,
            hint="An administrator approves it on the tool's Platforms page.",
        )
    if reg.status != "active":
        raise LaunchError(f"The registration of {reg.name or issuer} is switched off.", status=403)
    return reg


def peek_state(settings: LaunchSettings, state: str) -> login_states.LoginState | None:
    """What a login's state says, when it is genuine and current (without using it up)."""
    return login_states.read(settings.state_key, state, int(time.time()))


def validate_launch(
    session: Session,
    cache: Cache,
    keys: PlatformKeySets,
    settings: LaunchSettings,
    form: dict[str, str],
    browser_state: str | None,
    *,
    directory: PlatformDirectory | None = None,
) -> ValidatedLaunch:
    """Validate a launch POST, step by step; `browser_state` is what the browser kept at login."""
    if form.get("error"):
        raise LaunchError(
            "The platform refused to launch the tool: "
            + (form.get("error_description") or form["error"]),
            hint="Try again from the course; if it keeps happening, show this to an administrator.",
        )
    state = form.get("state") or ""
    id_token = form.get("id_token") or ""
    if not state:
        raise LaunchError("The launch did not carry a state.")
    if not id_token:
        raise LaunchError("The launch did not carry an id_token.")
    record = _take_state(cache, settings, state, browser_state)
    token = _decode_unverified(id_token)
    _check_header(token.header)
    directory = directory or PlatformDirectory(ttl=0)
    reg = directory.by_id(session, record.registration_id)
    if reg is None or not reg.active:
        raise LaunchError("The platform registration this launch began with is no longer active.")
    _check_issuer_and_audience(reg, token.payload)
    claims = _verify_signature(keys, reg, token, settings)
    _check_times(claims, settings)
    return_url = _return_url(claims)
    try:
        _check_nonce(claims, settings, record)
        deployment_pk = _check_deployment(session, directory, reg, claims)
        _check_message(claims)
    except LaunchError as exc:
        exc.return_url = return_url
        raise
    return ValidatedLaunch(registration_id=reg.id, deployment_pk=deployment_pk, claims=claims)


def _take_state(
    cache: Cache, settings: LaunchSettings, state: str, browser_state: str | None
) -> login_states.LoginState:
    """Use up the login's state: genuine, current, bound to this browser, good for one launch."""
    used_up = LaunchError(
        "This launch has expired or was already used.",
        status=403,
        hint="Open the tool again from your course.",
    )
    record = peek_state(settings, state)
    if record is None:
        raise used_up
    if browser_state is None or not secrets.compare_digest(browser_state.encode(), state.encode()):
        if cache.get(login_states.used_key(state)) is not None:
            raise used_up  # a replay after the launch, whose cookie is gone
        raise LaunchError(
            "Your browser did not keep the cookie that ties this launch to you, so the tool "
            "cannot tell that the launch is yours.",
            status=403,
            hint="Browsers block cookies inside the LMS frame; open the tool in a new window, or "
            "allow cookies for this site.",
        )
    # One atomic "add if absent": of two launches with the same state, only one gets here.
    ttl = max(1, record.expires_at - int(time.time()) + 1)
    if not cache.add(login_states.used_key(state), b"1", ttl):
        raise used_up
    return record


def _decode_unverified(id_token: str) -> jws.CompactJWS:
    """Split the JWT and read header and body; nothing in them is trusted yet."""
    if len(id_token) > MAX_ID_TOKEN_BYTES:
        raise LaunchError("The launch's id_token is too large.")
    try:
        return jws.split(id_token)
    except jws.JWSError as exc:
        raise LaunchError(f"The launch's id_token is not a valid JWT ({exc}).") from None


def _check_header(header: dict[str, Any]) -> None:
    """Only RS256, and a key id to find the key by."""
    alg = header.get("alg")
    if alg != "RS256":
        raise LaunchError(
            f"The launch was signed with {alg!r}; LTI 1.3 requires RS256.", status=403
        )
    kid = header.get("kid")
    if not kid or not isinstance(kid, str):
        raise LaunchError(
            "The launch's id_token has no key id (kid), so its signature cannot be checked.",
            status=403,
        )


def _check_issuer_and_audience(reg: PlatformInfo, body: dict[str, Any]) -> str:
    """iss is the registration's; aud contains its client_id; azp equals it when present.

    Spec: https://www.imsglobal.org/spec/security/v1p0/#authentication-response-validation
    """
    if body.get("iss") != reg.issuer:
        raise LaunchError(
            "The launch's issuer (iss) is missing or is not the platform the login came from.",
            status=403,
        )
    aud = body.get("aud")
    if isinstance(aud, str):
        audiences = [aud]
    elif isinstance(aud, list) and aud and all(isinstance(a, str) for a in aud):
        audiences = aud
    else:
        raise LaunchError("The launch's audience (aud) is missing or malformed.", status=403)
    if reg.client_id not in audiences:
        raise LaunchError(
            "The launch is addressed to another tool: its audience (aud) does not include this "
            "tool's client_id.",
            status=403,
        )
    azp = body.get("azp")
    if len(audiences) > 1 and azp is None:
        raise LaunchError(
            "The launch has several audiences but no authorized party (azp).", status=403
        )
    if azp is not None and azp != reg.client_id:
        raise LaunchError(
            "The launch's authorized party (azp) is not this tool's client_id.", status=403
        )
    return reg.client_id


def _verify_signature(
    keys: PlatformKeySets,
    reg: PlatformInfo,
    token: jws.CompactJWS,
    settings: LaunchSettings,
) -> dict[str, Any]:
    """Check the signature with the platform's key for this kid; exp and iat are required."""
    try:
        key = keys.key_for(reg, token.header["kid"])
    except KeySetError as exc:
        raise LaunchError(str(exc), status=403) from None
    try:
        jws.verify_rs256(token, key)
    except jws.JWSError:
        raise LaunchError(
            "The launch's signature does not match the platform's key.", status=403
        ) from None
    try:
        jws.check_times(token.payload, time.time(), settings.leeway)
    except jws.TimeClaimError as exc:
        raise _time_refusal(exc, settings) from None
    return token.payload


def _time_refusal(exc: jws.TimeClaimError, settings: LaunchSettings) -> LaunchError:
    """A time claim's problem, in words that say what to check."""
    if exc.problem == "missing":
        return LaunchError(
            f"The launch message has no {exc.claim!r} claim, which the tool requires.",
            status=403,
        )
    if exc.problem == "not_a_number":
        return LaunchError(f"The launch's {exc.claim!r} claim is not a number.", status=403)
    if exc.problem == "expired":
        return LaunchError(
            "The launch message has expired (exp is in the past).",
            status=403,
            hint="Check that the LMS's and the tool's clocks are right, then launch again.",
        )
    return LaunchError(
        f"The launch message was issued in the future ({exc.claim}); the clocks disagree.",
        status=403,
        hint="The tool allows a clock difference of "
        f"{settings.leeway} seconds (LTI_TOOL_CLOCK_LEEWAY_SECONDS).",
    )


def _check_times(claims: dict[str, Any], settings: LaunchSettings) -> None:
    """Refuse a token issued longer ago than the configured age."""
    iat = claims["iat"]
    if not isinstance(iat, int | float):
        raise LaunchError("The launch's issued-at time (iat) is not a number.", status=403)
    if time.time() - iat > settings.max_token_age + settings.leeway:
        raise LaunchError(
            "The launch message is too old (its iat is more than "
            f"{settings.max_token_age} seconds ago).",
            status=403,
            hint="Open the tool again from your course.",
        )


def _check_nonce(
    claims: dict[str, Any], settings: LaunchSettings, record: login_states.LoginState
) -> None:
    """The nonce is the one the tool derived for this login's state.

    It is single use because its state is: the state was marked used, atomically, before
    any of this ran, and a replay under a fresh state finds a different nonce.
    """
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not nonce:
        raise LaunchError("The launch has no nonce.", status=403)
    expected = login_states.nonce_for(settings.state_key, record.value)
    if not secrets.compare_digest(nonce.encode(), expected.encode()):
        raise LaunchError("The launch's nonce is not the one this login issued.", status=403)


def _check_deployment(
    session: Session, directory: PlatformDirectory, reg: PlatformInfo, claims: dict[str, Any]
) -> int:
    """The deployment must be one an administrator has allowed; returns its primary key."""
    deployment_id = claims.get(c.DEPLOYMENT_ID)
    if not isinstance(deployment_id, str) or not deployment_id:
        raise LaunchError("The launch did not say which deployment it is for (deployment_id).")
    reg, deployment_pk = directory.deployment_pk(session, reg, deployment_id)
    if deployment_pk is None:
        raise LaunchError(
            f"This tool is not set up for deployment {deployment_id!r} of "
            f"{reg.name or reg.issuer}.",
            status=403,
            hint="An administrator can allow it with: lti-tool platform add "
            f"--issuer {reg.issuer} --client-id {reg.client_id} --deployment-id {deployment_id} "
            "(with the platform's URLs), or on the tool's Platforms page.",
        )
    return deployment_pk


# pylti1p3's messages, in words a teacher can act on.
_MESSAGE_WORDS = {
    "Must have a user (sub)": "The launch did not say who the user is (sub).",
    "Incorrect version, expected 1.3.0": "The launch is not an LTI 1.3.0 message (version).",
    "Missing Roles Claim": "The launch did not carry the user's roles.",
    "Missing Resource Link Id": "The launch did not carry a resource link id.",
}


def _check_message(claims: dict[str, Any]) -> None:
    """The LTI message itself, by pylti1p3's validators for its message type."""
    message_type = claims.get(c.MESSAGE_TYPE)
    if not message_type:
        raise LaunchError("The launch did not say what kind of LTI message it is (message_type).")
    if message_type not in (c.MessageType.RESOURCE_LINK, c.MessageType.DEEP_LINKING):
        raise LaunchError(f"This tool does not handle {message_type!r} messages.")
    if not isinstance(claims.get(c.ROLES), list) and c.ROLES in claims:
        raise LaunchError("The launch's roles claim is not a list.")
    for validator in get_validators():
        if validator.can_validate(claims):
            try:
                validator.validate(claims)
            except LtiException as exc:
                text = str(exc)
                raise LaunchError(
                    _MESSAGE_WORDS.get(text, f"The launch is not valid: {text}.")
                ) from None
            except (AttributeError, TypeError):
                raise LaunchError("The launch message has a claim of the wrong shape.") from None
            break
    context = claims.get(c.CONTEXT)
    if context is not None and not (
        isinstance(context, dict) and isinstance(context.get("id"), str)
    ):
        raise LaunchError("The launch's context claim is malformed.")
    if not isinstance(claims.get("sub"), str):
        raise LaunchError("The launch did not say who the user is (sub).")


def _return_url(claims: dict[str, Any]) -> str | None:
    """The LMS's return URL from a verified token, when it is an absolute http(s) URL."""
    presentation = claims.get(c.LAUNCH_PRESENTATION)
    if not isinstance(presentation, dict):
        return None
    url = presentation.get("return_url")
    if isinstance(url, str) and urlsplit(url).scheme in ("http", "https"):
        return url
    return None
