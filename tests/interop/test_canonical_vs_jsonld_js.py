"""Differential test: the tool's canonical N-Quads equal jsonld.js's (safe mode, RDFC-1.0).

jsonld.js with rdf-canonize is what JavaScript verifiers (Digital Bazaar's stack) hash, so a
byte of difference is a signature they refuse. Generated credentials include control
characters, quotes, non-Latin text and non-integral numbers. Runs when CLR_VERIFIER_DIR names
the independent verifier and node is installed (its packages are installed into a copy).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lti_tool.clr.rdfc import canonize
from tests.unit.clr.test_canonicalize_properties import achievement_credential, clr

VERIFIER = os.environ.get("CLR_VERIFIER_DIR", "")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not VERIFIER or not (Path(VERIFIER) / "lib" / "loader.js").is_file(),
        reason="set CLR_VERIFIER_DIR to the independent CLR verifier's folder to run this check",
    ),
    pytest.mark.skipif(shutil.which("npm") is None, reason="node and npm are not installed"),
]

SCRIPT = """
import {makeDocumentLoader} from './lib/loader.js';
import jsonld from 'jsonld';
const docs = JSON.parse(await new Promise(r => { let s = ''; process.stdin.on('data', d => s += d);
  process.stdin.on('end', () => r(s)); }));
const documentLoader = makeDocumentLoader({});
const out = [];
for (const doc of docs) {
  out.push(await jsonld.canonize(doc, {algorithm: 'RDFC-1.0', format: 'application/n-quads',
    documentLoader, safe: true}));
}
process.stdout.write(JSON.stringify(out));
"""


@pytest.fixture(scope="module")
def node_canonize(tmp_path_factory):
    """A function that canonicalises a list of documents with jsonld.js."""
    work = tmp_path_factory.mktemp("verifier") / "v"
    shutil.copytree(VERIFIER, work, ignore=shutil.ignore_patterns("node_modules", "out"))
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=work,
                   check=True, capture_output=True, timeout=600)  # fmt: skip
    (work / "canon-batch.mjs").write_text(SCRIPT)

    def run(documents):
        result = subprocess.run(
            ["node", "canon-batch.mjs"], cwd=work, input=json.dumps(documents),
            capture_output=True, text=True, timeout=600, check=True,
        )  # fmt: skip
        return json.loads(result.stdout)

    return run


texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=10)


@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.lists(st.one_of(clr(), achievement_credential(3)), min_size=25, max_size=25),
    texts,
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15),
)
def test_generated_credentials_canonicalise_as_jsonld_js_does(node_canonize, docs, text, number):
    for doc in docs:
        doc["name"] = text + doc.get("name", "")
        subject = doc["credentialSubject"]
        if "achievement" in subject:
            subject["creditsEarned"] = number
    assert [canonize(doc) for doc in docs] == node_canonize(docs)


NUMBERS = [0, -0.0, 1, 2.0, 2.5, -3.75, 0.1, 1e-7, 1.5e-7, 5e-324, 1e20, 1e21, 1.2e21, 123.456,
           9007199254740993, 123456789012345.6, 1 / 3, -1e-300]  # fmt: skip


def test_numbers_canonicalise_as_jsonld_js_does(node_canonize):
    base = achievement_credential(1)
    docs = []
    for number in NUMBERS:
        doc = {
            "@context": ["https://www.w3.org/ns/credentials/v2",
                         "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
            "id": "urn:uuid:00000000-0000-4000-8000-000000000001",
            "type": ["VerifiableCredential", "AchievementCredential"],
            "issuer": "did:web:school.example",
            "validFrom": "2024-01-01T00:00:00Z",
            "credentialSubject": {"id": "did:example:x", "type": ["AchievementSubject"],
                                  "creditsEarned": number},
        }  # fmt: skip
        docs.append(doc)
    assert base is not None
    ours = [canonize(doc) for doc in docs]
    theirs = node_canonize(docs)
    mismatches = [(n, o, t) for n, o, t in zip(NUMBERS, ours, theirs, strict=True) if o != t]
    assert not mismatches
