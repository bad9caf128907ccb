"""ASN exports (RDF/JSON, RDF/XML) -> CASE packages, and hostile XML refused."""

from __future__ import annotations

import functools
import http.server
import tempfile
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from lti_tool.case.asn import (
    MAX_ASN_BYTES,
    asn_identifier,
    parse_asn_rdfjson,
    parse_asn_rdfxml,
    rdfxml_graph,
)
from lti_tool.case.problems import CaseFormatError
from tests.unit.case.formats import DATA, assert_valid_case

RDFJSON = (DATA / "asn" / "asn_D10003FB_ccss_math_rdfjson.json").read_bytes()
RDFXML = (DATA / "asn" / "asn_D10003FB_ccss_math.rdf.xml").read_bytes()
DOC_URI = "http://asn.jesandco.org/resources/D10003FB"


@functools.cache
def _converted() -> dict[str, Any]:
    """The Common Core math export, converted once for the tests that read it."""
    return parse_asn_rdfjson(RDFJSON)


def test_common_core_math_rdfjson_becomes_a_valid_case_package() -> None:
    from_json = _converted()
    assert_valid_case(from_json)
    assert len(from_json["CFItems"]) == 703
    kinds = Counter(a["associationType"] for a in from_json["CFAssociations"])
    assert kinds == {"isChildOf": 703, "exactMatchOf": 1326}
    doc = from_json["CFDocument"]
    assert doc["title"] == "Common Core State Standards for Mathematics"
    assert doc["uri"] == DOC_URI
    assert doc["identifier"] == str(uuid.uuid5(uuid.NAMESPACE_URL, DOC_URI))
    assert doc["lastChangeDateTime"] == "2012-12-06T19:07:02+00:00"
    assert doc["licenseURI"]["uri"] == "http://creativecommons.org/licenses/by/3.0/us/"


def test_statements_map_to_items() -> None:
    from_json = _converted()
    uri = "http://asn.jesandco.org/resources/S2366906"
    item = next(i for i in from_json["CFItems"] if i["uri"] == uri)
    assert item["identifier"] == asn_identifier(uri)
    assert item["humanCodingScheme"] == "CCSS.Math.Practice.MP1"
    assert item["fullStatement"] == "Make sense of problems and persevere in solving them."
    assert item["educationLevel"][:3] == ["KG", "01", "02"]
    assert item["CFItemType"] == "Standard"
    assert item["listEnumeration"] == "1."
    assert item["notes"].startswith("Mathematically proficient students start")
    assert item["extensions"]["altStatementNotation"] == "MP.1"


def test_tree_follows_is_child_of_with_has_child_order() -> None:
    from_json = _converted()
    by_uri = {i["uri"]: i for i in from_json["CFItems"]}
    parents = {
        a["originNodeURI"]["uri"]: (a["destinationNodeURI"]["uri"], a.get("sequenceNumber"))
        for a in from_json["CFAssociations"]
        if a["associationType"] == "isChildOf"
    }
    assert set(parents) == set(by_uri)
    assert parents["http://asn.jesandco.org/resources/S2366905"] == (DOC_URI, 1)
    practice = "http://asn.jesandco.org/resources/S2366905"
    children = sorted((seq, c) for c, (p, seq) in parents.items() if p == practice)
    codes = [by_uri[c]["humanCodingScheme"] for _, c in children]
    assert codes == [f"CCSS.Math.Practice.MP{n}" for n in range(1, 9)]


def test_exact_matches_point_outside_with_guids_normalised() -> None:
    from_json = _converted()
    outside = [
        a["destinationNodeURI"]
        for a in from_json["CFAssociations"]
        if a["associationType"] == "exactMatchOf"
        and a["originNodeURI"]["uri"] == "http://asn.jesandco.org/resources/S2366906"
    ]
    assert {"title": "urn:guid:FBCBB7C696FE475695920CA622B1C854",
            "identifier": "fbcbb7c6-96fe-4756-9592-0ca622b1c854",
            "uri": "urn:guid:FBCBB7C696FE475695920CA622B1C854"} in outside  # fmt: skip


