"""ASN (Achievement Standards Network) exports, in RDF/JSON or RDF/XML, as a CASE package.

One asn:StandardDocument becomes the CFDocument and each asn:Statement a CFItem:
humanCodingScheme from asn:statementNotation, fullStatement from dcterms:description,
listEnumeration from asn:listID, notes from asn:comment, CFItemType from asn:statementLabel,
educationLevel from dcterms:educationLevel. The tree comes from gem:isChildOf, the parents'
gem:hasChild lists (whose order gives sequenceNumber) and, for a statement with neither,
dcterms:isPartOf. skos:exactMatch becomes exactMatchOf to the outside node.

Identifiers are UUIDv5 of the ASN URI (RFC 4122 URL namespace), and `uri` is the ASN URI,
so re-importing an ASN export finds the same items, and so does anyone else converting it.

RDF/XML is parsed by lxml with entities, DTDs and the network off and a size limit; a file
that declares a DTD or entities (billion laughs, XXE) is refused, not half-read.
Spec: http://www.achievementstandards.org/ (ASN schema), https://www.w3.org/TR/rdf-json/,
https://www.w3.org/TR/rdf-syntax-grammar/
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lxml import etree

from lti_tool.case.conversion import (
    FALLBACK_TIMESTAMP,
    canonical_uuid,
    day,
    derived_uuid,
    link,
    prune,
    timestamp,
    uri_for,
)
from lti_tool.case.problems import CaseFormatError, ProblemCollector

MAX_ASN_BYTES = 64 * 1024 * 1024

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XML_NS = "http://www.w3.org/XML/1998/namespace"
ASN = "http://purl.org/ASN/schema/core/"
DCTERMS = "http://purl.org/dc/terms/"
DC = "http://purl.org/dc/elements/1.1/"
GEMQ = "http://purl.org/gem/qualifiers/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
CC = "http://creativecommons.org/ns#"
FOAF = "http://xmlns.com/foaf/0.1/"
RELATORS = "http://www.loc.gov/loc.terms/relators/"

TYPE = RDF + "type"


@dataclass(frozen=True)
class Term:
    """One RDF object: a URI (or blank node) or a literal with its language."""

    value: str
    is_uri: bool
    lang: str | None = None


# subject -> predicate -> objects, in document order
Graph = dict[str, dict[str, list[Term]]]


def _add(graph: Graph, subject: str, predicate: str, term: Term) -> None:
    graph.setdefault(subject, {}).setdefault(predicate, []).append(term)


# --------------------------------------------------------------------------- RDF/JSON


def _check_size(data: bytes) -> None:
    if len(data) > MAX_ASN_BYTES:
        raise CaseFormatError(
            f"the file is {len(data):,} bytes; the limit for ASN files is {MAX_ASN_BYTES:,}"
        )


def rdfjson_graph(data: bytes) -> Graph:
    """The triples of an RDF/JSON document; every malformed value is reported by JSON path."""
    _check_size(data)
    try:
        document = json.loads(data)
    except RecursionError:
        raise CaseFormatError("the JSON is nested too deeply", "$") from None
    except ValueError as exc:
        where = f"line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else "file"
        raise CaseFormatError(f"not valid JSON ({exc.args[0].split(':')[0]})", where) from None
    if not isinstance(document, dict):
        raise CaseFormatError("RDF/JSON is a JSON object keyed by subject URI", "$")
    problems = ProblemCollector()
    graph: Graph = {}
    for subject, predicates in document.items():
        path = f"$[{json.dumps(subject)}]"
        if not isinstance(predicates, dict):
            problems.add(path, "a subject maps to an object of predicates")
            continue
        for predicate, objects in predicates.items():
            ppath = f"{path}[{json.dumps(predicate)}]"
            if not isinstance(objects, list):
                problems.add(ppath, "a predicate maps to a list of objects")
                continue
            for n, obj in enumerate(objects):
                term = _rdfjson_term(obj)
                if term is None:
                    problems.add(
                        f"{ppath}[{n}]",
                        'an object is {"value": string, "type": "uri"|"literal"|"bnode"}',
                    )
                    continue
                _add(graph, subject, predicate, term)
    problems.raise_if_any()
    return graph


def _rdfjson_term(obj: object) -> Term | None:
    if not isinstance(obj, dict) or not isinstance(obj.get("value"), str):
        return None
    kind = obj.get("type")
    lang = obj.get("lang")
    if kind in ("uri", "bnode"):
        return Term(obj["value"], True)
    if kind == "literal":
        return Term(obj["value"], False, lang if isinstance(lang, str) else None)
    return None


# --------------------------------------------------------------------------- RDF/XML


def _hardened_parser() -> etree.XMLParser:
    """lxml with every door closed: no entities, no DTD, no network, no huge trees."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        attribute_defaults=False,
        huge_tree=False,
        remove_pis=True,
        remove_comments=True,
        collect_ids=False,
    )


