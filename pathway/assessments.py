"""The state of one assessment, as every page of it (and the handout) sees it.

`load` reads an assessment with its answers, for every page of it, refusing (not found) anyone
who may not open it; `explain` arranges a result for reading. What the pages show is
`pathway.presenters`.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.db import connection
from django.http import Http404
from django.urls import reverse

from pathway.engine import AnswerError, evaluate, validate
from pathway.engine.evaluate import Result, asked, is_asked
from pathway.engine.model import NOT_DONE, QuestionSpec, Snapshot, StepSpec
from pathway.models import Answer, Assessment, Pathway
from pathway.snapshot import snapshot_for

logger = logging.getLogger(__name__)


@dataclass
class StepState:
    step: StepSpec
    questions: list[QuestionSpec]  # asked questions, given the answers
    complete: bool
    reachable: bool = False
    current: bool = False
    missing: int = 0  # required questions still unanswered


@dataclass
class Context:
    """Everything a page of one assessment needs, loaded with two queries."""

    assessment: Assessment
    snapshot: Snapshot
    stored: dict[str, Any]  # answers as stored
    answers: dict[str, Any] = field(default_factory=dict)  # the usable ones
    states: list[StepState] = field(default_factory=list)
    _result: Result | None = field(default=None, repr=False)

    @property
    def first_incomplete(self) -> StepState | None:
        return next((s for s in self.states if not s.complete), None)

    def set_answers(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.states = states_for(self.snapshot, answers)
        self._result = None

    @property
    def result(self) -> Result:
        """The answers evaluated (without what-would-change), once per state."""
        if self._result is None:
            self._result = evaluated(self.snapshot, self.answers)
        return self._result

    @property
    def emergency(self) -> bool:
        """The suggested tier never waits (its `banner` is the emergency one): the result and
        handouts open before the other steps are finished."""
        return self.snapshot.tier_by_code[self.result.tier].emergency

    @property
    def result_open(self) -> bool:
        """The result and handouts: when every step is done, or at once for an emergency."""
        return self.first_incomplete is None or self.emergency

    @property
    def screened(self) -> bool:
        """Every step that asks red-flag questions is complete."""
        return all(s.complete for s in self.states if any(q.red_flag for q in s.questions))

    def state(self, code: str) -> StepState | None:
        return next((s for s in self.states if s.step.code == code), None)

    def url(self, name: str, **kwargs: Any) -> str:
        return reverse(name, kwargs={"pk": self.assessment.pk, **kwargs})

    def resume_url(self) -> str:
        incomplete = self.first_incomplete
        if incomplete:
            return self.url("step", step=incomplete.step.code)
        return self.url("review")


class Evaluations:
    """Results by (snapshot, answers), a bounded number of them.

    The engine is a pure function of the two, and a page is usually drawn for answers just
    evaluated: a whole page posted is redirected to the next page (POST, then GET of the same
    answers), an answer autosaved is followed by the next. An entry holds its snapshot, so a
    key's `id` cannot be reused by another snapshot while the entry lives."""

    def __init__(self, size: int):
        self.size = size
        self.results: OrderedDict[tuple, tuple[Snapshot, Result]] = OrderedDict()
        self.lock = threading.Lock()  # the threads of one process share it

    def get(self, snapshot: Snapshot, answers: dict[str, Any]) -> Result:
        try:
            key = (id(snapshot), frozenset(answers.items()))
        except TypeError:  # an unhashable answer: validation will name it
            return evaluate(snapshot, answers, what_would_change=False)
        with self.lock:
            found = self.results.get(key)
            if found is not None and found[0] is snapshot:
                self.results.move_to_end(key)
                return found[1]
        result = evaluate(snapshot, answers, what_would_change=False)
        with self.lock:
            self.results[key] = (snapshot, result)
            if len(self.results) > self.size:
                self.results.popitem(last=False)
        return result


_evaluations = Evaluations(size=512)


def evaluated(snapshot: Snapshot, answers: dict[str, Any]) -> Result:
    """`evaluate` without what-would-change, remembered for the last few hundred states."""
    return _evaluations.get(snapshot, answers)


def usable(snapshot: Snapshot, stored: dict[str, Any]) -> dict[str, Any]:
    """The stored answers that are valid for this version (a draft's content may change)."""
    try:
        return validate(snapshot, stored)  # all of them, almost always: one pass
    except AnswerError:
        pass
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
        missing = sum(1 for q in shown if q.required and q.code not in facts)
        states.append(StepState(step, shown, not missing, reachable, missing=missing))
        reachable = reachable and not missing
    return states


def may_open(user, assessment: Assessment) -> bool:
    """A preview walks an unpublished draft: only staff who may see the content open it."""
    if not assessment.is_preview:
        return True
    verified = getattr(user, "is_verified", lambda: False)()  # signed in with a second factor
    return user.is_active and user.is_staff and verified and user.has_perm("pathway.view_pathway")


def load(request, pk) -> Context:
    """The assessment at this URL, for every endpoint of it; not found for anyone who may not
    open it (a refusal would confirm that it exists)."""
    assessment, stored = _read(request, pk)
    snapshot = snapshot_for(assessment.pathway)
    context = Context(assessment, snapshot, stored)
    context.set_answers(usable(snapshot, stored))
    return context


