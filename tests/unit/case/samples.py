"""The sample CASE frameworks under tests/data/case, and a minimal valid package to vary."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[2] / "data" / "case"
# Whole CASE packages; the other folders hold ASN files, provider responses and schemas.
FRAMEWORK_DIRS = ("compeito", "opensalt", "smarterbalanced")
FRAMEWORK_FILES = sorted(p for d in FRAMEWORK_DIRS for p in (DATA / d).glob("*.json"))
DOC_ID = "9a8b7c6d-1111-4222-8333-444455556666"
ITEM_A = "aaaaaaaa-1111-4222-8333-000000000001"
ITEM_B = "aaaaaaaa-1111-4222-8333-000000000002"
ITEM_C = "aaaaaaaa-1111-4222-8333-000000000003"
BASE = "https://case.example.org/ims/case/v1p1"


def read(path: Path) -> dict[str, Any]:
    """One sample file, decoded."""
    return json.loads(path.read_text(encoding="utf-8"))


def assoc(ident: str, kind: str, origin: str, dest: str, seq: int | None = None) -> dict[str, Any]:
    """An association between two nodes of the minimal package."""
    data: dict[str, Any] = {
        "identifier": ident,
        "uri": f"{BASE}/CFAssociations/{ident}",
        "associationType": kind,
        "originNodeURI": {"title": "o", "identifier": origin, "uri": f"{BASE}/CFItems/{origin}"},
        "destinationNodeURI": {"title": "d", "identifier": dest, "uri": f"{BASE}/CFItems/{dest}"},
        "lastChangeDateTime": "2024-01-02T03:04:05Z",
    }
    if seq is not None:
        data["sequenceNumber"] = seq
    return data


def item(ident: str, statement: str, code: str | None = None) -> dict[str, Any]:
    """A CFItem of the minimal package."""
    data = {
        "identifier": ident,
        "uri": f"{BASE}/CFItems/{ident}",
        "fullStatement": statement,
        "lastChangeDateTime": "2024-01-02T03:04:05Z",
    }
    if code:
        data["humanCodingScheme"] = code
    return data


MINIMAL: dict[str, Any] = {
    "CFDocument": {
        "identifier": DOC_ID,
        "uri": f"{BASE}/CFDocuments/{DOC_ID}",
        "creator": "District",
        "title": "Portrait of a Graduate",
        "lastChangeDateTime": "2024-01-02T03:04:05Z",
    },
    "CFItems": [item(ITEM_A, "Communication", "C"), item(ITEM_B, "Speaks clearly", "C.1")],
    "CFAssociations": [
        assoc("bbbbbbbb-1111-4222-8333-000000000001", "isChildOf", ITEM_A, DOC_ID, 1),
        assoc("bbbbbbbb-1111-4222-8333-000000000002", "isChildOf", ITEM_B, ITEM_A, 1),
    ],
}


def minimal() -> dict[str, Any]:
    """A fresh copy of the minimal valid package."""
    return copy.deepcopy(MINIMAL)
