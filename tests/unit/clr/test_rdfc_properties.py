"""RDFC-1.0 on raw datasets full of symmetric blank nodes equals PyLD's URDNA2015."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lti_tool.clr.rdfc import canonicalize_quads, serialize_quad

jsonld = pytest.importorskip("pyld.jsonld", reason="PyLD (the reference) is a test dependency")

# Few labels and predicates on purpose: ties in the first-degree hashes force the N-degree step.
bnodes = st.sampled_from([("B", f"n{i}") for i in range(5)])
iris = st.sampled_from([("I", "https://e.example/a"), ("I", "https://e.example/b")])
predicates = st.sampled_from([("I", "https://e.example/p"), ("I", "https://e.example/q")])
literals = st.sampled_from([("L", "x", "http://www.w3.org/2001/XMLSchema#string")])
graphs = st.one_of(st.none(), bnodes, iris)
quads = st.tuples(st.one_of(bnodes, iris), predicates, st.one_of(bnodes, iris, literals), graphs)


def _repeats_a_blank_node(quad) -> bool:
    """PyLD counts a quad once per mention of a blank node, rdf-canonize once: they differ."""
    labels = [t[1] for t in (quad[0], quad[2], quad[3]) if t is not None and t[0] == "B"]
    return len(labels) != len(set(labels))


@settings(max_examples=150, deadline=None)
@given(st.lists(quads.filter(lambda q: not _repeats_a_blank_node(q)), min_size=1, max_size=10,
               unique=True))  # fmt: skip
def test_canonical_form_equals_pyld(dataset):
    nquads = "".join(serialize_quad(quad) for quad in dataset)
    expected = jsonld.normalize(
        nquads, {"algorithm": "URDNA2015", "inputFormat": "application/n-quads",
                 "format": "application/n-quads"}
    )  # fmt: skip
    assert canonicalize_quads(dataset) == expected


def test_a_blank_node_cycle_is_canonicalised_whatever_the_input_labels():
    p = ("I", "https://e.example/p")
    ring = [(("B", f"x{i}"), p, ("B", f"x{(i + 1) % 4}"), None) for i in range(4)]
    relabelled = [(("B", "y" + s[1]), pp, ("B", "y" + o[1]), g) for s, pp, o, g in ring]
    assert canonicalize_quads(ring) == canonicalize_quads(relabelled)


def test_a_blank_node_twice_in_one_quad_counts_once_as_in_rdf_canonize():
    # Expected output produced by rdf-canonize 5.0 (the library jsonld.js verifiers use).
    q, p = ("I", "https://e.example/q"), ("I", "https://e.example/p")
    dataset = [(("B", "n0"), q, ("B", "n1"), ("B", "n0")), (("B", "n1"), p, ("B", "n1"), None)]
    assert canonicalize_quads(dataset) == (
        "_:c14n0 <https://e.example/q> _:c14n1 _:c14n0 .\n_:c14n1 <https://e.example/p> _:c14n1 .\n"
    )
