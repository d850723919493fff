"""The state of one assessment, as every page of it (and the handout) sees it.

`load` reads an assessment with its answers in two queries; `page_context` is what the
assessment templates share; `explain` arranges a result for reading.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse

from pathway import services
from pathway.engine import AnswerError, evaluate, validate
from pathway.engine.evaluate import Result, asked, is_asked
from pathway.engine.model import QuestionSpec, Snapshot, StepSpec
from pathway.models import Assessment
from pathway.snapshot import snapshot_for

logger = logging.getLogger(__name__)


@dataclass
class StepState:
    step: StepSpec
    questions: list[QuestionSpec]  # asked questions, given the answers
    complete: bool
    reachable: bool = False
    current: bool = False


@dataclass
class Context:
    """Everything a page of one assessment needs, loaded with two queries."""

    assessment: Assessment
    snapshot: Snapshot
    stored: dict[str, Any]  # answers as stored
    answers: dict[str, Any] = field(default_factory=dict)  # the usable ones
    states: list[StepState] = field(default_factory=list)

    @property
    def first_incomplete(self) -> StepState | None:
        return next((s for s in self.states if not s.complete), None)

    def state(self, code: str) -> StepState | None:
        return next((s for s in self.states if s.step.code == code), None)

    def url(self, name: str, **kwargs: Any) -> str:
        return reverse(name, kwargs={"pk": self.assessment.pk, **kwargs})

    def resume_url(self) -> str:
        incomplete = self.first_incomplete
        if incomplete:
            return self.url("step", step=incomplete.step.code)
        return self.url("review")


def usable(snapshot: Snapshot, stored: dict[str, Any]) -> dict[str, Any]:
    """The stored answers that are valid for this version (a draft's content may change)."""
    good = {}
    for code, value in stored.items():
        try:
            good.update(validate(snapshot, {code: value}))
        except AnswerError:
            logger.warning("ignoring a stored answer that no longer fits: %s=%r", code, value)
    return good


def states_for(snapshot: Snapshot, answers: dict[str, Any]) -> list[StepState]:
    facts = asked(snapshot, answers)
    states, reachable = [], True
    for step, questions in snapshot.steps_with_questions():
        shown = [q for q in questions if is_asked(q, facts)]
        complete = all(q.code in facts for q in shown if q.required)
        states.append(StepState(step, shown, complete, reachable))
        reachable = reachable and complete
    return states


def may_open(user, assessment: Assessment) -> bool:
    """A preview walks an unpublished draft: only staff who may see the content open it."""
    if not assessment.is_preview:
        return True
    verified = getattr(user, "is_verified", lambda: False)()  # signed in with a second factor
    return (user.is_active and user.is_staff and verified
            and user.has_perm("pathway.view_pathway"))


def assessment_for(request, pk) -> Assessment:
    """The assessment at this URL, for every endpoint of it; not found for anyone who may not
    open it (a refusal would confirm that it exists)."""
    assessment = get_object_or_404(Assessment.objects.select_related("pathway"), pk=pk)
    if not may_open(request.user, assessment):
        raise Http404("No such assessment.")
    return assessment


def load(request, pk) -> Context:
    assessment = assessment_for(request, pk)
    snapshot = snapshot_for(assessment.pathway)
    stored = services.answers_for(assessment)
    context = Context(assessment, snapshot, stored)
    context.answers = usable(snapshot, stored)
    context.states = states_for(snapshot, context.answers)
    return context


def page_context(ctx: Context, result: Result | None = None, **extra: Any) -> dict[str, Any]:
    result = result or evaluate(ctx.snapshot, ctx.answers, what_would_change=False)
    return {
        "assessment": ctx.assessment,
        "pathway": ctx.assessment.pathway,
        "snapshot": ctx.snapshot,
        "states": ctx.states,
        "all_complete": ctx.first_incomplete is None,
        "result": result,
        "tier": ctx.snapshot.tier_by_code[result.tier],
        "level": ctx.snapshot.level_by_code.get(result.level),
        "answers": ctx.answers,
        "tail_steps": [("review", "Review", 1), ("result", "Result", 2)],
        **extra,
    }


@dataclass
class Explanation:
    """A result arranged for reading: the reasons for the tier, the level and the gaps."""

    tier_rules: list
    other_rules: list
    top: Any
    runner_up: Any
    gaps: list[QuestionSpec]
    exam_gaps: list[QuestionSpec]
    changes: list


def explain(snapshot: Snapshot, outcome: Result) -> Explanation:
    tier_rules = [f for f in outcome.tier_rules_fired if f.rule.target == outcome.tier]
    other = [f for f in outcome.tier_rules_fired if f.rule.target != outcome.tier]
    top = next((s for s in outcome.differential if s.code == outcome.level), None)
    gaps = [snapshot.question_by_code[code] for code in outcome.red_flags_incomplete]
    exam_gaps = [snapshot.question_by_code[code] for code in outcome.exam_incomplete]
    changes = sorted(outcome.what_would_change,
                     key=lambda c: snapshot.tier_by_code[c.tier].rank)
    return Explanation(tier_rules, other, top, outcome.runner_up, gaps, exam_gaps, changes)

