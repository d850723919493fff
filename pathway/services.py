"""Writes go through these functions: keyword-only, typed, each in one transaction.

`step_answers_save` is what a post to a step does: which answers it changes (compare-and-set
against what the page was drawn with), what it stores (every valid answer, or only those an
htmx post names), what a grid's "mark the rest" shortcut fills in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from pathway.engine.evaluate import Result, asked, is_asked
from pathway.engine.model import QuestionSpec, Snapshot
from pathway.forms import NOT_TESTED, StepForm
from pathway.models import Answer, AnswerChange, Assessment, Pathway
from pathway.presenters import canonical, grids_by_code

if TYPE_CHECKING:
    from django.http import QueryDict

    from pathway.assessments import Context, StepState


def assessment_start(*, pathway: Pathway, preview: bool = False) -> Assessment:
    """A new assessment on this version. A preview (staff walking a draft) is opened by no one
    else (see `assessments.may_open`)."""
    return Assessment.objects.create(pathway=pathway, is_preview=preview)


def answers_for(assessment: Assessment) -> dict[str, Any]:
    """The stored answers, question code to value (multi answers as lists)."""
    return dict(assessment.answers.values_list("question", "value"))


@transaction.atomic
def answers_record(*, assessment: Assessment, values: Mapping[str, Any]) -> list[str]:
    """Store answers (None clears one). Only changed answers are written, each change is kept.

    One row per question: answers to other questions, written concurrently from another tab,
    are untouched. Returns the codes that changed.
    """
    # What is stored is compared inside the transaction, with the assessment's writers queued
    # (a row lock on PostgreSQL; SQLite's IMMEDIATE transactions hold the write lock already):
    # compared with what the page read before, another tab's answer to the same question,
    # stored in between, would make this one look unchanged, and it would be dropped.
    list(Assessment.objects.select_for_update().filter(pk=assessment.pk).values_list("pk"))
    current = dict(
        Answer.objects.filter(assessment=assessment, question__in=list(values)).values_list(
            "question", "value"
        )
    )
    changed = {code: value for code, value in values.items() if current.get(code) != value}
    if not changed:
        return []
    now = timezone.now()
    upserts = [
        Answer(assessment=assessment, question=code, value=value, updated_at=now)
        for code, value in changed.items()
        if value is not None
    ]
    if upserts:
        Answer.objects.bulk_create(
            upserts,
            update_conflicts=True,
            unique_fields=["assessment", "question"],
            update_fields=["value", "updated_at"],
        )
    cleared = [code for code, value in changed.items() if value is None]
    if cleared:
        Answer.objects.filter(assessment=assessment, question__in=cleared).delete()
    AnswerChange.objects.bulk_create(
        AnswerChange(assessment=assessment, question=code, value=value)
        for code, value in changed.items()
    )
    Assessment.objects.filter(pk=assessment.pk).update(updated_at=now)
    return list(changed)


def assessment_complete(*, assessment: Assessment) -> None:
    """Mark the result as first shown. `updated_at` stays the time of the last answer: the
    handout's date and review date are counted from it, whenever it is printed again."""
    if assessment.completed_at is None:
        assessment.completed_at = timezone.now()
        Assessment.objects.filter(pk=assessment.pk, completed_at__isnull=True).update(
            completed_at=assessment.completed_at
        )


# --- a post to a step --------------------------------------------------------------------------


@dataclass
class StepSave:
    """What a post to a step did."""

    step: str
    partial: bool  # an htmx post: each valid answer stored as it is given
    form: StepForm  # the form whose errors the page shows (a partial save's: its questions)
    before: list[QuestionSpec]  # the step's asked questions before the post
    result_before: Result | None = None  # the suggestion before a partial save
    changed: list[str] = field(default_factory=list)  # the questions this post changed
    values: dict[str, Any] = field(default_factory=dict)  # what was stored (None: cleared)
    filled: dict[str, Any] = field(default_factory=dict)  # what a grid's shortcut filled in
    shown: list[QuestionSpec] = field(default_factory=list)  # asked, with the post's answers
    appeared: list[QuestionSpec] = field(default_factory=list)  # raised by them, unanswered
    missing: list[QuestionSpec] = field(default_factory=list)  # required, asked, unanswered

    @property
    def refused(self) -> bool:
        """A whole page with an invalid answer: nothing of it is stored."""
        return bool(self.form.errors) and not self.partial


