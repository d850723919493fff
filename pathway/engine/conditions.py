"""Conditions: an AND of groups, each group an OR of criteria, e.g. ``(A or B) and C``.

A criterion is ``<subject> <op> <value>``, where the subject is a question code or a derived
fact (``level``). This module holds the criterion vocabulary, the readable text form used in the
seed files and the admin, type checks against what the subject is, and evaluation. Pure Python.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# op code -> readable form. The readable form is what editors write in seed files and see in
# the admin and on the result page.
OPS: dict[str, str] = {
    "eq": "=",
    "ne": "!=",
    "in": "in",
    "not_in": "not in",
    "lt": "<",
    "lte": "<=",
    "gt": ">",
    "gte": ">=",
    "contains": "contains",
    "not_contains": "not contains",
    "answered": "is answered",
    "unanswered": "is unanswered",
}
OP_BY_TEXT = {text: code for code, text in OPS.items()}
VALUELESS_OPS = frozenset({"answered", "unanswered"})
LIST_OPS = frozenset({"in", "not_in"})
ORDER_OPS = frozenset({"lt", "lte", "gt", "gte"})

# Which ops fit which kind of subject. "level" is the derived fact set by localisation.
OPS_BY_KIND: dict[str, frozenset[str]] = {
    "number": frozenset({"eq", "ne", "in", "not_in", *ORDER_OPS, *VALUELESS_OPS}),
    "mrc": frozenset({"eq", "ne", "in", "not_in", *ORDER_OPS, *VALUELESS_OPS}),
    "choice": frozenset({"eq", "ne", "in", "not_in", *VALUELESS_OPS}),
    "tri": frozenset({"eq", "ne", "in", "not_in", *VALUELESS_OPS}),
    "multi": frozenset({"contains", "not_contains", *VALUELESS_OPS}),
    "level": frozenset({"eq", "ne", "in", "not_in"}),
}

# Derived facts the engine provides to criteria, beside the question codes.
DERIVED_FACTS = frozenset({"level"})

Value = int | str | tuple[int | str, ...] | None


class ConditionSyntaxError(ValueError):
    """A condition or criterion written in text could not be read."""


@dataclass(frozen=True, slots=True)
class Criterion:
    subject: str
    op: str
    value: Value = None

    def __str__(self) -> str:
        return format_criterion(self)


# A condition: groups ANDed together, each group's criteria ORed. An empty condition is true.
Condition = tuple[tuple[Criterion, ...], ...]


@dataclass(frozen=True, slots=True)
class SubjectSpec:
    """What a criterion's subject is: a question's type and allowed values, or a derived fact."""

    kind: str  # number | mrc | choice | tri | multi | level
    codes: frozenset[str] = frozenset()  # option or level codes
    minimum: int | None = None
    maximum: int | None = None


# --- text form -------------------------------------------------------------------------------

_CRITERION_RE = re.compile(
    r"^(?P<subject>[A-Za-z_][A-Za-z0-9_]*)\s+"
    r"(?P<op>is\s+unanswered|is\s+answered|not\s+in|in|not\s+contains|contains|<=|>=|!=|=|<|>)"
    r"(?:\s+(?P<value>.+?))?\s*$"
)
_TOKEN_RE = re.compile(r"^-?\d+$|^[A-Za-z_][A-Za-z0-9_]*$")


def _parse_scalar(token: str, text: str) -> int | str:
    token = token.strip()
    if not _TOKEN_RE.match(token):
        raise ConditionSyntaxError(
            f"cannot read value {token!r} in {text!r}: use a whole number or a code "
            "(letters, digits and underscores)"
        )
    return int(token) if re.match(r"^-?\d+$", token) else token


def parse_values(text: str) -> list[int | str]:
    """The values written in one box, `a, b` or `[a, b]`: whole numbers or codes, as a
    criterion's value is written in a condition. Raises ConditionSyntaxError on anything else."""
    tokens = [t.strip() for t in text.strip().strip("[]").split(",") if t.strip()]
    return [_parse_scalar(token, text) for token in tokens]


