"""`lti-tool mastery calculate`: JSON on stdin, JSON on stdout, exit 2 on bad input.

The command needs no database or settings, so it runs without the app fixtures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner, Result

from lti_tool.cli import main

REQUEST = {
    "method": "weighted_average",
    "params": {"weight": 65},
    "evidence": [
        {"score": 2, "points_possible": 4, "at": "2026-09-01T10:00:00Z", "source": "lms"},
        {"score": 3, "points_possible": 4, "at": "2026-09-08T10:00:00Z", "source": "observation"},
        {"score": None, "title": "Lab"},
    ],
}


def calculate(text: str | bytes, *args: str) -> Result:
    """Run the command with `text` on stdin."""
    return CliRunner().invoke(main, ["mastery", "calculate", *args], input=text)


def test_calculate_writes_the_result_as_json() -> None:
    """The issue's example gives 2.65 and names the missing Lab as left out."""
    out = calculate(json.dumps(REQUEST))
    assert out.exit_code == 0, out.output
    answer = json.loads(out.output)
    assert (answer["score"], answer["level"], answer["status"]) == (2.65, "Near Mastery", "near")
    assert answer["excluded"][0]["title"] == "Lab"


def test_compact_output_is_one_line() -> None:
    """--compact writes one line of JSON."""
    out = calculate(json.dumps(REQUEST), "--compact")
    assert out.exit_code == 0 and out.output.count("\n") == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "stdin is not valid JSON"),
        (b"\xff\xfe{", "stdin is not valid JSON"),
        ("{", "stdin is not valid JSON"),
        ("[]", "must be a JSON object"),
        ('{"method": "median", "evidence": []}', "method: unknown method 'median'"),
        (
            '{"method": "latest", "evidence": [{"score": 1}, {"score": "x"}]}',
            "evidence[1].score: must be a number",
        ),
        ('{"method": "latest", "evidence": [{"score": NaN}]}', "evidence[0].score"),
        ('{"method": "latest", "evidence": [{"score": 1e999}]}', "evidence[0].score"),
    ],
)
def test_bad_input_exits_2_naming_the_field(text: str, message: str) -> None:
    """Malformed input: exit 2, one line naming the field, no traceback."""
    out = calculate(text)
    assert out.exit_code == 2
    assert message in out.output
    assert "Traceback" not in out.output
    assert out.exception is None or isinstance(out.exception, SystemExit)


@pytest.mark.slow
def test_the_console_script_end_to_end() -> None:
    """`python -m lti_tool mastery calculate` in a real process, without any settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LTI_TOOL_")}
    ok = subprocess.run(
        [sys.executable, "-m", "lti_tool", "mastery", "calculate"],
        input=json.dumps(REQUEST), capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["score"] == 2.65
    bad = subprocess.run(
        [sys.executable, "-m", "lti_tool", "mastery", "calculate"],
        input='{"method": 1}', capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert bad.returncode == 2
    assert bad.stderr.strip() == "Error: method: must be the name of a method"


def test_methods_lists_every_method_with_its_defaults() -> None:
    """`mastery methods` names each method, whether Canvas has it, and its parameters."""
    out = CliRunner().invoke(main, ["mastery", "methods"])
    assert out.exit_code == 0
    methods = {m["method"]: m for m in json.loads(out.output)}
    assert len(methods) == 9
    assert methods["weighted_average"]["canvas"] is True
    assert methods["weighted_average"]["params"][0]["default"] == 65
    assert methods["power_law"]["canvas"] is False
