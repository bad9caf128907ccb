"""The tool's records pass the independent verifier (scripts/check-credentials) if present."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VERIFIER = os.environ.get("CLR_VERIFIER_DIR", "")


@pytest.mark.slow
@pytest.mark.skipif(
    not VERIFIER or not (Path(VERIFIER) / "verify.js").is_file(),
    reason="set CLR_VERIFIER_DIR to the independent CLR verifier's folder to run this check",
)
@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_records_pass_the_independent_verifier_and_tampering_is_refused():
    result = subprocess.run(
        [str(ROOT / "scripts" / "check-credentials")],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "all checks passed" in result.stdout
