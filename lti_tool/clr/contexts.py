"""The JSON-LD contexts credentials may name, loaded from `standards/clr/contexts/`, never fetched.

A document that names any other context is refused: a verifier that fetched contexts at run
time would let a network answer change what a signature covers.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from lti_tool.clr.errors import JsonLdError
from lti_tool.standards import STANDARDS_DIR

CONTEXTS_DIR = STANDARDS_DIR / "clr" / "contexts"

VC_V2 = "https://www.w3.org/ns/credentials/v2"
CLR_V2 = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"

#: The exact `@context` of a ClrCredential (CLR 2.0 schema: order enforced).
CLR_CONTEXT = (VC_V2, CLR_V2, OB_V3, OB_EXTENSIONS)
#: The `@context` of an AchievementCredential nested in a CLR.
ACHIEVEMENT_CONTEXT = (VC_V2, OB_V3, OB_EXTENSIONS)

KNOWN_CONTEXTS: dict[str, str] = {
    VC_V2: "credentials-v2.jsonld",
    CLR_V2: "clr-v2p0-context-2.0.1.json",
    "https://purl.imsglobal.org/spec/clr/v2p0/context.json": "clr-v2p0-context.json",
    OB_V3: "ob-v3p0-context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json": "ob-v3p0-context-3.0.2.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json": "ob-v3p0-context-3.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json": "ob-v3p0-context.json",
    OB_EXTENSIONS: "ob-v3p0-extensions.json",
    "https://w3id.org/security/data-integrity/v1": "data-integrity-v1.jsonld",
    "https://www.w3.org/ns/did/v1": "did-v1.jsonld",
}


@cache
def load_context(url: str) -> Any:
    """The `@context` value of a known context document; JsonLdError for any other URL."""
    name = KNOWN_CONTEXTS.get(url)
    if name is None:
        raise JsonLdError(f"the context {url!r} is not one this tool knows (contexts are offline)")
    with open(CONTEXTS_DIR / name, encoding="utf-8") as handle:
        document = json.load(handle)
    return document["@context"]


def document_loader(url: str, options: Any = None) -> dict[str, Any]:
    """A pyld-shaped document loader that serves only the offline contexts."""
    return {
        "contextUrl": None,
        "documentUrl": url,
        "document": {"@context": load_context(url)},
    }
