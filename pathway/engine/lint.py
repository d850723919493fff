"""The linter: what is wrong with a pathway's content, on the engine's own Snapshot.

One linter, pure, serves every door: the seed loader (on a snapshot read from the YAML), the
admin's Checks page and the publish gate (on a snapshot built from the database). Conditions are
judged with the engine's own compiled criteria, so "can this ever be true?" means exactly what
evaluation means. Findings name the item, the field and what to fix.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pathway.engine.conditions import (
    Condition,
    Criterion,
    SubjectSpec,
    check_criterion,
    compile_criterion,
    format_condition,
)
from pathway.engine.model import (
    BANNERS,
    DIAGRAM_LAYERS,
    EMERGENCY,
    HANDOUT_ROLES,
    QUESTION_TYPES,
    QuestionSpec,
    Snapshot,
)

ERROR = "error"
WARNING = "warning"
# Errors in the clinical behaviour of well-formed content (a rule that can never fire, a tier no
# rule reaches, a rule without a source): they block publishing, but a draft may be loaded and
# worked on with them. Every other error means the content is malformed and is not loaded.
BEHAVIOUR_KINDS = frozenset(
    {
        "rule never true",
        "never asked",
        "never printed",
        "unreachable tier",
        "red flag without a tier rule",
        "missing rationale",
        "missing source",
        "banner order",
    }
)
TRI_OPTIONS = ("yes", "no", "not_assessed")
_UNANSWERED = object()  # a possible "value" of every subject: no answer


@dataclass(frozen=True, slots=True)
class Finding:
    severity: str  # error | warning
    kind: str  # e.g. "unknown reference", "rule never true"
    item: str  # "rule", "question", "handout item", "tier", "level", "pathway"
    code: str
    message: str
    field: str = ""

    @property
    def malformed(self) -> bool:
        """An error that stops the content being loaded at all (not only published)."""
        return self.severity == ERROR and self.kind not in BEHAVIOUR_KINDS

    @property
    def where(self) -> str:
        return self.item if self.item == "pathway" else f"{self.item} {self.code}"


def subject_spec(question: QuestionSpec) -> SubjectSpec:
    """What a question is as a condition's subject. The one place a SubjectSpec is made for a
    question: the linter, the admin's criterion form and model validation all come here."""
    return SubjectSpec(
        kind=question.type,
        codes=question.option_set,
        minimum=0 if question.type == "mrc" else question.minimum,
        maximum=5 if question.type == "mrc" else question.maximum,
    )


def level_spec(codes: Iterable[str]) -> SubjectSpec:
    """The derived `level` fact as a condition's subject: one of these level codes."""
    return SubjectSpec(kind="level", codes=frozenset(codes))


class Domains:
    """The values each subject (a question code or `level`) can take in this content."""

    def __init__(self, snapshot: Snapshot):
        self.specs: dict[str, SubjectSpec] = {q.code: subject_spec(q) for q in snapshot.questions}
        self.specs["level"] = level_spec(lv.code for lv in snapshot.levels)
        self._values: dict[str, list[Any]] = {}

    def values(self, subject: str) -> list[Any]:
        if subject not in self._values:
            self._values[subject] = self._compute(subject)
        return self._values[subject]

    def _compute(self, subject: str) -> list[Any]:
        spec = self.specs[subject]
        if spec.kind == "level":
            return sorted(spec.codes)
        if spec.kind in {"number", "mrc"}:
            if spec.minimum is None or spec.maximum is None:
                return [_UNANSWERED]
            return [*range(spec.minimum, spec.maximum + 1), _UNANSWERED]
        if spec.kind == "multi":
            # Enough to decide contains / not contains: each option alone, or nothing.
            return [*((code,) for code in sorted(spec.codes)), (), _UNANSWERED]
        return [*sorted(spec.codes), _UNANSWERED]


def _holds(criterion: Criterion, value: Any) -> bool:
    """Does the criterion hold when its subject has this value (or no answer)?"""
    facts = {} if value is _UNANSWERED else {criterion.subject: value}
    try:
        return compile_criterion(criterion)(facts)
    except TypeError:  # a value of the wrong type can never make it hold
        return False


def satisfiable(condition: Condition, domains: Domains) -> bool:
    """Can any answers make the condition true? Exact per subject: groups whose criteria all
    name one subject constrain that subject together, so `age > 60 and age < 20` is never
    true; groups across subjects are checked one by one."""
    by_subject: dict[str, list[tuple[Criterion, ...]]] = {}
    for group in condition:
        subjects = {c.subject for c in group}
        if any(s not in domains.specs for s in subjects):
            return False
        if not any(_holds(c, v) for c in group for v in domains.values(c.subject)):
            return False
        if len(subjects) == 1:
            by_subject.setdefault(next(iter(subjects)), []).append(group)
    return all(
        any(
            all(any(_holds(c, value) for c in group) for group in groups)
            for value in domains.values(subject)
        )
        for subject, groups in by_subject.items()
    )


