"""The official 1EdTech eddsa-rdfc-2022 test vectors (CLR 2.0 and OB 3.0), loaded for tests."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from lti_tool.clr.multikey import (
    Ed25519Signer,
    VerificationKey,
    parse_public_key_multibase,
    private_key_from_seed,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "clr"


def load(name: str) -> Any:
    """A JSON file from tests/data/clr, freshly parsed (callers may mutate it)."""
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def text(name: str) -> str:
    """A text file from tests/data/clr."""
    return (DATA / name).read_text(encoding="utf-8")


KEYPAIR = load("clr_keypair.json")


def test_signer() -> Ed25519Signer:
    """The published test key of the implementation guide, as a signer."""
    seed = bytes.fromhex(KEYPAIR["privateKeyHex"])[:32]
    return Ed25519Signer(private_key_from_seed(seed), KEYPAIR["id"], KEYPAIR["controller"])


test_signer.__test__ = False  # type: ignore[attr-defined]


def resolve(method: str) -> VerificationKey | None:
    """Resolve only the test vector's key."""
    if method != KEYPAIR["id"]:
        return None
    return VerificationKey(
        method, KEYPAIR["controller"], parse_public_key_multibase(KEYPAIR["publicKeyMultibase"])
    )


def unsigned(document: dict[str, Any]) -> dict[str, Any]:
    """A deep copy without the top-level proof."""
    result = copy.deepcopy(document)
    result.pop("proof", None)
    return result


def only_proof(document: dict[str, Any]) -> dict[str, Any]:
    """The single proof of a signed vector."""
    proof = document["proof"]
    return proof[0] if isinstance(proof, list) else proof
