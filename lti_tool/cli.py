"""The `lti-tool` command line: serve, demo, database, platforms, keys, standards, mastery, records.

Every command exits 0 on success, 1 when the work failed, 2 on bad input; errors are one
plain sentence on stderr, never a traceback.
"""

from __future__ import annotations

import sys
import threading
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

    # The demo's LMS lives at /sim on this very server, so the tool's public URL is where it
    # listens, whatever the environment says.
    environ = {
        **os.environ,
        "LTI_TOOL_BASE_URL": f"http://{host}:{port}",
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
    if product != app.extensions.get("sim_product"):
        app = _app(environ)  # mount the platform that was just seeded
    from werkzeug.serving import make_server

    from lti_tool.usecases.demo import seed_classroom

    # The classroom's seeding syncs with the built-in LMS over HTTP, so serve first.
    try:
        server = make_server(host, port, app, threaded=True)
    except OSError as exc:
        raise CliUsageError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with app.app_context():
            if seed_classroom(app, app.extensions["sim"]):
                click.echo("Seeded the demo course: frameworks, assignments, grades, a sync.")
        if seed_only:
            click.echo("Demo data is seeded.")
            return
        base = app.config["BASE_URL"]
        click.echo(f"Demo LMS: {base}/sim/  (launch the tool as the teacher or a learner)")
        click.echo(f"The tool: {base}/healthz")
        click.echo("Press Ctrl+C to stop.")
        while thread.is_alive():
            thread.join(timeout=1)
    finally:
        server.shutdown()


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
    """Import a framework, all or nothing: a CASE JSON package (1.0 or 1.1), an OpenSALT
    workbook or CSV, an ASN file (RDF/JSON or RDF/XML), or a CASE provider URL."""
    import json

    from lti_tool.usecases.case_fetch import CaseFetchError, fetch_case_package
    from lti_tool.usecases.case_import import ImportRefused, import_package
    from lti_tool.usecases.case_sources import load_path

    is_url = path_or_url.startswith(("http://", "https://"))
    try:
        if is_url:
            raw = fetch_case_package(path_or_url, token)
        else:
            raw = load_path(
                path_or_url,
                max_bytes=app.config["MAX_UPLOAD_BYTES"],
                base_url=app.config["BASE_URL"],
            )
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


# --- grade sync -------------------------------------------------------------------------------


@main.command("sync")
@click.option("--course", "course_ids", type=int, multiple=True, help="A course's id in the tool.")
@click.option("--all", "all_courses", is_flag=True, help="Every course with aligned assignments.")
@click.option("--take-over", is_flag=True, help="End a run that seems stuck and start anew.")
def sync_command(course_ids: tuple[int, ...], all_courses: bool, take_over: bool) -> None:
    """Pull scores, compute mastery and write it back, in the foreground (for a schedule)."""
    from lti_tool.usecases import sync

    if not course_ids and not all_courses:
        raise CliUsageError("name a course with --course ID, or use --all")
    app = _app()
    with session_scope(app) as session:
        targets = list(course_ids) or sync.courses_to_sync(session)
    failed = 0
    for course_id in targets:
        with session_scope(app) as session:
            run, new = sync.start(session, course_id, None, take_over=take_over)
            run_id = run.id
        if not new:
            click.echo(f"course {course_id}: a sync is already running (run {run_id})")
            continue
        with app.app_context():
            sync.job(app, run_id)
        with session_scope(app) as session:
            from lti_tool.db.models.classroom import SyncRun

            done = session.get(SyncRun, run_id)
            status, message = (done.status, done.message) if done else ("failed", "")
        click.echo(f"course {course_id}: {status}. {message}")
        failed += status != "done"
    if failed:
        sys.exit(1)


# --- background jobs --------------------------------------------------------------------------


@main.command()
@click.option("--burst", is_flag=True, help="Run the queued jobs, then stop.")
def worker(burst: bool) -> None:
    """Run background jobs (grade sync, bulk exports) from Redis with RQ.

    Needs LTI_TOOL_REDIS_URL; without Redis the web process runs jobs in threads itself.
    """
    from lti_tool import jobs

    app = _app()
    if not app.config.get("REDIS_URL"):
        raise CliUsageError(
            "set LTI_TOOL_REDIS_URL to run a worker; without it jobs run in threads"
        )
    jobs.work(app, burst=burst)


# --- learner records (CLR 2.0) ---------------------------------------------------------------


@main.group()
def clr() -> None:
    """Learner records: verify, revoke, rotate the credential key, export samples."""


def _read_json_file(path: str, what: str) -> Any:
    """A JSON file, or exit 2 with a plain message."""
    import json

    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise CliUsageError(f"the {what} {path} cannot be read as JSON: {exc}") from None


@clr.command("verify")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--map", "map_file", help="Offline documents of other issuers: {documents: {url: doc}}."
)
@click.option("--now", "now_text", help="Check validity at this ISO date-time instead of now.")
@click.option("--json", "as_json", is_flag=True, help="Print the whole verdict as JSON.")
@with_session
def clr_verify(
    file: str,
    map_file: str | None,
    now_text: str | None,
    as_json: bool,
    *,
    app: Flask,
    session: Session,
) -> None:
    """Verify a record (JSON or JWT): exit 0 verified, 1 not verified, 2 bad input."""
    import json

    from lti_tool.clr.dataintegrity import parse_datetime
    from lti_tool.clr.errors import MalformedCredential
    from lti_tool.clr.verify import parse_input
    from lti_tool.db.base import utcnow
    from lti_tool.usecases.credentials import verify_document

    try:
        with open(file, "rb") as handle:
            value = parse_input(handle.read(5_000_001))
    except OSError as exc:
        raise CliUsageError(f"{file} cannot be read: {exc.strerror}") from None
    except MalformedCredential as exc:
        raise CliUsageError(f"{file}: {exc}") from None
    offline = _read_json_file(map_file, "map file") if map_file else None
    now = parse_datetime(now_text) if now_text else utcnow()
    if now is None:
        raise CliUsageError(
            "--now must be an ISO date-time with a time zone, e.g. 2026-01-01T00:00:00Z"
        )
    try:
        verdict = verify_document(session, app.config["BASE_URL"], value, now, offline)
    except MalformedCredential as exc:
        raise CliUsageError(f"{file}: {exc}") from None
    if as_json:
        click.echo(json.dumps(verdict.as_json(), indent=2))
    else:
        c = verdict.credential
        click.echo(("VERIFIED" if verdict.verified else "NOT VERIFIED") + f": {c.name or c.id}")
        click.echo(f"Issuer: {c.issuer_name} ({c.issuer_id})")
        click.echo(f"Subject: {c.subject}")
        click.echo(f"Nested credentials: {len(verdict.nested)}; claims: {len(verdict.claims)}")
        for reason in verdict.reasons:
            click.echo(f"- {reason}")
    if not verdict.verified:
        sys.exit(1)


