"""LTI Names and Role Provisioning Services 2.0: the course roster.

Spec: https://www.imsglobal.org/spec/lti-nrps/v2p0 (§2.2 the membership container, §2.4
paging with `Link: rel="next"`). Moodle gives short role names (`Learner`) where launches
give full URIs; both are kept as sent and map to the same tool role.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lti_tool.lti.authorized import AuthorizedCalls
from lti_tool.lti.claims import MediaType, Role, Scope, tool_role
from lti_tool.lti.links import service_url
from lti_tool.lti.service_http import ServiceError

PAGE_SIZE = 100
SCOPES = (Scope.NRPS.value,)


@dataclass(frozen=True)
class Member:
    """One person on the roster, as the platform shares them."""

    user_id: str
    roles: tuple[str, ...]
    status: str = "Active"
    name: str = ""
    given_name: str = ""
    family_name: str = ""
    email: str = ""
    lis_person_sourcedid: str | None = None

    @property
    def role(self) -> Role:
        """The tool's role for this member."""
        return tool_role(self.roles)

    @property
    def active(self) -> bool:
        """False for concluded or suspended enrolments."""
        return self.status.lower() == "active"

    @classmethod
    def from_json(cls, data: Any) -> Member | None:
        """Read a member; None when it has no user_id."""
        if not isinstance(data, dict) or not isinstance(data.get("user_id"), str):
            return None
        roles = data.get("roles")

        def text(name: str) -> str:
            value = data.get(name)
            return value if isinstance(value, str) else ""

        return cls(
            user_id=data["user_id"],
            roles=tuple(r for r in roles if isinstance(r, str)) if isinstance(roles, list) else (),
            status=text("status") or "Active",
            name=text("name"),
            given_name=text("given_name"),
            family_name=text("family_name"),
            email=text("email"),
            lis_person_sourcedid=text("lis_person_sourcedid") or None,
        )


class NrpsClient:
    """NRPS calls for one course's membership URL."""

    def __init__(
        self, calls: AuthorizedCalls, memberships_url: str, page_size: int = PAGE_SIZE
    ) -> None:
        """Call the membership container at `memberships_url`."""
        self.calls = calls
        self.memberships_url = memberships_url
        self.page_size = page_size

    def members_url(self, *, role: str | None = None) -> str:
        """The first page of the roster."""
        params = {"limit": str(self.page_size)}
        if role is not None:
            params["role"] = role
        return service_url(self.memberships_url, params=params)

    def members(self, *, role: str | None = None) -> list[Member]:
        """Every member of the course (all pages), optionally only those with `role`."""
        members: list[Member] = []
        for page in self.calls.pages(
            self.members_url(role=role),
            service="nrps",
            scopes=SCOPES,
            accept=MediaType.MEMBERSHIP_CONTAINER,
        ):
            members.extend(parse_members(page.body, page.url))
        return members


def parse_members(body: Any, url: str) -> list[Member]:
    """The members on one page of a membership container."""
    if not isinstance(body, dict) or not isinstance(body.get("members"), list):
        raise ServiceError("The platform's roster has no members list.", url=url)
    return [m for m in map(Member.from_json, body["members"]) if m is not None]
