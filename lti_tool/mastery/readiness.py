"""Readiness to advance along `precedes` associations, on any framework and across crosswalks.

A competency is "ready to advance" to when every prerequisite (every competency that precedes
it) is mastered. Competencies joined by an exact-match association (a crosswalk between two
frameworks) count as one: mastering either masters both, and each inherits the other's
prerequisites.

Spec: CASE 1.1 CFAssociation `associationType` values `precedes` (origin comes before
destination) and `exactMatchOf` (https://www.imsglobal.org/spec/case/v1p1/).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from lti_tool.mastery.calculation import MasteryResult
from lti_tool.mastery.errors import MasteryInputError
from lti_tool.mastery.scales import Status

PRECEDES = "precedes"
EQUIVALENT_TYPES = frozenset({"exactMatchOf", "isEquivalentTo"})


class Readiness(StrEnum):
    """Where a learner stands on the path through a framework."""

    MASTERED = "mastered"
    READY = "ready"
    NOT_READY = "not_ready"


@dataclass(frozen=True)
class CompetencyGraph:
    """Competency ids, `precedes` edges (before, after), and equivalence edges (crosswalks)."""

    nodes: frozenset[str] = frozenset()
    precedes: tuple[tuple[str, str], ...] = ()
    equivalent: tuple[tuple[str, str], ...] = ()
    names: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Add every edge's ends to the nodes; refuse edges that are not pairs of ids."""
        nodes = set(self.nodes)
        for kind in ("precedes", "equivalent"):
            for i, edge in enumerate(getattr(self, kind)):
                if (
                    not isinstance(edge, tuple)
                    or len(edge) != 2
                    or not all(isinstance(x, str) and x for x in edge)
                ):
                    raise MasteryInputError(f"{kind}[{i}]", "must be a pair of competency ids")
                nodes.update(edge)
        object.__setattr__(self, "nodes", frozenset(nodes))

    @classmethod
    def from_associations(
        cls,
        associations: Iterable[tuple[str, str, str]],
        nodes: Iterable[str] = (),
        names: Mapping[str, str] | None = None,
    ) -> CompetencyGraph:
        """Build from CASE associations as (origin, associationType, destination)."""
        precedes, equivalent = [], []
        for origin, kind, destination in associations:
            if kind == PRECEDES:
                precedes.append((origin, destination))
            elif kind in EQUIVALENT_TYPES:
                equivalent.append((origin, destination))
        return cls(frozenset(nodes), tuple(precedes), tuple(equivalent), dict(names or {}))

    def name(self, node: str) -> str:
        """A competency's name for explanations: its given name, else its id."""
        return self.names.get(node, node)


@dataclass(frozen=True)
class ReadinessResult:
    """One competency's readiness, the prerequisites not yet mastered, and why."""

    id: str
    state: Readiness
    prerequisites: tuple[str, ...]
    missing: tuple[str, ...]
    explanation: str


def _classes(graph: CompetencyGraph) -> dict[str, str]:
    """Each node's equivalence-class representative (union-find over equivalence edges)."""
    parent = {n: n for n in graph.nodes}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in graph.equivalent:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {n: find(n) for n in graph.nodes}


def readiness(
    graph: CompetencyGraph, statuses: Mapping[str, Status | MasteryResult | str]
) -> dict[str, ReadinessResult]:
    """Every competency's readiness for one learner, given their statuses (missing = none)."""
    rep = _classes(graph)
    known: dict[str, Status] = {}
    for node, value in statuses.items():
        try:
            known[node] = Status(value.status if isinstance(value, MasteryResult) else value)
        except ValueError:
            raise MasteryInputError(f"statuses.{node}", "is not a known status") from None
    mastered = {n for n, st in known.items() if st.is_mastered and n in rep}
    mastered_classes = {rep[n] for n in mastered}
    before: dict[str, set[str]] = {}
    for a, b in graph.precedes:
        if rep[a] != rep[b]:
            before.setdefault(rep[b], set()).add(a)
    out = {}
    for node in sorted(graph.nodes):
        cls = rep[node]
        prereqs = tuple(sorted(before.get(cls, ())))
        missing = _missing(prereqs, rep, mastered_classes)
        if cls in mastered_classes:
            state = Readiness.MASTERED
            words = "Mastered."
            if node not in mastered:
                twin = min(n for n in mastered if rep[n] == cls)
                words = f"Mastered, through {graph.name(twin)}, which matches it exactly."
        elif not prereqs:
            state, words = Readiness.READY, "Ready: nothing has to come first."
        elif not missing:
            state = Readiness.READY
            words = "Ready to advance: every prerequisite is mastered ("
            words += ", ".join(graph.name(p) for p in prereqs) + ")."
        else:
            state = Readiness.NOT_READY
            words = "Not ready yet: first master " + ", ".join(graph.name(p) for p in missing) + "."
        out[node] = ReadinessResult(node, state, prereqs, missing, words)
    return out


def _missing(prereqs: tuple[str, ...], rep: dict[str, str], done: set[str]) -> tuple[str, ...]:
    """Prerequisites not yet mastered, one name per group of exact matches (any one will do)."""
    seen: set[str] = set()
    out = []
    for p in prereqs:
        if rep[p] not in done and rep[p] not in seen:
            seen.add(rep[p])
            out.append(p)
    return tuple(out)
