"""The readable transcript: grouped by area, mastered vs in progress, no grades; PDF renders."""

from __future__ import annotations

import dataclasses

from lti_tool.clr.builder import assemble_clr
from lti_tool.clr.transcript import OTHER_AREA, transcript_from_clr
from lti_tool.clr.transcript_pdf import qr_svg, transcript_pdf
from tests.unit.clr.sample import record


def _transcript(**changes):
    return transcript_from_clr(assemble_clr(dataclasses.replace(record(0, 6), **changes)))


def test_competencies_are_grouped_by_area_with_counts():
    transcript = _transcript()
    assert [area.name for area in transcript.areas] == ["Quantitative reasoning", "Communication"]
    assert [len(area.competencies) for area in transcript.areas] == [3, 3]
    # Levels 1,2,3,4,1,2 with mastery at 3 and statuses In/Comp/Comp/In/Comp/Comp:
    # only competency 2 (Proficient, Completed) is mastered.
    assert transcript.mastered == 1 and transcript.in_progress == 5
    first = transcript.areas[0].competencies[1]
    assert (first.name, first.level, first.status) == ("Competency 2", "Proficient", "Mastered")
    assert first.evidence_count == 2
    assert transcript.mastery_level == "Proficient"
    assert [name for name, _ in transcript.scale] == [
        "Beginning", "Developing", "Proficient", "Advanced",
    ]  # fmt: skip


def test_statement_school_and_partial_flag():
    transcript = _transcript(statement="I build things.", partial=False)
    assert transcript.statement == "I build things."
    assert transcript.school == "Northfield Schools"
    assert transcript.partial is False
    assert transcript.issued == "2025-06-01"


def test_competencies_without_an_area_are_listed_under_other():
    transcript = _transcript(areas=())
    assert [area.name for area in transcript.areas] == [OTHER_AREA]


def test_a_malformed_record_still_gives_a_transcript():
    transcript = transcript_from_clr({"credentialSubject": {"verifiableCredential": [1, {}]}})
    assert transcript.areas[0].competencies[0].name == "Unnamed"


def test_pdf_and_qr_render_any_text():
    transcript = _transcript(statement="Zoë — 学习 “quotes”")
    pdf = transcript_pdf(transcript, "https://tool.example.org/verify/x")
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
    assert qr_svg("https://tool.example.org/verify/x").startswith("<svg")
