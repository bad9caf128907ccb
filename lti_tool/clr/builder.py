"""Build a learner's CLR 2.0 record from plain data: one AchievementCredential per competency.

Spec: https://www.imsglobal.org/spec/clr/v2p0/ (ClrCredential, ClrSubject, Association) and
https://www.imsglobal.org/spec/ob/v3p0/ (AchievementCredential, Achievement, Alignment,
ResultDescription, Result, Evidence, IdentityObject).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from urllib.parse import quote

from lti_tool.clr import dataintegrity
from lti_tool.clr.contexts import ACHIEVEMENT_CONTEXT, CLR_CONTEXT
from lti_tool.clr.dataintegrity import format_datetime
from lti_tool.clr.errors import CredentialError
from lti_tool.clr.multikey import Ed25519Signer

CLR_SCHEMA_URL = (
    "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json"
)
OB_SCHEMA_URL = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
SCHEMA_VALIDATOR = "1EdTechJsonSchemaValidator2019"

Status = Literal["Completed", "InProgress"]
#: The name of the outer Evidence that carries the learner's own statement.
LEARNER_STATEMENT = "Learner's statement"


def identity_hash(value: str, salt: str) -> str:
    """OB 3.0 hashed identity: `sha256$` + hex(SHA-256(value + salt))."""
    return "sha256$" + hashlib.sha256((value + salt).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuerProfile:
    """The school or district issuing the record; id is the key controller (did:web or https)."""

    id: str
    name: str
    url: str | None = None
    email: str | None = None
    description: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The OB 3.0 Profile object."""
        profile: dict[str, Any] = {"id": self.id, "type": ["Profile"], "name": self.name}
        for key in ("url", "email", "description"):
            if getattr(self, key):
                profile[key] = getattr(self, key)
        return profile


@dataclass(frozen=True)
class Learner:
    """Who the record is about: a salted email hash and the LMS identity, never a plain email."""

    salt: str
    email: str | None = None
    lti_user_id: str | None = None
    lti_platform_id: str | None = None
    subject_id: str | None = None

    def identifiers(self) -> list[dict[str, Any]]:
        """IdentityObjects for the subject (OB 3.0 section B.1.14)."""
        found: list[dict[str, Any]] = []
        if self.email:
            found.append(
                {
                    "type": "IdentityObject",
                    "identityType": "emailAddress",
                    "hashed": True,
                    "salt": self.salt,
                    "identityHash": identity_hash(self.email.strip().lower(), self.salt),
                }
            )
        for kind, value in (
            ("ltiUserId", self.lti_user_id),
            ("ltiPlatformId", self.lti_platform_id),
        ):
            if value:
                found.append(
                    {
                        "type": "IdentityObject",
                        "identityType": kind,
                        "hashed": False,
                        "identityHash": value,
                    }
                )
        if not found and not self.subject_id:
            raise CredentialError("a learner needs an email, an LTI identity or a subject id")
        return found


@dataclass(frozen=True)
class ScaleLevel:
    """A level of the proficiency scale; case_uri aligns it to a CFRubricCriterionLevel."""

    key: str
    name: str
    points: float | None = None
    description: str | None = None
    case_uri: str | None = None


@dataclass(frozen=True)
class Scale:
    """The proficiency scale, lowest level first; mastery_key names the level that is mastery."""

    name: str
    levels: tuple[ScaleLevel, ...]
    mastery_key: str | None = None


@dataclass(frozen=True)
class Evidence:
    """A piece of evidence the learner chose to share."""

    name: str
    url: str | None = None
    narrative: str | None = None
    description: str | None = None
    genre: str | None = None


@dataclass(frozen=True)
class StatusEntry:
    """A position in a BitstringStatusList (W3C Bitstring Status List v1.0)."""

    list_url: str
    index: int
    purpose: str = "revocation"

    def as_json(self) -> dict[str, Any]:
        """The BitstringStatusListEntry object."""
        return {
            "id": f"{self.list_url}#{self.index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": self.purpose,
            "statusListIndex": str(self.index),
            "statusListCredential": self.list_url,
        }


@dataclass(frozen=True)
class Competency:
    """A competency the learner has mastered or is working on, aligned to a CASE item."""

    case_uri: str
    name: str
    description: str
    status: Status
    credential_id: str
    achieved_level: str | None = None
    code: str | None = None
    framework: str | None = None
    parents: tuple[str, ...] = ()
    precedes: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    achieved_at: datetime | None = None
    status_entry: StatusEntry | None = None


@dataclass(frozen=True)
class CompetencyArea:
    """A parent of competencies: a framework's grouping item or a Portrait of a Graduate area."""

    case_uri: str
    name: str
    description: str
    code: str | None = None
    framework: str | None = None
    parents: tuple[str, ...] = ()
    precedes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClrRecord:
    """Everything a learner's record holds."""

    id: str
    name: str
    issuer: IssuerProfile
    learner: Learner
    scale: Scale
    competencies: tuple[Competency, ...]
    issued_at: datetime
    achievement_base: str
    areas: tuple[CompetencyArea, ...] = ()
    partial: bool = True
    description: str | None = None
    status_entry: StatusEntry | None = None
    valid_until: datetime | None = None
    statement: str | None = None


