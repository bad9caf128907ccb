"""Statements render their Markdown, and never imported HTML or script."""

from __future__ import annotations

from lti_tool.case.markdown import render_markdown


def test_script_and_html_are_shown_as_text() -> None:
    """Tags and attributes come out escaped."""
    out = render_markdown('<script>alert(1)</script> <img src=x onerror="alert(2)">')
    assert "<script" not in out and "<img" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "&quot;alert(2)&quot;" in out


def test_links_only_for_safe_schemes() -> None:
    """http(s) and mailto become links; javascript: stays text."""
    out = render_markdown("[spec](https://example.org/a) and [x](javascript:alert(1))")
    assert '<a href="https://example.org/a" rel="noopener noreferrer"' in out
    assert "javascript:alert(1)" in out and 'href="javascript' not in out


def test_lists_emphasis_paragraphs_and_crlf() -> None:
    """SBAC-style statements: a paragraph, then a list, with CRLF line ends."""
    text = (
        "Students can **solve** *problems*:\r\n\r\n- first `step`\r\n- second\r\n\r\n1. a\r\n2. b"
    )
    out = render_markdown(text)
    assert out.startswith("<p>Students can <strong>solve</strong> <em>problems</em>:</p>")
    assert "<ul><li>first <code>step</code></li><li>second</li></ul>" in out
    assert "<ol><li>a</li><li>b</li></ol>" in out


def test_latex_and_unicode_pass_through() -> None:
    """$...$ and astral characters are left as they are."""
    assert render_markdown("Solve $x^2 = 4$ for 𝑑") == "<p>Solve $x^2 = 4$ for 𝑑</p>"
