"""The note for the clinical record: plain text to paste into the patient's notes.

It says what was found, what the aid suggests and on what basis, what was not assessed, and
which content version and reference produced it, in the order a clinician writes a note. Built
from the same result and explanation as the result page, so the two never disagree.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from pathway.assessments import Context, Explanation
from pathway.engine.evaluate import Result, asked
from pathway.engine.model import NOT_DONE, QuestionSpec
from pathway.presenters import Grid, blocks
from pathway.templatetags.pathway_tags import answer_text, reasons

NEGATIVE = frozenset({"no", "none"})


def short(question: QuestionSpec) -> str:
    """The prompt as a note's label: no parenthesis, no question mark."""
    return question.prompt.split(" (", 1)[0].rstrip("?").strip()


def said(question: QuestionSpec, value: Any) -> str:
    return answer_text(question, value).rstrip(".")


def red_flag_line(questions: list[QuestionSpec], facts: dict[str, Any]) -> str:
    present = [
        f"{short(q)}: {said(q, facts[q.code])}"
        for q in questions
        if q.code in facts and facts[q.code] not in NEGATIVE | NOT_DONE
    ]
    negative = sum(1 for q in questions if facts.get(q.code) in NEGATIVE)
    not_done = [short(q) for q in questions if facts.get(q.code) in NOT_DONE]
    unanswered = [short(q) for q in questions if q.code not in facts and q.red_flag]
    parts = []
    if present:
        parts.append("PRESENT: " + "; ".join(present))
    if negative:
        parts.append(
            f"no to {negative}{' other' if present else ''} item{'s' if negative > 1 else ''}"
        )
    if not_done:
        parts.append("not assessed: " + "; ".join(not_done))
    if unanswered:
        parts.append("not asked: " + "; ".join(unanswered))
    return ". ".join(parts) or "nothing recorded"


def grid_line(grid: Grid, facts: dict[str, Any]) -> str:
    """A grid in a clinician's shorthand: the common finding, then the exceptions."""
    answered = [(q, facts.get(q.code)) for q in grid.questions]
    common, _ = Counter(value for _, value in answered).most_common(1)[0]
    exceptions = [f"{short(q)} {said(q, value)}" for q, value in answered if value != common]
    head = (
        "not tested"
        if common is None
        else (f"{common}/5" if grid.code == "power" else said(grid.questions[0], common).lower())
    )
    if not exceptions:
        return f"{grid.kind.title}: all {head}"
    return f"{grid.kind.title}: {head} except {'; '.join(exceptions)}"


def findings(ctx: Context) -> list[tuple[str, list[str]]]:
    """Each step's answers in a clinician's shorthand: (step title, items)."""
    facts = asked(ctx.snapshot, ctx.answers)
    out = []
    for state in ctx.states:
        questions = state.questions
        if any(q.red_flag for q in questions):
            out.append((state.step.title, [red_flag_line(questions, facts)]))
            continue
        items = []
        for block in blocks(tuple(questions)):
            if isinstance(block, Grid):
                items.append(grid_line(block, facts))
            elif block.question.code in facts:
                items.append(
                    f"{short(block.question)}: {said(block.question, facts[block.question.code])}"
                )
        out.append((state.step.title, items or ["not done"]))
    return out


def record_note(ctx: Context, result: Result, explained: Explanation, today: dt.date) -> str:
    snapshot = ctx.snapshot
    pathway = ctx.assessment.pathway
    tier = snapshot.tier_by_code[result.tier]
    level = snapshot.level_by_code.get(result.level)
    lines = [f"{pathway.title}: decision support, {today:%-d %b %Y}.", "", "FINDINGS"]
    lines += [f"{title}: {'; '.join(items)}." for title, items in findings(ctx)]
    lines += ["", "SUGGESTION", f"{tier.title}. When: {tier.timeframe}."]
    for fired in explained.actions:
        lines.append(f"- {fired.rule.action}")
    lines.append(
        f"Most likely level: {level.title if level else result.level}"
        + (
            f" (score {explained.top.score:g}"
            + (
                f"; next {snapshot.level_by_code[explained.runner_up.code].title} "
                f"{explained.runner_up.score:g})"
                if explained.runner_up
                else ")"
            )
            if explained.top
            else ""
        )
        + "."
    )
    lines += ["", "BASIS"]
    for fired in explained.tier_rules:
        lines.append(f"- {fired.rule.title}: {reasons(fired, snapshot)}.")
    if not explained.tier_rules:
        lines.append(f"- No rule for a more urgent tier fired: the default, {tier.title}.")
    if explained.top:
        lines.append(
            f"- Level: {'; '.join(f.rule.title for f in explained.top.supporting)}"
            + (
                f"; against: {'; '.join(f.rule.title for f in explained.top.conflicting)}"
                if explained.top.conflicting
                else ""
            )
            + "."
        )
    gaps = []
    unfinished = [s.step.title for s in ctx.states if not s.complete]
    if unfinished and tier.emergency:
        gaps.append(f"Not completed (the emergency did not wait): {', '.join(unfinished)}.")
    if explained.gaps:
        gaps.append(
            "Red-flag screen incomplete, not read as 'no': "
            + "; ".join(short(q) for q in explained.gaps)
            + "."
        )
    if explained.exam_gaps:
        gaps.append(
            "Examination incomplete, not read as normal: "
            + "; ".join(short(q) for q in explained.exam_gaps)
            + "."
        )
    lines += ["", "GAPS"] + (
        gaps or ["None: every red-flag and key examination item was recorded."]
    )
    lines += [
        "",
        f"Content: {pathway.slug} version {pathway.version}. "
        f"Reference {ctx.assessment.reference}. Decision support only: it does not "
        "replace clinical judgement.",
    ]
    return "\n".join(lines)
