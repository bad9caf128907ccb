"""The mastery engine (pure): evidence, proficiency scales, calculation methods, rollups.

No framework, database or HTTP: frozen dataclasses in and out, and one domain exception,
`MasteryInputError`, whose `field` names what was wrong.
"""

from lti_tool.mastery.calculation import (
    EvidencePolicy,
    MasteryResult,
    Override,
    apply_override,
    calculate,
    scaled_value,
)
from lti_tool.mastery.errors import MasteryInputError
from lti_tool.mastery.evidence import Evidence, ExcludedEvidence, Source, UsedEvidence
from lti_tool.mastery.methods import METHODS, MethodInfo, MethodSpec, Param
from lti_tool.mastery.numbers import round_half_away
from lti_tool.mastery.scales import CutScores, Level, ProficiencyScale, Status

__all__ = [
    "METHODS",
    "CutScores",
    "Evidence",
    "EvidencePolicy",
    "ExcludedEvidence",
    "Level",
    "MasteryInputError",
    "MasteryResult",
    "MethodInfo",
    "MethodSpec",
    "Override",
    "Param",
    "ProficiencyScale",
    "Source",
    "Status",
    "UsedEvidence",
    "apply_override",
    "calculate",
    "round_half_away",
    "scaled_value",
]
