"""Sample learner records for fictional learners, issued through the real issuer.

Used by the credential interoperability check: it exports records and a map file (the DID
document and status lists) so that an independent verifier can check them offline.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.clr.builder import (
    ClrRecord,
    Competency,
    CompetencyArea,
    Evidence,
    IssuerProfile,
    Learner,
    Scale,
    ScaleLevel,
)
from lti_tool.db.base import utcnow
from lti_tool.db.models import StatusList
from lti_tool.secretbox import SecretBox
from lti_tool.usecases import credentials

CASE = "https://case.example.org/ims/case/v1p0/CFItems/"
SCALE = Scale(
    "Four-level proficiency scale",
    (
        ScaleLevel("1", "Beginning", 1, "Attempts the task with support."),
        ScaleLevel("2", "Developing", 2, "Completes the task with some support."),
        ScaleLevel("3", "Proficient", 3, "Completes the task independently."),
        ScaleLevel("4", "Advanced", 4, "Transfers the skill to new contexts."),
    ),
    mastery_key="3",
)


def sample_record(base_url: str, learner: int, competencies: int) -> ClrRecord:
    """A fictional learner's record with `competencies` competencies under two areas."""
    did = credentials.issuer_did(base_url)
    areas = (
        CompetencyArea(CASE + "area-qr", "Quantitative reasoning", "Reasons with data.", "QR"),
        CompetencyArea(CASE + "area-com", "Communication", "Communicates clearly.", "COM"),
    )
    items = tuple(
        Competency(
            case_uri=f"{CASE}item-{n}",
            name=f"Sample competency {n + 1}",
            description=f"A fictional competency number {n + 1}.",
            status="Completed" if n % 4 else "InProgress",
            credential_id=f"urn:uuid:{uuid.uuid4()}",
            achieved_level=str(1 + (n + learner) % 4),
            code=f"S.{n + 1}",
            framework="Sample Graduate Competency Framework",
            parents=(areas[n % 2].case_uri,),
            precedes=(f"{CASE}item-{n + 1}",) if n + 1 < competencies else (),
            evidence=(Evidence("Capstone project", narrative="Presented at exhibition."),),
        )
        for n in range(competencies)
    )
    return ClrRecord(
        id=f"urn:uuid:{uuid.uuid4()}",
        name=f"Competency record of sample learner {learner + 1}",
        description="A sample learner record (fictional learner).",
        issuer=IssuerProfile(did, "Sample School District", url=base_url.rstrip("/")),
        learner=Learner(
            salt=uuid.uuid4().hex[:12],
            email=f"learner{learner + 1}@example.org",
            lti_user_id=f"sample-user-{learner + 1}",
            lti_platform_id="https://lms.example.org",
        ),
        scale=SCALE,
        competencies=items,
        areas=areas,
        issued_at=utcnow().replace(microsecond=0) - timedelta(minutes=1),
        achievement_base=f"{base_url.rstrip('/')}/clr/achievements",
        partial=True,
    )


def export_samples(
    session: Session, box: SecretBox, base_url: str, out_dir: str, learners: int, competencies: int
) -> list[str]:
    """Issue sample records, write them and `map.json` into out_dir; return the paths written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for learner in range(learners):
        record = sample_record(base_url, learner, competencies)
        signed = credentials.issue_record(session, box, base_url, record, f"sample-{learner}")
        path = out / f"record-{learner + 1}.json"
        path.write_text(json.dumps(signed, indent=2), encoding="utf-8")
        paths.append(str(path))
        token = credentials.issue_record_jwt(session, box, base_url, signed)
        jwt_path = out / f"record-{learner + 1}.jwt"
        jwt_path.write_text(token + "\n", encoding="utf-8")
        paths.append(str(jwt_path))
    paths.append(str(write_map(session, box, base_url, out / "map.json")))
    return paths


def write_map(session: Session, box: SecretBox, base_url: str, path: Path) -> Path:
    """The offline map an independent verifier needs: DID document and every status list."""
    did_document = credentials.did_document(session, box, base_url)
    documents: dict[str, Any] = {credentials.issuer_did(base_url): did_document}
    for method in did_document["verificationMethod"]:
        if "publicKeyJwk" in method:
            documents[method["id"]] = method["publicKeyJwk"]
    for row in session.scalars(select(StatusList)):
        url = credentials.status_list_url(base_url, row.id)
        documents[url] = credentials.status_list_document(session, box, base_url, row.id)
    path.write_text(json.dumps({"documents": documents}, indent=2), encoding="utf-8")
    return path