@clr.command("revoke")
@click.argument("credential_id")
@click.option("--reason", required=True, help="Why; kept with the record for the registrar.")
@with_session
def clr_revoke(credential_id: str, reason: str, *, app: Flask, session: Session) -> None:
    """Revoke an issued record (and the credentials nested in it)."""
    from lti_tool.usecases.credentials import RevocationError, revoke

    try:
        rows = revoke(session, credential_id, reason)
    except RevocationError as exc:
        raise CliError(str(exc)) from None
    click.echo(f"Revoked {len(rows)} credential(s); verifiers see it in the status list now.")


@clr.command("rotate-key")
@with_session
def clr_rotate_key(*, app: Flask, session: Session) -> None:
    """Sign new credentials with a new Ed25519 key; old keys stay in the DID document."""
    from lti_tool.usecases.credentials import issuer_did, rotate_key

    row = rotate_key(session, app.extensions["secretbox"])
    click.echo(f"New credential key {issuer_did(app.config['BASE_URL'])}#{row.fragment}.")


@clr.command("sample")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False))
@click.option("--learners", default=2, show_default=True, type=click.IntRange(1, 1000))
@click.option("--competencies", default=3, show_default=True, type=click.IntRange(1, 200))
@with_session
def clr_sample(
    out_dir: str, learners: int, competencies: int, *, app: Flask, session: Session
) -> None:
    """Issue sample records for fictional learners, with a map file for offline verifiers."""
    from lti_tool.usecases.credential_samples import export_samples

    paths = export_samples(
        session,
        app.extensions["secretbox"],
        app.config["BASE_URL"],
        out_dir,
        learners,
        competencies,
    )
    for path in paths:
        click.echo(path)