def _without_times(package: dict[str, Any]) -> dict[str, Any]:
    """Order-free and without timestamps (the RDF/XML copy kept only the date)."""

    def strip(obj: Any) -> Any:
        if isinstance(obj, dict):
            return {k: strip(v) for k, v in obj.items() if k != "lastChangeDateTime"}
        if isinstance(obj, list):
            items = [strip(v) for v in obj]
            if items and all(isinstance(v, dict) and "identifier" in v for v in items):
                return sorted(items, key=lambda v: v["identifier"])
            return items
        return obj

    return strip(package)


def test_rdfxml_gives_the_same_package_as_rdfjson() -> None:
    from_json = _converted()
    from_xml = parse_asn_rdfxml(RDFXML)
    assert_valid_case(from_xml)
    assert _without_times(from_xml) == _without_times(from_json)


def test_conversion_is_deterministic() -> None:
    assert parse_asn_rdfxml(RDFXML) == parse_asn_rdfxml(RDFXML)


def test_rdfxml_grammar_nested_nodes_typed_nodes_and_parse_type_resource() -> None:
    data = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:asn="http://purl.org/ASN/schema/core/"
         xmlns:dc="http://purl.org/dc/elements/1.1/"
         xmlns:dcterms="http://purl.org/dc/terms/"
         xmlns:gemq="http://purl.org/gem/qualifiers/" xml:lang="en">
  <asn:StandardDocument rdf:about="http://example.org/D1" dc:title="Doc">
    <gemq:hasChild>
      <asn:Statement rdf:about="http://example.org/S1">
        <dcterms:description>Count to 100.</dcterms:description>
        <asn:statementNotation>K.CC.1</asn:statementNotation>
      </asn:Statement>
    </gemq:hasChild>
    <gemq:hasChild rdf:resource="http://example.org/S2"/>
    <dcterms:rights rdf:parseType="Resource"><dc:title>Free</dc:title></dcterms:rights>
  </asn:StandardDocument>
  <rdf:Description rdf:about="http://example.org/S2">
    <rdf:type rdf:resource="http://purl.org/ASN/schema/core/Statement"/>
    <dcterms:description>Count forward.</dcterms:description>
  </rdf:Description>
</rdf:RDF>"""
    graph = rdfxml_graph(data)
    assert graph["http://example.org/S1"]["http://purl.org/dc/terms/description"][0].lang == "en"
    package = parse_asn_rdfxml(data)
    assert_valid_case(package)
    assert [i["fullStatement"] for i in package["CFItems"]] == ["Count to 100.", "Count forward."]
    sequence = {a["originNodeURI"]["uri"]: a["sequenceNumber"] for a in package["CFAssociations"]}
    assert sequence == {"http://example.org/S1": 1, "http://example.org/S2": 2}
    assert package["CFDocument"]["creator"] == "Achievement Standards Network"


def test_statement_with_a_parent_outside_the_document_is_reported() -> None:
    data = b"""{
      "http://e.org/D": {"http://www.w3.org/1999/02/22-rdf-syntax-ns#type":
         [{"value": "http://purl.org/ASN/schema/core/StandardDocument", "type": "uri"}],
         "http://purl.org/dc/elements/1.1/title": [{"value": "D", "type": "literal"}]},
      "http://e.org/S": {"http://www.w3.org/1999/02/22-rdf-syntax-ns#type":
         [{"value": "http://purl.org/ASN/schema/core/Statement", "type": "uri"}],
         "http://purl.org/dc/terms/description": [{"value": "x", "type": "literal"}],
         "http://purl.org/gem/qualifiers/isChildOf": [{"value": "http://e.org/X", "type": "uri"}]}
    }"""
    with pytest.raises(CaseFormatError) as exc:
        parse_asn_rdfjson(data)
    assert exc.value.as_list() == [
        {
            "where": "http://e.org/S",
            "message": "gem:isChildOf points at http://e.org/X, which is not in this document",
        }
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"[1, 2]", "RDF/JSON is a JSON object"),
        (b'{"s": {"p": [{"value": 3}]}}', "an object is"),
        (b'{"s": {"p": "x"}}', "a predicate maps to a list"),
        (b"{", "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b"{}", "no asn:StandardDocument"),
    ],
)
def test_malformed_rdfjson_is_refused_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(CaseFormatError, match=message):
        parse_asn_rdfjson(data)


def test_oversized_file_is_refused_before_parsing() -> None:
    with pytest.raises(CaseFormatError, match="limit"):
        parse_asn_rdfxml(b" " * (MAX_ASN_BYTES + 1))


# ----------------------------------------------------------------------------- hostile XML

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:dcterms="http://purl.org/dc/terms/">
  <rdf:Description rdf:about="http://e.org/S"><dcterms:description>&lol9;</dcterms:description>
  </rdf:Description>
</rdf:RDF>"""


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32"])
def test_billion_laughs_is_refused(encoding: str) -> None:
    data = BILLION_LAUGHS.decode().replace('version="1.0"', f'version="1.0" encoding="{encoding}"')
    with pytest.raises(CaseFormatError) as exc:
        parse_asn_rdfxml(data.encode(encoding))
    assert "DTD" in str(exc.value)


