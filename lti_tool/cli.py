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


def _app(environ: dict[str, str] | None = None) -> Flask:
    """Create the app from the environment, turning bad settings into a clear error."""
    from lti_tool.app import create_app

    try:
        app = create_app(environ=environ)
    except SettingsError as exc:
        raise CliUsageError(str(exc)) from None
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        # A command's connections close with the command, not whenever the collector runs.
        ctx.call_on_close(lambda: close_app(app))
    return app


def close_app(app: Flask) -> None:
    """Close the app's database pool and cache connections."""
    app.extensions["db_engine"].dispose()
    cache = app.extensions.get("cache")
    closer = getattr(cache, "close", None)
    if callable(closer):
        closer()


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


# --- platforms and keys ---------------------------------------------------------------------


@main.group()
def platform() -> None:
    """LMS platforms registered with the tool."""


@platform.command("add")
@click.option(
    "--issuer",
    required=True,
    help="The platform's issuer (iss), e.g. https://canvas.instructure.com.",
)
@click.option("--client-id", required=True, help="The client_id the platform gave the tool.")
@click.option("--auth-url", required=True, help="The platform's OIDC authorization endpoint.")
@click.option("--token-url", required=True, help="The platform's OAuth2 token endpoint.")
@click.option("--jwks-url", required=True, help="The platform's public key set URL.")
@click.option(
    "--deployment-id", required=True, help="A deployment id to allow (repeat the command for more)."
)
@click.option("--name", default="", help="A name admins recognise, e.g. 'District Canvas'.")
@click.option(
    "--allow-http", is_flag=True, hidden=True, help="Accept http URLs (local testing only)."
)
@with_session
def platform_add(
    issuer: str,
    client_id: str,
    auth_url: str,
    token_url: str,
    jwks_url: str,
    deployment_id: str,
    name: str,
    allow_http: bool,
    *,
    app: Flask,
    session: Session,
) -> None:
    """Register a platform by hand, or allow another deployment of a registered one."""
    from lti_tool.lti.platforms import PlatformInput, RegistrationError, add_platform

    try:
        reg = add_platform(
            session,
            PlatformInput(
                issuer=issuer,
                client_id=client_id,
                auth_login_url=auth_url,
                auth_token_url=token_url,
                key_set_url=jwks_url,
                deployment_id=deployment_id,
                name=name,
            ),
            allow_http=allow_http,
        )
    except RegistrationError as exc:
        raise CliUsageError(str(exc)) from None
    base = app.config["BASE_URL"]
    click.echo(f"Registered {reg.name} ({reg.issuer}, client_id {reg.client_id}).")
    click.echo(f"Deployments: {', '.join(d.deployment_id for d in reg.deployments)}")
    click.echo(f"Give the platform: login URL {base}/lti/login, redirect URI {base}/lti/launch,")
    click.echo(f"  key set URL {base}/.well-known/jwks.json")


@platform.command("list")
@with_session
def platform_list(*, app: Flask, session: Session) -> None:
    """List registered platforms with their deployments and status."""
    from lti_tool.lti.platforms import list_registrations

    regs = list_registrations(session)
    if not regs:
        click.echo("No platforms registered. Add one with `lti-tool platform add`.")
        return
    for reg in regs:
        deps = ", ".join(d.deployment_id for d in reg.deployments) or "none"
        click.echo(
            f"{reg.id}\t{reg.status}\t{reg.product}\t{reg.issuer}\t{reg.client_id}\t{reg.name}"
        )
        click.echo(f"\tdeployments: {deps}")


@platform.command("approve")
@click.argument("registration_id", type=int)
@with_session
def platform_approve(registration_id: int, *, app: Flask, session: Session) -> None:
    """Let a registration made by dynamic registration launch the tool."""
    from lti_tool.lti.platforms import RegistrationError, set_status

    try:
        reg = set_status(session, registration_id, "active")
    except RegistrationError as exc:
        raise CliUsageError(str(exc)) from None
    click.echo(f"{reg.name} ({reg.issuer}, client_id {reg.client_id}) may now launch the tool.")


@main.group()
def keys() -> None:
    """The tool's signing keys."""


@keys.command("rotate")
@with_session
def keys_rotate(*, app: Flask, session: Session) -> None:
    """Start signing with a new key; the old one stays published for the overlap window."""
    from lti_tool.lti.keys import rotate

    overlap = app.config["KEY_ROTATION_OVERLAP_DAYS"]
    new, retired = rotate(session, app.extensions["secretbox"], overlap)
    click.echo(f"New signing key {new.kid}.")
    for row in retired:
        click.echo(f"Key {row.kid} stays in the JWKS until {row.retire_after:%Y-%m-%d %H:%M} UTC.")


@main.command()
@click.option("--seed-only", is_flag=True, help="Seed the demo data and exit without serving.")
@click.option(
    "--platform",
    "product",
    type=click.Choice(["canvas", "moodle"]),
    default="canvas",
    show_default=True,
    help="Which LMS the built-in platform behaves like.",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def demo(seed_only: bool, product: str, host: str, port: int) -> None:
    """Seed the demo and serve the tool with the built-in LMS at /sim, on one port."""
    import os

    from lti_tool.db.migrate import upgrade
    from lti_tool.usecases.demo import seed

    environ = {
        "LTI_TOOL_BASE_URL": f"http://{host}:{port}",
        **os.environ,
        "LTI_TOOL_ALLOW_HTTP_PLATFORMS": "1",
        "LTI_TOOL_DEMO_PLATFORM": "1",
    }
    app = _app(environ)
    upgrade(app.config["DATABASE_URL"])
    with app.app_context(), session_scope(app) as session:
        seed(
            session,
            app.extensions["secretbox"],
            app.instance_path,
            app.config["BASE_URL"],
            product,
        )
    if seed_only:
        click.echo("Demo data is seeded.")
        return
    if product != app.extensions.get("sim_product"):
        app = _app(environ)  # mount the platform that was just seeded
    base = app.config["BASE_URL"]
    click.echo(f"Demo LMS: {base}/sim/  (open it and launch the tool as the teacher or a learner)")
    click.echo(f"The tool: {base}/healthz")
    app.run(host=host, port=port, debug=False, use_reloader=False, threaded=True)


# --- mastery --------------------------------------------------------------------------------


@main.group()
def mastery() -> None:
    """The mastery engine: compare calculation methods on any evidence."""


@mastery.command("calculate")
@click.option("--compact", is_flag=True, help="Write the JSON on one line.")
def mastery_calculate(compact: bool) -> None:
    """Read a calculation request as JSON on stdin; write the result as JSON on stdout.

    Give "method" and "params" for one result, or "methods": [{"method", "params"}, ...] to
    compare several on the same evidence. See the README, "Mastery calculation".
    """
    import json

    from lti_tool.mastery import MasteryInputError
    from lti_tool.mastery.jsonio import run_request

    text = sys.stdin.buffer.read()
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise CliUsageError(f"stdin is not valid JSON: {exc}") from None
    try:
        answer = run_request(data)
    except MasteryInputError as exc:
        raise CliUsageError(str(exc)) from None
    click.echo(json.dumps(answer, ensure_ascii=False, indent=None if compact else 2))


@mastery.command("methods")
def mastery_methods() -> None:
    """List the calculation methods with their parameters, defaults and meaning, as JSON."""
    import json

    from lti_tool.mastery.methods import methods_to_json

    click.echo(json.dumps(methods_to_json(), ensure_ascii=False, indent=2))


def run() -> None:
    """Entry point that never shows a traceback for an interrupted command."""
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
