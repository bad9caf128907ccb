"""CASE import and CFPackages streaming: seconds and peak memory, on SQLite and PostgreSQL.

Run with `make bench` (PostgreSQL when LTI_TOOL_TEST_DATABASE_URL names one; a database of
its own, `<name>_bench`, is created and dropped). Each measurement runs in a fresh process so
its peak resident memory is its own. It prints wall and CPU seconds (CPU: what the wall time
would be on an idle machine, less PostgreSQL's own work); it asserts nothing about time.

- Smarter Balanced Math Content Specification: 585 items, 3,367 associations.
- A generated package: 50,000 items and 200,000 associations (an isChildOf tree, and
  isRelatedTo / precedes / exactMatchOf links, a quarter of them to urn: nodes outside).
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import resource
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from lti_tool.db.migrate import upgrade
from lti_tool.db.session import make_engine

SBAC = Path(__file__).resolve().parents[1] / "data/case/smarterbalanced"
SBAC_MATH = SBAC / "sbac_math_content_specification_585items.json"
ITEMS = int(os.environ.get("BENCH_CASE_ITEMS", "50000"))
ASSOCIATIONS = int(os.environ.get("BENCH_CASE_ASSOCIATIONS", "200000"))
PG_URL = os.environ.get("LTI_TOOL_TEST_DATABASE_URL", "")
BASE = "https://case.example.org/ims/case/v1p1"
STAMP = "2024-09-01T12:00:00Z"


def _uuid(kind: int, n: int) -> str:
    """A deterministic version-4 style UUID for node `n` of a kind."""
    hi, mid = (n >> 36) & 0xFFF, (n >> 24) & 0xFFF
    return f"{kind:08x}-{(n >> 48) & 0xFFFF:04x}-4{hi:03x}-8{mid:03x}-{n & 0xFFFFFF:012x}"


def generate_package(items: int, associations: int) -> dict[str, Any]:
    """A large, valid CASE 1.1 package: a tree 4 levels deep plus cross links."""
    doc_id = _uuid(1, 0)
    out_items = []
    out_assocs = []
    for n in range(items):
        ident = _uuid(2, n)
        out_items.append(
            {
                "identifier": ident,
                "uri": f"{BASE}/CFItems/{ident}",
                "fullStatement": f"Students can do thing number {n}, which is described "
                "here at a realistic length so that the text column carries some weight.",
                "humanCodingScheme": f"X.{n // 1000}.{n // 40}.{n}",
                "CFItemType": "Standard" if n % 40 else "Cluster",
                "educationLevel": ["09", "10"],
                "lastChangeDateTime": STAMP,
            }
        )
        parent = doc_id if n < 50 else _uuid(2, n // 40 if n // 40 < n else 0)
        out_assocs.append(_assoc(len(out_assocs), "isChildOf", ident, parent, n % 40))
    kinds = ("isRelatedTo", "precedes", "exactMatchOf")
    n = 0
    while len(out_assocs) < associations:
        origin = _uuid(2, n % items)
        if n % 4 == 0:
            dest = f"urn:example:ccss:{n}"
            out_assocs.append(_assoc(len(out_assocs), "exactMatchOf", origin, dest, None, dest))
        else:
            dest = _uuid(2, (n * 7919 + 1) % items)
            out_assocs.append(_assoc(len(out_assocs), kinds[n % 3], origin, dest, None))
        n += 1
    return {
        "CFDocument": {
            "identifier": doc_id,
            "uri": f"{BASE}/CFDocuments/{doc_id}",
            "creator": "Benchmark",
            "title": "Generated framework",
            "lastChangeDateTime": STAMP,
            "caseVersion": "1.1",
        },
        "CFItems": out_items,
        "CFAssociations": out_assocs,
    }


def _assoc(
    n: int, kind: str, origin: str, dest: str, seq: int | None, dest_uri: str | None = None
) -> dict[str, Any]:
    ident = _uuid(3, n)
    data: dict[str, Any] = {
        "identifier": ident,
        "uri": f"{BASE}/CFAssociations/{ident}",
        "associationType": kind,
        "originNodeURI": {"title": "o", "identifier": origin, "uri": f"{BASE}/CFItems/{origin}"},
        "destinationNodeURI": {
            "title": "d",
            "identifier": dest,
            "uri": dest_uri or f"{BASE}/CFItems/{dest}",
        },
        "lastChangeDateTime": STAMP,
    }
    if seq is not None:
        data["sequenceNumber"] = seq
    return data


def _peak_rss_mib() -> int:
    """This process's peak resident memory (VmHWM; ru_maxrss would include the parent's,
    which Linux carries across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _measure(args: tuple[str, str, str]) -> dict[str, Any]:
    """In a fresh process: import a file twice, then GET its CFPackage; time and peak RSS."""
    url, path, doc_id = args
    from lti_tool.app import create_app
    from lti_tool.usecases.case_import import import_file

    app = create_app({"TESTING": True, "DATABASE_URL": url, "MAX_UPLOAD_BYTES": 1 << 30})
    sessions = app.extensions["db_sessions"]
    out: dict[str, Any] = {}
    for label in ("import", "re-import"):
        start, cpu = time.perf_counter(), time.process_time()
        with sessions() as session:
            report = import_file(session, path, "file", 1 << 30)
            session.commit()
        out[label] = round(time.perf_counter() - start, 2)
        # CPU seconds of this process: what the wall time would be on an idle machine, less
        # the database server's own work (PostgreSQL).
        out[f"{label} CPU"] = round(time.process_time() - cpu, 2)
        out[f"{label} outcome"] = report.outcome
    out["import peak RSS MiB"] = _peak_rss_mib()
    client = app.test_client()
    start, cpu = time.perf_counter(), time.process_time()
    resp = client.get(f"/ims/case/v1p1/CFPackages/{doc_id}", buffered=False)
    size = sum(len(chunk) for chunk in resp.response)
    resp.close()
    out["GET CFPackages"] = round(time.perf_counter() - start, 2)
    out["GET CPU"] = round(time.process_time() - cpu, 2)
    out["CFPackages MiB"] = round(size / 2**20, 1)
    out["final peak RSS MiB"] = _peak_rss_mib()
    app.extensions["db_engine"].dispose()
    return out


