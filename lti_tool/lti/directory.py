"""Active platform registrations and their deployments, kept briefly in each process.

Every login and launch needs its registration and deployment; reading them from the database
each time was a third of a launch's statements. An active registration is kept for
REGISTRATION_CACHE_SECONDS (default 10 s) in the worker's memory, so switching a registration
or deployment off takes effect within that time in every worker (at once in the worker that
made the change). Anything not active (unknown, pending, disabled) is always read afresh, so
an admin's approval or a newly allowed deployment works on the very next launch.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.db.models import Deployment, Registration


@dataclass(frozen=True)
class PlatformInfo:
    """What a login and a launch need to know of a registration; detached from any session."""

    id: int
    issuer: str
    client_id: str
    name: str
    status: str
    auth_login_url: str
    key_set_url: str | None
    key_set: dict[str, Any] | None = field(repr=False)
    # deployment_id -> primary key, for the active deployments only.
    deployments: Mapping[str, int] = field(repr=False)

    @property
    def active(self) -> bool:
        """True when the registration may launch."""
        return self.status == "active"


def _info(reg: Registration, session: Session) -> PlatformInfo:
    """Snapshot a registration row with its active deployments."""
    deployments = {
        dep_id: pk
        for pk, dep_id in session.execute(
            select(Deployment.id, Deployment.deployment_id).where(
                Deployment.registration_id == reg.id, Deployment.active.is_(True)
            )
        )
    }
    return PlatformInfo(
        id=reg.id,
        issuer=reg.issuer,
        client_id=reg.client_id,
        name=reg.name,
        status=reg.status,
        auth_login_url=reg.auth_login_url,
        key_set_url=reg.key_set_url,
        key_set=reg.key_set,
        deployments=deployments,
    )


class PlatformDirectory:
    """Looks registrations up by issuer + client_id or by id, keeping active ones for `ttl` s."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        """A ttl of 0 turns the cache off: every lookup reads the database."""
        self._ttl = ttl
        self._clock = clock
        self._by_id: dict[int, tuple[float, PlatformInfo]] = {}
        self._by_client: dict[tuple[str, str], int] = {}

    def by_client(self, session: Session, issuer: str, client_id: str) -> PlatformInfo | None:
        """The registration for issuer + client_id, whatever its status."""
        reg_id = self._by_client.get((issuer, client_id))
        if reg_id is not None:
            hit = self._fresh(reg_id)
            if hit is not None:
                return hit
        reg = session.scalars(
            select(Registration).where(
                Registration.issuer == issuer, Registration.client_id == client_id
            )
        ).first()
        return None if reg is None else self._remember(_info(reg, session))

    def by_id(self, session: Session, registration_id: int) -> PlatformInfo | None:
        """The registration with this primary key, whatever its status."""
        hit = self._fresh(registration_id)
        if hit is not None:
            return hit
        reg = session.get(Registration, registration_id)
        return None if reg is None else self._remember(_info(reg, session))

    def deployment_pk(
        self, session: Session, info: PlatformInfo, deployment_id: str
    ) -> tuple[PlatformInfo, int | None]:
        """The primary key of an active deployment, reading afresh when the snapshot lacks it."""
        pk = info.deployments.get(deployment_id)
        if pk is not None:
            return info, pk
        fresh = self.by_id_uncached(session, info.id)
        if fresh is None:
            return info, None
        return fresh, fresh.deployments.get(deployment_id)

    def by_id_uncached(self, session: Session, registration_id: int) -> PlatformInfo | None:
        """Read a registration from the database, and keep it when active."""
        self._by_id.pop(registration_id, None)
        return self.by_id(session, registration_id)

    def forget(self) -> None:
        """Drop everything kept (after an admin changes a registration in this process)."""
        self._by_id.clear()
        self._by_client.clear()

    def _fresh(self, registration_id: int) -> PlatformInfo | None:
        """A kept snapshot that has not outlived the ttl."""
        entry = self._by_id.get(registration_id)
        if entry is None:
            return None
        if entry[0] <= self._clock():
            self._by_id.pop(registration_id, None)
            return None
        return entry[1]

    def _remember(self, info: PlatformInfo) -> PlatformInfo:
        """Keep an active registration's snapshot; never keep an inactive one."""
        if info.active and self._ttl > 0:
            self._by_id[info.id] = (self._clock() + self._ttl, info)
            self._by_client[(info.issuer, info.client_id)] = info.id
        return info
