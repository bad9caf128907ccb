"""RDF Dataset Canonicalization (RDFC-1.0) and canonical N-Quads.

Spec: https://www.w3.org/TR/rdf-canon/#canon-algorithm

Credentials almost always give every blank node a distinct first-degree hash, so the common
case is one SHA-256 per blank node; the N-degree step runs only for the rest, with a work limit
against "poison" datasets (spec section 4.4.1, the recursion guard).
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from itertools import permutations
from typing import Any

from lti_tool.clr.errors import JsonLdError
from lti_tool.clr.jsonld import XSD_STRING, Quad, Term, to_rdf

MAX_WORK = 100_000

# Canonical N-Quads escaping as rdf-canonize writes it (RDF 1.2 canonical form): control
# characters as ECHAR where one exists, else UCHAR; in IRIs the characters N-Quads forbids.
_LITERAL_ESCAPES = {n: f"\\u{n:04X}" for n in [*range(0x20), 0x7F]}
_LITERAL_ESCAPES.update(
    {8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r", 34: '\\"', 92: "\\\\"}
)
_LITERAL_NEEDS = re.compile(r'[\x00-\x1f\x7f"\\]')
_IRI_ESCAPES = {n: f"\\u{n:04X}" for n in [*range(0x21), *b'<>"{}|^`\\']}
_IRI_NEEDS = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def _iri(value: str) -> str:
    """An IRI in angle brackets, escaped where N-Quads requires."""
    if _IRI_NEEDS.search(value):
        value = value.translate(_IRI_ESCAPES)
    return f"<{value}>"


# IRIs and literals repeat across quads and documents (predicates, types, issuer, dates).
_TEXT_CACHE: dict[Term, str] = {}
_TEXT_CACHE_LIMIT = 200_000


def _term(term: Term, labels: dict[str, str] | None = None) -> str:
    """One term in canonical N-Quads form."""
    if term[0] == "B":
        return f"_:{labels[term[1]] if labels is not None else term[1]}"
    text = _TEXT_CACHE.get(term)
    if text is None:
        if len(_TEXT_CACHE) >= _TEXT_CACHE_LIMIT:
            _TEXT_CACHE.clear()
        text = _TEXT_CACHE[term] = _plain_term(term)
    return text


def _plain_term(term: Term) -> str:
    """An IRI or literal in canonical N-Quads form."""
    if term[0] == "I":
        return _iri(term[1])
    lexical = term[1]
    if _LITERAL_NEEDS.search(lexical):
        lexical = lexical.translate(_LITERAL_ESCAPES)
    if term[2] == XSD_STRING:
        return f'"{lexical}"'
    return f'"{lexical}"^^{_iri(term[2])}'


def serialize_quad(quad: Quad, labels: dict[str, str] | None = None) -> str:
    """A quad as one canonical N-Quads line (with its newline)."""
    s, p, o, g = quad
    if g is None:
        return f"{_term(s, labels)} {_term(p)} {_term(o, labels)} .\n"
    return f"{_term(s, labels)} {_term(p)} {_term(o, labels)} {_term(g, labels)} .\n"


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def sort_lines(lines: list[str]) -> list[str]:
    """Sort N-Quads lines as rdf-canonize does: by UTF-16 code units (JavaScript's order).

    It equals code point order unless a line holds a character beyond U+FFFF.
    """
    joined = "".join(lines)
    if not joined.isascii() and _ASTRAL.search(joined):
        return sorted(lines, key=lambda line: line.encode("utf-16-be"))
    return sorted(lines)


def _sha256(text: str) -> str:
    """Lower-case hex SHA-256 of UTF-8 text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _Issuer:
    """Spec 4.3: the identifier issuer (ordered)."""

    __slots__ = ("prefix", "issued", "counter")

    def __init__(self, prefix: str) -> None:
        """Start issuing prefix0, prefix1, ..."""
        self.prefix = prefix
        self.issued: dict[str, str] = {}
        self.counter = 0

    def issue(self, label: str) -> str:
        """The identifier for label, issuing a new one the first time."""
        found = self.issued.get(label)
        if found is None:
            found = self.issued[label] = f"{self.prefix}{self.counter}"
            self.counter += 1
        return found

    def copy(self) -> _Issuer:
        """An independent copy."""
        other = _Issuer(self.prefix)
        other.issued = dict(self.issued)
        other.counter = self.counter
        return other


class _Canonicalizer:
    """Spec 4.4: the canonicalization state."""

    def __init__(self, quads: list[Quad]) -> None:
        """Index quads by the blank nodes they mention."""
        self.quads = quads
        self.by_node: dict[str, list[Quad]] = defaultdict(list)
        for quad in quads:
            for term in (quad[0], quad[2], quad[3]):
                if term is not None and term[0] == "B":
                    mentions = self.by_node[term[1]]
                    if not mentions or mentions[-1] is not quad:
                        mentions.append(quad)
        self.canonical = _Issuer("c14n")
        self.first_degree: dict[str, str] = {}
        self.work = 0

    def hash_first_degree(self, label: str) -> str:
        """Spec 4.6."""
        found = self.first_degree.get(label)
        if found is not None:
            return found
        lines = []
        for quad in self.by_node[label]:
            lines.append(serialize_quad(quad, _Marker(label)))
        lines = sort_lines(lines)
        found = self.first_degree[label] = _sha256("".join(lines))
        return found

    def hash_related(self, related: str, quad: Quad, issuer: _Issuer, position: str) -> str:
        """Spec 4.7."""
        if related in self.canonical.issued:
            identifier = "_:" + self.canonical.issued[related]
        elif related in issuer.issued:
            identifier = "_:" + issuer.issued[related]
        else:
            identifier = self.hash_first_degree(related)
        text = position
        if position != "g":
            text += f"<{quad[1][1]}>"
        return _sha256(text + identifier)

    def hash_n_degree(self, label: str, issuer: _Issuer) -> tuple[str, _Issuer]:
        """Spec 4.8."""
        self.work += 1
        if self.work > MAX_WORK:
            raise JsonLdError("the document's blank nodes are too entangled to canonicalise")
        related_by_hash: dict[str, list[str]] = defaultdict(list)
        for quad in self.by_node[label]:
            for term, position in ((quad[0], "s"), (quad[2], "o"), (quad[3], "g")):
                if term is not None and term[0] == "B" and term[1] != label:
                    digest = self.hash_related(term[1], quad, issuer, position)
                    related_by_hash[digest].append(term[1])
        data = ""
        for digest in sorted(related_by_hash):
            data += digest
            chosen_path = ""
            chosen_issuer: _Issuer | None = None
            for permutation in permutations(related_by_hash[digest]):
                self.work += 1
                if self.work > MAX_WORK:
                    raise JsonLdError(
                        "the document's blank nodes are too entangled to canonicalise"
                    )
                issuer_copy = issuer.copy()
                path = ""
                recursion: list[str] = []
                skip = False
                for related in permutation:
                    if related in self.canonical.issued:
                        path += "_:" + self.canonical.issued[related]
                    else:
                        if related not in issuer_copy.issued:
                            recursion.append(related)
                        path += "_:" + issuer_copy.issue(related)
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                for related in recursion:
                    result_hash, result_issuer = self.hash_n_degree(related, issuer_copy)
                    path += "_:" + issuer_copy.issue(related)
                    path += f"<{result_hash}>"
                    issuer_copy = result_issuer
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                if not chosen_path or path < chosen_path:
                    chosen_path = path
                    chosen_issuer = issuer_copy
            data += chosen_path
            assert chosen_issuer is not None
            issuer = chosen_issuer
        return _sha256(data), issuer

    def run(self) -> dict[str, str]:
        """Spec 4.4.3: the canonical label of every blank node."""
        by_hash: dict[str, list[str]] = defaultdict(list)
        for label in self.by_node:
            by_hash[self.hash_first_degree(label)].append(label)
        shared = []
        for digest in sorted(by_hash):
            labels = by_hash[digest]
            if len(labels) == 1:
                self.canonical.issue(labels[0])
            else:
                shared.append(labels)
        for labels in shared:
            results = []
            for label in labels:
                if label in self.canonical.issued:
                    continue
                temporary = _Issuer("b")
                temporary.issue(label)
                results.append(self.hash_n_degree(label, temporary))
            results.sort(key=lambda item: item[0])
            for _digest, issuer in results:
                for existing in issuer.issued:
                    self.canonical.issue(existing)
        return self.canonical.issued


class _Marker(dict[str, str]):
    """Labels for the first-degree hash: the reference node is `a`, every other `z`."""

    def __init__(self, reference: str) -> None:
        """Remember the reference blank node."""
        super().__init__()
        self.reference = reference

    def __missing__(self, key: str) -> str:
        """Any label maps to a or z."""
        return "a" if key == self.reference else "z"


def canonicalize_quads(quads: list[Quad]) -> str:
    """The canonical N-Quads document (sorted lines) of an RDF dataset."""
    labels = _Canonicalizer(quads).run()
    return "".join(sort_lines([serialize_quad(quad, labels) for quad in quads]))


def canonize(document: Any) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document, with offline contexts, in safe mode."""
    return canonicalize_quads(to_rdf(document))