def step_answers_save(
    *, ctx: Context, step: str, form: StepForm, post: QueryDict, partial: bool
) -> StepSave:
    """Store what a post to one step changed and bring `ctx` up to date.

    A whole page (posted without JavaScript) stores every valid answer it changed, blanks
    included (blank is incomplete, not invalid: an emergency answer given with the rest of the
    page still blank must never be thrown away); only an invalid value refuses it, and then
    nothing of it is stored. A partial save (htmx) stores each valid answer it names in
    `changed` as it is given, or, naming none, what the whole form changed; its invalid fields
    are not stored.
    """
    state = ctx.state(step)
    if partial:
        return _partial_save(ctx, state, form, post)
    questions = form.questions
    form.is_valid()
    edited = edited_codes(post, form, questions)
    merged = merged_answers(ctx.answers, form, questions, edited)
    facts = asked(ctx.snapshot, merged)
    shown = [q for q in questions if is_asked(q, facts)]
    saved = StepSave(step, False, form, list(state.questions), changed=sorted(edited), shown=shown)
    if form.errors:
        return saved
    values = {q.code: _stored(merged.get(q.code)) for q in shown if q.code in edited}
    saved.filled = grid_fill(ctx.snapshot, questions, merged, post)
    values.update(saved.filled)
    saved.values = values
    saved.appeared = [q for q in shown if q not in state.questions and q.code not in facts]
    saved.missing = [q for q in shown if q.required and q.code not in facts]
    _record(ctx, values)
    return saved


def _partial_save(ctx: Context, state: StepState, form: StepForm, post: QueryDict) -> StepSave:
    questions = form.questions
    step_codes = {q.code for q in questions}
    named = post.getlist("changed")
    changed = [code for code in named if code in step_codes]
    if not named:  # a page posting the whole form: what it changed, as without JavaScript
        form.is_valid()
        edited = edited_codes(post, form, questions)
        changed = [q.code for q in questions if q.code in edited]
    targets = [q for q in questions if q.code in changed]
    narrowed = StepForm(post, questions=targets, enforce_required=False)
    narrowed.is_valid()
    saved = StepSave(
        state.step.code,
        True,
        narrowed,
        list(state.questions),
        result_before=ctx.result,
        changed=changed,
    )
    merged = merged_answers(ctx.answers, narrowed, targets, set(changed))
    facts = asked(ctx.snapshot, merged)
    values = {
        q.code: _stored(merged.get(q.code))
        for q in targets
        if is_asked(q, facts) and q.code not in narrowed.errors
    }
    saved.filled = grid_fill(ctx.snapshot, questions, merged, post)
    values.update(saved.filled)
    saved.values = values
    _record(ctx, values)
    return saved


def _record(ctx: Context, values: dict[str, Any]) -> None:
    from pathway.assessments import usable

    answers_record(assessment=ctx.assessment, values=values)
    if values:
        ctx.stored = stored_after(ctx.stored, values)
        ctx.set_answers(usable(ctx.snapshot, ctx.stored))


def edited_codes(
    post: Mapping[str, Any], form: StepForm, questions: list[QuestionSpec]
) -> set[str]:
    """The questions this page changed (compare-and-set). Each field carries the answer the
    page was drawn with (`was_<code>`); a field still showing it was not touched here, so an
    answer given meanwhile in another tab, or stored by the first of a double submit, is left
    alone. A question the post carries neither a value nor a `was_` for is not on the page that
    posted: a post with no answers changes nothing."""
    answers = form.answers()
    edited = set()
    for question in questions:
        was = post.get(f"was_{question.code}")
        if was is None and question.code not in post:
            continue
        if (
            was is None
            or question.code in form.errors
            or canonical(answers.get(question.code)) != was
        ):
            edited.add(question.code)
    return edited


def merged_answers(
    answers: Mapping[str, Any], form: StepForm, questions: list[QuestionSpec], edited: set[str]
) -> dict[str, Any]:
    """The answers with the valid answers this page changed laid over them."""
    merged = dict(answers)
    posted = {code: value for code, value in form.answers().items() if code not in form.errors}
    for question in questions:
        if question.code in form.errors or question.code not in edited:
            continue
        value = posted.get(question.code)
        if value is None:
            merged.pop(question.code, None)
        else:
            merged[question.code] = tuple(value) if isinstance(value, list) else value
    return merged


def grid_fill(
    snapshot: Snapshot,
    questions: list[QuestionSpec],
    merged: dict[str, Any],
    post: Mapping[str, Any],
) -> dict[str, Any]:
    """The answers a grid's "mark the rest" shortcut gives: its value for each of the grid's
    asked questions still unanswered. A muscle posted as "not tested" is left alone: an
    ungraded muscle is stored as unanswered, and the clinician who has just marked it so must
    not find it graded 5. Nothing else is ever filled in; an unknown shortcut (a tampered
    post) fills nothing."""
    code, _, value = (post.get("fill") or "").partition(":")
    group = next((g for g in grids_by_code(questions).values() if g.code == code), None)
    if group is None or value not in {v for v, _ in group.fills}:
        return {}
    facts = asked(snapshot, merged)
    return {
        q.code: int(value) if q.type == "mrc" else value
        for q in group.questions
        if is_asked(q, facts)
        and q.code not in facts
        and post.get(q.code) != NOT_TESTED
        and (q.type == "mrc" or value in q.option_set)
    }


def stored_after(stored: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """What is stored once `values` (None clears an answer) are written."""
    return {code: value for code, value in {**stored, **values}.items() if value is not None}


def _stored(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value
