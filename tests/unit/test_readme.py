"""The README documents what a newcomer and an LMS admin need, and stays in step with the code."""

from __future__ import annotations

from pathlib import Path

from lti_tool.settings import ENV_PREFIX, SETTINGS

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_every_setting_has_a_row_in_the_configuration_table() -> None:
    """Each LTI_TOOL_* setting the tool reads is explained in the README."""
    missing = [name for name in SETTINGS if f"| `{ENV_PREFIX}{name}` |" not in README]
    assert not missing, f"add these settings to the README's configuration table: {missing}"


def test_the_first_screen_has_the_two_commands_and_the_demo_steps() -> None:
    """make demo, make test, and what to click, before anything else."""
    first_screen = README[: README.index("## Configuration")]
    for words in ("make demo", "make test", "/sim/", "Launch as"):
        assert words in first_screen, words


def test_registration_and_deployment_sections() -> None:
    """platform add, Canvas and Moodle steps, gunicorn + PostgreSQL + Redis, benchmarks."""
    for words in (
        "lti-tool platform add",
        "### Canvas",
        "### Moodle",
        "gunicorn -c config/gunicorn.conf.py",
        "LTI_TOOL_REDIS_URL=redis://",
        "## Benchmarks",
        "launches/s",
    ):
        assert words in README, words
