"""`lti-tool demo --seed-only` seeds the built-in LMS and registers it; twice changes nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from click.testing import Result
from flask import Flask
from sqlalchemy import func, select

from lti_tool.app import db_session
from lti_tool.db.models import Deployment, Registration
from tests.servers import free_port


def test_seed_only_is_idempotent(
    cli: Callable[..., Result], app: Flask, tmp_path: Path, monkeypatch
) -> None:
    """Seeding registers the demo platform once, with its deployment, and writes its file."""
    monkeypatch.setenv("LTI_TOOL_INSTANCE_PATH", str(tmp_path))
    for _ in range(2):
        # Seeding serves briefly (the sync talks HTTP): on a free port, not the default 5000.
        out = cli("demo", "--seed-only", "--port", str(free_port()))
        assert out.exit_code == 0, out.output
        assert "Demo data is seeded." in out.output
    with app.app_context():
        s = db_session()
        assert s.scalar(select(func.count()).select_from(Registration)) == 1
        assert s.scalar(select(func.count()).select_from(Deployment)) == 1
        reg = s.scalars(select(Registration)).one()
        assert reg.issuer == "https://canvas.instructure.com" and reg.product == "canvas"
    saved = json.loads((tmp_path / "demo_platform.json").read_text())
    assert "math5" in saved["courses"] and len(saved["courses"]["math5"]["members"]) == 7