class _Collector:
    def __init__(self) -> None:
        self.findings: list[Finding] = []

    def error(self, kind: str, item: str, code: str, message: str, field: str = "") -> None:
        self.findings.append(Finding(ERROR, kind, item, code, message, field))

    def warning(self, kind: str, item: str, code: str, message: str, field: str = "") -> None:
        self.findings.append(Finding(WARNING, kind, item, code, message, field))


def _criteria(condition: Condition) -> Iterable[Criterion]:
    return (criterion for group in condition for criterion in group)


def _check_condition(
    out: _Collector,
    domains: Domains,
    item: str,
    code: str,
    field: str,
    condition: Condition,
    *,
    allow_level: bool,
    owner: str = "",
    never_kind: str = "",
    never_message: str = "",
) -> None:
    problems = []
    for criterion in _criteria(condition):
        if criterion.subject == "level" and not allow_level:
            problems.append(
                "an enable-when cannot depend on the level: it is decided after the answers are in"
            )
        elif owner and criterion.subject == owner:
            problems.append("a question cannot enable itself")
        else:
            problems += check_criterion(criterion, domains.specs.get(criterion.subject))
    for message in problems:
        out.error("unknown reference", item, code, message, field)
    if condition and not problems and not satisfiable(condition, domains):
        out.error(never_kind, item, code, f"{never_message}: {format_condition(condition)}", field)


def lint(snapshot: Snapshot) -> list[Finding]:
    """Every problem in the content: errors block loading and publishing, warnings do not."""
    out = _Collector()
    domains = Domains(snapshot)
    tiers = {t.code for t in snapshot.tiers}
    levels = {lv.code for lv in snapshot.levels}
    steps = {s.code for s in snapshot.steps}

    if snapshot.default_tier not in tiers:
        out.error(
            "unknown reference",
            "pathway",
            "",
            f"default tier '{snapshot.default_tier}' "
            f"is not one of the tiers ({', '.join(sorted(tiers))})",
            "default_tier",
        )
    ranks = [t.rank for t in snapshot.tiers]
    if len(ranks) != len(set(ranks)):
        out.error("duplicate", "pathway", "", "two tiers share a rank", "tiers")
    for name, items in (
        ("steps", snapshot.steps),
        ("tiers", snapshot.tiers),
        ("questions", snapshot.questions),
        ("rules", snapshot.rules),
    ):
        if not items:
            out.error("empty", "pathway", "", f"no {name}: a pathway needs at least one", name)

    _lint_banners(out, snapshot)
    for question in snapshot.questions:
        _lint_question(out, domains, question, steps)
    layers: dict[str, str] = {}
    for question in snapshot.questions:
        layer = question.diagram_layer
        if not layer or layer not in DIAGRAM_LAYERS:
            continue
        if layer in layers:
            out.error(
                "duplicate",
                "question",
                question.code,
                f"the diagram's {layer} layer is "
                f"already fed by '{layers[layer]}': one question per layer",
                "diagram_layer",
            )
        layers.setdefault(layer, question.code)
    for rule in snapshot.rules:
        where = ("rule", rule.code)
        if rule.effect == "tier":
            if rule.target not in tiers:
                out.error(
                    "unknown reference",
                    *where,
                    f"'{rule.target}' is not a tier ({', '.join(sorted(tiers))})",
                    "target",
                )
        elif rule.effect == "score":
            if rule.target not in levels:
                out.error(
                    "unknown reference",
                    *where,
                    f"'{rule.target}' is not a level ({', '.join(sorted(levels))})",
                    "target",
                )
            if not rule.weight:
                out.error("no weight", *where, "a score rule needs a non-zero weight", "weight")
        else:
            out.error("unknown effect", *where, f"'{rule.effect}' must be tier or score", "effect")
        if not rule.condition:
            out.error("rule never true", *where, "the rule has no condition", "when")
        _check_condition(
            out,
            domains,
            *where,
            "when",
            rule.condition,
            allow_level=True,
            never_kind="rule never true",
            never_message="no answers can make this true",
        )
        if not rule.rationale.strip():
            out.error("missing rationale", *where, "the rule has no rationale", "rationale")
        if not rule.sources:
            out.error("missing source", *where, "the rule cites no source", "sources")

    for item in snapshot.handout_items:
        where = ("handout item", item.code)
        if item.role not in HANDOUT_ROLES:
            out.error(
                "unknown role",
                *where,
                f"'{item.role}' must be one of {', '.join(HANDOUT_ROLES)}",
                "role",
            )
        if item.role == "option":
            for name in ("benefit", "risks", "recovery"):
                if not getattr(item, name).strip():
                    out.error(
                        "incomplete option",
                        *where,
                        "an option of the grid needs all four answers",
                        name,
                    )
        _check_condition(
            out,
            domains,
            *where,
            "when",
            item.condition,
            allow_level=True,
            never_kind="never printed",
            never_message="no answers can make this true, so it is never printed",
        )
        if not item.sources:
            out.error("missing source", *where, "the handout item cites no source", "sources")

    # Tiers no rule can reach (the default tier is reached when nothing fires).
    reachable = {snapshot.default_tier} | {
        r.target for r in snapshot.tier_rules if r.condition and satisfiable(r.condition, domains)
    }
    for tier in snapshot.tiers:
        if tier.code not in reachable:
            out.error("unreachable tier", "tier", tier.code, "no rule can suggest this tier")
    # Red-flag questions that no tier rule reads cannot change the suggestion.
    read = {c.subject for r in snapshot.tier_rules for c in _criteria(r.condition)}
    for question in snapshot.questions:
        if question.red_flag and question.code not in read:
            out.error(
                "red flag without a tier rule",
                "question",
                question.code,
                "a red-flag question that no tier rule reads cannot change the suggestion",
                "red_flag",
            )
    return out.findings


