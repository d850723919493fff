"""Presentation of answers and reasons, so templates hold no clinical logic."""

from __future__ import annotations

import difflib
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

from django import template
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe

from pathway.engine.conditions import VALUELESS_OPS
from pathway.engine.evaluate import Because
from pathway.engine.model import QuestionSpec, Snapshot
from pathway.presenters import Rendered

register = template.Library()

PLAIN_OPS = {"lt": "below", "lte": "at most", "gt": "above", "gte": "at least"}


@register.simple_tag
def answer_text(question: QuestionSpec, value: Any) -> str:
    """An answer as the clinician chose it: option labels, numbers with their unit."""
    if value is None or value in ((), []):
        return "Not answered"
    if question.type == "multi":
        return "; ".join(question.label_for(code) for code in value)
    if question.type in {"choice", "tri"}:
        return question.label_for(value)
    if question.type == "mrc":
        return f"{value}/5"
    return f"{value} {question.unit}".strip()


@register.simple_tag
def because_text(because: Because, snapshot: Snapshot) -> str:
    """One reason in words: the question, and what about the answer made the rule fire."""
    criterion = because.criterion
    if criterion.subject == "level":
        level = snapshot.level_by_code.get(because.answer)
        return f"Level: {level.title if level else because.answer}"
    question = snapshot.question_by_code.get(criterion.subject)
    if question is None:
        return str(because)
    prompt = question.prompt.rstrip("?")
    if criterion.op == "unanswered":
        return f"{prompt}: not answered"
    if criterion.op in VALUELESS_OPS:
        return f"{prompt}: answered"
    if criterion.op in {"contains", "not_contains"}:
        verb = "includes" if criterion.op == "contains" else "does not include"
        return f"{prompt}: {verb} {question.label_for(criterion.value).lower()}"
    answer = answer_text(question, because.answer)
    if criterion.op in PLAIN_OPS:
        unit = "" if question.type == "mrc" else f" {question.unit}".rstrip()
        return (
            f"{prompt}: {answer} ({PLAIN_OPS[criterion.op]} "
            f"{criterion.value}{'/5' if question.type == 'mrc' else unit})"
        )
    return f"{prompt}: {answer}"


@register.simple_tag
def reasons(fired, snapshot: Snapshot, said: frozenset = frozenset()) -> str:
    """Why a rule fired, in words: each criterion that held, with the bare "was answered" ones
    (a graded examination, say) named together rather than one clause each. Criteria in `said`
    (given for a rule listed before) are left out."""
    answered, parts = [], []
    for because in fired.because:
        if because in said:
            continue
        question = snapshot.question_by_code.get(because.criterion.subject)
        if because.criterion.op == "answered" and question is not None:
            answered.append(question.prompt.split(" (", 1)[0].rstrip("?"))
        else:
            parts.append(because_text(because, snapshot))
    if answered:
        parts.append("recorded: " + ", ".join(answered))
    return "; ".join(parts)


@register.simple_tag
@cache
def asset(path: str) -> str:
    """A static file's URL, asked of the storage once per process: its answer (a hashed name
    in production) holds until the next deploy, and every page names the same few files."""
    return static(path)


@register.simple_tag
def link(name: str) -> str:
    """The URL of a page that takes no arguments (the site's navigation), worked out once per
    process and script prefix instead of on every page."""
    return _link(name, get_script_prefix())


@cache
def _link(name: str, prefix: str) -> str:
    return reverse(name)


@register.filter
def score(value: float | int) -> str:
    """A score or weight as `floatformat:"-1"` writes it (one decimal place where the number
    has a fraction, rounded half up; none where it is whole), without that filter's cost on
    every number of a page."""
    number = Decimal(repr(value))
    places = Decimal(1) if number == number.to_integral_value() else Decimal("0.1")
    rounded = number.quantize(places, rounding=ROUND_HALF_UP)
    return f"{abs(rounded) if rounded.is_zero() else rounded:f}"  # never "-0"


_rules = Rendered(max_chars=4 * 1024 * 1024)


@register.simple_tag(takes_context=True)
def fired_rule(context, fired) -> str:
    """One fired rule as the result page lists it (pathway/_rule.html), rendered once per rule,
    reasons and cited sources: the same for every assessment where they are the same."""
    sources = context["sources"]
    cited = tuple((key, sources.get(key)) for key in fired.rule.sources)
    key = (fired, cited)
    html = _rules.get(key)
    if html is None:
        html = render_to_string(
            "pathway/_rule.html",
            {"fired": fired, "snapshot": context["snapshot"], "sources": dict(cited)},
        )
        _rules.put(key, html)
    return html


@register.filter
def get(mapping: dict, key: Any) -> Any:
    return mapping.get(key) if mapping else None


@register.filter
def add_list(first, second) -> list:
    return [*first, *second]


@register.simple_tag
def word_diff(before: Any, after: Any) -> str:
    """Changed text with removed words in <del> and added words in <ins>, word by word, so an
    edit to one word of a long paragraph shows as that word. Every piece is escaped."""
    old = "" if before is None else str(before)
    new = "" if after is None else str(after)
    a, b = old.split(), new.split()
    pieces = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            pieces.append(escape(" ".join(a[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(f"<del>{escape(' '.join(a[i1:i2]))}</del>")
        if j2 > j1:
            pieces.append(f"<ins>{escape(' '.join(b[j1:j2]))}</ins>")
    return mark_safe(" ".join(pieces))  # noqa: S308 - built only from escaped pieces


@register.simple_tag
def editor_dashboard():
    """The editors' home page: drafts and their checks, versions in use, overdue reviews."""
    from pathway.dashboard import dashboard

    return dashboard()
