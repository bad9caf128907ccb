"""Drive Debian's Chromium through Playwright against `lti-tool demo` on a free port.

Never downloads a browser: when /usr/bin/chromium (or LTI_TOOL_CHROMIUM) is absent, every
browser test skips with the command that installs it. Screenshots go to a temporary folder
(or LTI_TOOL_SCREENSHOTS), never into the repository.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.servers import ROOT, free_port

CHROMIUM = Path(os.environ.get("LTI_TOOL_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the session."""
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM}: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright is not installed: pip install -e '.[test]'")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the tests save what the browser showed."""
    configured = os.environ.get("LTI_TOOL_SCREENSHOTS")
    if configured:
        Path(configured).mkdir(parents=True, exist_ok=True)
        return Path(configured)
    return tmp_path_factory.mktemp("screenshots")


class _Output:
    """Read a process's stream in a thread, so a full pipe never stalls the server."""

    def __init__(self, stream: Any) -> None:
        self.lines: deque[str] = deque(maxlen=200)
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def _read(self, stream: Any) -> None:
        with stream:
            for raw in iter(stream.readline, b""):
                self.lines.append(raw.decode(errors="replace"))

    def text(self) -> str:
        """What was read so far (the last lines)."""
        return "".join(self.lines)


def _start_demo(instance: Path, product: str) -> tuple[subprocess.Popen[bytes], str, list[_Output]]:
    """Run `python -m lti_tool demo` as a newcomer would, on its own SQLite database.

    Returns once the demo says it is serving, which it does after seeding the classroom (the
    seeding syncs with the built-in LMS over HTTP, so the port answers before it is done).
    """
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("LTI_TOOL_DATABASE_URL", "LTI_TOOL_REDIS_URL", "LTI_TOOL_BASE_URL")
    }
    env.update(
        LTI_TOOL_SECRET_KEY="browser-test-secret-" + "x" * 24,
        LTI_TOOL_INSTANCE_PATH=str(instance),
        LTI_TOOL_LOG_LEVEL="WARNING",
    )
    proc = subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
        [sys.executable, "-m", "lti_tool", "demo", "--platform", product, "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = _Output(proc.stdout), _Output(proc.stderr)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while True:
        if "Demo LMS:" in out.text():
            try:
                if requests.get(base + "/sim/", timeout=1).status_code == 200:
                    return proc, base, [out, err]
            except requests.RequestException:
                pass
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            proc.wait()
            for output in (out, err):
                output.thread.join(timeout=10)
            raise RuntimeError(f"lti-tool demo did not start: {out.text()}{err.text()[-2000:]}")
        time.sleep(0.2)


def _stop(proc: subprocess.Popen[bytes], outputs: list[_Output]) -> None:
    """Stop the demo server."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    for output in outputs:
        output.thread.join(timeout=10)


@pytest.fixture(scope="module", params=["canvas", "moodle"])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The demo (tool + built-in LMS at /sim) behaving like Canvas, then like Moodle."""
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM}: apt-get install chromium")
    product = str(request.param)
    proc, base, outputs = _start_demo(tmp_path_factory.mktemp(f"demo-{product}"), product)
    yield Demo(base, product)
    _stop(proc, outputs)


class Demo:
    """A running demo: its base URL and which LMS it plays."""

    def __init__(self, base: str, product: str) -> None:
        self.base = base
        self.product = product

    def course_page(self, person: str, host: str = "127.0.0.1") -> str:
        """The demo course page, signed in to the LMS as `person`, with the tool in its frame."""
        return self.base.replace("127.0.0.1", host) + f"/sim/courses/math5?as={person}"