def parse_criterion(text: str) -> Criterion:
    """Read ``mrc_ankle_dorsiflexion <= 3``, ``level in [L4, L5]``, ``ces_onset is unanswered``."""
    match = _CRITERION_RE.match(text.strip())
    if not match:
        raise ConditionSyntaxError(
            f"cannot read criterion {text.strip()!r}: expected '<code> <op> <value>' with op one "
            f"of {', '.join(OPS.values())}"
        )
    op = OP_BY_TEXT[" ".join(match["op"].split())]
    raw = match["value"]
    if op in VALUELESS_OPS:
        if raw:
            raise ConditionSyntaxError(f"{text.strip()!r}: '{OPS[op]}' takes no value")
        return Criterion(match["subject"], op, None)
    if not raw:
        raise ConditionSyntaxError(f"{text.strip()!r}: '{OPS[op]}' needs a value")
    if op in LIST_OPS:
        raw = raw.strip()
        if not (raw.startswith("[") and raw.endswith("]")):
            raise ConditionSyntaxError(
                f"{text.strip()!r}: '{OPS[op]}' needs a list in square brackets, e.g. [L4, L5]"
            )
        items = [item for item in raw[1:-1].split(",") if item.strip()]
        if not items:
            raise ConditionSyntaxError(f"{text.strip()!r}: the list is empty")
        return Criterion(match["subject"], op, tuple(_parse_scalar(i, text) for i in items))
    return Criterion(match["subject"], op, _parse_scalar(raw, text))


def _split_top_level(text: str, word: str) -> list[str]:
    """Split on `` and `` / `` or `` outside brackets and parentheses."""
    parts: list[str] = []
    depth = 0
    start = 0
    i = 0
    needle = f" {word} "
    while i < len(text):
        char = text[i]
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
            if depth < 0:
                raise ConditionSyntaxError(f"unbalanced brackets in {text!r}")
        elif depth == 0 and text.startswith(needle, i):
            parts.append(text[start:i])
            i += len(needle)
            start = i
            continue
        i += 1
    if depth != 0:
        raise ConditionSyntaxError(f"unbalanced brackets in {text!r}")
    parts.append(text[start:])
    return [part.strip() for part in parts]


def parse_condition(text: str) -> Condition:
    """Read ``(a <= 3 or b <= 3) and level != peroneal`` into groups of criteria."""
    text = " ".join(text.split())
    if not text:
        return ()
    groups: list[tuple[Criterion, ...]] = []
    for part in _split_top_level(text, "and"):
        if not part:
            raise ConditionSyntaxError(f"empty group in {text!r}")
        if part.startswith("(") and part.endswith(")"):
            inner = part[1:-1]
            criteria = tuple(parse_criterion(c) for c in _split_top_level(inner, "or"))
        else:
            if len(_split_top_level(part, "or")) > 1:
                raise ConditionSyntaxError(
                    f"{part!r}: put criteria joined by 'or' in parentheses, e.g. (a = 1 or b = 2)"
                )
            criteria = (parse_criterion(part),)
        groups.append(criteria)
    return tuple(groups)


