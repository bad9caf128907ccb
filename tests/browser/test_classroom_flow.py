"""A school day in a real browser: the teacher aligns, syncs and judges; a learner looks.

Everything happens inside the demo LMS's iframe, against the built-in platform behaving as
Canvas and as Moodle, with the demo's course (math5), its teacher and its five learners.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.tool_pages import FRAME, LEARNERS, TABLET, follow, launch, overflow

pytestmark = [pytest.mark.browser, pytest.mark.slow]

OBSERVATION = "Drew an area model for 2/3 x 4/5 and explained each part"
OVERRIDE_NOTE = "Predicted which products are bigger, with reasons, in our talk on 27 Nov."
CUTS = {"Exceeds Mastery": "90", "Mastery": "70", "Near Mastery": "50", "Below Mastery": "20"}


def _assignment(frame: Any, label: str) -> Any:
    """The Assignments page's box for one assignment."""
    return frame.locator("article.assignment", has=frame.get_by_role("heading", name=label))


def _competency_box(frame: Any, code: str) -> Any:
    """A learner page's section for one competency, by its code."""
    return frame.locator(f"section.competency:has(h2 span.code:text-is('{code}'))")


def _tick(box: Any, code: str) -> Any:
    """The checkbox of a competency, by its code, inside an assignment's form."""
    return box.locator(f"label:has(span.code:text-is('{code}')) input[type=checkbox]")


def _align(page: Any, frame: Any) -> None:
    """Align two assignments: one to a second competency, one by cut scores."""
    follow(page, frame.get_by_role("link", name="Assignments", exact=True))

    scaling = _assignment(frame, "Scaling predictions")
    assert not _tick(scaling, "POG.CT").is_checked()
    _tick(scaling, "POG.CT").check()
    follow(page, scaling.get_by_role("button", name="Save alignment"))
    scaling = _assignment(frame, "Scaling predictions")
    assert _tick(scaling, "POG.CT").is_checked() and _tick(scaling, "5.F.5").is_checked()

    area = _assignment(frame, "Area models of products")
    area.get_by_label(re.compile("By cut scores")).check()
    for level, percent in CUTS.items():
        area.get_by_label(f"Percent needed for {level}", exact=True).fill(percent)
    follow(page, area.get_by_role("button", name="Save alignment"))
    area = _assignment(frame, "Area models of products")
    assert area.get_by_label(re.compile("By cut scores")).is_checked()
    for level, percent in CUTS.items():
        assert area.get_by_label(f"Percent needed for {level}", exact=True).input_value() == percent


def _sync(page: Any, frame: Any) -> None:
    """Start a sync and wait for the progress bar (polled by sync.js) to reach its end."""
    seeded = frame.locator(".sync-status").get_attribute("data-status-url")
    follow(page, frame.get_by_role("button", name="Sync scores now"))
    status = frame.locator(".sync-status:not([data-state=queued]):not([data-state=running])")
    status.wait_for(timeout=60000)
    assert status.get_attribute("data-status-url") != seeded  # this run, not the demo's
    assert status.get_attribute("data-state") == "done", status.inner_text()
    bar = status.locator("progress")
    assert bar.evaluate("p => p.value === p.max && p.max > 0")
    message = status.locator(".sync-message").inner_text()
    assert re.match(r"Done: \d+ new pieces of evidence from 7 assignments", message), message


def _grid_colours(frame: Any) -> dict[str, set[str]]:
    """For each status in the grid, the backgrounds its cells are painted with."""
    cells = frame.locator("table.grid td.cell").evaluate_all(
        """cells => cells.map(c => {
             const s = getComputedStyle(c);
             const status = [...c.classList].find(k => k.startsWith('status-'));
             return [status, s.backgroundColor + ' ' + s.backgroundImage];
           })"""
    )
    colours: dict[str, set[str]] = {}
    for status, paint in cells:
        colours.setdefault(status, set()).add(paint)
    return colours


def _legend_colours(frame: Any) -> dict[str, str]:
    """The legend's swatch for each status."""
    return dict(
        frame.locator(".legend .swatch").evaluate_all(
            """spans => spans.map(s => {
                 const st = getComputedStyle(s);
                 const status = [...s.classList].find(k => k.startsWith('status-'));
                 return [status, st.backgroundColor + ' ' + st.backgroundImage];
               })"""
        )
    )


def _see_grid(frame: Any) -> None:
    """The Progress grid paints each cell in its status's colour, as the legend shows it."""
    frame.get_by_role("link", name="Progress", exact=True).click()
    frame.locator("table.grid").wait_for()
    rows = frame.locator("table.grid tbody th[scope=row]").all_inner_texts()
    assert sorted(rows) == sorted(LEARNERS.values()), rows
    colours = _grid_colours(frame)
    legend = _legend_colours(frame)
    assert len(colours) >= 3, colours  # a picture of several states, not one colour
    for status, paints in colours.items():
        assert paints == {legend[status]}, (status, paints, legend)
    assert len({legend[s] for s in colours}) == len(colours)  # each status its own colour


