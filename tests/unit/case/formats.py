"""What the format tests share: where the sample files are, and the official 1.1 schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

DATA = Path(__file__).resolve().parents[2] / "data" / "case"
SCHEMA = json.loads(
    (DATA / "schemas" / "case_v1p1_cfpackage_jsonschema_2019-09_official.json").read_text()
)
_VALIDATOR = jsonschema.Draft201909Validator(
    SCHEMA, format_checker=jsonschema.Draft201909Validator.FORMAT_CHECKER
)


def schema_errors(package: dict[str, Any]) -> list[str]:
    """Every way `package` breaks the CASE 1.1 CFPackage schema, formats asserted."""
    return [
        f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message[:200]}"
        for e in _VALIDATOR.iter_errors(package)
    ]


def assert_valid_case(package: dict[str, Any]) -> None:
    """Fail with the first schema errors if `package` is not valid CASE 1.1."""
    errors = schema_errors(package)
    assert not errors, errors[:10]
