"""Render the Markdown subset CASE statements use, safely.

CASE 1.1 allows Markdown in fullStatement, notes and descriptions (real data has lists,
emphasis and links). Everything is HTML-escaped first, so imported HTML or script is shown as
text and never runs; only then are the Markdown marks turned into a few fixed tags, and links
only for http, https and mailto targets.
Spec: https://www.imsglobal.org/spec/case/v1p1/impl (Implementation Guide A.15)
"""

from __future__ import annotations

import html
import re

_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_ITALIC = re.compile(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?![*\w])")
_CODE = re.compile(r"`([^`]+)`")
_LINK = re.compile(r"\[([^\]]+)\]\(((?:https?://|mailto:)[^\s)]+)\)")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.*)$")


def _inline(text: str) -> str:
    """Emphasis, code and links within one escaped line."""
    text = _CODE.sub(r"<code>\1</code>", text)
    text = _LINK.sub(r'<a href="\2" rel="noopener noreferrer" target="_blank">\1</a>', text)
    text = _BOLD.sub(lambda m: f"<strong>{m.group(1) or m.group(2)}</strong>", text)
    return _ITALIC.sub(r"<em>\1</em>", text)


def render_markdown(text: str) -> str:
    """Safe HTML for a statement: paragraphs, bullet and numbered lists, emphasis, links."""
    escaped = html.escape(text.replace("\r\n", "\n").replace("\r", "\n"), quote=True)
    blocks = []
    for block in re.split(r"\n\s*\n", escaped.strip()):
        lines = [line for line in block.split("\n") if line.strip()]
        if lines and all(_BULLET.match(line) for line in lines):
            ordered = bool(re.match(r"^\s*\d", lines[0]))
            tag = "ol" if ordered else "ul"
            items = "".join(f"<li>{_inline(_BULLET.match(x).group(1))}</li>" for x in lines)  # type: ignore[union-attr]
            blocks.append(f"<{tag}>{items}</{tag}>")
        elif lines:
            blocks.append("<p>" + "<br>".join(_inline(line) for line in lines) + "</p>")
    return "".join(blocks)
