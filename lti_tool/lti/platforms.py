"""Platform registrations and their deployments, keyed by issuer + client_id.

Canvas hosts every school under one issuer, so a registration is never looked up by the
issuer alone when the issuer has several (Spec: https://www.imsglobal.org/spec/lti/v1p3/#tool-deployment).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.db.models import Deployment, Registration


class RegistrationError(Exception):
    """A registration cannot be created or changed as asked."""


@dataclass(frozen=True)
class PlatformInput:
    """What an admin types to register a platform by hand."""

    issuer: str
    client_id: str
    auth_login_url: str
    auth_token_url: str
    key_set_url: str
    deployment_id: str
    name: str = ""
    auth_audience: str | None = None


def _check_url(field: str, value: str, allow_http: bool) -> str:
    """Refuse anything but an absolute http(s) URL, naming the field."""
    value = (value or "").strip()
    parts = urlsplit(value)
    schemes = {"https", "http"} if allow_http else {"https"}
    if parts.scheme not in schemes or not parts.netloc:
        wanted = "an absolute http(s) URL" if allow_http else "an absolute https URL"
        raise RegistrationError(f"{field} must be {wanted}, got {value!r}")
    return value


def guess_product(issuer: str, auth_login_url: str) -> str:
    """Canvas, Moodle or generic, from the URLs, so the service client knows the quirks."""
    if issuer.rstrip("/").endswith("canvas.instructure.com") or "/api/lti/" in auth_login_url:
        return "canvas"
    if "/mod/lti/" in auth_login_url:
        return "moodle"
    return "generic"


def add_platform(session: Session, data: PlatformInput, allow_http: bool = False) -> Registration:
    """Register a platform, or add a deployment to an existing registration of it."""
    issuer = _check_url("issuer", data.issuer, allow_http)
    client_id = (data.client_id or "").strip()
    deployment_id = (data.deployment_id or "").strip()
    if not client_id:
        raise RegistrationError("client-id must not be empty")
    if not deployment_id:
        raise RegistrationError("deployment-id must not be empty")
    login = _check_url("auth-url", data.auth_login_url, allow_http)
    token = _check_url("token-url", data.auth_token_url, allow_http)
    jwks = _check_url("jwks-url", data.key_set_url, allow_http)

    reg = find_registration(session, issuer, client_id)
    if reg is None:
        reg = Registration(
            issuer=issuer,
            client_id=client_id,
            name=data.name.strip() or urlsplit(issuer).netloc,
            auth_login_url=login,
            auth_token_url=token,
            auth_audience=data.auth_audience,
            key_set_url=jwks,
            status="active",
            product=guess_product(issuer, login),
        )
        session.add(reg)
        session.flush()
    else:
        reg.auth_login_url, reg.auth_token_url, reg.key_set_url = login, token, jwks
        if data.name.strip():
            reg.name = data.name.strip()
    if find_deployment(session, reg, deployment_id) is None:
        session.add(Deployment(registration_id=reg.id, deployment_id=deployment_id))
        session.flush()
    return reg


def find_registration(session: Session, issuer: str, client_id: str) -> Registration | None:
    """The registration for issuer + client_id, whatever its status."""
    return session.scalars(
        select(Registration).where(
            Registration.issuer == issuer, Registration.client_id == client_id
        )
    ).first()


def registrations_for_issuer(session: Session, issuer: str) -> list[Registration]:
    """Every registration under one issuer (Canvas: one per developer key)."""
    return list(session.scalars(select(Registration).where(Registration.issuer == issuer)))


def find_deployment(session: Session, reg: Registration, deployment_id: str) -> Deployment | None:
    """The deployment with that id in a registration."""
    return session.scalars(
        select(Deployment).where(
            Deployment.registration_id == reg.id, Deployment.deployment_id == deployment_id
        )
    ).first()


def list_registrations(session: Session) -> list[Registration]:
    """Every registration with its deployments, oldest first."""
    return list(session.scalars(select(Registration).order_by(Registration.id)))


def set_status(session: Session, registration_id: int, status: str) -> Registration:
    """Approve, disable or re-enable a registration."""
    if status not in ("active", "pending", "disabled"):
        raise RegistrationError(f"unknown status {status!r}")
    reg = session.get(Registration, registration_id)
    if reg is None:
        raise RegistrationError(f"no registration with id {registration_id}")
    reg.status = status
    return reg