@clr.command("map")
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False))
@with_session
def clr_map(out_file: str, *, app: Flask, session: Session) -> None:
    """Write the DID document and current status lists as an offline map for verifiers."""
    from pathlib import Path

    from lti_tool.usecases.credential_samples import write_map

    click.echo(
        write_map(session, app.extensions["secretbox"], app.config["BASE_URL"], Path(out_file))
    )


@clr.command("export")
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False))
@click.option("--id", "credential_ids", multiple=True, help="A record id (repeatable).")
@click.option("--subject", "subjects", multiple=True, help="A learner reference (repeatable).")
@click.option(
    "--course",
    "course_ids",
    multiple=True,
    type=int,
    help="Issue a current record for every learner of this course first, and export those "
    "(repeatable: a cohort is the courses it took).",
)
@click.option(
    "--cohort",
    default=None,
    help="Every course whose code or title contains this text (e.g. 'Class of 2027'): a "
    "graduating class's records in one archive.",
)
@with_session
def clr_export(
    out_file: str,
    credential_ids: tuple[str, ...],
    subjects: tuple[str, ...],
    course_ids: tuple[int, ...],
    cohort: str | None,
    *,
    app: Flask,
    session: Session,
) -> None:
    """Export learner records as a ZIP with PDFs and a map file: the current records of whole
    courses (--course), or issued records (all, or by --id / --subject)."""
    from pathlib import Path

    from lti_tool.usecases import progress, records
    from lti_tool.usecases.credential_export import ExportError, export_archive, records_to_export

    if cohort is not None:
        from sqlalchemy import or_, select

        from lti_tool.db.models.lti import Context

        needle = f"%{cohort.strip()}%"
        found = session.scalars(
            select(Context.id).where(or_(Context.label.ilike(needle), Context.title.ilike(needle)))
        ).all()
        if not cohort.strip() or not found:
            raise CliError(f"no course's code or title contains {cohort!r}")
        course_ids = tuple(dict.fromkeys([*course_ids, *found]))
    issued_refs: list[str] = []
    for course_id in course_ids:
        people = progress.learners(session, course_id)
        if not people:
            raise CliError(f"course {course_id} has no learners (run lti-tool platform list)")
        with click.progressbar(people, label=f"Signing course {course_id}", file=sys.stderr) as bar:
            for person in bar:
                try:
                    records.issue(
                        session,
                        app.extensions["secretbox"],
                        course_id,
                        person.id,
                        base_url=app.config["BASE_URL"],
                        issuer_name=app.config["ISSUER_NAME"],
                    )
                except records.RecordError:
                    continue
                issued_refs.append(records.subject_ref(course_id, person.id))
        session.commit()
    try:
        if course_ids:
            latest: dict[str, object] = {}
            for row in records_to_export(session, (), issued_refs):
                latest[row.subject_ref] = row  # rows come oldest first: keep the newest
            rows = list(latest.values())  # type: ignore[assignment]
        else:
            rows = records_to_export(session, credential_ids, subjects)
    except ExportError as exc:
        raise CliError(str(exc)) from None
    target = Path(out_file)
    if not target.parent.is_dir():
        raise CliUsageError(f"the folder of {out_file} does not exist")
    with click.progressbar(length=len(rows), label="Exporting records", file=sys.stderr) as bar:
        export_archive(
            session, app.extensions["secretbox"], app.config["BASE_URL"], rows, target, bar.update
        )
    click.echo(f"Exported {len(rows)} record(s) to {target}.")


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
