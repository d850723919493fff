"""Evaluate answers against a content snapshot (docs/architecture.md, the engine).

In order: validate the answers; drop answers to questions whose enable-when is false; localise
(score rules, threshold and margin); dispose (tier rules, most urgent wins, else the default);
list red-flag gaps (never reading unanswered or `not_assessed` as `no`); and find the
single-answer changes that would move the tier.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pathway.engine.conditions import Criterion, format_criterion, format_value, hits, holds
from pathway.engine.model import (
    EXCLUSIVE_OPTIONS,
    INDETERMINATE,
    NOT_DONE,
    NOTHING,
    QuestionSpec,
    RuleSpec,
    Snapshot,
)

Answer = int | str | tuple[str, ...]
# Level scores are compared to this many decimals: sums of weights such as 0.1 + 0.2 carry
# floating-point dust, and scores equal to a millionth are a tie (content order decides).
SCORE_DECIMALS = 6


class AnswerError(ValueError):
    """An answer that does not fit its question. Names the code and the value."""

    def __init__(self, code: str, value: Any, message: str):
        self.code = code
        self.value = value
        super().__init__(f"{code}: {message} (got {value!r})")


@dataclass(frozen=True, slots=True)
class Because:
    """One criterion that held, with the answer that made it hold."""

    criterion: Criterion
    answer: Answer | None

    def __str__(self) -> str:
        text = format_criterion(self.criterion)
        if self.criterion.op in {"eq", "in", "contains", "answered", "unanswered"}:
            return text
        return f"{text} (answer: {format_value(self.answer)})"


@dataclass(frozen=True, slots=True)
class FiredRule:
    rule: RuleSpec
    because: tuple[Because, ...]

    @property
    def code(self) -> str:
        return self.rule.code


@dataclass(frozen=True, slots=True)
class LevelScore:
    code: str
    score: float
    fired: tuple[FiredRule, ...]

    @property
    def supporting(self) -> tuple[FiredRule, ...]:
        return tuple(f for f in self.fired if f.rule.weight > 0)

    @property
    def conflicting(self) -> tuple[FiredRule, ...]:
        return tuple(f for f in self.fired if f.rule.weight < 0)


@dataclass(frozen=True, slots=True)
class Change:
    """Changing one answer from `before` to `after` would move the tier to `tier`."""

    question: str
    before: Answer | None
    after: Answer
    tier: str
    level: str


@dataclass(frozen=True, slots=True)
class Result:
    pathway: str
    version: int
    tier: str
    level: str
    differential: tuple[LevelScore, ...]
    fired: tuple[FiredRule, ...]  # tier rules and score rules that fired, in content order
    red_flags_incomplete: tuple[str, ...]
    exam_incomplete: tuple[str, ...]  # key examination items unanswered or not tested
    handout_items: tuple[str, ...]  # codes of the handout items whose condition holds
    what_would_change: tuple[Change, ...]
    answers: Mapping[str, Answer]  # the answers used, after validation and enable-when
    dropped: tuple[str, ...]  # answers ignored because their question was not asked

    @property
    def tier_rules_fired(self) -> tuple[FiredRule, ...]:
        return tuple(f for f in self.fired if f.rule.effect == "tier")

    @property
    def score_rules_fired(self) -> tuple[FiredRule, ...]:
        return tuple(f for f in self.fired if f.rule.effect == "score")

    @property
    def runner_up(self) -> LevelScore | None:
        named = [s for s in self.differential if s.code != self.level]
        return named[0] if named else None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (`manage.py assess`)."""

        def because(items: tuple[Because, ...]) -> list[str]:
            return [str(b) for b in items]

        return {
            "pathway": self.pathway,
            "version": self.version,
            "tier": self.tier,
            "level": self.level,
            "differential": [
                {
                    "code": s.code,
                    "score": s.score,
                    "because": [
                        f"{f.rule.title} ({f.rule.weight:+g}): " + "; ".join(because(f.because))
                        for f in s.fired
                    ],
                }
                for s in self.differential
            ],
            "fired": [
                {
                    "rule": f.rule.code,
                    "effect": f.rule.effect,
                    "target": f.rule.target,
                    "because": because(f.because),
                }
                for f in self.fired
            ],
            "red_flags_incomplete": list(self.red_flags_incomplete),
            "exam_incomplete": list(self.exam_incomplete),
            "what_would_change": [
                {
                    "question": c.question,
                    "from": list(c.before) if isinstance(c.before, tuple) else c.before,
                    "to": c.after,
                    "tier": c.tier,
                    "level": c.level,
                }
                for c in self.what_would_change
            ],
        }


# --- validation --------------------------------------------------------------------------------


