"""Signed credentials per second: a class of 100 learners x 30 competencies, beside bench.js.

Run with `make bench`. It prints numbers; it asserts only that every record verifies. When
CLR_VERIFIER_DIR names the independent verifier (with node_modules installed, or npm
available to install them into a temporary copy), its `bench.js` signs the same documents in
the same run, so both rates come from the same machine at the same time.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from lti_tool.clr import dataintegrity
from lti_tool.clr.builder import build_clr
from lti_tool.clr.multikey import VerificationKey, secret_key_multibase
from lti_tool.clr.rdfc import canonize
from tests.unit.clr.sample import ISSUER_ID, SIGNER, record

LEARNERS = int(os.environ.get("BENCH_LEARNERS", "100"))
COMPETENCIES = int(os.environ.get("BENCH_COMPETENCIES", "30"))
RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def _resolve(method: str) -> VerificationKey | None:
    return VerificationKey(method, ISSUER_ID, SIGNER.private_key.public_key())


def _rate(fn: Any, iterations: int) -> float:
    """Median operations per second over RUNS runs."""
    rates = []
    for _ in range(RUNS):
        start = time.perf_counter()
        for _ in range(iterations):
            fn()
        rates.append(iterations / (time.perf_counter() - start))
    return statistics.median(rates)


def _node_bench(document: dict[str, Any], work: Path) -> dict[str, Any] | None:
    """bench.js on the same document, or None when the verifier or node is not available."""
    source = os.environ.get("CLR_VERIFIER_DIR", "")
    if not source or not (Path(source) / "bench.js").is_file() or not shutil.which("node"):
        return None
    verifier = work / "verifier"
    if (Path(source) / "node_modules").is_dir():
        verifier = Path(source)
    else:
        shutil.copytree(source, verifier, ignore=shutil.ignore_patterns("node_modules", "out"))
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=verifier, check=True, capture_output=True, timeout=600,
        )  # fmt: skip
    did = {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": ISSUER_ID,
        "verificationMethod": [
            {
                "id": SIGNER.verification_method,
                "type": "Multikey",
                "controller": ISSUER_ID,
                "publicKeyMultibase": SIGNER.public_key_multibase,
            }
        ],
        "assertionMethod": [SIGNER.verification_method],
    }
    key = {
        "id": SIGNER.verification_method,
        "controller": ISSUER_ID,
        "publicKeyMultibase": SIGNER.public_key_multibase,
        "secretKeyMultibase": secret_key_multibase(SIGNER.private_key),
    }
    (work / "doc.json").write_text(json.dumps(document))
    (work / "key.json").write_text(json.dumps(key))
    (work / "map.json").write_text(json.dumps({"documents": {ISSUER_ID: did}}))
    out = subprocess.run(
        ["node", "bench.js", str(work / "doc.json"), str(work / "key.json"),
         "--runs", str(RUNS), "--iters", "5", "--map", str(work / "map.json")],
        cwd=verifier, check=True, capture_output=True, text=True, timeout=1200,
    )  # fmt: skip
    return json.loads(out.stdout)


def test_sign_a_class_of_learner_records():
    records = [record(n, COMPETENCIES, status_base=n * 100) for n in range(LEARNERS)]
    build_clr(records[0], SIGNER)  # warm the context caches, as a running server has them
    start = time.perf_counter()
    signed = [build_clr(item, SIGNER) for item in records]
    elapsed = time.perf_counter() - start
    credentials = LEARNERS * (COMPETENCIES + 1)
    for document in signed[:3]:
        assert all(check.valid for check in dataintegrity.verify(document, _resolve))

    sample = signed[0]
    nested = sample["credentialSubject"]["verifiableCredential"][0]
    outer_rate = _rate(lambda: dataintegrity.sign(sample, SIGNER, "2025-06-01T12:00:00Z"), 5)
    nested_rate = _rate(lambda: dataintegrity.sign(nested, SIGNER, "2025-06-01T12:00:00Z"), 50)
    verify_rate = _rate(lambda: dataintegrity.verify(sample, _resolve), 5)
    canon_rate = _rate(lambda: canonize({k: v for k, v in sample.items() if k != "proof"}), 5)

    print(f"\nclass: {LEARNERS} learners x {COMPETENCIES} competencies = {credentials} signed "
          f"credentials in {elapsed:.1f} s: {credentials / elapsed:.0f} credentials/s, "
          f"{LEARNERS / elapsed:.1f} records/s")  # fmt: skip
    print(f"python, one record ({len(json.dumps(sample)) // 1024} KB, {COMPETENCIES} nested signed "
          f"credentials): sign outer {outer_rate:.1f}/s, verify outer {verify_rate:.1f}/s, "
          f"canonicalise {canon_rate:.1f}/s; one nested AchievementCredential: sign "
          f"{nested_rate:.0f}/s")  # fmt: skip

    with tempfile.TemporaryDirectory() as tmp:
        node_outer = _node_bench(sample, Path(tmp))
        if node_outer is None:
            print("bench.js: skipped (set CLR_VERIFIER_DIR and install node to compare)")
            return
        (Path(tmp) / "nested").mkdir()
        node_nested = _node_bench(nested, Path(tmp) / "nested")
    assert node_nested is not None
    js_outer = node_outer["signPerSec_median"]
    js_nested = node_nested["signPerSec_median"]
    # A whole record in JavaScript: each nested credential signed, then the outer one.
    js_record_seconds = COMPETENCIES / js_nested + 1 / js_outer
    js_credentials_rate = (COMPETENCIES + 1) / js_record_seconds
    js_verify, js_canon = node_outer["verifyPerSec_median"], node_outer["canonPerSec_median"]
    print(f"bench.js ({node_outer['impl']}): sign outer {js_outer}/s, verify outer "
          f"{js_verify}/s, canonicalise {js_canon}/s; one nested: sign {js_nested}/s")  # fmt: skip
    print(f"same record, sign outer: python {outer_rate:.1f}/s vs bench.js {js_outer}/s = "
          f"{outer_rate / js_outer:.1f}x; nested: {nested_rate / js_nested:.1f}x")  # fmt: skip
    print(f"class rate: python {credentials / elapsed:.0f} credentials/s vs bench.js "
          f"{js_credentials_rate:.0f} credentials/s (from its per-credential rates) = "
          f"{(credentials / elapsed) / js_credentials_rate:.1f}x")  # fmt: skip