def _lint_banners(out: _Collector, snapshot: Snapshot) -> None:
    """A banner names one of BANNERS, and the tiers that raise one are the most urgent (an
    emergency banner above an urgent one): a routine tier ranked above a bannered one, or an
    urgent banner above an emergency, would raise the alarm the wrong way round."""
    for tier in snapshot.tiers:
        if tier.banner and tier.banner not in BANNERS:
            out.error(
                "unknown reference",
                "tier",
                tier.code,
                f"unknown banner '{tier.banner}' (known: {', '.join(BANNERS)}, or none)",
                "banner",
            )

    def weight(banner: str) -> int:
        return {EMERGENCY: 2}.get(banner, 1 if banner in BANNERS else 0)

    ordered = sorted(snapshot.tiers, key=lambda t: t.rank)
    for more, less in ((ordered[i - 1], ordered[i]) for i in range(1, len(ordered))):
        if weight(more.banner) < weight(less.banner):
            out.error(
                "banner order",
                "tier",
                less.code,
                f"raises the {less.banner} banner but ranks below '{more.code}', which "
                f"raises {more.banner or 'none'}: banners belong to the most urgent tiers",
                "banner",
            )


def _lint_question(
    out: _Collector, domains: Domains, question: QuestionSpec, steps: set[str]
) -> None:
    where = ("question", question.code)
    if question.step not in steps:
        out.error(
            "unknown reference",
            *where,
            f"unknown step '{question.step}' (known: {', '.join(sorted(steps))})",
            "step",
        )
    if question.type not in QUESTION_TYPES:
        out.error(
            "unknown type",
            *where,
            f"unknown type '{question.type}' (known: {', '.join(QUESTION_TYPES)})",
            "type",
        )
        return
    if question.type == "number" and (
        question.minimum is None or question.maximum is None or question.minimum > question.maximum
    ):
        out.error("no range", *where, "a number question needs range: [min, max]", "range")
    has_options = question.type in {"choice", "multi", "tri"}
    if has_options and not question.options:
        out.error("no options", *where, f"a {question.type} question needs options", "options")
    if not has_options and question.options:
        out.error("options", *where, f"a {question.type} question has no options", "options")
    if question.type == "tri" and question.option_codes != TRI_OPTIONS:
        out.error(
            "tri options",
            *where,
            "a tri question's options are yes, no, not_assessed, in that order",
            "options",
        )
    if question.diagram_layer and question.diagram_layer not in DIAGRAM_LAYERS:
        out.error(
            "unknown reference",
            *where,
            f"unknown diagram layer "
            f"'{question.diagram_layer}' (known: {', '.join(DIAGRAM_LAYERS)}, or none)",
            "diagram_layer",
        )
    elif question.diagram_layer and question.type != "multi":
        out.error(
            "diagram layer",
            *where,
            "only a multi question (its options are areas of the leg) can feed the leg diagram",
            "diagram_layer",
        )
    _check_condition(
        out,
        domains,
        *where,
        "enable_when",
        question.enable_when,
        allow_level=False,
        owner=question.code,
        never_kind="never asked",
        never_message="its enable-when can never be true, so it is never asked",
    )
