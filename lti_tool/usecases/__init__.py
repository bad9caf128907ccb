"""Orchestration: load from the database, call the pure core, persist, call LTI services."""
