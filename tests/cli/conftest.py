"""Run `lti-tool` commands against the test database, as an admin would from a shell."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import CliRunner, Result
from flask import Flask

from lti_tool.cli import main


@pytest.fixture
def cli(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Invoke the command line with the test app's settings in the environment."""
    monkeypatch.setenv("LTI_TOOL_DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("LTI_TOOL_SECRET_KEY", app.config["SECRET_KEY"])
    monkeypatch.setenv("LTI_TOOL_BASE_URL", app.config["BASE_URL"])
    if app.config["REDIS_URL"]:
        monkeypatch.setenv("LTI_TOOL_REDIS_URL", app.config["REDIS_URL"])

    def invoke(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)

    return invoke
