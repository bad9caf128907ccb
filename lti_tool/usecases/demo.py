"""Seed the demo: the built-in LMS with a course and people, registered with the tool."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from lti_tool.lti.keys import ensure_key
from lti_tool.lti.platforms import PlatformInput, add_platform
from lti_tool.platform_sim.demo import load_or_create
from lti_tool.platform_sim.store import SimStore
from lti_tool.platform_sim.web import endpoints
from lti_tool.secretbox import SecretBox

DEMO_PLATFORM_FILE = "demo_platform.json"


def seed(
    session: Session, box: SecretBox, instance_path: str, base_url: str, product: str = "canvas"
) -> SimStore:
    """Create (or load) the demo LMS and register it with the tool; safe to run twice."""
    sim = load_or_create(
        Path(instance_path) / DEMO_PLATFORM_FILE, base_url + "/sim", base_url, product
    )
    urls = endpoints(sim)
    for tool in sim.tools.values():
        for deployment in tool.deployment_ids:
            add_platform(
                session,
                PlatformInput(
                    issuer=sim.issuer,
                    client_id=tool.client_id,
                    auth_login_url=urls["auth"],
                    auth_token_url=urls["token"],
                    key_set_url=urls["jwks"],
                    deployment_id=deployment,
                    name=f"Demo LMS ({sim.product})",
                ),
                allow_http=True,
            )
    ensure_key(session, box)
    return sim
