"""Dynamic registration: fetch the platform's configuration, register, await an admin's approval."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

import requests
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lti_tool.db.base import utcnow
from lti_tool.db.models import Deployment, PendingRegistration, Registration
from lti_tool.lti.platforms import find_deployment, find_registration
from lti_tool.lti.registration import (
    DynamicRegistrationError,
    fetch_platform_configuration,
    parse_platform_configuration,
    post_registration,
    tool_registration_request,
)

PENDING_TTL = timedelta(hours=1)


@dataclass(frozen=True)
class RegistrationOffer:
    """What the LMS admin is asked to confirm."""

    token: str
    issuer: str
    product: str
    scopes: tuple[str, ...]


def begin(
    session: Session,
    http: requests.Session,
    openid_configuration: str,
    registration_token: str | None,
    allow_http: bool,
    timeout: float,
) -> RegistrationOffer:
    """Fetch the platform's configuration and keep it until the LMS admin confirms."""
    if not openid_configuration:
        raise DynamicRegistrationError(
            "This address is the tool's registration URL: paste it into your LMS's "
            "'register a tool by URL' (LTI Advantage) form; the LMS adds what it needs."
        )
    config = fetch_platform_configuration(
        http, openid_configuration, registration_token, allow_http, timeout
    )
    session.execute(
        delete(PendingRegistration).where(PendingRegistration.created_at < utcnow() - PENDING_TTL)
    )
    pending = PendingRegistration(
        token=secrets.token_urlsafe(32),
        openid_configuration_url=openid_configuration,
        openid_configuration={"config": config.raw, "registration_token": registration_token},
    )
    session.add(pending)
    session.flush()
    scopes = config.raw.get("scopes_supported") or []
    return RegistrationOffer(
        token=pending.token,
        issuer=config.issuer,
        product=config.product,
        scopes=tuple(s for s in scopes if isinstance(s, str)),
    )


def complete(
    session: Session,
    http: requests.Session,
    base_url: str,
    token: str,
    allow_http: bool,
    timeout: float,
) -> Registration:
    """Send the tool's registration and record it as pending an admin's approval."""
    pending = session.scalars(
        select(PendingRegistration).where(PendingRegistration.token == token)
    ).first()
    if pending is None or pending.created_at < utcnow() - PENDING_TTL:
        raise DynamicRegistrationError(
            "This registration has expired. Start it again from your LMS."
        )
    stored = pending.openid_configuration
    config = parse_platform_configuration(stored["config"], allow_http)
    answer = post_registration(
        http,
        config,
        tool_registration_request(base_url, config),
        stored.get("registration_token"),
        timeout,
    )
    reg = find_registration(session, config.issuer, answer.client_id)
    if reg is None:
        reg = Registration(
            issuer=config.issuer,
            client_id=answer.client_id,
            name=config.product.title() if config.product != "generic" else config.issuer,
            status="pending",
        )
        session.add(reg)
    reg.auth_login_url = config.authorization_endpoint
    reg.auth_token_url = config.token_endpoint
    reg.auth_audience = config.audience
    reg.key_set_url = config.jwks_uri
    reg.product = config.product
    reg.registration_details = {"platform": config.raw, "answer": answer.raw}
    session.flush()
    if answer.deployment_id and find_deployment(session, reg, answer.deployment_id) is None:
        session.add(Deployment(registration_id=reg.id, deployment_id=answer.deployment_id))
    session.delete(pending)
    session.flush()
    return reg
