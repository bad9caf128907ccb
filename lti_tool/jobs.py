"""Background jobs: RQ on Redis when `LTI_TOOL_REDIS_URL` is set, a thread otherwise.

A job is a function named by its dotted path that takes the app as its first argument, so
the same code runs in a web worker's thread or in `lti-tool worker` (an RQ worker that
builds the app once and hands it to every job).
"""

from __future__ import annotations

import importlib
import logging
import threading
from typing import Any

from flask import Flask

log = logging.getLogger(__name__)
_worker_app: Flask | None = None


def queue_name(app: Flask) -> str:
    """The RQ queue of this installation (its cache prefix keeps installations apart)."""
    return f"{app.config.get('CACHE_PREFIX', 'lti_tool:')}jobs"


def _call(app: Flask, path: str, args: tuple[Any, ...]) -> Any:
    module, _, name = path.rpartition(".")
    fn = getattr(importlib.import_module(module), name)
    with app.app_context():
        return fn(app, *args)


def run_job(path: str, *args: Any) -> Any:
    """What RQ executes: the job with the worker's app."""
    if _worker_app is None:  # pragma: no cover - only reachable outside `lti-tool worker`
        raise RuntimeError("jobs run inside `lti-tool worker`")
    return _call(_worker_app, path, args)


def submit(app: Flask, path: str, *args: Any) -> str:
    """Queue a job; returns how it runs ("rq" or "thread")."""
    redis_url = app.config.get("REDIS_URL")
    # The demo runs no worker: its jobs run in threads even when Redis is configured.
    if redis_url and not app.config.get("JOBS_IN_THREADS") and not app.config.get("DEMO_PLATFORM"):
        from redis import Redis
        from rq import Queue

        connection = Redis.from_url(redis_url)
        try:
            Queue(queue_name(app), connection=connection).enqueue(
                run_job, path, *args, job_timeout=3600, failure_ttl=86400
            )
        finally:
            connection.close()
        return "rq"

    def target() -> None:
        try:
            _call(app, path, args)
        except Exception:  # noqa: BLE001 - a job's failure is recorded by the job itself
            log.exception("background job %s failed", path)

    thread = threading.Thread(target=target, name=f"job:{path}", daemon=True)
    thread.start()
    app.extensions.setdefault("job_threads", []).append(thread)
    return "thread"


def work(app: Flask, *, burst: bool = False) -> None:
    """Run an RQ worker for the app's queue (`lti-tool worker`)."""
    global _worker_app
    from redis import Redis
    from rq import Queue, Worker

    redis_url = app.config.get("REDIS_URL")
    if not redis_url:
        raise RuntimeError("set LTI_TOOL_REDIS_URL to run a worker; without it jobs run in threads")
    _worker_app = app
    connection = Redis.from_url(redis_url)
    try:
        queue = Queue(queue_name(app), connection=connection)
        Worker([queue], connection=connection).work(burst=burst)
    finally:
        connection.close()
