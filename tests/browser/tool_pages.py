"""Reaching the tool's pages in the demo LMS, for the browser tests."""

from __future__ import annotations

from typing import Any

FRAME = "iframe[title='Competencies tool']"
HEADING = {"instructor": "Progress", "learner": "My progress"}
LEARNERS = {
    "amara": "Amara Okafor",
    "ben": "Ben Carter",
    "chloe": "Chloe Nguyen",
    "diego": "Diego Morales",
    "esme": "Esme Walker",
}
TABLET = {"width": 768, "height": 1024}
DESKTOP = {"width": 1280, "height": 800}


def launch(browser: Any, demo: Any, person: str, viewport: dict[str, int] = DESKTOP) -> Any:
    """A new browser context whose page shows the demo course as `person`, tool in its frame.

    Returns the page; the caller closes `page.context`.
    """
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(demo.course_page(person))
    role = "instructor" if person == "teacher" else "learner"
    heading = page.frame_locator(FRAME).get_by_role("heading", name=HEADING[role], exact=True)
    heading.wait_for(timeout=15000)
    return page


def tool(page: Any) -> Any:
    """The tool's frame (a Playwright Frame, for scripts and URLs)."""
    frame = page.locator(FRAME).element_handle().content_frame()
    assert frame is not None
    return frame


def overflow(frame: Any) -> int:
    """How many pixels the page is wider than its window (0: no horizontal scroll)."""
    return int(
        frame.evaluate(
            "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
            " - document.documentElement.clientWidth"
        )
    )


def follow(page: Any, link: Any) -> Any:
    """Click a link or button in the tool's frame and wait for the page it leads to."""
    frame = tool(page)
    with frame.expect_navigation():
        link.click()
    return frame
