"""Export issued learner records as one ZIP archive: signed JSON, VC-JWT, PDF transcript each.

The archive also holds `map.json` (the DID document and status lists) so that a receiving
office can verify every record offline, and `manifest.json` listing what is inside.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.clr.transcript import transcript_from_clr
from lti_tool.clr.transcript_pdf import transcript_pdf
from lti_tool.db.models import IssuedCredential, StatusList
from lti_tool.secretbox import SecretBox
from lti_tool.usecases import credentials


class ExportError(Exception):
    """Nothing to export, or a named record does not exist."""


def records_to_export(
    session: Session, credential_ids: Iterable[str] = (), subject_refs: Iterable[str] = ()
) -> list[IssuedCredential]:
    """Stored learner records by id and/or subject; all of them when neither is given."""
    ids, refs = list(credential_ids), list(subject_refs)
    query = select(IssuedCredential).where(
        IssuedCredential.parent_id.is_(None), IssuedCredential.document.is_not(None)
    )
    rows = list(session.scalars(query.order_by(IssuedCredential.id)))
    if ids or refs:
        rows = [r for r in rows if r.credential_id in ids or r.subject_ref in refs]
        missing = set(ids) - {r.credential_id for r in rows}
        if missing:
            raise ExportError(f"no record was issued with the id {sorted(missing)[0]}")
    if not rows:
        raise ExportError("there are no issued records to export")
    return rows


def export_archive(
    session: Session,
    box: SecretBox,
    base_url: str,
    rows: list[IssuedCredential],
    out: Path,
    progress: Callable[[int], None] = lambda n: None,
) -> Path:
    """Write the archive to out (atomically: a partial file never takes its place)."""
    partial = out.with_name(out.name + ".partial")
    manifest = []
    base = base_url.rstrip("/")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for row in rows:
            document = row.document or {}
            stem = row.credential_id.removeprefix("urn:uuid:")
            archive.writestr(f"records/{stem}.json", json.dumps(document, indent=2))
            token = credentials.issue_record_jwt(session, box, base_url, document)
            archive.writestr(f"records/{stem}.jwt", token + "\n")
            pdf = transcript_pdf(transcript_from_clr(document), f"{base}/verify/{stem}")
            archive.writestr(f"transcripts/{stem}.pdf", pdf)
            manifest.append(
                {
                    "id": row.credential_id,
                    "name": row.name,
                    "subject": row.subject_ref,
                    "revoked": row.revoked_at is not None,
                    "files": [f"records/{stem}.json", f"records/{stem}.jwt",
                              f"transcripts/{stem}.pdf"],
                }
            )  # fmt: skip
            progress(1)
        documents = {
            credentials.issuer_did(base_url): credentials.did_document(session, box, base_url)
        }
        for status in session.scalars(select(StatusList)):
            url = credentials.status_list_url(base_url, status.id)
            documents[url] = credentials.status_list_document(session, box, base_url, status.id)
        archive.writestr("map.json", json.dumps({"documents": documents}, indent=2))
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
    partial.replace(out)
    return out
