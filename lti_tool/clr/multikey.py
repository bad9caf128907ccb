"""Ed25519 keys as Multikey (base58btc multibase with the multicodec prefix).

Spec: https://www.w3.org/TR/controller-document/#multikey and
https://www.w3.org/TR/vc-di-eddsa/#multikey
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from lti_tool.clr.errors import SigningError

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {char: index for index, char in enumerate(_ALPHABET)}
ED25519_PUB_PREFIX = b"\xed\x01"
ED25519_PRIV_PREFIX = b"\x80\x26"


def b58encode(data: bytes) -> str:
    """Base58 (Bitcoin alphabet)."""
    number = int.from_bytes(data, "big")
    out = []
    while number:
        number, rem = divmod(number, 58)
        out.append(_ALPHABET[rem])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(out))


def b58decode(text: str) -> bytes:
    """Inverse of b58encode; ValueError on a character outside the alphabet."""
    number = 0
    for char in text:
        if char not in _INDEX:
            raise ValueError(f"{char!r} is not a base58 character")
        number = number * 58 + _INDEX[char]
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def multibase_encode(data: bytes) -> str:
    """Multibase base58btc ('z' prefix)."""
    return "z" + b58encode(data)


def multibase_decode(text: str) -> bytes:
    """Decode a base58btc multibase string; ValueError for any other encoding."""
    if not text.startswith("z"):
        raise ValueError("only base58btc ('z') multibase values are accepted")
    return b58decode(text[1:])


def public_key_multibase(public: Ed25519PublicKey) -> str:
    """The Multikey `publicKeyMultibase` of an Ed25519 public key (`z6Mk...`)."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return multibase_encode(ED25519_PUB_PREFIX + raw)


def parse_public_key_multibase(text: str) -> Ed25519PublicKey:
    """An Ed25519 public key from `publicKeyMultibase`; ValueError when it is not one."""
    raw = multibase_decode(text)
    if not raw.startswith(ED25519_PUB_PREFIX) or len(raw) != 34:
        raise ValueError("publicKeyMultibase is not an Ed25519 Multikey")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def secret_key_multibase(private: Ed25519PrivateKey) -> str:
    """The Multikey `secretKeyMultibase` (seed then public key, as Digital Bazaar writes it)."""
    public = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return multibase_encode(ED25519_PRIV_PREFIX + private_seed(private) + public)


def private_key_from_seed(seed: bytes) -> Ed25519PrivateKey:
    """An Ed25519 private key from its 32-byte seed."""
    if len(seed) != 32:
        raise SigningError("an Ed25519 seed is 32 bytes")
    return Ed25519PrivateKey.from_private_bytes(seed)


def private_seed(private: Ed25519PrivateKey) -> bytes:
    """The 32-byte seed of an Ed25519 private key (what is stored, encrypted)."""
    return private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


@dataclass(frozen=True)
class Ed25519Signer:
    """An Ed25519 key with the verification method URL that names it and its controller."""

    private_key: Ed25519PrivateKey
    verification_method: str
    controller: str

    def sign(self, data: bytes) -> bytes:
        """A raw 64-byte Ed25519 signature."""
        return self.private_key.sign(data)

    @property
    def public_key_multibase(self) -> str:
        """The published half, as Multikey."""
        return public_key_multibase(self.private_key.public_key())


@dataclass(frozen=True)
class VerificationKey:
    """A resolved verification method: its id, controller and Ed25519 public key."""

    id: str
    controller: str
    public_key: Ed25519PublicKey

    def verify(self, signature: bytes, data: bytes) -> bool:
        """True when signature is this key's over data."""
        try:
            self.public_key.verify(signature, data)
        except InvalidSignature:
            return False
        return True


def multikey_document(key_id: str, controller: str, public_multibase: str) -> dict[str, str]:
    """A Multikey verification method object as a controller document lists it."""
    return {
        "id": key_id,
        "type": "Multikey",
        "controller": controller,
        "publicKeyMultibase": public_multibase,
    }


def resolve_did_key(method: str) -> VerificationKey | None:
    """An Ed25519 did:key verification method, derived locally (no lookup needed).

    Spec: https://w3c-ccg.github.io/did-method-key/ (`did:key:z6Mk...#z6Mk...`).
    """
    if not method.startswith("did:key:z6Mk"):
        return None
    did, _, fragment = method.partition("#")
    encoded = did[len("did:key:") :]
    if fragment and fragment != encoded:
        return None
    try:
        public = parse_public_key_multibase(encoded)
    except ValueError:
        return None
    return VerificationKey(method, did, public)
