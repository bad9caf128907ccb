"""The simulated LMS's data: its keys, tools, courses, people, line items and scores.

Kept in memory and, for the demo, saved to a JSON file so that `lti-tool demo --seed-only`
and a later `lti-tool demo` see the same gradebook. It is the platform's own data, not the
tool's: the tool only ever sees it through LTI messages and services.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import threading
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def _b64u_uint(value: int) -> str:
    """Base64url of an unsigned integer."""
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass
class PlatformKey:
    """One of the platform's RSA signing keys."""

    kid: str
    private_pem: str

    @property
    def private_key(self) -> rsa.RSAPrivateKey:
        """The parsed key, parsed once: loading a PEM costs tens of milliseconds."""
        return _load_private_key(self.private_pem)

    def public_jwk(self) -> dict[str, str]:
        """The public JWK of this key."""
        nums = self.private_key.public_key().public_numbers()
        return {
            "kty": "RSA",
            "alg": "RS256",
            "use": "sig",
            "kid": self.kid,
            "n": _b64u_uint(nums.n),
            "e": _b64u_uint(nums.e),
        }


@lru_cache(maxsize=64)
def _load_private_key(pem: str) -> rsa.RSAPrivateKey:
    """Parse a PEM private key (cached by its text)."""
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def new_platform_key() -> PlatformKey:
    """A fresh RSA 2048 key with a random kid."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return PlatformKey(kid="sim-" + secrets.token_hex(6), private_pem=pem)


@dataclass
class SimTool:
    """A tool registered in the LMS (Canvas: a developer key; Moodle: a tool type)."""

    client_id: str
    deployment_ids: list[str]
    login_url: str
    launch_url: str
    redirect_uris: list[str]
    name: str = "Competencies"
    jwks_url: str | None = None
    jwks: dict[str, Any] | None = None
    deep_link_url: str | None = None
    scopes: list[str] = field(default_factory=list)
    active: bool = True


@dataclass
class SimUser:
    """A person in the LMS."""

    id: str
    name: str
    given_name: str = ""
    family_name: str = ""
    email: str = ""
    institution_roles: list[str] = field(default_factory=list)


@dataclass
class SimCourse:
    """A course with its members' context roles (full URIs)."""

    id: str
    title: str
    label: str
    members: dict[str, list[str]] = field(default_factory=dict)
    deployment_id: str = ""
    # Members whose enrolment is concluded: NRPS lists them with status Inactive.
    inactive: list[str] = field(default_factory=list)


TRANSIENT_FIELDS = (
    "access_tokens",
    "used_jtis",
    "deep_link_requests",
    "request_log",
    "token_requests",
    "service_requests",
    "latency_ms",
    "throttle_next",
)


@dataclass
class SimStore:
    """Everything the simulated platform knows, guarded by one lock."""

    product: str = "generic"  # canvas, moodle or generic: decides quirks
    base_url: str = "http://127.0.0.1:5000/sim"
    issuer: str = ""
    keys: list[PlatformKey] = field(default_factory=list)
    tools: dict[str, SimTool] = field(default_factory=dict)
    users: dict[str, SimUser] = field(default_factory=dict)
    courses: dict[str, SimCourse] = field(default_factory=dict)
    # Services data, shaped by the services module: line items by id, and each line item's
    # score history (scores posted by tools and grades set in the gradebook), oldest first.
    lineitems: dict[str, dict[str, Any]] = field(default_factory=dict)
    scores: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Resource links placed in courses (by deep linking), by resource link id.
    resource_links: dict[str, dict[str, Any]] = field(default_factory=dict)
    next_id: int = 1
    # Knobs for tests, the demo and benchmarks: seconds of latency added to every request;
    # the next `throttle_next` service requests answer 429 with Retry-After `retry_after`;
    # services ("ags", "nrps") switched off answer 401, as Moodle does; page size override.
    latency_ms: int = 0
    throttle_next: int = 0
    retry_after: int = 1
    disabled_services: list[str] = field(default_factory=list)
    page_size: int | None = None
    token_lifetime: int = 3600
    # Issued access tokens, used client-assertion ids, pending deep-linking requests (by
    # their `data`), and the last service requests seen (for tests); never saved.
    access_tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    used_jtis: dict[str, float] = field(default_factory=dict)
    deep_link_requests: dict[str, dict[str, Any]] = field(default_factory=dict)
    request_log: list[dict[str, Any]] = field(default_factory=list)
    token_requests: int = 0
    service_requests: int = 0
    # Pending OIDC messages keyed by lti_message_hint: what the next id_token will say.
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    # One-time tokens the LMS admin's "register a tool by URL" hands to the tool.
    registration_tokens: dict[str, float] = field(default_factory=dict)
    path: str | None = None
    jwks_requests: int = 0

    def __post_init__(self) -> None:
        """Give a new platform a key and an issuer."""
        self._lock = threading.RLock()
        if not self.keys:
            self.keys.append(new_platform_key())
        if not self.issuer:
            self.issuer = (
                "https://canvas.instructure.com" if self.product == "canvas" else self.base_url
            )

    @property
    def lock(self) -> threading.RLock:
        """The lock every change takes."""
        return self._lock

    def url(self, path: str) -> str:
        """An absolute URL on the platform."""
        return self.base_url.rstrip("/") + path

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """The platform's public keys."""
        return {"keys": [k.public_jwk() for k in self.keys]}

    def new_id(self) -> str:
        """A new numeric id for a line item or resource link."""
        with self.lock:
            value = self.next_id
            self.next_id += 1
            return str(value)

    def rotate_key(self) -> PlatformKey:
        """Start signing with a new key; the old one stays published (as D2L does hourly)."""
        with self.lock:
            key = new_platform_key()
            self.keys.insert(0, key)
            self.save()
            return key

    def save(self) -> None:
        """Write the store to its JSON file, if it has one (atomically)."""
        if not self.path:
            return
        with self.lock:
            data = asdict(self)
            data.pop("messages", None)
            data.pop("path", None)
            data.pop("jwks_requests", None)
            for transient in TRANSIENT_FIELDS:
                data.pop(transient, None)
            tmp = f"{self.path}.tmp"
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump(data, fh, indent=1, sort_keys=True)
            os.replace(tmp, self.path)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> SimStore:
        """Read a store saved by `save`."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        data["keys"] = [PlatformKey(**k) for k in data.get("keys", [])]
        data["tools"] = {k: SimTool(**v) for k, v in data.get("tools", {}).items()}
        data["users"] = {k: SimUser(**v) for k, v in data.get("users", {}).items()}
        data["courses"] = {k: SimCourse(**v) for k, v in data.get("courses", {}).items()}
        return cls(**data, path=str(path))