def achievement_id(base: str, case_uri: str) -> str:
    """A stable Achievement id for a CASE item under the issuer's achievement base URL."""
    return f"{base.rstrip('/')}/{uuid.uuid5(uuid.NAMESPACE_URL, case_uri)}"


def _alignment(
    case_uri: str,
    name: str,
    code: str | None,
    framework: str | None,
    description: str | None = None,
) -> dict[str, Any]:
    """An Alignment to a CASE CFItem."""
    alignment: dict[str, Any] = {
        "type": ["Alignment"],
        "targetType": "CFItem",
        "targetName": name,
        "targetUrl": case_uri,
    }
    if code:
        alignment["targetCode"] = code
    if framework:
        alignment["targetFramework"] = framework
    if description:
        alignment["targetDescription"] = description
    return alignment


def _result_description(scale: Scale, base_id: str) -> dict[str, Any]:
    """The scale as a rubric ResultDescription for one achievement."""
    rd_id = f"{base_id}/scale"
    levels = []
    for rank, level in enumerate(scale.levels, start=1):
        entry: dict[str, Any] = {
            "id": f"{rd_id}/{quote(level.key, safe='')}",
            "type": ["RubricCriterionLevel"],
            "name": level.name,
            "level": str(rank),
        }
        if level.description:
            entry["description"] = level.description
        if level.points is not None:
            entry["points"] = _number_text(level.points)
        if level.case_uri:
            entry["alignment"] = [
                {
                    "type": ["Alignment"],
                    "targetType": "CFRubricCriterionLevel",
                    "targetName": level.name,
                    "targetUrl": level.case_uri,
                }
            ]
        levels.append(entry)
    description: dict[str, Any] = {
        "id": rd_id,
        "type": ["ResultDescription"],
        "name": scale.name,
        "resultType": "RubricCriterionLevel",
        "rubricCriterionLevel": levels,
    }
    if scale.mastery_key:
        description["requiredLevel"] = f"{rd_id}/{quote(scale.mastery_key, safe='')}"
    return description


def _number_text(value: float) -> str:
    """A number as the text OB's `points` field holds (2.0 -> "2")."""
    return str(int(value)) if float(value).is_integer() else str(value)


def _achievement(
    record: ClrRecord, item: Competency | CompetencyArea, is_area: bool
) -> dict[str, Any]:
    """The Achievement for a competency or an area."""
    ach_id = achievement_id(record.achievement_base, item.case_uri)
    achievement: dict[str, Any] = {
        "id": ach_id,
        "type": ["Achievement"],
        "achievementType": "Competency",
        "name": item.name,
        "description": item.description or item.name,
        "criteria": {
            "narrative": (
                "Competency area: made of the competencies aligned beneath it."
                if is_area
                else f"Demonstrated at the level '{_mastery_name(record.scale)}' or above "
                "on the school's proficiency scale, on the evidence the school holds."
            )
        },
        "alignment": [
            _alignment(item.case_uri, item.name, item.code, item.framework, item.description)
        ],
        "creator": {"id": record.issuer.id, "type": ["Profile"], "name": record.issuer.name},
    }
    if item.code:
        achievement["humanCode"] = item.code
    if is_area:
        achievement["tag"] = ["competency-area"]
    else:
        achievement["resultDescription"] = [_result_description(record.scale, ach_id)]
    return achievement


def _mastery_name(scale: Scale) -> str:
    """The name of the mastery level (or the top level)."""
    for level in scale.levels:
        if level.key == scale.mastery_key:
            return level.name
    return scale.levels[-1].name if scale.levels else "mastery"


def _evidence(items: Iterable[Evidence]) -> list[dict[str, Any]]:
    """OB Evidence objects."""
    out = []
    for item in items:
        evidence: dict[str, Any] = {"type": ["Evidence"], "name": item.name}
        for key in ("narrative", "description", "genre"):
            if getattr(item, key):
                evidence[key] = getattr(item, key)
        if item.url:
            evidence["id"] = item.url
        out.append(evidence)
    return out


def _subject_base(learner: Learner) -> dict[str, Any]:
    """The subject id and identifiers shared by the outer and nested subjects."""
    base: dict[str, Any] = {}
    if learner.subject_id:
        base["id"] = learner.subject_id
    identifiers = learner.identifiers()
    if identifiers:
        base["identifier"] = identifiers
    return base


