"""Canvas's rounding (two decimals, half away from zero) and how numbers are written out."""

from __future__ import annotations

import math

# Scores are typed by people with at most a few decimals, so a value within this distance of
# a half is a half that binary floating point could not hold exactly (3.475 is stored as
# 3.47499999...). Canvas's Ruby rounding gives 3.48 for these; so must we.
_HALF_TOLERANCE = 1e-9


def round_half_away(value: float, places: int = 2) -> float:
    """Round to `places` decimals, halves away from zero, as Ruby's `Float#round` (4.125 -> 4.13).

    Spec: Canvas `rollup_score.rb` rounds every rollup with `.round(2)`; Python's `round`
    rounds halves to even (4.125 -> 4.12) and is not used.
    """
    factor = 10.0**places
    scaled = math.floor(abs(value) * factor + 0.5 + _HALF_TOLERANCE) / factor
    if scaled == 0.0:
        return 0.0
    return math.copysign(scaled, value)


def fmt(value: float) -> str:
    """Write a score for people: two decimals at most, one at least (3 -> "3.0", 2.65)."""
    rounded = round_half_away(value, 2)
    if rounded == int(rounded):
        return f"{rounded:.1f}"
    return f"{rounded:.2f}".rstrip("0")


def pct(fraction: float) -> str:
    """Write a fraction as a whole percentage for people (0.6927 -> "69%")."""
    return f"{round_half_away(fraction * 100, 0):.0f}%"


def percent(value: float) -> str:
    """Write a percentage for people, one decimal at most (75 -> "75%", 62.5 -> "62.5%")."""
    rounded = round_half_away(value, 1)
    return f"{rounded:.0f}%" if rounded == int(rounded) else f"{rounded:.1f}%"
