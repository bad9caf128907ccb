"""Fetch a CASE package from a provider URL (not available yet: import a downloaded file)."""

from __future__ import annotations

from typing import Any


class CaseFetchError(Exception):
    """A package could not be fetched from a CASE provider."""


def fetch_case_package(url: str, token: str | None = None) -> dict[str, Any]:
    """Return the decoded CFPackage JSON a CASE provider serves at `url`."""
    raise CaseFetchError(
        "Importing from a CASE provider URL is not available yet. Download the CFPackage "
        f"JSON from {url} and import the file instead."
    )