_DTD_REFUSED = (
    "the XML declares a DTD or entities (<!DOCTYPE ...>, <!ENTITY ...>); ASN exports never "
    "do, and DTD entities are how XML bombs and external-entity attacks work, so the file "
    "is refused"
)


def _declares_dtd(data: bytes) -> bool:
    """True if the bytes hold a DTD or entity declaration, in UTF-8 or UTF-16/32 alike."""
    narrow = data.replace(b"\x00", b"")
    return any(marker in narrow for marker in (b"<!DOCTYPE", b"<!ENTITY"))


def _parse_xml(data: bytes) -> etree._Element:
    """The root element, or CaseFormatError for broken or hostile XML."""
    _check_size(data)
    # Refused before parsing, so no entity is ever expanded or fetched; the parser is
    # hardened as well in case a declaration hides in an encoding this check misses.
    if _declares_dtd(data):
        raise CaseFormatError(_DTD_REFUSED, "line 1")
    try:
        root = etree.fromstring(data, _hardened_parser())
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or 1
        message = (exc.msg or "malformed XML").split("\n")[0]
        if "entity" in message.lower() or "dtd" in message.lower():
            raise CaseFormatError(_DTD_REFUSED, f"line {line}") from None
        raise CaseFormatError(f"not well-formed XML ({message})", f"line {line}") from None
    except (ValueError, etree.LxmlError) as exc:
        raise CaseFormatError(f"not readable XML ({type(exc).__name__})") from None
    if root is None:
        raise CaseFormatError("the XML document is empty")
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise CaseFormatError(_DTD_REFUSED, "line 1")
    for node in root.iter(etree.Entity):
        raise CaseFormatError(
            f"the XML uses an entity ({node.text}); refused", f"line {node.sourceline or 1}"
        )
    return root


def _qname_uri(tag: str) -> str:
    """'{ns}local' -> 'nslocal', the URI an RDF/XML element or attribute stands for."""
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns + local
    return tag


class _RdfXmlReader:
    """The RDF/XML grammar (W3C REC 2004) as far as real exports use it."""

    def __init__(self) -> None:
        self.graph: Graph = {}
        self.blank = 0

    def _new_blank(self) -> str:
        self.blank += 1
        return f"_:b{self.blank}"

    def node(self, element: etree._Element, lang: str | None) -> str:
        """Read a node element; returns its subject."""
        about = element.get(f"{{{RDF}}}about")
        node_id = element.get(f"{{{RDF}}}nodeID")
        rdf_id = element.get(f"{{{RDF}}}ID")
        if about is not None:
            subject = about
        elif node_id is not None:
            subject = f"_:{node_id}"
        elif rdf_id is not None:
            subject = f"{element.base or ''}#{rdf_id}"
        else:
            subject = self._new_blank()
        lang = element.get(f"{{{XML_NS}}}lang", lang)
        if _qname_uri(element.tag) != RDF + "Description":
            _add(self.graph, subject, TYPE, Term(_qname_uri(element.tag), True))
        self.graph.setdefault(subject, {})
        for name, value in element.attrib.items():
            uri = _qname_uri(name)
            if uri.startswith((RDF, XML_NS)):
                if uri == RDF + "type":
                    _add(self.graph, subject, TYPE, Term(value, True))
                continue
            _add(self.graph, subject, uri, Term(value, False, lang))
        self.properties(subject, element, lang)
        return subject

    def properties(self, subject: str, element: etree._Element, lang: str | None) -> None:
        """Read the property elements under a node element."""
        counter = 0
        for prop in element:
            if not isinstance(prop.tag, str):
                continue
            predicate = _qname_uri(prop.tag)
            if predicate == RDF + "li":
                counter += 1
                predicate = f"{RDF}_{counter}"
            prop_lang = prop.get(f"{{{XML_NS}}}lang", lang)
            resource = prop.get(f"{{{RDF}}}resource")
            node_id = prop.get(f"{{{RDF}}}nodeID")
            parse_type = prop.get(f"{{{RDF}}}parseType")
            children = [c for c in prop if isinstance(c.tag, str)]
            if resource is not None:
                _add(self.graph, subject, predicate, Term(resource, True))
            elif node_id is not None:
                _add(self.graph, subject, predicate, Term(f"_:{node_id}", True))
            elif parse_type == "Resource":
                blank = self._new_blank()
                _add(self.graph, subject, predicate, Term(blank, True))
                self.properties(blank, prop, prop_lang)
            elif parse_type == "Literal":
                text = (prop.text or "") + "".join(
                    etree.tostring(c, encoding="unicode") for c in prop
                )
                _add(self.graph, subject, predicate, Term(text, False))
            elif children:
                for child in children:
                    _add(self.graph, subject, predicate, Term(self.node(child, prop_lang), True))
            else:
                _add(self.graph, subject, predicate, Term(prop.text or "", False, prop_lang))