def achievement_credential(record: ClrRecord, competency: Competency) -> dict[str, Any]:
    """The unsigned AchievementCredential for one competency."""
    if competency.achieved_level is not None and competency.achieved_level not in {
        level.key for level in record.scale.levels
    }:
        raise CredentialError(
            f"the level {competency.achieved_level!r} of {competency.name!r} is not on the scale"
        )
    achievement = _achievement(record, competency, is_area=False)
    rd_id = achievement["resultDescription"][0]["id"]
    result: dict[str, Any] = {
        "type": ["Result"],
        "resultDescription": rd_id,
        "status": competency.status,
    }
    if competency.achieved_level is not None:
        result["achievedLevel"] = f"{rd_id}/{quote(competency.achieved_level, safe='')}"
    subject = {
        **_subject_base(record.learner),
        "type": ["AchievementSubject"],
        "achievement": achievement,
        "result": [result],
    }
    credential: dict[str, Any] = {
        "@context": list(ACHIEVEMENT_CONTEXT),
        "id": competency.credential_id,
        "type": ["VerifiableCredential", "AchievementCredential"],
        "name": competency.name,
        "issuer": record.issuer.as_json(),
        "validFrom": format_datetime(competency.achieved_at or record.issued_at),
        "credentialSubject": subject,
        "credentialSchema": [{"id": OB_SCHEMA_URL, "type": SCHEMA_VALIDATOR}],
    }
    if competency.evidence:
        credential["evidence"] = _evidence(competency.evidence)
    if competency.status_entry is not None:
        credential["credentialStatus"] = competency.status_entry.as_json()
    if record.valid_until is not None:
        credential["validUntil"] = format_datetime(record.valid_until)
    return credential


def _associations(record: ClrRecord) -> list[dict[str, Any]]:
    """isChildOf / isParentOf between competencies and areas, and precedes, by achievement id."""
    base = record.achievement_base
    known = {item.case_uri for item in (*record.competencies, *record.areas)}
    links: dict[tuple[str, str, str], None] = {}
    for item in (*record.competencies, *record.areas):
        for parent in item.parents:
            if parent in known:
                links[("isChildOf", item.case_uri, parent)] = None
                links[("isParentOf", parent, item.case_uri)] = None
        for later in item.precedes:
            if later in known:
                links[("precedes", item.case_uri, later)] = None
    return [
        {
            "type": "Association",
            "associationType": kind,
            "sourceId": achievement_id(base, source),
            "targetId": achievement_id(base, target),
        }
        for kind, source, target in links
    ]


def assemble_clr(record: ClrRecord) -> dict[str, Any]:
    """The unsigned ClrCredential (nested credentials unsigned too)."""
    if not record.competencies:
        raise CredentialError("a learner record needs at least one competency")
    if not record.scale.levels:
        raise CredentialError("the proficiency scale has no levels")
    nested = [achievement_credential(record, item) for item in record.competencies]
    achievements = [_achievement(record, area, is_area=True) for area in record.areas]
    subject: dict[str, Any] = {
        **_subject_base(record.learner),
        "type": ["ClrSubject"],
        "verifiableCredential": nested,
    }
    if achievements:
        subject["achievement"] = achievements
    associations = _associations(record)
    if associations:
        subject["association"] = associations
    credential: dict[str, Any] = {
        "@context": list(CLR_CONTEXT),
        "id": record.id,
        "type": ["VerifiableCredential", "ClrCredential"],
        "name": record.name,
        "issuer": record.issuer.as_json(),
        "validFrom": format_datetime(record.issued_at),
        "awardedDate": format_datetime(record.issued_at),
        "partial": record.partial,
        "credentialSubject": subject,
        "credentialSchema": [{"id": CLR_SCHEMA_URL, "type": SCHEMA_VALIDATOR}],
    }
    if record.description:
        credential["description"] = record.description
    if record.statement:
        credential["evidence"] = [
            {"type": ["Evidence"], "name": LEARNER_STATEMENT, "narrative": record.statement}
        ]
    if record.status_entry is not None:
        credential["credentialStatus"] = record.status_entry.as_json()
    if record.valid_until is not None:
        credential["validUntil"] = format_datetime(record.valid_until)
    return credential


def sign_clr(clr: dict[str, Any], signer: Ed25519Signer, created: datetime) -> dict[str, Any]:
    """Sign every nested credential that has no proof yet, then the record itself."""
    if signer.controller != _issuer_id(clr):
        raise CredentialError("the signing key's controller must be the issuer's id")
    subject = dict(clr["credentialSubject"])
    subject["verifiableCredential"] = [
        nested if "proof" in nested else dataintegrity.sign(nested, signer, created)
        for nested in subject["verifiableCredential"]
    ]
    return dataintegrity.sign({**clr, "credentialSubject": subject}, signer, created)


def _issuer_id(credential: dict[str, Any]) -> Any:
    """The issuer id of a credential."""
    issuer = credential.get("issuer")
    return issuer.get("id") if isinstance(issuer, dict) else issuer


def build_clr(record: ClrRecord, signer: Ed25519Signer) -> dict[str, Any]:
    """The signed ClrCredential for record (nested credentials signed too)."""
    return sign_clr(assemble_clr(record), signer, record.issued_at)
