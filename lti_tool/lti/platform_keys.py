"""The platforms' public keys: cached per process and in the shared cache, refetched on a new kid.

pylti1p3 fetches the key set on every launch, or caches it and never refetches, so a
platform that rotates its keys (D2L does so hourly) breaks launches (research: lti.md §1).
Here a key set is cached for an hour; an unknown kid triggers one refetch per registration
per JWKS_REFETCH_INTERVAL_SECONDS, shared across workers, so a flood of forged kids cannot
make the tool hammer the platform.
"""

from __future__ import annotations

import hashlib
import json
import threading
from typing import Any, Protocol

import jwt
import requests

from lti_tool.db.cache import Cache

KEYSET_TTL_SECONDS = 3600
MAX_KEYSET_BYTES = 1024 * 1024


class KeySource(Protocol):
    """Where a registration's keys come from: a row, or a snapshot of one."""

    @property
    def id(self) -> int:
        """The registration's primary key."""

    @property
    def key_set_url(self) -> str | None:
        """The platform's JWKS URL."""

    @property
    def key_set(self) -> dict[str, Any] | None:
        """A key set pasted by an admin."""


class KeySetError(Exception):
    """The platform's key set cannot be had, or does not hold the key asked for."""


class PlatformKeySets:
    """Parsed platform keys by registration and kid."""

    def __init__(
        self,
        cache: Cache,
        http: requests.Session,
        refetch_interval: int,
        timeout: float,
    ) -> None:
        """Share parsed keys within the process; share raw key sets through `cache`."""
        self._cache = cache
        self._http = http
        self._refetch_interval = refetch_interval
        self._timeout = timeout
        self._parsed: dict[tuple[int, str], dict[str, Any]] = {}
        self._lock = threading.Lock()

    def key_for(self, reg: KeySource, kid: str) -> Any:
        """The public key for kid, refetching the key set once when the kid is new."""
        source = self._source(reg)
        keys = self._parsed.get((reg.id, source))
        if keys is None:
            keys = self._load(reg, source, refresh=False)
        if kid in keys:
            return keys[kid]
        if reg.key_set_url and self._cache.add(
            "lti:jwks-refetch:" + _digest(reg.key_set_url), b"1", self._refetch_interval
        ):
            keys = self._load(reg, source, refresh=True)
            if kid in keys:
                return keys[kid]
        raise KeySetError(
            f"The platform signed the launch with a key (kid {kid[:64]!r}) that its key set "
            "does not list."
        )

    def forget(self, reg: KeySource) -> None:
        """Drop what is known of a registration's keys (after an admin edits it)."""
        with self._lock:
            for key in [k for k in self._parsed if k[0] == reg.id]:
                del self._parsed[key]
        self._cache.delete(self._cache_key(reg))

    @staticmethod
    def _source(reg: KeySource) -> str:
        """What the keys come from: the URL, or the pasted key set."""
        return reg.key_set_url or "pasted"

    @staticmethod
    def _cache_key(reg: KeySource) -> str:
        """The shared cache key of a key set: by its URL, which names it wherever it is used."""
        return "lti:jwks:" + _digest(reg.key_set_url or f"pasted:{reg.id}")

    def _load(self, reg: KeySource, source: str, refresh: bool) -> dict[str, Any]:
        """Read the key set (pasted, shared cache, or HTTP) and parse its RS256 keys."""
        if reg.key_set is not None and not reg.key_set_url:
            keyset = reg.key_set
        else:
            raw = None if refresh else self._cache.get(self._cache_key(reg))
            if raw is None:
                keyset = self._fetch(reg)
                self._cache.set(
                    self._cache_key(reg), json.dumps(keyset).encode(), KEYSET_TTL_SECONDS
                )
            else:
                keyset = json.loads(raw)
        keys = _parse_keyset(keyset)
        with self._lock:
            self._parsed[(reg.id, source)] = keys
        return keys

    def _fetch(self, reg: KeySource) -> dict[str, Any]:
        """GET the platform's JWKS."""
        url = reg.key_set_url or ""
        try:
            resp = self._http.get(
                url, timeout=self._timeout, headers={"Accept": "application/json"}
            )
        except requests.RequestException as exc:
            raise KeySetError(
                f"The tool could not fetch the platform's keys from {url}: {type(exc).__name__}."
            ) from None
        if resp.status_code != 200 or len(resp.content) > MAX_KEYSET_BYTES:
            raise KeySetError(
                f"The platform's key set at {url} answered HTTP {resp.status_code}; the launch "
                "cannot be checked."
            )
        try:
            keyset = resp.json()
        except ValueError:
            raise KeySetError(f"The platform's key set at {url} is not JSON.") from None
        if not isinstance(keyset, dict) or not isinstance(keyset.get("keys"), list):
            raise KeySetError(f"The platform's key set at {url} has no 'keys' list.")
        return keyset


def _digest(text: str) -> str:
    """A short, fixed-length digest for cache keys."""
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _parse_keyset(keyset: dict[str, Any]) -> dict[str, Any]:
    """Turn a JWKS into {kid: public key}, skipping keys that are not RSA signing keys."""
    keys: dict[str, Any] = {}
    for jwk in keyset.get("keys", []):
        if not isinstance(jwk, dict) or not isinstance(jwk.get("kid"), str):
            continue
        if jwk.get("kty") != "RSA" or jwk.get("alg", "RS256") != "RS256":
            continue
        if jwk.get("use", "sig") != "sig":
            continue
        try:
            keys[jwk["kid"]] = jwt.PyJWK(jwk, algorithm="RS256").key
        except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError):
            continue
    return keys