def rdfxml_graph(data: bytes) -> Graph:
    """The triples of an RDF/XML document read with the hardened parser."""
    root = _parse_xml(data)
    reader = _RdfXmlReader()
    if _qname_uri(root.tag) == RDF + "RDF":
        for element in root:
            if isinstance(element.tag, str):
                reader.node(element, root.get(f"{{{XML_NS}}}lang"))
    else:
        reader.node(root, None)
    return reader.graph


# --------------------------------------------------------------------------- ASN -> CASE


def asn_identifier(uri: str) -> str:
    """The CASE identifier of an ASN resource: UUIDv5 of its URI in the URL namespace."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, uri))


def _first(props: dict[str, list[Term]], *predicates: str) -> str | None:
    for predicate in predicates:
        for term in props.get(predicate, []):
            if term.value.strip():
                return term.value.strip() if term.is_uri else term.value
    return None


def _all(props: dict[str, list[Term]], predicate: str) -> list[str]:
    return [t.value for t in props.get(predicate, []) if t.value.strip()]


def _last_segment(uri: str) -> str:
    return re.split(r"[/#]", uri.rstrip("/"))[-1]


def _education_level(uri: str) -> str:
    """ASNEducationLevel/K -> KG, /3 -> 03, /Pre-K -> PK (the CEDS codes CASE data uses)."""
    code = _last_segment(uri)
    if re.fullmatch(r"[0-9]", code):
        return f"0{code}"
    return {"K": "KG", "Pre-K": "PK", "PreK": "PK"}.get(code, code)


def _language(props: dict[str, list[Term]]) -> str | None:
    value = _first(props, DCTERMS + "language", DC + "language")
    return _last_segment(value) if value else None


def _types(props: dict[str, list[Term]]) -> set[str]:
    return {t.value for t in props.get(TYPE, [])}


@dataclass(frozen=True)
class _Context:
    doc_uri: str
    doc_id: str
    changed: str
    uri_base: str | None
    language: str | None


def _document(
    graph: Graph, problems: ProblemCollector, uri_base: str | None
) -> tuple[dict[str, Any], _Context, dict[str, Any]]:
    docs = [s for s, p in graph.items() if ASN + "StandardDocument" in _types(p)]
    if not docs:
        raise CaseFormatError("no asn:StandardDocument in the file: is it an ASN export?")
    if len(docs) > 1:
        raise CaseFormatError(
            f"{len(docs)} asn:StandardDocuments in one file; export one document at a time"
        )
    doc_uri = docs[0]
    props = graph[doc_uri]
    about = next(
        (p for p in graph.values() if doc_uri in _all(p, FOAF + "primaryTopic")),
        {},
    )
    modified = _first(props, DCTERMS + "modified") or _first(about, DCTERMS + "modified")
    changed = (
        timestamp(modified or "")
        or timestamp(_first(props, ASN + "repositoryDate") or "")
        or timestamp(_first(props, DCTERMS + "created") or _first(about, DCTERMS + "created") or "")
        or FALLBACK_TIMESTAMP
    )
    title = _first(props, DC + "title", DCTERMS + "title")
    if not title:
        problems.add(doc_uri, "the StandardDocument has no dc:title")
    publishers = _all(props, DC + "publisher") or _all(props, DCTERMS + "publisher")
    authors = _all(props, RELATORS + "aut") or _all(props, DC + "creator")
    jurisdiction = _first(props, ASN + "jurisdiction")
    creator = "; ".join(authors or publishers) or (
        _last_segment(jurisdiction) if jurisdiction else "Achievement Standards Network"
    )
    doc_id = asn_identifier(doc_uri)
    context = _Context(doc_uri, doc_id, changed, uri_base, _language(props))
    definitions: dict[str, Any] = {}
    document: dict[str, Any] = {
        "identifier": doc_id,
        "uri": doc_uri,
        "creator": creator,
        "title": title or "",
        "lastChangeDateTime": changed,
        "officialSourceURL": _first(props, DCTERMS + "source"),
        "publisher": "; ".join(publishers),
        "description": _first(props, DCTERMS + "description"),
        "subject": [_last_segment(s) for s in _all(props, DCTERMS + "subject")],
        "language": context.language,
        "version": _first(props, DCTERMS + "valid"),
        "adoptionStatus": _last_segment(_first(props, ASN + "publicationStatus") or "") or None,
        "statusStartDate": day(_first(props, DCTERMS + "valid") or ""),
        "notes": _first(props, DCTERMS + "rights"),
        "extensions": prune(
            {
                "asnJurisdiction": jurisdiction,
                "asnIdentifier": _first(props, ASN + "identifier"),
                "educationLevel": [
                    _education_level(v) for v in _all(props, DCTERMS + "educationLevel")
                ],
            }
        ),
    }
    license_uri = _first(props, CC + "license") or _first(about, CC + "license")
    if license_uri:
        license_id = asn_identifier(license_uri)
        rights = _first(props, DCTERMS + "rights")
        definitions["CFLicenses"] = [
            {
                "identifier": license_id,
                "uri": license_uri,
                "title": license_uri,
                "licenseText": f"{license_uri}. {rights}" if rights else license_uri,
                "lastChangeDateTime": changed,
            }
        ]
        document["licenseURI"] = link(license_uri, license_id, license_uri)
    return prune(document), context, definitions


def _statement_title(props: dict[str, list[Term]]) -> str | None:
    return _first(props, DCTERMS + "description") or " ".join(
        v
        for v in (_first(props, ASN + "statementLabel"), _first(props, ASN + "statementNotation"))
        if v
    )


def _edges(
    graph: Graph, statements: list[str], ctx: _Context
) -> Iterator[tuple[str, str, int | None]]:
    """(child, parent, sequence) from isChildOf, the parent's hasChild order and isPartOf."""
    seen: set[tuple[str, str]] = set()
    order: dict[tuple[str, str], int] = {}
    listed_under: dict[str, list[str]] = {}
    for parent, props in graph.items():
        for n, child in enumerate(_all(props, GEMQ + "hasChild"), start=1):
            if (child, parent) not in order:
                order[(child, parent)] = n
                listed_under.setdefault(child, []).append(parent)
    for child in statements:
        props = graph[child]
        parents = _all(props, GEMQ + "isChildOf") or listed_under.get(child, [])
        if not parents:
            parents = [p for p in _all(props, DCTERMS + "isPartOf") if p == ctx.doc_uri]
        for parent in parents:
            if (child, parent) not in seen:
                seen.add((child, parent))
                yield child, parent, order.get((child, parent))