def validate(snapshot: Snapshot, answers: Mapping[str, Any]) -> dict[str, Answer]:
    """Check every answer against its question and return them normalised.

    `None` means unanswered. A multi answer becomes a tuple in option order, with `[]` and
    `["none"]` both becoming `("none",)`. Raises AnswerError naming the first bad code.
    """
    if not isinstance(answers, Mapping):
        raise AnswerError("answers", answers, "expected an object of question code to answer")
    clean: dict[str, Answer] = {}
    for code, value in answers.items():
        question = snapshot.question_by_code.get(code)
        if question is None:
            raise AnswerError(code, value, "unknown question code")
        if value is None:
            continue
        clean[code] = _validate_one(question, value)
    return clean


def _validate_one(question: QuestionSpec, value: Any) -> Answer:
    code = question.code
    if question.type in {"number", "mrc"}:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise AnswerError(code, value, f"a {question.type} answer must be a whole number")
        low = 0 if question.type == "mrc" else question.minimum
        high = 5 if question.type == "mrc" else question.maximum
        if (low is not None and value < low) or (high is not None and value > high):
            raise AnswerError(code, value, f"out of range {low}-{high}")
        return value
    if question.type in {"choice", "tri"}:
        if not isinstance(value, str):
            raise AnswerError(code, value, "expected one option code")
        if value not in question.option_set:
            raise AnswerError(
                code, value, f"unknown option (known: {', '.join(question.option_codes)})"
            )
        return value
    if question.type == "multi":
        if not isinstance(value, list | tuple):
            raise AnswerError(code, value, "expected a list of option codes")
        for item in value:
            if not isinstance(item, str) or item not in question.option_set:
                raise AnswerError(
                    code, item, f"unknown option (known: {', '.join(question.option_codes)})"
                )
        chosen = set(value)
        for alone in EXCLUSIVE_OPTIONS & chosen:
            if len(chosen) > 1:
                raise AnswerError(code, list(value), f"'{alone}' cannot be combined with others")
        if not chosen and NOTHING in question.option_codes:
            chosen = {NOTHING}
        return tuple(c for c in question.option_codes if c in chosen)
    raise AnswerError(code, value, f"question has unknown type {question.type!r}")


# --- evaluation --------------------------------------------------------------------------------


def evaluate(
    snapshot: Snapshot, answers: Mapping[str, Any], *, what_would_change: bool = True
) -> Result:
    """Evaluate answers against a snapshot. Raises AnswerError for an invalid answer."""
    valid = validate(snapshot, answers)
    result = _decide(snapshot, valid)
    if what_would_change:
        changes = tuple(_what_would_change(snapshot, valid, result.tier))
        result = dataclasses.replace(result, what_would_change=changes)
    return result


def asked(snapshot: Snapshot, answers: Mapping[str, Answer]) -> dict[str, Answer]:
    """The answers whose questions are asked, given the enable-when conditions.

    Repeats until stable, so a question gated on a question that is itself not asked is not
    asked either.
    """
    facts = dict(answers)
    changed = True
    while changed:
        changed = False
        for question in snapshot.gated:
            if question.code in facts and not holds(question.enable_check, facts):
                del facts[question.code]
                changed = True
    return facts


def is_asked(question: QuestionSpec, facts: Mapping[str, Answer]) -> bool:
    return holds(question.enable_check, facts)


def not_done(answer: Answer | None) -> bool:
    """Unanswered, or answered "not assessed" / "not tested" (a multi: only that)."""
    if answer is None:
        return True
    if isinstance(answer, tuple):
        return len(answer) == 1 and answer[0] in NOT_DONE
    return answer in NOT_DONE


def _explain(rule: RuleSpec, facts: Mapping[str, Any]) -> FiredRule:
    """The fired rule with every criterion that holds. Call only when the rule holds."""
    return FiredRule(
        rule, tuple(Because(c, facts.get(c.subject)) for c in hits(rule.check, facts) or ())
    )


def _decide(snapshot: Snapshot, valid: Mapping[str, Answer]) -> Result:
    facts: dict[str, Any] = asked(snapshot, valid)
    dropped = tuple(code for code in valid if code not in facts)

    # Localise: every score rule adds its weight to its level.
    scores: dict[str, float] = {}
    fired_by_level: dict[str, list[FiredRule]] = {}
    fired_scores: list[FiredRule] = []
    for rule in snapshot.score_rules:
        if holds(rule.check, facts):  # most rules do not fire: test before explaining
            fired = _explain(rule, facts)
            scores[rule.target] = scores.get(rule.target, 0.0) + rule.weight
            fired_by_level.setdefault(rule.target, []).append(fired)
            fired_scores.append(fired)
    ranked, level = _localise(snapshot, scores)
    differential = tuple(
        LevelScore(code, round(scores[code], 2), tuple(fired_by_level[code])) for code in ranked
    )

    # Dispose: every tier rule; the most urgent fired tier wins.
    facts["level"] = level
    fired_tiers = [
        _explain(rule, facts) for rule in snapshot.tier_rules if holds(rule.check, facts)
    ]
    tier = _most_urgent(snapshot, (f.rule for f in fired_tiers))

    # Gaps: red-flag items and key examination items that are asked but unanswered or not
    # done. Neither is ever read as "no" or as normal.
    gaps = tuple(
        q.code
        for q in snapshot.questions
        if q.red_flag and is_asked(q, facts) and not_done(facts.get(q.code))
    )
    exam_gaps = tuple(
        q.code
        for q in snapshot.questions
        if q.key_exam and is_asked(q, facts) and not_done(facts.get(q.code))
    )
    items = tuple(item.code for item in snapshot.handout_items if holds(item.check, facts))
    del facts["level"]
    return Result(
        pathway=snapshot.pathway,
        version=snapshot.version,
        tier=tier,
        level=level,
        differential=differential,
        fired=tuple(fired_scores + fired_tiers),
        red_flags_incomplete=gaps,
        exam_incomplete=exam_gaps,
        handout_items=items,
        what_would_change=(),
        answers=facts,
        dropped=dropped,
    )


