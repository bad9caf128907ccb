"""A newcomer's demo in a real browser: the tool launches inside the LMS page's iframe.

Canvas offers the postMessage storage (lti_storage_target), Moodle does not; the tool must
keep its login state through whichever the browser allows, and offer a new window when
neither works.
Spec: https://www.imsglobal.org/spec/lti-cs-oidc/v0p1 and https://www.imsglobal.org/spec/lti-pm-s/v0p1
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HEADING = {"instructor": "Progress", "learner": "My progress"}

# Stand-in for a browser that refuses cookies inside frames (Safari, many school iPads).
BLOCK_FRAME_COOKIES = """
if (window.top !== window.self) {
  Object.defineProperty(document, "cookie", {get() { return ""; }, set(v) {}, configurable: true});
}
"""


class CookieDropper:
    """Route handlers that make the browser lose the tool's state cookie in the frame.

    On the way from the tool's login to the platform's authorization endpoint, the framed
    tool's cookies are cleared, as a browser that blocks third-party cookies would; every
    launch POST is recorded.
    """

    def __init__(self, context: Any) -> None:
        self.context = context
        self.launch_posts: list[str] = []

    def on_authorize(self, route: Any) -> None:
        """The framed flow reaches the platform: the tool's cookie is gone from here on."""
        if route.request.frame.parent_frame is not None:
            self.context.clear_cookies(name=re.compile(r"^lti1p3-state-"))
        route.continue_()

    def on_launch(self, route: Any) -> None:
        """Record the launch's form and let it through."""
        self.launch_posts.append(route.request.post_data or "")
        route.continue_()


def _tool_frame(page: Any) -> Any:
    """The tool's iframe on the LMS course page."""
    return page.frame_locator("iframe[title='Competencies tool']")


@pytest.mark.parametrize(
    ("person", "name", "role"),
    [("teacher", "Ms. Rivera", "instructor"), ("amara", "Amara Okafor", "learner")],
)
def test_launch_inside_the_lms_frame(
    browser: Any, demo: Any, screenshots: Path, person: str, name: str, role: str
) -> None:
    """Teacher and learner each open the course and see the tool, signed in, in the frame."""
    context = browser.new_context()
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda msg: console.append(msg.text))
    try:
        page.goto(demo.course_page(person))
        frame = _tool_frame(page)
        frame.get_by_role("heading", name=HEADING[role], exact=True).wait_for(timeout=15000)
        text = frame.locator("body").inner_text()
        assert name in text and f"({role})" in text, text
        # The tool's Content-Security-Policy let its own scripts run and the LMS frame it.
        assert not [m for m in console if "Content Security Policy" in m], console
        page.screenshot(path=str(screenshots / f"{demo.product}-{person}-in-frame.png"))
    finally:
        context.close()


def test_platform_storage_keeps_the_state_when_cookies_are_dropped(
    browser: Any, demo: Any, screenshots: Path
) -> None:
    """Canvas: no cookie reaches the framed tool, yet the launch succeeds via lti.get_data."""
    if demo.product != "canvas":
        pytest.skip("the built-in Moodle offers no platform storage, as Moodle does not")
    context = browser.new_context()
    page = context.new_page()
    dropper = CookieDropper(context)
    context.route("**/api/lti/authorize_redirect*", dropper.on_authorize)
    context.route("**/lti/launch", dropper.on_launch)
    try:
        page.goto(demo.course_page("teacher"))
        frame = _tool_frame(page)
        frame.get_by_role("heading", name=HEADING["instructor"], exact=True).wait_for(timeout=15000)
        assert "(instructor)" in frame.locator("body").inner_text()
        launches = dropper.launch_posts
        assert len(launches) == 2, launches  # the launch, then again with the stored state
        assert "platform_state=" in launches[1] and "storage_failed" not in launches[1]
        assert not any(c["name"].startswith("lti1p3-state") for c in context.cookies())
        page.screenshot(path=str(screenshots / "canvas-storage-path.png"))
    finally:
        context.close()


def test_new_window_when_neither_cookies_nor_storage_work(
    browser: Any, demo: Any, screenshots: Path
) -> None:
    """Moodle in a cookie-blocking browser: the frame offers a new window, which works."""
    if demo.product != "moodle":
        pytest.skip("Canvas's platform storage works here; the fallback is for Moodle")
    context = browser.new_context()
    context.add_init_script(BLOCK_FRAME_COOKIES)
    page = context.new_page()
    try:
        page.goto(demo.course_page("teacher"))
        frame = _tool_frame(page)
        button = frame.get_by_role("button", name="Open the tool in a new window")
        button.wait_for(timeout=15000)
        assert "blocks the cookie" in frame.locator("#blocked").inner_text()
        page.screenshot(path=str(screenshots / "moodle-new-window-offer.png"))
        with page.expect_popup() as popup_info:
            button.click()
        popup = popup_info.value
        popup.get_by_role("heading", name=HEADING["instructor"], exact=True).wait_for(timeout=15000)
        assert "(instructor)" in popup.locator("body").inner_text()
        popup.screenshot(path=str(screenshots / "moodle-new-window-launched.png"))
    finally:
        context.close()
