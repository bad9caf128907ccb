"""The seeded demo LMS has graded, competency-tagged assignments in its gradebook, and the
tool has synced them: every screen has something to show."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import create_engine, text

from lti_tool.platform_sim.services import latest_scores
from lti_tool.platform_sim.store import SimStore
from tests.servers import free_port


def test_the_demo_gradebook_has_tagged_columns_and_real_gaps(
    cli: Callable[..., Result], app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seeding twice gives one course: assignments with gaps, a sync, observations."""
    monkeypatch.setenv("LTI_TOOL_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("LTI_TOOL_DATABASE_URL", raising=False)
    port = str(free_port())
    for _ in range(2):
        result = cli("demo", "--seed-only", "--port", port)
        assert result.exit_code == 0, result.output
    sim = SimStore.load(tmp_path / "demo_platform.json")
    items = sorted(sim.lineitems.values(), key=lambda i: int(i["id"]))
    assignments = [i for i in items if not (i.get("tag") or "").startswith("competency:")]
    assert [(i["label"], i["tag"]) for i in assignments][:2] == [
        ("Unlike denominators quiz", "5.F.1"),
        ("Recipe word problems", "5.F.1"),
    ]
    links = {link["lineitem_id"]: link for link in sim.resource_links.values()}
    assert all(links[i["id"]]["id"] == i["resourceLinkId"] for i in assignments)
    recipe = latest_scores(sim, assignments[1]["id"])
    assert recipe["amara"]["scoreGiven"] == 9 and "esme" not in recipe  # a gap, not a zero
    mastery_columns = [i for i in items if (i.get("tag") or "").startswith("competency:")]
    assert mastery_columns, "the sync wrote mastery back"
    engine = create_engine(f"sqlite:///{tmp_path / 'lti_tool.sqlite3'}")
    with engine.connect() as conn:
        runs = conn.execute(text("select status from sync_run")).scalars().all()
        kinds = set(conn.execute(text("select source from evidence")).scalars())
    engine.dispose()
    assert runs == ["done"]
    assert {"lms", "observation", "outside_school", "artefact"} <= kinds
