"""Persistence: SQLAlchemy 2 mappings, the session, and repositories returning core dataclasses."""
