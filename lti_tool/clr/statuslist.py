"""Bitstring Status List: the revocation bits of issued credentials, as a credential.

Spec: https://www.w3.org/TR/vc-bitstring-status-list/ (sections 2.1-2.3, 3.1-3.2)
"""

from __future__ import annotations

import base64
import gzip
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from lti_tool.clr.contexts import VC_V2
from lti_tool.clr.dataintegrity import format_datetime
from lti_tool.clr.errors import CredentialError

#: The spec's minimum list length (16 KiB of bits) keeps a holder's index from standing out.
MIN_BITS = 131_072


def encode_list(set_bits: Iterable[int], size: int = MIN_BITS) -> str:
    """The `encodedList`: multibase base64url (no padding) of the GZIP of the bitstring."""
    data = bytearray(max(size, MIN_BITS) // 8)
    for index in set_bits:
        if not 0 <= index < len(data) * 8:
            raise CredentialError(f"status index {index} is outside the list")
        data[index // 8] |= 0x80 >> (index % 8)
    packed = gzip.compress(bytes(data), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).rstrip(b"=").decode()


def decode_list(encoded: str) -> bytes:
    """The bitstring of an `encodedList`; CredentialError when it is not one."""
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise CredentialError("encodedList must be multibase base64url ('u')")
    body = encoded[1:]
    try:
        return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (ValueError, OSError, EOFError) as error:
        raise CredentialError(f"encodedList cannot be decoded: {error}") from None


def bit_is_set(bitstring: bytes, index: int) -> bool:
    """Whether the bit at index (most significant bit first) is 1."""
    if not 0 <= index < len(bitstring) * 8:
        raise CredentialError(f"status index {index} is outside the list")
    return bool(bitstring[index // 8] & (0x80 >> (index % 8)))


def status_list_credential(
    list_url: str, issuer_id: str, revoked: Iterable[int], issued_at: datetime
) -> dict[str, Any]:
    """The unsigned BitstringStatusListCredential for revocation."""
    return {
        "@context": [VC_V2],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id,
        "validFrom": format_datetime(issued_at),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode_list(revoked),
        },
    }
