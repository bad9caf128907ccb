"""Fetching a big course's grades through AGS with bounded concurrency, against the ideal.

A course of 1,000 learners and 40 tool-created line items, every learner graded on every
item, served by the built-in platform in a process of its own (as Canvas: pages of at most
50; as Moodle: the tool's pages of 100) with 50 ms added to every request. For each
concurrency limit it reads the roster (NRPS), the line items and every line item's results
(`ServiceClient.fetch_course`) and prints the time against the ideal: requests ÷ concurrency
× latency. The roster's and each line item's pages are chains (each names the next), so
concurrency works across chains, and within a chain where the platform numbers its pages.
`BENCH_LATENCY_MS`, `BENCH_CONCURRENCY`, `BENCH_LEARNERS`, `BENCH_LINE_ITEMS` change the shape.

Run with `make bench` (or `pytest -s tests/benchmarks/test_ags_fetch.py -o addopts=""`). It
checks that everything was fetched; it asserts nothing about time.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from lti_tool.lti.services import ServiceClient
from lti_tool.platform_sim.services import create_lineitem
from lti_tool.platform_sim.store import SimStore
from lti_tool.platform_sim.web import create_sim_app, endpoints
from tests.servers import ROOT, free_port
from tests.web.conftest import make_sim
from tests.web.lti_flow import TOOL_BASE, register_platform
from tests.web.services_setup import LEARNER, add_learners, service_client, trust_tool_keys

LEARNERS = int(os.environ.get("BENCH_LEARNERS", "1000"))
LINE_ITEMS = int(os.environ.get("BENCH_LINE_ITEMS", "40"))
LATENCY_MS = int(os.environ.get("BENCH_LATENCY_MS", "50"))
CONCURRENCY = [int(c) for c in os.environ.get("BENCH_CONCURRENCY", "4,8,16").split(",")]


class _Port:
    def __init__(self, port: int) -> None:
        self.server_port = port


def sim_app() -> Flask:
    """The platform app for gunicorn, from the store file the benchmark saved."""
    sim = SimStore.load(os.environ["BENCH_SIM_PATH"])
    sim.latency_ms = LATENCY_MS
    return create_sim_app(sim)


@pytest.fixture(params=["canvas", "moodle"])
def platform(request: pytest.FixtureRequest, app: Flask, tmp_path: Path) -> Iterator[SimStore]:
    """A big course on the built-in platform, served from another process, known to the tool."""
    port = free_port()
    sim = make_sim(_Port(port), str(request.param))  # type: ignore[arg-type]
    add_learners(sim, LEARNERS - 2)
    stamp = datetime.now(UTC).isoformat()
    for n in range(LINE_ITEMS):
        item = create_lineitem(sim, "c1", "tool-1", {"label": f"Item {n}", "scoreMaximum": 4})
        sim.scores[item["id"]] = [
            {"userId": uid, "scoreGiven": (hash((uid, n)) % 5), "scoreMaximum": 4,
             "timestamp": stamp, "activityProgress": "Completed",
             "gradingProgress": "FullyGraded", "comment": None, "source": "teacher"}
            for uid, roles in sim.courses["c1"].members.items()
            if LEARNER in roles
        ]  # fmt: skip
    trust_tool_keys(app, sim)
    sim.path = str(tmp_path / "platform.json")
    sim.save()
    # The platform in a process of its own (one: its tokens live in memory), under a server
    # that keeps connections alive as real LMSs do (Flask's development server closes each).
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--worker-class",
            "gthread",
            "--workers",
            "1",
            "--threads",
            "32",
            "--log-level",
            "warning",
            "tests.benchmarks.test_ags_fetch:sim_app()",
        ],  # fmt: skip
        cwd=ROOT,
        env={**os.environ, "BENCH_SIM_PATH": sim.path},
    )
    try:
        deadline = time.time() + 30
        while True:
            try:
                if requests.get(sim.url("/jwks"), timeout=1).ok:
                    break
            except requests.RequestException:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        register_platform(app, sim, endpoints(sim))
        yield sim
    finally:
        child.terminate()
        child.wait(15)


@pytest.fixture
def https_client(app: Flask) -> FlaskClient:
    """A browser's client on the tool at its public https host."""
    client = app.test_client()
    host = TOOL_BASE.removeprefix("https://")
    client.environ_base.update({"wsgi.url_scheme": "https", "HTTP_HOST": host})
    return client


def test_fetch_a_big_course_against_the_ideal(
    app: Flask, https_client: FlaskClient, platform: SimStore
) -> None:
    services: ServiceClient = service_client(app, https_client, platform)
    sent: list[int] = []
    services.http.session.hooks["response"].append(lambda resp, *a, **kw: sent.append(1))
    services.fetch_course(concurrency=4)  # warm the tokens and connections; not timed
    print(
        f"\n{platform.product}: {LEARNERS} learners x {LINE_ITEMS} line items, "
        f"{LATENCY_MS} ms per request"
    )
    for limit in CONCURRENCY:
        sent.clear()
        started = time.perf_counter()
        snap = services.fetch_course(concurrency=limit)
        elapsed = time.perf_counter() - started
        made = len(sent)
        ideal = made / limit * LATENCY_MS / 1000
        # Pages come in chains (each page names the next). Read chain by chain, the best is
        # the list page, then the chains packed onto `limit` workers; Canvas's numbered pages
        # (rel="last") let the tool beat that by reading a chain's pages side by side.
        chains = [_pages(platform, LEARNERS + 1)] + [_pages(platform, LEARNERS)] * LINE_ITEMS
        bound = (1 + _packed(chains, limit)) * LATENCY_MS / 1000
        print(
            f"  concurrency {limit:>2}: {made} requests in {elapsed:.2f} s; ideal "
            f"(requests / concurrency x latency) {ideal:.2f} s -> {elapsed / ideal:.2f}x; "
            f"chain by chain at best {bound:.2f} s -> {elapsed / bound:.2f}x"
        )
        assert snap.complete and len(snap.results.fetched) == LINE_ITEMS
        assert snap.members is not None and len(snap.members) == LEARNERS + 1
        assert all(len(r) == LEARNERS for r in snap.results.fetched.values())
        assert all(x.score is not None for r in snap.results.fetched.values() for x in r)


def _pages(sim: SimStore, rows: int) -> int:
    """How many pages the platform serves `rows` rows in (the tool asks for 100)."""
    size = 50 if sim.product == "canvas" else 100
    return max(1, -(-rows // size))


def _packed(chains: list[int], workers: int) -> int:
    """Makespan, in requests, of chains of sequential requests placed longest first."""
    loads = [0] * workers
    for chain in sorted(chains, reverse=True):
        loads[loads.index(min(loads))] += chain
    return max(loads)
