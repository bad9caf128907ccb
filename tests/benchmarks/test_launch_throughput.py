"""Full launches per second (OIDC login + launch) under gunicorn with 2 workers.

Run with `make bench`. It prints numbers; it asserts nothing about time. The load generator
runs in two separate processes on the same 2-core machine, so the tool gets what is left.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from lti_tool.db.migrate import upgrade
from tests.servers import DirectPlatform, free_port, gunicorn, serve_sim
from tests.web.conftest import make_sim

DURATION = float(os.environ.get("BENCH_SECONDS", "10"))
THREADS = int(os.environ.get("BENCH_THREADS", "8"))
GENERATORS = int(os.environ.get("BENCH_GENERATORS", "2"))
PG_URL = os.environ.get("LTI_TOOL_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


class _Port:
    server_port = 0


def _generate(args: tuple[DirectPlatform, str, float, int, int]) -> tuple[int, int]:
    """One generator process: THREADS threads doing full launches until the deadline."""
    platform, base, deadline, threads, seed = args

    def loop(t: int) -> tuple[int, int]:
        ok = bad = 0
        n = 0
        while time.time() < deadline:
            result = platform.launch(base, f"g{seed}t{t}u{n % 50}")
            n += 1
            ok, bad = (ok + 1, bad) if result.ok else (ok, bad + 1)
        return ok, bad

    with ThreadPoolExecutor(threads) as pool:
        parts = list(pool.map(loop, range(threads)))
    return sum(p[0] for p in parts), sum(p[1] for p in parts)


def _percentiles(log: Path) -> dict[str, float]:
    """Server-side latency percentiles (ms) of /lti/login and /lti/launch from the access log."""
    out = {}
    for path in ("/lti/login", "/lti/launch"):
        us = [
            int(line.rsplit(" ", 1)[1].removesuffix("us\n").removesuffix("us"))
            for line in log.read_text().splitlines(keepends=True)
            if f"POST {path} " in line
        ]
        if us:
            q = statistics.quantiles(us, n=100)
            out[path] = (q[49] / 1000, q[94] / 1000, q[98] / 1000)
    return out


def _run(database_url: str, redis_url: str | None, label: str) -> None:
    """Start gunicorn on a database and drive it; print one result line."""
    import uuid

    from flask import Flask  # noqa: F401

    from lti_tool.app import create_app
    from tests.web.lti_flow import register_platform

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    secret = "bench-secret-" + uuid.uuid4().hex
    sim = make_sim(_Port(), "canvas")
    with serve_sim(sim):
        from lti_tool.platform_sim.web import endpoints

        app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": secret})
        register_platform(app, sim, endpoints(sim))
        log = Path(tempfile.mkdtemp()) / "access.log"
        env = {"LTI_TOOL_DATABASE_URL": database_url, "LTI_TOOL_SECRET_KEY": secret,
               "GUNICORN_ACCESSLOG": str(log)}  # fmt: skip
        if redis_url:
            env["LTI_TOOL_REDIS_URL"] = redis_url
        with gunicorn(env, workers=2, port=port):
            for _ in range(20):  # warm up: key set fetched, connections open
                DirectPlatform(sim, "tool-1", "dep-1").launch(base, "warm")
            log.write_text("")
            deadline = time.time() + DURATION
            with mp.get_context("fork").Pool(GENERATORS) as pool:
                parts = pool.map(
                    _generate,
                    [
                        (DirectPlatform(sim, "tool-1", "dep-1"), base, deadline, THREADS, g)
                        for g in range(GENERATORS)
                    ],
                )
            ok = sum(p[0] for p in parts)
            bad = sum(p[1] for p in parts)
            pct = _percentiles(log)
    rate = ok / DURATION
    lat = "; ".join(
        f"{p} p50 {v[0]:.1f} ms, p95 {v[1]:.1f} ms, p99 {v[2]:.1f} ms" for p, v in pct.items()
    )
    print(
        f"\n{label}: {rate:.0f} full launches/s ({ok} ok, {bad} failed in {DURATION:.0f} s); {lat}"
    )


def test_bench_launches_sqlite(tmp_path: Path) -> None:
    """2 gunicorn workers on SQLite, launch state in the database."""
    url = f"sqlite:///{tmp_path / 'bench.sqlite3'}"
    upgrade(url)
    _run(url, None, "SQLite, state in the database")


def test_bench_launches_postgres_redis() -> None:
    """2 gunicorn workers on PostgreSQL with launch state in Redis."""
    try:
        from tests.conftest import reset_postgres_schema

        reset_postgres_schema(PG_URL)
        upgrade(PG_URL)
    except Exception as exc:  # noqa: BLE001 - no PostgreSQL here: say so and skip
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {exc}")
    try:
        requests.get("http://127.0.0.1:6379", timeout=0.2)
    except requests.RequestException:
        pass
    _run(PG_URL, os.environ.get("LTI_TOOL_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"),
         "PostgreSQL + Redis")  # fmt: skip