def _localise(snapshot: Snapshot, scores: Mapping[str, float]) -> tuple[list[str], str]:
    """The levels ranked by score, and the level named (or indeterminate)."""
    order = {level.code: i for i, level in enumerate(snapshot.levels)}
    ranked = sorted(
        scores, key=lambda code: (-round(scores[code], SCORE_DECIMALS), order.get(code, len(order)))
    )
    level = INDETERMINATE
    if ranked:
        top = round(scores[ranked[0]], SCORE_DECIMALS)
        second = round(scores[ranked[1]], SCORE_DECIMALS) if len(ranked) > 1 else 0.0
        # Scores are rounded, so a lead of exactly the margin counts whatever the float sums.
        if top >= snapshot.threshold and round(top - second, SCORE_DECIMALS) >= snapshot.margin:
            level = ranked[0]
    return ranked, level


def _most_urgent(snapshot: Snapshot, rules: Iterable[RuleSpec]) -> str:
    targets = [rule.target for rule in rules]
    if not targets:
        return snapshot.default_tier
    return min(targets, key=lambda code: snapshot.tier_by_code[code].rank)


def _what_would_change(snapshot: Snapshot, valid: Mapping[str, Answer], tier: str) -> list[Change]:
    """Single-answer changes to choice and tri questions that would move the tier.

    Red-flag items left unanswered are tried too: they are exactly the answers that matter.

    Each trial re-tests only the rules that read an answer the change touches (the answer
    itself, answers it asks or drops through enable-when, and the level if that moves); the
    others keep the verdict they had. The sums are then made in content order, exactly as a
    full evaluation makes them, so the outcome is the same, at a fraction of the cost.
    """
    base = asked(snapshot, valid)
    fired_scores = {rule.code for rule in snapshot.score_rules if holds(rule.check, base)}
    _, base_level = _localise(snapshot, _scores(snapshot, fired_scores))
    base_facts = {**base, "level": base_level}
    fired_tiers = {rule.code for rule in snapshot.tier_rules if holds(rule.check, base_facts)}
    changes: list[Change] = []
    for question in snapshot.questions:
        if question.type not in {"choice", "tri"}:
            continue
        current = valid.get(question.code)
        if current is None and not question.red_flag:
            continue
        for option in question.option_codes:
            if option == current:
                continue
            trial = dict(valid)
            trial[question.code] = option
            facts: dict[str, Any] = asked(snapshot, trial)
            if question.code not in facts:
                continue
            touched = {
                code for code in facts.keys() | base.keys() if facts.get(code) != base.get(code)
            }
            scores_now = _retest(snapshot, fired_scores, touched, facts, "score")
            _, level = _localise(snapshot, _scores(snapshot, scores_now))
            facts["level"] = level
            if level != base_level:
                touched.add("level")
            tiers_now = _retest(snapshot, fired_tiers, touched, facts, "tier")
            outcome = _most_urgent(snapshot, (snapshot.rule_by_code[code] for code in tiers_now))
            if outcome != tier:
                changes.append(Change(question.code, current, option, outcome, level))
    return changes


def _retest(
    snapshot: Snapshot, fired: set[str], touched: set[str], facts: Mapping[str, Any], effect: str
) -> set[str]:
    """The rules of one effect that fire once the `touched` subjects have changed."""
    now = set(fired)
    for subject in touched:
        for rule in snapshot.rules_by_subject.get(subject, ()):
            if rule.effect != effect:
                continue
            if holds(rule.check, facts):
                now.add(rule.code)
            else:
                now.discard(rule.code)
    return now


def _scores(snapshot: Snapshot, fired: set[str]) -> dict[str, float]:
    """Level scores from the fired score rules, summed in content order (as `_decide` does)."""
    scores: dict[str, float] = {}
    for rule in snapshot.score_rules:
        if rule.code in fired:
            scores[rule.target] = scores.get(rule.target, 0.0) + rule.weight
    return scores
