"""The main pages, checked by axe-core inside the LMS frame, and photographed for the README.

axe-core comes from the npm registry at test time (into a temporary folder), or from
LTI_TOOL_AXE (a path to axe.min.js) on a machine without the registry. It is evaluated in
the page through the browser's debugging protocol, so the tool's Content-Security-Policy
stays as strict as it is in use. Pages are checked with every <details> opened, so the forms
inside count too. Screenshots go to a temporary folder unless LTI_TOOL_SCREENSHOTS names one
(docs/screenshots to refresh the README's pictures).
Spec: https://www.w3.org/TR/WCAG22/ (axe-core's rules map to its success criteria)
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.browser.tool_pages import DESKTOP, FRAME, LEARNERS, follow, launch, tool

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    # The pages are the same whichever LMS frames them; Canvas's frame is checked.
    pytest.mark.parametrize("demo", ["canvas"], indirect=True),
]

BLOCKING = ("serious", "critical")
#: axe's defaults, plus WCAG 2.2's minimum touch-target size, since teachers use tablets.
AXE_OPTIONS = "{resultTypes: ['violations'], rules: {'target-size': {enabled: true}}}"
#: Tallest screenshot: the top of a long page is what a reader of the README needs.
SHOT_HEIGHT = 1100
FIRST_SCORED = "section.competency:has(span.code:text-is('5.F.1'))"


@pytest.fixture(scope="session")
def axe_source(tmp_path_factory: pytest.TempPathFactory) -> str:
    """axe.min.js: from LTI_TOOL_AXE, else `npm install axe-core@4` into a temporary folder."""
    configured = os.environ.get("LTI_TOOL_AXE")
    if configured:
        return Path(configured).read_text(encoding="utf-8")
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed (apt-get install npm), so axe-core cannot be fetched")
    folder = tmp_path_factory.mktemp("axe")
    command = [
        npm,
        "install",
        "axe-core@4",
        "--prefix",
        str(folder),
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
        "--fetch-retries=1",
        "--fetch-timeout=30000",
    ]
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=180)  # noqa: S603
    except subprocess.CalledProcessError as exc:
        lines = exc.stderr.decode(errors="replace").splitlines()
        said = [ln.removeprefix("npm error ") for ln in lines if "error" in ln and " at " not in ln]
        detail = "; ".join(ln for ln in said if "complete log" not in ln)[:240]
        pytest.skip(f"could not install axe-core from the npm registry (offline?): {detail}")
    except subprocess.TimeoutExpired:
        pytest.skip("could not install axe-core: the npm registry did not answer in time")
    return (folder / "node_modules" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")


def _blocking_violations(frame: Any, axe_source: str, page_name: str) -> list[str]:
    """Run axe on the frame's document; its serious and critical findings, readable."""
    frame.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
    if not frame.evaluate("() => typeof window.axe === 'object'"):
        frame.evaluate(axe_source)
    results = frame.evaluate(f"() => axe.run(document, {AXE_OPTIONS})")
    ran = {r["id"] for kind in ("passes", "violations", "incomplete") for r in results[kind]}
    assert "color-contrast" in ran and "target-size" in ran, sorted(ran)
    return [
        f"{page_name}: {v['impact']} {v['id']} ({v['help']}) at "
        + "; ".join(" ".join(n["target"]) for n in v["nodes"][:5])
        for v in results["violations"]
        if v["impact"] in BLOCKING
    ]


def _photograph(frame: Any, folder: Path, name: str, start: str = "") -> None:
    """Open the frame's page on its own at 1280 px and save a PNG of its top part (or of
    the part from the element `start` down)."""
    shot = frame.page.context.new_page()
    try:
        shot.set_viewport_size(DESKTOP)
        shot.goto(frame.url)
        top = 0
        if start:
            top = max(int(shot.locator(start).evaluate("e => e.offsetTop")) - 8, 0)
        below = shot.evaluate("() => document.documentElement.scrollHeight") - top
        shot.screenshot(
            path=str(folder / f"{name}.png"),
            full_page=True,
            clip={"x": 0, "y": top, "width": DESKTOP["width"], "height": min(below, SHOT_HEIGHT)},
        )
    finally:
        shot.close()


def test_teacher_pages(browser: Any, axe_source: str, demo: Any, screenshots: Path) -> None:
    """Progress grid, a learner's page, Assignments and Set-up: no serious violation."""
    page = launch(browser, demo, "teacher")
    found: list[str] = []
    try:
        frame = page.frame_locator(FRAME)
        nav = frame.get_by_role("navigation", name="Course")
        _photograph(tool(page), screenshots, "teacher-progress")
        found += _blocking_violations(tool(page), axe_source, "Progress")
        follow(page, frame.get_by_role("link", name=LEARNERS["ben"]))
        # From the first competency with several scores: its chart and evidence table.
        _photograph(tool(page), screenshots, "teacher-learner", start=FIRST_SCORED)
        found += _blocking_violations(tool(page), axe_source, "Learner page")
        follow(page, nav.get_by_role("link", name="Progress"))
        follow(page, frame.get_by_role("link", name=LEARNERS["amara"]))
        frame.get_by_role("button", name="Accept").wait_for()  # her video waits for a decision
        found += _blocking_violations(tool(page), axe_source, "Learner page, work to accept")
        follow(page, nav.get_by_role("link", name="Progress"))
        follow(page, frame.get_by_role("link", name=LEARNERS["ben"]))
        follow(page, frame.get_by_role("link", name="Transcript and signed record"))
        found += _blocking_violations(tool(page), axe_source, "Learner's transcript")
        follow(page, nav.get_by_role("link", name="Assignments"))
        _photograph(tool(page), screenshots, "teacher-assignments")
        found += _blocking_violations(tool(page), axe_source, "Assignments")
        follow(page, nav.get_by_role("link", name="Set-up"))
        _photograph(tool(page), screenshots, "teacher-setup")
        found += _blocking_violations(tool(page), axe_source, "Set-up")
        follow(page, frame.get_by_role("button", name="Show"))
        frame.locator("ul.tree").first.wait_for()
        found += _blocking_violations(tool(page), axe_source, "Set-up with a framework")
    finally:
        page.context.close()
    assert not found, "\n".join(found)


def test_learner_pages(browser: Any, axe_source: str, demo: Any, screenshots: Path) -> None:
    """My progress and My transcript: no serious violation."""
    page = launch(browser, demo, "amara")
    found: list[str] = []
    try:
        frame = page.frame_locator(FRAME)
        nav = frame.get_by_role("navigation", name="Course")
        _photograph(tool(page), screenshots, "learner-my-progress")
        found += _blocking_violations(tool(page), axe_source, "My progress")
        follow(page, nav.get_by_role("link", name="My transcript"))
        _photograph(tool(page), screenshots, "learner-transcript")
        found += _blocking_violations(tool(page), axe_source, "My transcript")
    finally:
        page.context.close()
    assert not found, "\n".join(found)
