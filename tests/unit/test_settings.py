"""Settings come in layers and refuse to start without a secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from lti_tool.settings import SettingsError, load_settings

SECRET = {"LTI_TOOL_SECRET_KEY": "s" * 32}


def test_defaults_then_toml_then_environment_then_test_config(tmp_path: Path) -> None:
    """Each layer overrides the one below it."""
    toml = tmp_path / "tool.toml"
    toml.write_text(
        '[lti_tool]\nbase_url = "https://from-file.example"\nclock_leeway_seconds = 30\n'
    )
    env = {**SECRET, "LTI_TOOL_CONFIG": str(toml), "LTI_TOOL_CLOCK_LEEWAY_SECONDS": "10"}
    s = load_settings(tmp_path, environ=env)
    assert s["BASE_URL"] == "https://from-file.example"
    assert s["CLOCK_LEEWAY_SECONDS"] == 10
    assert s["MAX_TOKEN_AGE_SECONDS"] == 600
    s = load_settings(tmp_path, environ=env, test_config={"CLOCK_LEEWAY_SECONDS": 5})
    assert s["CLOCK_LEEWAY_SECONDS"] == 5


def test_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    """Outside tests, no LTI_TOOL_SECRET_KEY means no start, with a message saying how."""
    with pytest.raises(SettingsError, match="LTI_TOOL_SECRET_KEY is not set"):
        load_settings(tmp_path, environ={})


def test_tests_get_a_secret(tmp_path: Path) -> None:
    """The test config may start without one."""
    assert load_settings(tmp_path, environ={}, test_config={"TESTING": True})["SECRET_KEY"]


def test_database_defaults_to_sqlite_under_instance(tmp_path: Path) -> None:
    """No database URL means an SQLite file in the instance folder."""
    s = load_settings(tmp_path, environ=SECRET)
    assert s["DATABASE_URL"] == f"sqlite:///{tmp_path / 'lti_tool.sqlite3'}"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"LTI_TOOL_CLOCK_LEEWAY_SECONDS": "soon"}, "must be a int"),
        ({"LTI_TOOL_TRUST_PROXY_HEADERS": "maybe"}, "must be a bool"),
        ({"LTI_TOOL_SECRET_KEY": "short"}, "at least 16 characters"),
        ({"LTI_TOOL_CONFIG": "/no/such/file.toml"}, "does not exist"),
    ],
)
def test_bad_values_are_named(tmp_path: Path, env: dict[str, str], message: str) -> None:
    """A bad value is refused with the variable's name."""
    with pytest.raises(SettingsError, match=message):
        load_settings(tmp_path, environ={**SECRET, **env})


def test_unknown_and_malformed_toml(tmp_path: Path) -> None:
    """An unknown key or broken TOML is refused, naming the file."""
    bad = tmp_path / "bad.toml"
    bad.write_text("nonsense = = 1")
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings(tmp_path, environ={**SECRET, "LTI_TOOL_CONFIG": str(bad)})
    unknown = tmp_path / "unknown.toml"
    unknown.write_text("colour = 'blue'")
    with pytest.raises(SettingsError, match="unknown setting 'colour'"):
        load_settings(tmp_path, environ={**SECRET, "LTI_TOOL_CONFIG": str(unknown)})