def _judge_diego(frame: Any) -> None:
    """On Diego's page: record an observation, then override a level with a note."""
    frame.get_by_role("link", name=LEARNERS["diego"]).click()
    frame.get_by_role("heading", name=LEARNERS["diego"], level=1).wait_for()

    area = _competency_box(frame, "5.F.4")
    area.locator("summary", has_text="Record evidence").click()
    area.get_by_label("Kind").select_option("observation")
    area.get_by_label("Level shown").select_option("Mastery")
    area.get_by_label("What it was").fill(OBSERVATION)
    area.get_by_label("Note (optional)").fill("Without prompting.")
    area.get_by_role("button", name="Record", exact=True).click()
    area = _competency_box(frame, "5.F.4")
    area.locator("table.evidence", has_text=OBSERVATION).wait_for()
    assert "Teacher observation" in area.locator("table.evidence").inner_text()

    scaling = _competency_box(frame, "5.F.5")
    scaling.locator("summary", has_text="Override the level").click()
    scaling.get_by_label("Level", exact=True).select_option("Mastery")
    scaling.get_by_label(re.compile("^Why")).fill(OVERRIDE_NOTE)
    scaling.get_by_role("button", name="Set level").click()
    scaling = _competency_box(frame, "5.F.5")
    scaling.locator(".explanation", has_text=OVERRIDE_NOTE).wait_for()
    assert "Mastery" in scaling.locator("p.state").inner_text()
    # The override can be withdrawn again (the button sits in the closed form).
    assert scaling.locator("button[name=withdraw]").count() == 1


def _levels(frame: Any) -> dict[str, str]:
    """Each competency's shown status and level on a learner page, by code."""
    rows = frame.locator("section.competency").evaluate_all(
        """sections => sections.map(s => [
             s.querySelector('h2 .code').textContent.trim(),
             s.querySelector('p.state').textContent,
           ])"""
    )
    # The teacher also sees the number behind the level; the words must be the same.
    return {code: " ".join(re.sub(r"\([\d.]+\)", "", text).split()) for code, text in rows}


def _only_diego(text: str) -> None:
    """The page names Diego and no other learner."""
    assert LEARNERS["diego"] in text
    for uid, name in LEARNERS.items():
        if uid != "diego":
            given = name.split()[0]
            assert not re.search(rf"\b({name}|{given})\b", text), f"{name} shown to Diego"


def test_teacher_aligns_syncs_judges_and_the_learner_sees_it(browser: Any, demo: Any) -> None:
    """The whole loop, teacher then learner, each inside the LMS frame."""
    page = launch(browser, demo, "teacher")
    try:
        frame = page.frame_locator(FRAME)
        _align(page, frame)
        _sync(page, frame)
        _see_grid(frame)
        _judge_diego(frame)
        teacher_sees = _levels(frame)
        assert len(teacher_sees) == 8 and teacher_sees["5.F.5"] == "Mastered: Mastery"
    finally:
        page.context.close()

    page = launch(browser, demo, "diego")
    try:
        frame = page.frame_locator(FRAME)
        mine = frame.locator("main").inner_text()
        _only_diego(frame.locator("body").inner_text())
        assert _levels(frame) == teacher_sees
        assert OBSERVATION in mine
        assert OVERRIDE_NOTE in mine
        frame.get_by_role("link", name="My transcript").click()
        frame.get_by_role("heading", name=re.compile("Competency transcript")).wait_for()
        _only_diego(frame.locator("body").inner_text())
    finally:
        page.context.close()


@pytest.mark.parametrize("person", ["teacher", "diego"])
def test_usable_at_tablet_width(browser: Any, demo: Any, person: str) -> None:
    """At 768 px, no page scrolls sideways; only the grid scrolls, inside its own region."""
    page = launch(browser, demo, person, viewport=TABLET)
    try:
        frame = page.frame_locator(FRAME)
        assert overflow(page.main_frame) <= 0
        names = (
            ["Progress", "Assignments", "Set-up"]
            if person == "teacher"
            else ["My progress", "My transcript"]
        )
        nav = frame.get_by_role("navigation", name="Course")
        for name in names:
            shown = follow(page, nav.get_by_role("link", name=name))
            assert overflow(shown) <= 0, f"{name} scrolls sideways at tablet width"
        if person == "teacher":
            shown = follow(page, nav.get_by_role("link", name="Progress"))
            region = frame.get_by_role("region", name="Learners and competencies")
            # The grid is wider than a tablet: it scrolls inside its region, not the page.
            assert region.evaluate("r => r.scrollWidth > r.clientWidth")
            assert region.evaluate("r => getComputedStyle(r).overflowX") in ("auto", "scroll")
            assert overflow(shown) <= 0
            shown = follow(page, frame.get_by_role("link", name=LEARNERS["diego"]))
            frame.locator("details").evaluate_all("ds => ds.forEach(d => d.open = true)")
            assert overflow(shown) <= 0, "the learner page scrolls sideways"
    finally:
        page.context.close()
