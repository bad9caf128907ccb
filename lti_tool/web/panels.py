"""One learner's competencies as the teacher's learner page and the learner's own page show
them: the stored result, its explanation, whether it is next, the evidence and its chart."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from lti_tool.usecases import progress
from lti_tool.usecases.course import course_competencies, current_settings
from lti_tool.web.charts import evidence_chart


def competency_panels(
    session: Session, context_id: int, learner_id: int, *, mine: bool
) -> list[dict[str, Any]]:
    """A panel per competency of the course; `mine` words the chart for the learner."""
    settings = current_settings(session, context_id)
    states = progress.states_for(session, context_id, learner_id)
    comps = course_competencies(session, context_id)
    ready = progress.ready_to_advance(comps, {cid: st.status for cid, st in states.items()})
    items = progress.evidence_items(session, context_id, learner_id)
    words = progress.explanations(session, context_id, learner_id)
    panels = []
    for comp in comps:
        evidence = [e for e in items if e.competency_id == comp.id]
        name = comp.code or comp.statement[:40]
        chart = evidence_chart(
            [
                (
                    e.at,
                    e.points,
                    f"{e.at:%d %b %Y}: {e.title or e.source_label}"
                    + ("" if mine else f", {e.points:g}"),
                )
                for e in evidence
                if e.status == "active" and e.points is not None
            ],
            settings.top_points,
            settings.mastery_points,
            label=f"My evidence over time for {name}" if mine else f"Evidence over time for {name}",
        )
        panels.append(
            {
                "competency": comp,
                "state": states.get(comp.id),
                "explanation": words.get(comp.id, ""),
                "ready": comp.id in ready,
                "evidence": evidence,
                "chart": chart,
            }
        )
    return panels
