"""The seeded demo LMS has graded, competency-tagged assignments in its gradebook."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import Result
from flask import Flask

from lti_tool.platform_sim.services import latest_scores
from lti_tool.platform_sim.store import SimStore


def test_the_demo_gradebook_has_tagged_columns_and_real_gaps(
    cli: Callable[..., Result], app: Flask, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("LTI_TOOL_INSTANCE_PATH", str(tmp_path))
    for _ in range(2):
        assert cli("demo", "--seed-only").exit_code == 0
    sim = SimStore.load(tmp_path / "demo_platform.json")
    items = sorted(sim.lineitems.values(), key=lambda i: int(i["id"]))
    assert [(i["label"], i["tag"]) for i in items] == [
        ("Fractions check-in", "5.NF.A.1"),
        ("Place value quiz", "5.NBT.A.1"),
    ]
    links = {link["lineitem_id"]: link for link in sim.resource_links.values()}
    assert all(links[i["id"]]["id"] == i["resourceLinkId"] for i in items)
    fractions = latest_scores(sim, items[0]["id"])
    assert fractions["amara"]["scoreGiven"] == 4 and "esme" not in fractions
