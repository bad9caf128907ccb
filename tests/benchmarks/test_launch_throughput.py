"""Full launches per second (OIDC login + launch) under gunicorn with 2 workers.

Run with `make bench`. It prints numbers; it asserts nothing about time. The load generator
runs in BENCH_GENERATORS separate processes on the same machine, so the tool gets what is
left: it prepares each id_token's constant parts once and keeps its connections alive.

Environment: BENCH_SECONDS (default 10), BENCH_THREADS per generator process (default 4),
BENCH_GENERATORS (default 2), GUNICORN_WORKER_CLASS / GUNICORN_THREADS (default gthread, 2).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import platform
import resource
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest

from lti_tool.db.migrate import upgrade
from tests.servers import (
    RUNNING,
    DirectPlatform,
    LightLauncher,
    free_port,
    gunicorn,
    process_tree_cpu_seconds,
    serve_sim,
)
from tests.web.conftest import make_sim

DURATION = float(os.environ.get("BENCH_SECONDS", "10"))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
GENERATORS = int(os.environ.get("BENCH_GENERATORS", "2"))
WORKERS = 2
PG_URL = os.environ.get("LTI_TOOL_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("LTI_TOOL_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


class _Port:
    server_port = 0


def _generate(args: tuple[DirectPlatform, str, float, int, int]) -> tuple[int, int]:
    """One generator process: `threads` threads doing full launches until the deadline."""
    platform_, base, deadline, threads, seed = args
    totals = [0, 0]
    lock = threading.Lock()

    def loop(t: int) -> None:
        launcher = LightLauncher(platform_, base)
        ok = bad = n = 0
        while time.time() < deadline:
            if launcher.launch(f"g{seed}t{t}u{n % 50}"):
                ok += 1
            else:
                bad += 1
            n += 1
        launcher.close()
        with lock:
            totals[0] += ok
            totals[1] += bad

    pool = [threading.Thread(target=loop, args=(t,)) for t in range(threads)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    return totals[0], totals[1]


def _percentiles(log: Path) -> dict[str, tuple[float, float, float]]:
    """Server-side latency (ms: p50, p95, p99) of /lti/login and /lti/launch from the access log."""
    lines = log.read_text().splitlines()
    out = {}
    for path in ("/lti/login", "/lti/launch"):
        us = [
            int(line.rsplit(" ", 1)[1].removesuffix("us")) for line in lines if f" {path} " in line
        ]
        if len(us) > 2:
            q = statistics.quantiles(us, n=100)
            out[path] = (q[49] / 1000, q[94] / 1000, q[98] / 1000)
    return out


def _children_cpu_seconds() -> float:
    """CPU seconds of this process's finished children (the generator processes)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def machine() -> str:
    """The machine the numbers were measured on."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores {model}, Python {platform.python_version()}".strip()


def _run(database_url: str, redis_url: str | None, label: str) -> None:
    """Start gunicorn on a database and drive it; print one result line."""
    from lti_tool.app import create_app
    from lti_tool.platform_sim.web import endpoints
    from tests.web.lti_flow import register_platform

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    secret = "bench-secret-" + uuid.uuid4().hex
    sim = make_sim(_Port(), "canvas")
    with serve_sim(sim):
        app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": secret})
        register_platform(app, sim, endpoints(sim))
        app.extensions["db_engine"].dispose()
        log = Path(tempfile.mkdtemp()) / "access.log"
        env = {"LTI_TOOL_DATABASE_URL": database_url, "LTI_TOOL_SECRET_KEY": secret,
               "GUNICORN_ACCESSLOG": str(log)}  # fmt: skip
        if redis_url:
            env["LTI_TOOL_REDIS_URL"] = redis_url
            env["LTI_TOOL_CACHE_PREFIX"] = f"bench-{uuid.uuid4().hex}:"
        with gunicorn(env, workers=WORKERS, port=port):
            direct = DirectPlatform(sim, "tool-1", "dep-1")
            warm = LightLauncher(direct, base)
            for n in range(40):  # warm up: key set fetched, connections open
                assert warm.launch(f"warm{n}"), "a warm-up launch failed"
            warm.close()
            log.write_text("")
            cpu_before = process_tree_cpu_seconds(RUNNING[base])
            gen_before = _children_cpu_seconds()
            deadline = time.time() + DURATION
            with mp.get_context("fork").Pool(GENERATORS) as pool:
                parts = pool.map(
                    _generate,
                    [(direct, base, deadline, THREADS, g) for g in range(GENERATORS)],
                )
            cpu = process_tree_cpu_seconds(RUNNING[base]) - cpu_before
            gen_cpu = _children_cpu_seconds() - gen_before
            ok = sum(p[0] for p in parts)
            bad = sum(p[1] for p in parts)
            pct = _percentiles(log)
    worker = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
    threads = os.environ.get("GUNICORN_THREADS", "2")
    lat = "; ".join(
        f"{p} p50 {v[0]:.1f} ms, p95 {v[1]:.1f} ms, p99 {v[2]:.1f} ms" for p, v in pct.items()
    )
    print(
        f"\n{label}: {ok / DURATION:.0f} full launches/s ({ok} ok, {bad} failed in "
        f"{DURATION:.0f} s; {WORKERS} {worker} workers x {threads} threads; "
        f"{GENERATORS}x{THREADS} client threads; {machine()})\n  server-side: {lat}; "
        f"tool CPU {cpu / max(ok, 1) * 1000:.2f} ms per launch, load generator CPU "
        f"{gen_cpu / max(ok, 1) * 1000:.2f} ms per launch"
    )
    assert bad == 0, f"{bad} launches failed"


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
    _run(PG_URL, REDIS_URL, "PostgreSQL + Redis")
