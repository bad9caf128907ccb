"""Small server-rendered SVG charts: a learner's evidence on one competency over time.

Drawn on the server so pages need no script (the CSP allows none inline) and print well.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from markupsafe import Markup


def evidence_chart(
    points: Sequence[tuple[datetime, float, str]],
    top: float,
    mastery: float,
    *,
    width: int = 360,
    height: int = 96,
    label: str = "",
) -> Markup:
    """A line of evidence values over time, with the mastery line dashed.

    Each point is (time, value on the scale, a short description for its tooltip).
    """
    pad = 8
    inner_w, inner_h = width - 2 * pad, height - 2 * pad
    top = top or 1.0

    def y(value: float) -> float:
        return pad + inner_h * (1 - max(0.0, min(value, top)) / top)

    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" aria-label="{escape(label)}">',
        f'<line class="mastery-line" x1="{pad}" x2="{width - pad}" '
        f'y1="{y(mastery):.1f}" y2="{y(mastery):.1f}"/>',
    ]
    if points:
        times = [p[0].timestamp() for p in points]
        t0, t1 = min(times), max(times)
        span = (t1 - t0) or 1.0
        coords = [
            (
                pad + (inner_w * (t - t0) / span if len(points) > 1 else inner_w / 2),
                y(value),
                text,
            )
            for t, (_, value, text) in zip(times, points, strict=True)
        ]
        if len(coords) > 1:
            path = " ".join(f"{x:.1f},{yy:.1f}" for x, yy, _ in coords)
            parts.append(f'<polyline class="trend" points="{path}"/>')
        for x, yy, text in coords:
            parts.append(
                f'<circle class="dot" cx="{x:.1f}" cy="{yy:.1f}" r="3.5">'
                f"<title>{escape(text)}</title></circle>"
            )
    parts.append("</svg>")
    # Every text inside was escaped above; the rest is numbers and fixed markup.
    return Markup("".join(parts))  # noqa: S704
