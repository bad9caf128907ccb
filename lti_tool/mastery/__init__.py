"""The mastery engine (pure): evidence, proficiency scales, calculation methods, rollups.

No framework, database or HTTP: frozen dataclasses in and out, and one domain exception,
`MasteryInputError`, whose `field` names what was wrong.
"""

from lti_tool.mastery.batch import Columns, Summary, calculate_columns, calculate_many
from lti_tool.mastery.bkt_fit import BktFit, fit_bkt, fit_bkt_many
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
from lti_tool.mastery.jsonio import parse_request, result_to_json, run_request
from lti_tool.mastery.methods import METHODS, MethodInfo, MethodSpec, Param
from lti_tool.mastery.next_step import NextStep, next_step
from lti_tool.mastery.numbers import round_half_away
from lti_tool.mastery.readiness import CompetencyGraph, Readiness, ReadinessResult, readiness
from lti_tool.mastery.rollup import (
    Child,
    ChildWeight,
    RollupResult,
    RollupRule,
    RollupSpec,
    rollup,
)
from lti_tool.mastery.scales import CutScores, Level, ProficiencyScale, Status

__all__ = [
    "METHODS",
    "BktFit",
    "fit_bkt",
    "fit_bkt_many",
    "NextStep",
    "next_step",
    "Child",
    "ChildWeight",
    "Columns",
    "CompetencyGraph",
    "Readiness",
    "ReadinessResult",
    "RollupResult",
    "RollupRule",
    "RollupSpec",
    "Summary",
    "calculate_columns",
    "calculate_many",
    "parse_request",
    "readiness",
    "result_to_json",
    "rollup",
    "run_request",
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
