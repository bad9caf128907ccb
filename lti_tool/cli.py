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


# --- standards (CASE) -----------------------------------------------------------------------


@main.group()
def case() -> None:
    """Competency frameworks as CASE (1EdTech Competencies and Academic Standards Exchange)."""


@case.command("import")
@click.argument("path_or_url")
@click.option("--token", default=None, help="Bearer token for a CASE provider that needs one.")
@click.option(
    "--source",
    default=None,
    help="Where the framework comes from (default: 'file', or the URL). Another source "
    "with the same framework identifier is a conflict.",
)
@click.option(
    "--replace", is_flag=True, help="Resolve a conflict: let this source take the framework over."
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@with_session
def case_import(
    path_or_url: str,
    token: str | None,
    source: str | None,
    replace: bool,
    as_json: bool,
    *,
    app: Flask,
    session: Session,
) -> None:
    """Import a CASE JSON package (1.0 or 1.1) from a file or a provider URL, all or nothing."""
    import json

    from lti_tool.usecases.case_fetch import CaseFetchError, fetch_case_package
    from lti_tool.usecases.case_import import ImportRefused, import_package, read_package_file

    is_url = path_or_url.startswith(("http://", "https://"))
    try:
        if is_url:
            raw = fetch_case_package(path_or_url, token)
        else:
            raw = read_package_file(path_or_url, app.config["MAX_UPLOAD_BYTES"])
    except CaseFetchError as exc:
        raise CliError(str(exc)) from None
    except ImportRefused as exc:
        raise CliUsageError(_refusal_text(exc)) from None
    label = source or (path_or_url if is_url else "file")
    with click.progressbar(length=1, label="Importing", file=sys.stderr) as bar:

        def progress(_stage: str, done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        try:
            report = import_package(
                session, raw, label, resolution="replace" if replace else None, progress=progress
            )
        except ImportRefused as exc:
            raise (CliError if exc.conflict else CliUsageError)(_refusal_text(exc)) from None
        bar.update(bar.length - bar.pos)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
        return
    click.echo(f"{report.outcome.capitalize()}: {report.title} ({report.document_identifier})")
    for kind, counts in report.counts.items():
        parts = [f"{n} {name}" for name, n in vars(counts).items() if n]
        click.echo(f"  {kind}: {', '.join(parts) or 'nothing'}")
    for warning in report.warnings:
        click.echo(f"  note: {warning}")


def _refusal_text(exc: Any) -> str:
    """A refused import's problems, one per line with its JSON path."""
    lines = ["The import was refused; nothing was stored."]
    lines += [f"  {p.path}: {p.message}" for p in exc.problems[:50]]
    if len(exc.problems) > 50:
        lines.append(f"  ... and {len(exc.problems) - 50} more problems")
    return "\n".join(lines)


@case.command("list")
@with_session
def case_list(*, app: Flask, session: Session) -> None:
    """List stored frameworks: identifier, items, associations, source, title."""
    from lti_tool.usecases.case_frameworks import summaries

    rows = summaries(session)
    if not rows:
        click.echo("No frameworks stored. Import one with `lti-tool case import FILE`.")
        return
    for row in rows:
        private = "\tprivate" if row.private else ""
        click.echo(
            f"{row.identifier}\t{row.items} items\t{row.associations} associations\t"
            f"{row.source}\t{row.title}{private}"
        )


@case.command("client-add")
@click.argument("name")
@with_session
def case_client_add(name: str, *, app: Flask, session: Session) -> None:
    """Let a CASE consumer read private frameworks (OAuth 2.0 client credentials)."""
    from lti_tool.usecases.case_api_clients import add_client

    client_id, secret = add_client(session, name)
    base = app.config["BASE_URL"]
    click.echo(f"client_id     {client_id}")
    click.echo(f"client_secret {secret}   (shown once; keep it secret)")
    click.echo(f"token URL     {base}/ims/case/token  (grant_type=client_credentials)")


@case.command("export")
@click.argument("document_id")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="File to write.")
@click.option(
    "--case-version",
    type=click.Choice(["1.0", "1.1"]),
    default="1.1",
    show_default=True,
    help="CASE version of the package.",
)
@with_session
def case_export(
    document_id: str, out: str, case_version: str, *, app: Flask, session: Session
) -> None:
    """Write a stored framework as a CASE JSON package."""
    import json

    from lti_tool.usecases.case_frameworks import FrameworkNotFound, export_framework

    try:
        package = export_framework(session, document_id, case_version)
    except FrameworkNotFound as exc:
        raise CliError(str(exc)) from None
    try:
        with open(out, "w", encoding="utf-8") as fh:
            json.dump(package, fh, ensure_ascii=False, indent=2)
            fh.write("\n")
    except OSError as exc:
        raise CliError(f"Cannot write {out}: {exc.strerror}") from None
    click.echo(
        f"Wrote {package['CFDocument']['title']} as CASE {case_version} to {out} "
        f"({len(package['CFItems'])} items, {len(package['CFAssociations'])} associations)."
    )


def run() -> None:
    """Entry point that never shows a traceback for an interrupted command."""
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