def _xxe(target: str) -> bytes:
    return f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [<!ENTITY xxe SYSTEM "{target}">]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:dcterms="http://purl.org/dc/terms/">
  <rdf:Description rdf:about="http://e.org/S"><dcterms:description>&xxe;</dcterms:description>
  </rdf:Description>
</rdf:RDF>""".encode()


def test_external_entity_reading_a_local_file_is_refused_and_leaks_nothing() -> None:
    with tempfile.TemporaryDirectory() as folder:
        secret = Path(folder) / "secret.txt"
        secret.write_text("TOP-SECRET-MARKER")
        with pytest.raises(CaseFormatError) as exc:
            parse_asn_rdfxml(_xxe(secret.as_uri()))
    assert "DTD" in str(exc.value)
    assert "TOP-SECRET-MARKER" not in str(exc.value)


def test_entities_are_never_expanded_even_below_the_refusal() -> None:
    # The parser itself keeps file content out, whatever the checks after it do.
    from lxml import etree

    from lti_tool.case.asn import _hardened_parser

    with tempfile.TemporaryDirectory() as folder:
        secret = Path(folder) / "secret.txt"
        secret.write_text("TOP-SECRET-MARKER")
        root = etree.fromstring(_xxe(secret.as_uri()), _hardened_parser())
    assert b"TOP-SECRET-MARKER" not in etree.tostring(root)


@contextmanager
def _counting_server() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that records every path asked of it."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            hits.append(self.path)
            body = b'<!ENTITY x "PWNED">'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", hits
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    "template",
    [
        '<!DOCTYPE rdf:RDF [<!ENTITY xxe SYSTEM "{base}/entity">]>',
        '<!DOCTYPE rdf:RDF SYSTEM "{base}/external.dtd">',
        '<!DOCTYPE rdf:RDF [<!ENTITY % p SYSTEM "{base}/param.dtd"> %p;]>',
    ],
)
def test_external_entities_and_dtds_never_reach_the_network(template: str) -> None:
    from lxml import etree

    from lti_tool.case.asn import _hardened_parser

    with _counting_server() as (base, hits):
        doctype = template.format(base=base)
        data = f"""<?xml version="1.0"?>
{doctype}
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="http://e.org/S">&amp;</rdf:Description>
</rdf:RDF>""".encode()
        with pytest.raises(CaseFormatError, match="DTD"):
            parse_asn_rdfxml(data)
        # Below the refusal, the parser itself does not fetch either (some libxml2 builds
        # have no HTTP client at all; this guards the builds that do).
        try:
            etree.fromstring(data, _hardened_parser())
        except etree.XMLSyntaxError:
            pass
    assert hits == []


@pytest.mark.parametrize(
    ("data", "where"),
    [
        (b"<rdf:RDF", "line 1"),
        (b"<a>\n<b></a>", "line 2"),
        (b"\xff\xfe<\x00", "line 1"),
        (b"<a>" * 300 + b"</a>" * 300, "line 1"),
    ],
)
def test_broken_xml_is_reported_with_its_line(data: bytes, where: str) -> None:
    with pytest.raises(CaseFormatError) as exc:
        parse_asn_rdfxml(data)
    assert exc.value.problems[0].where == where
