"""Problems found while reading a framework file, collected and raised as one error.

A coordinator fixing a spreadsheet wants every problem at once, each with the sheet and row
(or the JSON path, or the XML line) where it is, not the first one and a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# A file with thousands of broken rows gets the first ones and a count, not a 10 MB report.
MAX_REPORTED_PROBLEMS = 200


@dataclass(frozen=True)
class Problem:
    """One problem: where it is (sheet and row, JSON path, XML line) and what is wrong."""

    where: str
    message: str

    @property
    def path(self) -> str:
        """The place, under the name the JSON importer's problems use for it."""
        return self.where

    def as_dict(self) -> dict[str, str]:
        """The problem as the {where, message} mapping shown to users and in JSON."""
        return {"where": self.where, "message": self.message}


class CaseFormatError(Exception):
    """A file or response could not be turned into a CASE package; `problems` says why."""

    def __init__(self, problems: list[Problem] | Problem | str, where: str = "file") -> None:
        if isinstance(problems, str):
            problems = [Problem(where, problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems) or [Problem(where, "unreadable input")]
        super().__init__(self.summary())

    def summary(self) -> str:
        """One line per problem, ready for a terminal or a log."""
        lines = [f"{p.where}: {p.message}" for p in self.problems[:MAX_REPORTED_PROBLEMS]]
        hidden = len(self.problems) - MAX_REPORTED_PROBLEMS
        if hidden > 0:
            lines.append(f"... and {hidden} more problems")
        return "\n".join(lines)

    def as_list(self) -> list[dict[str, str]]:
        """Every problem as a {where, message} mapping."""
        return [p.as_dict() for p in self.problems]


@dataclass
class ProblemCollector:
    """Gathers problems while a parser goes on reading, then raises them all at once."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, where: str, message: str) -> None:
        """Record one problem and keep going."""
        self.problems.append(Problem(where, message))

    def __bool__(self) -> bool:
        return bool(self.problems)

    def raise_if_any(self) -> None:
        """Raise CaseFormatError with everything recorded so far, if anything was."""
        if self.problems:
            raise CaseFormatError(self.problems)
