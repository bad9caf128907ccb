"""The official CASE 1.1 CFPackage JSON Schema, shipped under standards/case/, and checks with it.

Spec: https://purl.imsglobal.org/spec/case/v1p1/schema/json/case_v1p1_cfpackage-jsonschema1.json
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft201909Validator

from lti_tool.case.parse import Problem

# The one place that knows where the pinned CASE artifacts live.
CASE_STANDARDS_DIR = Path(__file__).resolve().parents[2] / "standards" / "case"
CFPACKAGE_SCHEMA_11 = CASE_STANDARDS_DIR / "case_v1p1_cfpackage_jsonschema_2019-09_official.json"
OPENAPI_11 = CASE_STANDARDS_DIR / "imscasev1p1_openapi3_v1p0.json"
SWAGGER_10 = CASE_STANDARDS_DIR / "case_v1p0_swagger2_ims.json"


@lru_cache(maxsize=1)
def _validator() -> Draft201909Validator:
    """A validator of the 1.1 package schema that asserts formats (uuid, date, date-time)."""
    schema = json.loads(CFPACKAGE_SCHEMA_11.read_text(encoding="utf-8"))
    return Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)


def schema_problems(package_json: dict[str, Any], limit: int = 50) -> list[Problem]:
    """Where a package fails the official 1.1 schema, format checking on (empty: it passes)."""
    problems = []
    for error in _validator().iter_errors(package_json):
        problems.append(Problem(error.json_path, error.message[:300]))
        if len(problems) >= limit:
            break
    return problems
