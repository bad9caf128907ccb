"""Launches succeed when the login and the launch are served by different gunicorn workers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask

from tests.servers import DirectPlatform, free_port, gunicorn, serve_sim
from tests.web.conftest import make_sim
from tests.web.lti_flow import register_platform

pytestmark = pytest.mark.slow


def test_fifty_concurrent_launches_across_three_workers(app: Flask, database_url: str) -> None:
    """50 concurrent launches on 3 workers all succeed, many crossing workers."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    sim = make_sim(_Server(0), "canvas")
    for tool in sim.tools.values():
        tool.login_url, tool.launch_url = base + "/lti/login", base + "/lti/launch"
        tool.redirect_uris = [base + "/lti/launch"]
    with serve_sim(sim):
        from lti_tool.platform_sim.web import endpoints

        register_platform(app, sim, endpoints(sim))
        env = {
            "LTI_TOOL_DATABASE_URL": database_url,
            "LTI_TOOL_SECRET_KEY": app.config["SECRET_KEY"],
            "LTI_TOOL_EXPOSE_WORKER_ID": "1",
        }
        if app.config["REDIS_URL"]:
            env["LTI_TOOL_REDIS_URL"] = app.config["REDIS_URL"]
        with gunicorn(env, workers=3, port=port):
            platform = DirectPlatform(sim, "tool-1", "dep-1")
            with ThreadPoolExecutor(max_workers=16) as pool:
                results = list(pool.map(lambda n: platform.launch(base, f"u{n % 7}"), range(50)))
    failures = [r.detail for r in results if not r.ok]
    assert not failures, failures[:3]
    crossed = sum(1 for r in results if r.login_worker != r.launch_worker)
    assert len({r.login_worker for r in results} | {r.launch_worker for r in results}) >= 2
    assert crossed > 0, "no launch crossed workers; the test proved nothing"


class _Server:
    """A stand-in for make_sim's server argument; serve_sim sets the real URL."""

    def __init__(self, port: int) -> None:
        self.server_port = port