def format_value(value: Value) -> str:
    if isinstance(value, tuple | list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return "" if value is None else str(value)


def format_criterion(criterion: Criterion) -> str:
    text = f"{criterion.subject} {OPS.get(criterion.op, criterion.op)}"
    if criterion.op in VALUELESS_OPS:
        return text
    return f"{text} {format_value(criterion.value)}"


def format_condition(condition: Sequence[Sequence[Criterion]]) -> str:
    parts = []
    for group in condition:
        texts = [format_criterion(c) for c in group]
        if len(texts) == 1:
            parts.append(texts[0])
        elif texts:
            parts.append("(" + " or ".join(texts) + ")")
    return " and ".join(parts)


# --- checks against the content ----------------------------------------------------------------


def check_criterion(criterion: Criterion, spec: SubjectSpec | None) -> list[str]:
    """Return what is wrong with a criterion for this subject; an empty list if nothing."""
    subject = criterion.subject
    if spec is None:
        return [f"'{subject}' is not a question code or derived fact of this pathway"]
    if criterion.op not in OPS:
        return [f"'{criterion.op}' is not an operator (use one of {', '.join(OPS)})"]
    if criterion.op not in OPS_BY_KIND[spec.kind]:
        allowed = ", ".join(OPS[o] for o in OPS if o in OPS_BY_KIND[spec.kind])
        return [
            f"'{OPS[criterion.op]}' does not fit {subject} ({spec.kind}); use one of: {allowed}"
        ]
    if criterion.op in VALUELESS_OPS:
        return [] if criterion.value is None else [f"'{OPS[criterion.op]}' takes no value"]
    if criterion.op in LIST_OPS:
        if not isinstance(criterion.value, tuple | list) or not criterion.value:
            return [f"'{OPS[criterion.op]}' needs a non-empty list of values for {subject}"]
        values: list[int | str | None] = list(criterion.value)
    else:
        if isinstance(criterion.value, tuple | list):
            return [f"'{OPS[criterion.op]}' takes one value, not a list, for {subject}"]
        values = [criterion.value]
    errors = []
    for value in values:
        if spec.kind in {"number", "mrc"}:
            if isinstance(value, bool) or not isinstance(value, int):
                errors.append(
                    f"{subject} is a {spec.kind}: the value must be a whole number, not {value!r}"
                )
            elif (spec.minimum is not None and value < spec.minimum) or (
                spec.maximum is not None and value > spec.maximum
            ):
                errors.append(
                    f"{value} is outside the range of {subject} ({spec.minimum}-{spec.maximum})"
                )
        elif not isinstance(value, str):
            errors.append(f"{subject} takes a code, not {value!r}")
        elif value not in spec.codes:
            what = "a level" if spec.kind == "level" else "an option"
            errors.append(
                f"'{value}' is not {what} of {subject} (known: {', '.join(sorted(spec.codes))})"
            )
    return errors


# --- evaluation --------------------------------------------------------------------------------

_MISSING = object()

Predicate = Callable[[Mapping[str, Any]], bool]
# A condition compiled once for fast evaluation: groups of (criterion, predicate) pairs.
Compiled = tuple[tuple[tuple[Criterion, Predicate], ...], ...]


def compile_criterion(criterion: Criterion) -> Predicate:
    """A function of the facts that is true when the criterion holds.

    A criterion on a missing fact is false, except `unanswered`. Each op gets its own small
    closure: this is the engine's innermost loop.
    """
    subject, op, value = criterion.subject, criterion.op, criterion.value
    missing = _MISSING
    if op == "unanswered":
        return lambda facts: subject not in facts
    if op == "answered":
        return lambda facts: subject in facts
    if op == "eq":
        return lambda facts: facts.get(subject, missing) == value
    if op == "ne":
        return lambda facts: (x := facts.get(subject, missing)) is not missing and x != value
    if op == "in":
        members = frozenset(value)  # type: ignore[arg-type]
        return lambda facts: facts.get(subject, missing) in members
    if op == "not_in":
        members = frozenset(value)  # type: ignore[arg-type]
        return lambda facts: (
            (x := facts.get(subject, missing)) is not missing and (x not in members)
        )
    if op == "lt":
        return lambda facts: (x := facts.get(subject, missing)) is not missing and x < value
    if op == "lte":
        return lambda facts: (x := facts.get(subject, missing)) is not missing and x <= value
    if op == "gt":
        return lambda facts: (x := facts.get(subject, missing)) is not missing and x > value
    if op == "gte":
        return lambda facts: (x := facts.get(subject, missing)) is not missing and x >= value
    if op == "contains":
        return lambda facts: value in facts.get(subject, ())
    if op == "not_contains":
        return lambda facts: (x := facts.get(subject, missing)) is not missing and (value not in x)
    raise ValueError(f"unknown op {op!r}")


def compile_condition(condition: Condition) -> Compiled:
    return tuple(tuple((c, compile_criterion(c)) for c in group) for group in condition)


def criterion_holds(criterion: Criterion, facts: Mapping[str, Any]) -> bool:
    return compile_criterion(criterion)(facts)


def holds(compiled: Compiled, facts: Mapping[str, Any]) -> bool:
    """True if every group has a true criterion (short-circuits)."""
    for group in compiled:
        for _, check in group:
            if check(facts):
                break
        else:
            return False
    return True


def hits(compiled: Compiled, facts: Mapping[str, Any]) -> list[Criterion] | None:
    """The criteria that made the condition true, or None if it is false.

    Every group must have a true criterion; all true criteria are returned (not only the first
    of each group), so an explanation names every answer that supports it.
    """
    if not holds(compiled, facts):
        return None
    found: dict[Criterion, None] = {}  # ordered and de-duplicated
    for group in compiled:
        for criterion, check in group:
            if check(facts):
                found[criterion] = None
    return list(found)


def true_criteria(condition: Condition, facts: Mapping[str, Any]) -> list[Criterion] | None:
    return hits(compile_condition(condition), facts)
