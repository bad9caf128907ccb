"""The transcript as a PDF: one readable page (more if needed), with a QR code to verify."""

from __future__ import annotations

import io

import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from lti_tool.usecases.records import Transcript

WIDTH, HEIGHT = A4
MARGIN = 18 * mm


def _wrap(text: str, font: str, size: float, width: float, canvas: Canvas) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        candidate = f"{line} {word}".strip()
        if canvas.stringWidth(candidate, font, size) <= width:
            line = candidate
        else:
            if line:
                lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines or [""]


def _qr(canvas: Canvas, url: str, x: float, y: float, size: float) -> None:
    """Draw a QR code as squares (no image library needed)."""
    code = segno.make(url, error="m")
    matrix = list(code.matrix)
    cell = size / len(matrix)
    canvas.setFillColorRGB(0, 0, 0)
    for row, values in enumerate(matrix):
        for col, on in enumerate(values):
            if on:
                canvas.rect(
                    x + col * cell, y + size - (row + 1) * cell, cell, cell, stroke=0, fill=1
                )


def transcript_pdf(data: Transcript, verify_url: str) -> bytes:
    """Render the transcript; `verify_url` goes in a link and a QR code."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"Competency transcript: {data.learner_name}")
    canvas.setAuthor(data.issuer_name)
    y = HEIGHT - MARGIN
    text_width = WIDTH - 2 * MARGIN

    def need(space: float) -> None:
        nonlocal y
        if y - space < MARGIN:
            canvas.showPage()
            y = HEIGHT - MARGIN

    def line(text: str, font: str = "Helvetica", size: float = 10, gap: float = 4) -> None:
        nonlocal y
        for part in _wrap(text, font, size, text_width, canvas):
            need(size + gap)
            canvas.setFont(font, size)
            canvas.drawString(MARGIN, y - size, part)
            y -= size + gap

    _qr(canvas, verify_url, WIDTH - MARGIN - 28 * mm, HEIGHT - MARGIN - 28 * mm, 28 * mm)
    text_width = WIDTH - 2 * MARGIN - 32 * mm
    line(data.issuer_name, "Helvetica", 10)
    line("Competency transcript", "Helvetica-Bold", 18, 6)
    line(data.learner_name, "Helvetica-Bold", 13)
    line(data.course_title, "Helvetica", 11)
    line(
        f"{data.mastered} competencies mastered, {data.in_progress} in progress. "
        f"Issued {data.generated_at:%d %B %Y}.",
        "Helvetica",
        10,
    )
    y = min(y, HEIGHT - MARGIN - 32 * mm)
    text_width = WIDTH - 2 * MARGIN
    if data.issuer_statement:
        line(data.issuer_statement, "Helvetica-Oblique", 9)
    scale = ", ".join(
        f"{lv['name']}{' (mastery)' if lv.get('mastery') else ''}" for lv in data.scale
    )
    line(f"Levels, highest first: {scale}. No grades, averages or rankings are given.", size=9)
    if data.learner_statement:
        y -= 4
        line("In my own words", "Helvetica-Bold", 11, 5)
        line(data.learner_statement, "Helvetica-Oblique", 10)
    for area in data.areas:
        y -= 6
        line(area.title, "Helvetica-Bold", 12, 5)
        for heading, lines in (("Mastered", area.mastered), ("In progress", area.in_progress)):
            if not lines:
                continue
            line(heading, "Helvetica-Bold", 10)
            for item in lines:
                count = f"{item.evidence_count} piece{'s' if item.evidence_count != 1 else ''}"
                line(
                    f"{item.code}  {item.statement}  [{item.level}; {count} of evidence]",
                    size=9.5,
                    gap=3,
                )
    y -= 8
    line(f"Verify the signed record behind this transcript: {verify_url}", size=9)
    canvas.linkURL(verify_url, (MARGIN, y, WIDTH - MARGIN, y + 14), relative=0)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
