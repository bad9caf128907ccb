"""Speed and peak memory of the format converters (spreadsheets, ASN) on big inputs.

Run with `make bench` (or `pytest -s tests/benchmarks/test_case_formats_speed.py`). Each
measurement runs in its own process so its peak resident memory is its own. It prints
numbers; it asserts only that the work was done.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import resource
import time
from collections.abc import Callable
from typing import Any

from lti_tool.case.asn import parse_asn_rdfjson, parse_asn_rdfxml
from lti_tool.case.conversion import derived_uuid
from lti_tool.case.opensalt import package_to_xlsx, parse_csv, parse_xlsx
from tests.unit.case.formats import DATA

ITEMS = int(os.environ.get("BENCH_CASE_ITEMS", "50000"))
ASSOCIATIONS = int(os.environ.get("BENCH_CASE_ASSOCIATIONS", "200000"))
WHEN = "2024-05-01T10:00:00+00:00"


def generated_package(items: int, associations: int) -> dict[str, Any]:
    """A framework of `items` items in a tree 4 deep, plus cross-links up to `associations`."""
    doc = derived_uuid("bench", "doc")
    ids = [derived_uuid("bench", "item", str(n)) for n in range(items)]

    def node(i: str, title: str) -> dict[str, str]:
        return {"title": title, "identifier": i, "uri": f"urn:uuid:{i}"}

    package_items = [
        {
            "identifier": i,
            "uri": f"urn:uuid:{i}",
            "fullStatement": f"Students can do skill number {n} with evidence and care.",
            "humanCodingScheme": f"B.{n}",
            "lastChangeDateTime": WHEN,
            "educationLevel": ["09", "10"],
        }
        for n, i in enumerate(ids)
    ]
    links = []
    for n, i in enumerate(ids):
        parent = doc if n < 10 else ids[(n - 10) // 10]
        links.append(("isChildOf", i, parent, n % 10 + 1))
    kinds = ("isRelatedTo", "precedes", "exactMatchOf")
    n = 0
    while len(links) < associations:
        links.append((kinds[n % 3], ids[n % items], ids[(n * 7 + 3) % items], None))
        n += 1
    package_associations = []
    for k, (kind, origin, dest, seq) in enumerate(links):
        a = derived_uuid("bench", "assoc", str(k))
        entry = {
            "identifier": a,
            "associationType": kind,
            "uri": f"urn:uuid:{a}",
            "originNodeURI": node(origin, "o"),
            "destinationNodeURI": node(dest, "d"),
            "lastChangeDateTime": WHEN,
        }
        if seq is not None:
            entry["sequenceNumber"] = seq
        package_associations.append(entry)
    return {
        "CFDocument": {
            "identifier": doc,
            "uri": f"urn:uuid:{doc}",
            "creator": "bench",
            "title": "Generated",
            "lastChangeDateTime": WHEN,
        },
        "CFItems": package_items,
        "CFAssociations": package_associations,
    }


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _measure(job: Callable[[], Any], out: Any) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start, cpu = time.perf_counter(), _cpu()
    result = job()
    seconds, cpu = time.perf_counter() - start, _cpu() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out.put((seconds, cpu, before / 1024, peak / 1024, result))


def measure(name: str, job: Callable[[], Any]) -> Any:
    """Run `job` in a fresh process; print wall and CPU seconds and peak RSS in MiB.

    CPU seconds are what the job costs on an idle machine; wall seconds grow with the load.
    """
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    process = ctx.Process(target=_measure, args=(job, queue))
    process.start()
    seconds, cpu, before, peak, result = queue.get()
    process.join()
    print(
        f"{name:<56} {seconds:7.2f} s wall {cpu:7.2f} s CPU   "
        f"peak RSS {peak:5.0f} MiB (at start {before:.0f})"
    )
    return result


def _xlsx_of_generated() -> bytes:
    return package_to_xlsx(generated_package(ITEMS, ASSOCIATIONS))


def test_format_converters_speed(tmp_path: Any) -> None:
    print()
    ela = (DATA / "spreadsheet" / "opensalt_ccss_ela_1189items.xlsx").read_bytes()
    n = measure("parse_xlsx Common Core ELA (1,189 items)", lambda: len(parse_xlsx(ela)["CFItems"]))
    assert n == 1189
    csv_data = (DATA / "spreadsheet" / "opensalt_ccss_ela_items_1189.csv").read_bytes()
    n = measure(
        "parse_csv Common Core ELA (1,189 items)", lambda: len(parse_csv(csv_data)["CFItems"])
    )
    assert n == 1189
    rdfjson = (DATA / "asn" / "asn_D10003FB_ccss_math_rdfjson.json").read_bytes()
    rdfxml = (DATA / "asn" / "asn_D10003FB_ccss_math.rdf.xml").read_bytes()
    n = measure(
        "parse_asn_rdfjson CCSS math (703 statements)",
        lambda: len(parse_asn_rdfjson(rdfjson)["CFItems"]),
    )
    assert n == 703
    n = measure(
        "parse_asn_rdfxml CCSS math (703 statements)",
        lambda: len(parse_asn_rdfxml(rdfxml)["CFItems"]),
    )
    assert n == 703
    label = f"{ITEMS:,} items / {ASSOCIATIONS:,} associations"
    workbook = tmp_path / "generated.xlsx"

    def export() -> int:
        data = _xlsx_of_generated()
        workbook.write_bytes(data)
        return len(data)

    size = measure(f"package_to_xlsx {label}", export)
    print(f"{'':<56} workbook {size / 1024 / 1024:.1f} MiB")
    n = measure(
        f"parse_xlsx {label}", lambda: len(parse_xlsx(workbook.read_bytes())["CFAssociations"])
    )
    assert n == ASSOCIATIONS