def _read(request, pk) -> tuple[Assessment, dict[str, Any]]:
    """The assessment, its pathway version and its stored answers, in one query.

    Every page of an assessment starts here, so this read is written for speed: the query
    compiler's own work for the two ORM queries it replaces was most of a step page's
    database time. The statement and the column conversions come from the models' metadata,
    so they follow any migration; the values are converted exactly as the ORM converts them.
    """
    statement = _reading()
    fields = Assessment._meta.concrete_fields
    with connection.cursor() as cursor:
        cursor.execute(statement, [Assessment._meta.pk.get_db_prep_value(pk, connection)])
        rows = cursor.fetchall()
    if not rows:
        raise Http404("No such assessment.")
    n = len(fields)
    values = list(rows[0][:n])
    for i, model_field in enumerate(fields):
        column = model_field.get_col(Assessment._meta.db_table)
        for convert in connection.ops.get_db_converters(column) + column.get_db_converters(
            connection
        ):
            values[i] = convert(values[i], column, connection)
    assessment = Assessment.from_db(connection.alias, [f.attname for f in fields], values)
    assessment.pathway = _version(assessment.pathway_id, *rows[0][n : n + 3])
    if not may_open(request.user, assessment):
        raise Http404("No such assessment.")
    value = Answer._meta.get_field("value")
    stored = {
        row[n + 3]: value.from_db_value(row[n + 4], None, connection)
        for row in rows
        if row[n + 3] is not None
    }
    return assessment, stored


@cache
def _reading() -> str:
    quote = connection.ops.quote_name
    assessment, version, answer = Assessment._meta, Pathway._meta, Answer._meta
    columns = ", ".join(f"a.{quote(f.column)}" for f in assessment.concrete_fields)
    # Only the models' own table and column names go into the text; the id is a parameter.
    statement = (
        f"SELECT {columns}, v.{quote(version.get_field('revision').column)}, "  # noqa: S608
        f"v.{quote(version.get_field('status').column)}, "
        f"v.{quote(version.get_field('created_at').column)}, "
        f"r.{quote(answer.get_field('question').column)}, "
        f"r.{quote(answer.get_field('value').column)} "
        f"FROM {quote(assessment.db_table)} a "
        f"JOIN {quote(version.db_table)} v "
        f"ON v.{quote(version.pk.column)} = a.{quote(assessment.get_field('pathway').column)} "
        f"LEFT JOIN {quote(answer.db_table)} r "
        f"ON r.{quote(answer.get_field('assessment').column)} = a.{quote(assessment.pk.column)} "
        f"WHERE a.{quote(assessment.pk.column)} = %s"
    )
    return statement


_versions: dict[tuple, Pathway] = {}


def _version(pk: int, revision: int, status: str, created: Any) -> Pathway:
    """The pathway version an assessment is pinned to. A version's row changes only with its
    revision (every save bumps it) or its lifecycle, so one instance per (id, revision, status)
    is shared, read only, by the requests of this process. `created` (the creation time as the
    database returns it) tells a version apart from an earlier one that had its id: SQLite
    gives the id of a rolled-back insert out again."""
    key = (pk, revision, status, created)
    found = _versions.get(key)
    if found is None:
        found = Pathway.objects.get(pk=pk)
        if (found.revision, found.status) == (revision, status):
            if len(_versions) >= 64:
                _versions.clear()
            _versions[key] = found
    return found


@dataclass
class Escalations:
    """Red-flag answers that would make the suggestion more urgent, as a clinician expects:
    listed in one line per tier instead of a line each."""

    tier: Any  # TierSpec
    questions: list[QuestionSpec]


@dataclass
class Changes:
    """The single-answer changes that would give one tier."""

    tier: Any  # TierSpec
    changes: list


@dataclass
class Explanation:
    """A result arranged for reading: the reasons for the tier, the level and the gaps."""

    tier_rules: list
    other_rules: list
    top: Any
    runner_up: Any
    gaps: list[QuestionSpec]
    exam_gaps: list[QuestionSpec]
    changes: list[Changes]  # those a clinician would not simply expect, by tier, most urgent first
    escalations: list[Escalations]
    other_scores: list  # score rules that fired for a level other than the one named

    @property
    def actions(self) -> list:
        """The fired rules of the suggested tier that say what to do."""
        return [fired for fired in self.tier_rules if fired.rule.action]


def explain(snapshot: Snapshot, outcome: Result) -> Explanation:
    tier_rules = [f for f in outcome.tier_rules_fired if f.rule.target == outcome.tier]
    other = [f for f in outcome.tier_rules_fired if f.rule.target != outcome.tier]
    top = next((s for s in outcome.differential if s.code == outcome.level), None)
    gaps = [snapshot.question_by_code[code] for code in outcome.red_flags_incomplete]
    exam_gaps = [snapshot.question_by_code[code] for code in outcome.exam_incomplete]
    rank = {code: tier.rank for code, tier in snapshot.tier_by_code.items()}
    unexpected: dict[str, list] = {}
    escalating: dict[str, list] = {}
    for change in sorted(outcome.what_would_change, key=lambda c: rank[c.tier]):
        question = snapshot.question_by_code[change.question]
        if (
            question.red_flag
            and change.after not in NOT_DONE
            and rank[change.tier] < rank[outcome.tier]
        ):
            listed = escalating.setdefault(change.tier, [])
            if question not in listed:
                listed.append(question)
        else:
            unexpected.setdefault(change.tier, []).append(change)
    changes = [Changes(snapshot.tier_by_code[code], listed) for code, listed in unexpected.items()]
    escalations = [
        Escalations(snapshot.tier_by_code[code], questions)
        for code, questions in escalating.items()
    ]
    other_scores = [f for f in outcome.score_rules_fired if top is None or f not in top.fired]
    return Explanation(
        tier_rules,
        other,
        top,
        outcome.runner_up,
        gaps,
        exam_gaps,
        changes,
        escalations,
        other_scores,
    )
