"""The transcript as a one-file PDF with a QR code that opens the verification page.

Uses PDF core fonts (Latin-1); characters outside Latin-1 are transliterated where Unicode
gives a decomposition and replaced by '?' otherwise, so a PDF is always produced.
"""

from __future__ import annotations

import io
import unicodedata

import segno
from fpdf import FPDF

from lti_tool.clr.transcript import Transcript


def qr_svg(url: str) -> str:
    """An inline SVG QR code for url (for the HTML transcript)."""
    return str(segno.make(url, error="m").svg_inline(scale=3, title="Verify this record"))


def _latin1(text: str) -> str:
    """Text the core fonts can show."""
    text = text.replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')
    text = text.replace("\u2013", "-").replace("\u2014", "-")
    if all(ord(char) < 256 for char in text):
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(
        char if ord(char) < 256 else "?" for char in decomposed if not unicodedata.combining(char)
    )


def transcript_pdf(transcript: Transcript, verify_url: str) -> bytes:
    """Render the transcript (A4, portrait) with a verification link and QR code."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_title(_latin1(transcript.title))
    pdf.set_creator("Competency LTI tool")
    pdf.add_page()
    width = pdf.epw

    qr = io.BytesIO()
    segno.make(verify_url, error="m").save(qr, kind="png", scale=4, border=2)
    qr.seek(0)
    pdf.image(qr, x=pdf.w - pdf.r_margin - 30, y=pdf.t_margin, w=30, h=30)

    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(width - 35, 8, _latin1(transcript.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    school = transcript.school + (f" ({transcript.school_url})" if transcript.school_url else "")
    pdf.multi_cell(width - 35, 5, _latin1(f"Issued by {school} on {transcript.issued}"),
                   new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    state = "In progress (partial record)" if transcript.partial else "Final record"
    pdf.multi_cell(
        width - 35,
        5,
        _latin1(
            f"{state}. {transcript.mastered} competencies mastered, "
            f"{transcript.in_progress} in progress. No grades, no GPA, no ranking."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font("Helvetica", "", 8)
    pdf.multi_cell(width - 35, 4, _latin1(f"Verify the signed record: {verify_url}"),
                   new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.set_y(max(pdf.get_y(), pdf.t_margin + 32))

    if transcript.statement:
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(0, 7, "In the learner's words", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "I", 10)
        pdf.multi_cell(0, 5, _latin1(transcript.statement), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)

    for area in transcript.areas:
        pdf.set_font("Helvetica", "B", 12)
        heading = f"{area.code} {area.name}".strip()
        pdf.multi_cell(0, 7, _latin1(f"{heading}: {area.mastered} mastered, "
                                     f"{area.in_progress} in progress"),
                       new_x="LMARGIN", new_y="NEXT")  # fmt: skip
        pdf.set_font("Helvetica", "", 9)
        for item in area.competencies:
            mark = "[x]" if item.mastered else "[ ]"
            detail = f"{item.status}" + (f", {item.level}" if item.level else "")
            detail += f"; evidence: {item.evidence_count}"
            name = f"{item.code} {item.name}".strip()
            pdf.multi_cell(0, 5, _latin1(f"{mark} {name} - {detail}"), new_x="LMARGIN",
                           new_y="NEXT")  # fmt: skip
        pdf.ln(2)

    if transcript.scale:
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(0, 7, "The school's proficiency scale", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 9)
        for name, description in transcript.scale:
            suffix = " (mastery)" if name == transcript.mastery_level else ""
            line = f"{name}{suffix}" + (f": {description}" if description else "")
            pdf.multi_cell(0, 5, _latin1(line), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
