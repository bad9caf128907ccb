"""JSON Schema checks against the official CLR 2.0 and OB 3.0 schemas in `standards/clr/schemas/`.

Spec: https://purl.imsglobal.org/spec/clr/v2p0/schema/json/ (draft 2019-09)
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from jsonschema import Draft201909Validator, FormatChecker

from lti_tool.standards import STANDARDS_DIR

SCHEMAS_DIR = STANDARDS_DIR / "clr" / "schemas"
CLR = "clr_v2p0/clr_v2p0_clrcredential_schema.json"
ACHIEVEMENT = "ob_v3p0/ob_v3p0_achievementcredential_schema.json"


@cache
def _validator(name: str) -> Draft201909Validator:
    """A compiled validator for one schema file."""
    schema = json.loads((SCHEMAS_DIR / name).read_text(encoding="utf-8"))
    return Draft201909Validator(schema, format_checker=FormatChecker())


def schema_errors(credential: Any) -> list[str]:
    """Schema violations of a ClrCredential (and its nested credentials) or an OB credential."""
    if not isinstance(credential, dict):
        return ["the credential is not a JSON object"]
    types = credential.get("type")
    types = types if isinstance(types, list) else [types]
    name = CLR if "ClrCredential" in types else ACHIEVEMENT
    errors = [_describe(error) for error in _validator(name).iter_errors(credential)]
    if name == CLR:
        subject = credential.get("credentialSubject")
        nested = subject.get("verifiableCredential", []) if isinstance(subject, dict) else []
        for index, item in enumerate(nested if isinstance(nested, list) else []):
            errors += [
                f"verifiableCredential[{index}]: {message}" for message in schema_errors(item)
            ]
    return errors


def _describe(error: Any) -> str:
    """One violation as 'path: message'."""
    path = "/".join(str(part) for part in error.absolute_path) or "(root)"
    return f"{path}: {error.message[:300]}"
