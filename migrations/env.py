"""Alembic environment: the tool's metadata, the URL from the caller or the tool's settings."""

from __future__ import annotations

from alembic import context

from lti_tool.db.models import metadata
from lti_tool.db.session import make_engine

config = context.config


def _database_url() -> str:
    """The URL handed in by `lti-tool db upgrade`, or the one the settings give."""
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    if url:
        return str(url)
    from pathlib import Path

    from lti_tool.settings import load_settings

    instance = Path(__file__).resolve().parent.parent / "instance"
    return str(load_settings(instance, test_config={"TESTING": True})["DATABASE_URL"])


def run_migrations_offline() -> None:
    """Emit SQL without a connection."""
    context.configure(url=_database_url(), target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run against a live connection; batch mode lets SQLite alter tables."""
    engine = make_engine(_database_url())
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=True,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
