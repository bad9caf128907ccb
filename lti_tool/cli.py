"""The `lti-tool` command line: serve, demo, database, platforms, keys, standards, mastery, records.

Every command exits 0 on success, 1 when the work failed, 2 on bad input; errors are one
plain sentence on stderr, never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click
from flask import Flask
from sqlalchemy.orm import Session

from lti_tool.settings import SettingsError


class CliError(click.ClickException):
    """A command failed for a reason the user can act on (exit 1)."""

    exit_code = 1


class CliUsageError(click.ClickException):
    """The command's input was malformed (exit 2)."""

    exit_code = 2


def _app() -> Flask:
    """Create the app from the environment, turning bad settings into a clear error."""
    from lti_tool.app import create_app

    try:
        return create_app()
    except SettingsError as exc:
        raise CliUsageError(str(exc)) from None


@contextmanager
def session_scope(app: Flask) -> Iterator[Session]:
    """A session for one command: committed when the command succeeds, rolled back otherwise."""
    session: Session = app.extensions["db_sessions"]()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def with_session(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a command so it receives `app` and `session` keyword arguments."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        app = _app()
        with app.app_context(), session_scope(app) as session:
            return fn(*args, app=app, session=session, **kwargs)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="lti-tool")
def main() -> None:
    """An LTI 1.3 tool for competency-based learning in Canvas and Moodle."""


# --- serve and demo -------------------------------------------------------------------------


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
def serve(host: str, port: int) -> None:
    """Serve the tool with Flask's server (use gunicorn in production; see the README)."""
    app = _app()
    app.run(host=host, port=port, debug=False, use_reloader=False, threaded=True)


# --- database -------------------------------------------------------------------------------


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def db_upgrade(revision: str) -> None:
    """Bring the database schema up to date (Alembic `upgrade`)."""
    from lti_tool.db.migrate import upgrade

    app = _app()
    upgrade(app.config["DATABASE_URL"], revision)
    click.echo(f"Database at {revision}.")


@main.command()
@click.option("--seed-only", is_flag=True, help="Seed the demo data and exit without serving.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def demo(seed_only: bool, host: str, port: int) -> None:
    """Seed the demo and serve the tool with the built-in LMS on one port."""
    from lti_tool.db.migrate import upgrade

    app = _app()
    upgrade(app.config["DATABASE_URL"])
    if seed_only:
        click.echo("Demo data is seeded.")
        return
    click.echo(f"The tool is at http://{host}:{port}/healthz")
    app.run(host=host, port=port, debug=False, use_reloader=False, threaded=True)


def run() -> None:
    """Entry point that never shows a traceback for an interrupted command."""
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
