"""Ready to advance when every prerequisite is mastered, on any framework and crosswalk."""

from __future__ import annotations

import pytest

from lti_tool.mastery import MasteryInputError, Status, calculate
from lti_tool.mastery.readiness import CompetencyGraph, Readiness, readiness
from tests.unit.mastery.vectors import CANVAS, in_order

M = Status.MASTERED


def test_ready_when_every_prerequisite_is_mastered() -> None:
    """a and b precede c: c is ready only once both are mastered."""
    graph = CompetencyGraph(precedes=(("a", "c"), ("b", "c")), names={"b": "Ratios"})
    states = readiness(graph, {"a": M})
    assert states["c"].state is Readiness.NOT_READY
    assert states["c"].missing == ("b",)
    assert states["c"].explanation == "Not ready yet: first master Ratios."
    assert states["a"].state is Readiness.MASTERED
    assert states["b"].state is Readiness.READY
    assert readiness(graph, {"a": M, "b": Status.EXCEEDS})["c"].state is Readiness.READY


def test_accepts_results_and_status_names() -> None:
    """Statuses may come as results or plain names; unknown ones are domain errors."""
    graph = CompetencyGraph(precedes=(("a", "b"),))
    result = calculate(in_order(3), "latest", CANVAS)
    assert readiness(graph, {"a": result})["b"].state is Readiness.READY
    assert readiness(graph, {"a": "mastered"})["b"].state is Readiness.READY
    with pytest.raises(MasteryInputError) as info:
        readiness(graph, {"a": "done"})
    assert info.value.field == "statuses.a"


def test_from_case_associations_with_a_crosswalk() -> None:
    """State X precedes Y; district D matches X exactly: mastering D makes Y ready."""
    graph = CompetencyGraph.from_associations(
        [("X", "precedes", "Y"), ("D", "exactMatchOf", "X"), ("X", "isChildOf", "P")],
        nodes=["Z"],
    )
    assert graph.nodes == frozenset({"X", "Y", "D", "Z"})
    states = readiness(graph, {"D": M})
    assert states["Y"].state is Readiness.READY
    assert states["X"].state is Readiness.MASTERED
    assert "through D" in states["X"].explanation
    assert states["Z"].explanation == "Ready: nothing has to come first."


def test_equivalent_competencies_share_prerequisites() -> None:
    """A precedes X in one framework; X' matches X in another: X' waits for A too."""
    graph = CompetencyGraph(precedes=(("A", "X"),), equivalent=(("X", "X2"),))
    assert readiness(graph, {})["X2"].missing == ("A",)


def test_cycles_do_not_hang() -> None:
    """a precedes b precedes a: neither is ready until one is mastered."""
    graph = CompetencyGraph(precedes=(("a", "b"), ("b", "a")))
    states = readiness(graph, {})
    assert {s.state for s in states.values()} == {Readiness.NOT_READY}
    assert readiness(graph, {"a": M})["b"].state is Readiness.READY


def test_bad_edges_are_domain_errors() -> None:
    """An edge must be a pair of ids."""
    with pytest.raises(MasteryInputError) as info:
        CompetencyGraph(precedes=(("a",),))  # type: ignore[arg-type]
    assert info.value.field == "precedes[0]"


def test_matching_prerequisites_are_named_once() -> None:
    """A and its exact match A2 both precede Y: Y waits for one of them, named once."""
    graph = CompetencyGraph(precedes=(("A", "Y"), ("A2", "Y")), equivalent=(("A", "A2"),))
    assert readiness(graph, {})["Y"].missing == ("A",)
    assert readiness(graph, {"A2": M})["Y"].state is Readiness.READY
