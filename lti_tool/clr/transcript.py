"""A transcript a person can read, derived from a signed ClrCredential.

In the spirit of a mastery transcript: competencies grouped by area, mastered and in progress,
counts of evidence, the learner's statement, the school and its scale. No grades, no GPA, no
rank: the record holds none, and the transcript adds none. Everything shown comes from the
signed record, so the transcript can never say more than a verifier can check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lti_tool.clr.builder import LEARNER_STATEMENT

OTHER_AREA = "Other competencies"


def _list(value: Any) -> list[Any]:
    """A JSON value as a list."""
    if isinstance(value, list):
        return value
    return [] if value is None else [value]


def _text(value: Any) -> str:
    """A JSON value as display text ('' for anything that is not a string)."""
    return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class TranscriptCompetency:
    """One competency line."""

    name: str
    code: str
    status: str
    level: str
    mastered: bool
    evidence_count: int
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class TranscriptArea:
    """A competency area and the competencies under it."""

    name: str
    code: str
    description: str
    competencies: tuple[TranscriptCompetency, ...]

    @property
    def mastered(self) -> int:
        """How many competencies of the area are mastered."""
        return sum(1 for item in self.competencies if item.mastered)

    @property
    def in_progress(self) -> int:
        """How many are not mastered yet."""
        return len(self.competencies) - self.mastered


@dataclass(frozen=True)
class Transcript:
    """Everything a reader needs in two minutes."""

    record_id: str
    title: str
    school: str
    school_url: str
    issued: str
    partial: bool
    statement: str
    scale: tuple[tuple[str, str], ...]
    mastery_level: str
    areas: tuple[TranscriptArea, ...]

    @property
    def mastered(self) -> int:
        """Competencies mastered in all areas."""
        return sum(area.mastered for area in self.areas)

    @property
    def in_progress(self) -> int:
        """Competencies in progress in all areas."""
        return sum(area.in_progress for area in self.areas)


def _competency(credential: dict[str, Any]) -> tuple[str, TranscriptCompetency, list[Any]]:
    """The achievement id, the line and the scale levels of one nested credential."""
    subject = credential.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}
    achievement = subject.get("achievement")
    achievement = achievement if isinstance(achievement, dict) else {}
    descriptions = [
        rd for rd in _list(achievement.get("resultDescription")) if isinstance(rd, dict)
    ]
    levels = [
        level
        for rd in descriptions
        for level in _list(rd.get("rubricCriterionLevel"))
        if isinstance(level, dict)
    ]
    ranks = {_text(level.get("id")): rank for rank, level in enumerate(levels)}
    required = next((_text(rd.get("requiredLevel")) for rd in descriptions), "")
    results = [r for r in _list(subject.get("result")) if isinstance(r, dict)]
    result = results[0] if results else {}
    achieved = _text(result.get("achievedLevel"))
    status = _text(result.get("status"))
    level_name = next((_text(lv.get("name")) for lv in levels if lv.get("id") == achieved), "")
    if required and required in ranks and achieved in ranks:
        mastered = status == "Completed" and ranks[achieved] >= ranks[required]
    else:
        mastered = status == "Completed"
    evidence = [e for e in _list(credential.get("evidence")) if isinstance(e, dict)]
    line = TranscriptCompetency(
        name=_text(achievement.get("name")) or _text(credential.get("name")) or "Unnamed",
        code=_text(achievement.get("humanCode")),
        status="Mastered" if mastered else "In progress",
        level=level_name,
        mastered=mastered,
        evidence_count=len(evidence),
        evidence=tuple(_text(e.get("name")) for e in evidence if _text(e.get("name"))),
    )
    return _text(achievement.get("id")), line, levels


def transcript_from_clr(clr: dict[str, Any]) -> Transcript:
    """Group a record's competencies by area (isChildOf) into a readable transcript."""
    subject = clr.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}
    areas = {
        _text(a.get("id")): a
        for a in _list(subject.get("achievement"))
        if isinstance(a, dict) and _text(a.get("id"))
    }
    parent_of: dict[str, str] = {}
    for link in _list(subject.get("association")):
        if isinstance(link, dict) and link.get("associationType") == "isChildOf":
            target = _text(link.get("targetId"))
            if target in areas:
                parent_of.setdefault(_text(link.get("sourceId")), target)
    grouped: dict[str, list[TranscriptCompetency]] = {key: [] for key in areas}
    grouped[""] = []
    scale_levels: list[Any] = []
    for credential in _list(subject.get("verifiableCredential")):
        if not isinstance(credential, dict):
            continue
        achievement_id, line, levels = _competency(credential)
        scale_levels = scale_levels or levels
        grouped[parent_of.get(achievement_id, "")].append(line)
    result_areas = [
        TranscriptArea(
            name=_text(area.get("name")) or "Area",
            code=_text(area.get("humanCode")),
            description=_text(area.get("description")),
            competencies=tuple(grouped[key]),
        )
        for key, area in areas.items()
        if grouped[key]
    ]
    if grouped[""]:
        result_areas.append(TranscriptArea(OTHER_AREA, "", "", tuple(grouped[""])))
    issuer = clr.get("issuer")
    issuer = issuer if isinstance(issuer, dict) else {}
    statement = next(
        (
            _text(e.get("narrative"))
            for e in _list(clr.get("evidence"))
            if isinstance(e, dict) and e.get("name") == LEARNER_STATEMENT
        ),
        "",
    )
    first_rd = _first_result_description(subject)
    required = _text(first_rd.get("requiredLevel"))
    return Transcript(
        record_id=_text(clr.get("id")),
        title=_text(clr.get("name")) or "Learner record",
        school=_text(issuer.get("name")) or _text(issuer.get("id")),
        school_url=_text(issuer.get("url")),
        issued=_text(clr.get("awardedDate") or clr.get("validFrom"))[:10],
        partial=clr.get("partial") is True,
        statement=statement,
        scale=tuple(
            (_text(level.get("name")), _text(level.get("description"))) for level in scale_levels
        ),
        mastery_level=next(
            (_text(lv.get("name")) for lv in scale_levels if lv.get("id") == required), ""
        ),
        areas=tuple(result_areas),
    )


def _first_result_description(subject: dict[str, Any]) -> dict[str, Any]:
    """The first nested credential's ResultDescription (the scale)."""
    for credential in _list(subject.get("verifiableCredential")):
        if not isinstance(credential, dict):
            continue
        inner = credential.get("credentialSubject")
        achievement = inner.get("achievement") if isinstance(inner, dict) else None
        if isinstance(achievement, dict):
            for rd in _list(achievement.get("resultDescription")):
                if isinstance(rd, dict):
                    return rd
    return {}
