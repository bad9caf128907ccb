"""The one exception the mastery engine raises for input it cannot use."""

from __future__ import annotations


class MasteryInputError(ValueError):
    """Input the engine cannot use; `field` names where it is (e.g. `evidence[2].score`)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message

    def within(self, prefix: str) -> MasteryInputError:
        """The same error with its field placed under `prefix` (e.g. `evidence[2]`)."""
        field = f"{prefix}.{self.field}" if self.field else prefix
        return MasteryInputError(field, self.message)
