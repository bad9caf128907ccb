"""A realistic learner record for tests and the benchmark (test key; not a real school)."""

from __future__ import annotations

from datetime import UTC, datetime

from lti_tool.clr.builder import (
    ClrRecord,
    Competency,
    CompetencyArea,
    Evidence,
    IssuerProfile,
    Learner,
    Scale,
    ScaleLevel,
    StatusEntry,
)
from lti_tool.clr.multikey import Ed25519Signer, private_key_from_seed

ISSUER_ID = "did:web:tool.example.org"
SIGNER = Ed25519Signer(private_key_from_seed(bytes(range(32))), f"{ISSUER_ID}#key-1", ISSUER_ID)
CASE = "https://case.example.org/ims/case/v1p0/CFItems/"
SCALE = Scale(
    name="Four-level proficiency scale",
    levels=(
        ScaleLevel("1", "Beginning", 1, "Attempts the task with support."),
        ScaleLevel("2", "Developing", 2),
        ScaleLevel("3", "Proficient", 3, case_uri=CASE + "rubric-level-3"),
        ScaleLevel("4", "Advanced", 4),
    ),
    mastery_key="3",
)


def record(learners_index: int = 0, competencies: int = 3, status_base: int = 0) -> ClrRecord:
    """A record with `competencies` competencies under two areas."""
    areas = (
        CompetencyArea(CASE + "area-qr", "Quantitative reasoning", "Reasons with numbers.", "QR"),
        CompetencyArea(CASE + "area-com", "Communication", "Communicates clearly.", "COM"),
    )
    items = []
    for n in range(competencies):
        items.append(
            Competency(
                case_uri=f"{CASE}item-{n}",
                name=f"Competency {n}",
                description=f"Does thing {n} well.",
                status="Completed" if n % 3 else "InProgress",
                credential_id=f"urn:uuid:00000000-0000-4000-8000-{learners_index:06d}{n:06d}",
                achieved_level=str(1 + n % 4),
                code=f"C.{n}",
                framework="Graduate Competency Framework",
                parents=(areas[n % 2].case_uri,),
                precedes=(f"{CASE}item-{n + 1}",) if n + 1 < competencies else (),
                evidence=(
                    Evidence(
                        "Capstone data brief",
                        "https://portfolio.example.org/a/1",
                        narrative="Defended at exhibition.",
                    ),
                    Evidence("Teacher observation", narrative="Observed 2025-03-02."),
                ),
                achieved_at=datetime(2025, 5, 15, 14, 0, tzinfo=UTC),
                status_entry=StatusEntry(
                    "https://tool.example.org/clr/status/1", status_base + n + 1
                ),
            )
        )
    return ClrRecord(
        id=f"urn:uuid:11111111-0000-4000-8000-{learners_index:012d}",
        name="Competency record",
        description="Mastery-based learner record.",
        issuer=IssuerProfile(ISSUER_ID, "Northfield Schools", url="https://tool.example.org"),
        learner=Learner(
            salt="q7Yw2Lm9",
            email="Jordan@Example.org",
            lti_user_id=f"user-{learners_index}",
            lti_platform_id="https://canvas.instructure.com",
        ),
        scale=SCALE,
        competencies=tuple(items),
        areas=areas,
        issued_at=datetime(2025, 6, 1, 12, 0, tzinfo=UTC),
        achievement_base="https://tool.example.org/clr/achievements",
        partial=True,
        status_entry=StatusEntry("https://tool.example.org/clr/status/1", status_base),
    )