def _graph_to_package(graph: Graph, uri_base: str | None) -> dict[str, Any]:
    problems = ProblemCollector()
    document, ctx, definitions = _document(graph, problems, uri_base)
    statements = [s for s, p in graph.items() if ASN + "Statement" in _types(p)]
    nodes: dict[str, tuple[str, str]] = {ctx.doc_uri: (ctx.doc_id, document.get("title", ""))}
    items: list[dict[str, Any]] = []
    item_types: dict[str, dict[str, Any]] = {}
    for uri in statements:
        props = graph[uri]
        identifier = asn_identifier(uri)
        statement = _statement_title(props)
        if not statement:
            problems.add(uri, "the Statement has no dcterms:description, label or notation")
            continue
        code = _first(props, ASN + "statementNotation") or _first(
            props, ASN + "altStatementNotation"
        )
        label = _first(props, ASN + "statementLabel")
        item: dict[str, Any] = {
            "identifier": identifier,
            "fullStatement": statement,
            "uri": uri,
            "lastChangeDateTime": ctx.changed,
            "humanCodingScheme": code,
            "listEnumeration": _first(props, ASN + "listID"),
            "notes": _first(props, ASN + "comment"),
            "language": _language(props) or ctx.language,
            "educationLevel": [
                _education_level(v) for v in _all(props, DCTERMS + "educationLevel")
            ],
            "subject": [_last_segment(s) for s in _all(props, DCTERMS + "subject")],
            "conceptKeywords": _all(props, ASN + "conceptTerm"),
            "extensions": prune(
                {
                    "asnIdentifier": _first(props, ASN + "identifier"),
                    "altStatementNotation": _first(props, ASN + "altStatementNotation"),
                    "authorityStatus": _last_segment(_first(props, ASN + "authorityStatus") or "")
                    or None,
                    "indexingStatus": _last_segment(_first(props, ASN + "indexingStatus") or "")
                    or None,
                }
            ),
        }
        if label:
            if label not in item_types:
                type_id = derived_uuid(ctx.doc_id, "CFItemTypes", label)
                item_types[label] = {
                    "identifier": type_id,
                    "uri": uri_for(uri_base, "CFItemTypes", type_id),
                    "title": label,
                    "description": label,
                    "hierarchyCode": label,
                    "typeCode": label,
                    "lastChangeDateTime": ctx.changed,
                }
            item["CFItemType"] = label
            item["CFItemTypeURI"] = link(
                label, item_types[label]["identifier"], item_types[label]["uri"]
            )
        items.append(prune(item))
        nodes[uri] = (identifier, code or statement[:60])
    associations: list[dict[str, Any]] = []

    def associate(kind: str, child: str, dest: dict[str, str], sequence: int | None) -> None:
        child_id, child_title = nodes[child]
        identifier = derived_uuid(child, kind, dest["uri"])
        associations.append(
            prune(
                {
                    "identifier": identifier,
                    "associationType": kind,
                    "uri": uri_for(uri_base, "CFAssociations", identifier),
                    "originNodeURI": link(child_title, child_id, child),
                    "destinationNodeURI": dest,
                    "lastChangeDateTime": ctx.changed,
                    "sequenceNumber": sequence,
                }
            )
        )

    for child, parent, sequence in _edges(graph, statements, ctx):
        if child not in nodes:
            continue
        if parent not in nodes:
            problems.add(child, f"gem:isChildOf points at {parent}, which is not in this document")
            continue
        parent_id, parent_title = nodes[parent]
        associate("isChildOf", child, link(parent_title, parent_id, parent), sequence)
    for uri in statements:
        if uri not in nodes:
            continue
        for match in _all(graph[uri], SKOS + "exactMatch"):
            outside = canonical_uuid(match) if match.lower().startswith("urn:guid:") else None
            associate("exactMatchOf", uri, link(match, outside or match, match), None)
    problems.raise_if_any()
    if item_types:
        definitions["CFItemTypes"] = list(item_types.values())
    package: dict[str, Any] = {
        "CFDocument": document,
        "CFItems": items,
        "CFAssociations": associations,
    }
    if definitions:
        package["CFDefinitions"] = definitions
    return package


def parse_asn_rdfjson(data: bytes, *, uri_base: str | None = None) -> dict[str, Any]:
    """An ASN StandardDocument export in RDF/JSON as a CASE package."""
    return _graph_to_package(rdfjson_graph(data), uri_base)


def parse_asn_rdfxml(data: bytes, *, uri_base: str | None = None) -> dict[str, Any]:
    """An ASN StandardDocument export in RDF/XML as a CASE package (hardened parser)."""
    return _graph_to_package(rdfxml_graph(data), uri_base)