def _databases(tmp: Path) -> list[tuple[str, str]]:
    """SQLite always; PostgreSQL in a database of its own when one is configured."""
    dbs = [("SQLite", f"sqlite:///{tmp / 'bench.sqlite3'}")]
    if PG_URL.startswith("postgresql"):
        base = make_url(PG_URL)
        name = f"{base.database}_bench"
        admin = make_engine(
            base.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        dbs.append(("PostgreSQL", base.set(database=name).render_as_string(hide_password=False)))
    return dbs


@pytest.mark.slow
def test_case_import_and_stream(tmp_path: Path) -> None:
    """Print seconds and peak memory for SBAC math and the generated package on each database."""
    generated = tmp_path / "generated.json"
    package = generate_package(ITEMS, ASSOCIATIONS)
    generated.write_text(json.dumps(package), encoding="utf-8")
    gen_id = package["CFDocument"]["identifier"]
    del package
    sbac_id = json.loads(SBAC_MATH.read_text())["CFDocument"]["identifier"]
    ctx = mp.get_context("spawn")
    print(
        f"\ngenerated package: {generated.stat().st_size / 2**20:.0f} MiB, "
        f"{ITEMS:,} items, {ASSOCIATIONS:,} associations"
    )
    for db_name, url in _databases(tmp_path):
        upgrade(url)
        for label, path, doc_id in (
            ("SBAC math 585", SBAC_MATH, sbac_id),
            (f"generated {ITEMS:,}/{ASSOCIATIONS:,}", generated, gen_id),
        ):
            with ctx.Pool(1) as pool:
                result = pool.apply(_measure, ((url, str(path), doc_id),))
            print(f"{db_name:10} {label:28} {result}")
            assert result["import outcome"] == "created"
            assert result["re-import outcome"] == "unchanged"
