"""Checks on a pathway version (a linter) and its regression cases: the publish gate.

Errors block publishing; warnings (such as reading grade) are shown but do not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import textstat
from django.conf import settings

from pathway import models as pm
from pathway.digests import digest
from pathway.engine import AnswerError, evaluate, invariants
from pathway.engine.conditions import Criterion, SubjectSpec, check_criterion
from pathway.engine.evaluate import Result
from pathway.snapshot import build

ERROR = "error"
WARNING = "warning"
MAX_GRADE = 8
# Generated answer sets the gate runs the clinical invariants on (a fixed seed, so a refusal
# can be reproduced). About 6 ms each on the seeded pathway: the setting trades publish time
# for thoroughness; the engine tests cover the whole answer space far more widely.
INVARIANT_SAMPLES = settings.GATE_INVARIANT_SAMPLES
UNANSWERED = object()  # a question left unanswered is a possible 'value' too


@dataclass(frozen=True)
class Finding:
    severity: str  # error | warning
    kind: str
    where: str
    message: str


# --- what each subject can take ----------------------------------------------------------------


class Domains:
    """The values each subject (question code or `level`) can take in this version."""

    def __init__(self, pathway: pm.Pathway):
        self.questions = {q.code: q for q in pathway.questions.prefetch_related("options")}
        self.levels = set(pathway.levels.values_list("code", flat=True))
        self.specs = {code: q.subject_spec() for code, q in self.questions.items()}
        self.specs["level"] = SubjectSpec(kind="level", codes=frozenset(self.levels))
        self._values: dict[str, set[Any] | None] = {}

    def problems(self, criterion: pm.Criterion) -> list[str]:
        """What is wrong with a criterion's subject, op or value, if anything."""
        return check_criterion(criterion.as_criterion(), self.specs.get(criterion.subject))

    def values(self, subject: str) -> set[Any] | None:
        if subject not in self._values:
            self._values[subject] = self._compute(subject)
        return self._values[subject]

    def _compute(self, subject: str) -> set[Any] | None:
        if subject == "level":
            return set(self.levels)
        question = self.questions.get(subject)
        if question is None:
            return None
        if question.type in {"number", "mrc"}:
            low, high = (0, 5) if question.type == "mrc" else (question.min_value,
                                                                 question.max_value)
            if low is None or high is None:
                return {UNANSWERED}
            return set(range(low, high + 1)) | {UNANSWERED}
        codes = {o.code for o in question.options.all()}
        if question.type == "multi":
            # Enough to decide contains / not contains: each option alone, or nothing.
            return {frozenset({c}) for c in codes} | {frozenset(), UNANSWERED}
        return codes | {UNANSWERED}


def holds(criterion: Criterion, value: Any) -> bool:
    op, expected = criterion.op, criterion.value
    if op == "unanswered":
        return value is UNANSWERED
    if value is UNANSWERED:
        return False
    if op == "answered":
        return True
    try:
        return {
            "eq": lambda: value == expected, "ne": lambda: value != expected,
            "in": lambda: value in expected, "not_in": lambda: value not in expected,
            "lt": lambda: value < expected, "lte": lambda: value <= expected,
            "gt": lambda: value > expected, "gte": lambda: value >= expected,
            "contains": lambda: expected in value, "not_contains": lambda: expected not in value,
        }[op]()
    except TypeError:
        return False


def satisfiable(condition: tuple[tuple[Criterion, ...], ...], domains: Domains) -> bool:
    """Can any answers make the condition true? (Exact per subject, per group.)

    Each group needs one true criterion. Groups whose criteria all name one subject constrain
    that subject together; a value must satisfy all of them at once.
    """
    by_subject: dict[str, list[tuple[Criterion, ...]]] = {}
    for group in condition:
        subjects = {c.subject for c in group}
        values = [domains.values(s) for s in subjects]
        if any(v is None for v in values):
            return False  # names an unknown subject
        if not any(holds(c, v) for c in group for v in domains.values(c.subject)):
            return False
        if len(subjects) == 1:
            by_subject.setdefault(next(iter(subjects)), []).append(group)
    for subject, groups in by_subject.items():
        if not any(all(any(holds(c, value) for c in group) for group in groups)
                   for value in domains.values(subject)):
            return False
    return True


# --- the linter --------------------------------------------------------------------------------


def grade(text: str) -> float:
    return textstat.flesch_kincaid_grade(text) if len(text.split()) >= 8 else 0.0


def run_checks(pathway: pm.Pathway) -> list[Finding]:
    findings: list[Finding] = []
    add = lambda *args: findings.append(Finding(*args))  # noqa: E731
    domains = Domains(pathway)
    tiers = {t.code: t for t in pathway.tiers.all()}
    levels = {lv.code: lv for lv in pathway.levels.all()}
    rules = list(pathway.rules.prefetch_related("criteria", "sources"))
    questions = list(pathway.questions.prefetch_related("enable_when", "options"))
    items = list(pathway.handout_items.prefetch_related("shown_when", "sources"))

    if pathway.default_tier not in tiers:
        add(ERROR, "unknown reference", "pathway", f"default tier '{pathway.default_tier}' is "
                                                   "not a tier of this version")
    # References to unknown questions, options or levels; conditions that can never be true.
    for rule in rules:
        where = f"rule {rule.code}"
        condition = rule.condition()
        reference_problem = False
        for criterion in rule.criteria.all():
            for message in domains.problems(criterion):
                add(ERROR, "unknown reference", where, message)
                reference_problem = True
        valid_target = rule.target in (tiers if rule.effect == "tier" else levels)
        if not valid_target:
            add(ERROR, "unknown reference", where,
                f"target '{rule.target}' is not a {'tier' if rule.effect == 'tier' else 'level'}")
        if not condition:
            add(ERROR, "rule never true", where, "the rule has no condition")
        elif not reference_problem and not satisfiable(condition, domains):
            add(ERROR, "rule never true", where,
                f"no answers can make this true: {rule.condition_text()}")
        if not rule.rationale.strip():
            add(ERROR, "missing rationale", where, "the rule has no rationale")
        if not rule.sources.all():
            add(ERROR, "missing source", where, "the rule cites no source")
        if rule.patient_line and (g := grade(rule.patient_line)) > MAX_GRADE:
            add(WARNING, "reading grade", where, f"patient line reads at grade {g:.1f}")
    for question in questions:
        condition = pm.condition_of(question.enable_when.all())
        if not condition:
            continue
        where = f"question {question.code}"
        problems = [m for c in question.enable_when.all() for m in domains.problems(c)]
        for message in problems:
            add(ERROR, "unknown reference", where, message)
        if not problems and not satisfiable(condition, domains):
            add(ERROR, "never asked", where,
                "its enable-when can never be true, so it is never asked")
    for item in items:
        where = f"handout item {item.code}"
        problems = [m for c in item.shown_when.all() for m in domains.problems(c)]
        for message in problems:
            add(ERROR, "unknown reference", where, message)
        condition = item.condition()
        if condition and not problems and not satisfiable(condition, domains):
            add(ERROR, "never printed", where,
                f"no answers can make this true, so it is never printed: {item.condition_text()}")
        if not item.sources.all():
            add(ERROR, "missing source", where, "the handout item cites no source")
        for name in ("involves", "benefit", "risks", "recovery"):
            if (g := grade(getattr(item, name))) > MAX_GRADE:
                add(WARNING, "reading grade", where, f"{name} reads at grade {g:.1f}")
    # Tiers no rule can reach (the default tier is reached when nothing fires).
    reachable = {pathway.default_tier} | {
        r.target for r in rules
        if r.effect == "tier" and r.condition() and satisfiable(r.condition(), domains)
    }
    for code in tiers:
        if code not in reachable:
            add(ERROR, "unreachable tier", f"tier {code}", "no rule can suggest this tier")
    # Red-flag questions that no tier rule reads.
    read_by_tier_rules = {c.subject for r in rules if r.effect == "tier"
                          for c in r.criteria.all()}
    for question in questions:
        if question.red_flag and question.code not in read_by_tier_rules:
            add(ERROR, "red flag without a tier rule", f"question {question.code}",
                "a red-flag question that no tier rule reads cannot change the suggestion")
    # Regression cases that name unknown codes.
    for case in pathway.cases.all():
        for code in case.answers:
            if code not in domains.questions:
                add(ERROR, "unknown reference", f"case {case.code}",
                    f"answers name unknown question '{code}'")
        for code in case.expect_tiers:
            if code not in tiers:
                add(ERROR, "unknown reference", f"case {case.code}", f"unknown tier '{code}'")
        for code in case.expect_levels:
            if code not in levels:
                add(ERROR, "unknown reference", f"case {case.code}", f"unknown level '{code}'")
    # Patient-facing wording above reading grade 8.
    texts = [(f"tier {t.code}", "patient summary", t.patient_summary) for t in tiers.values()]
    texts += [(f"level {lv.code}", "patient explanation", lv.patient_explanation)
              for lv in levels.values()]
    texts += [("pathway", "patient intended use", pathway.patient_intended_use),
              ("pathway", "safety-net card", pathway.safety_net_emergency),
              ("pathway", "same-day help list", pathway.safety_net_urgent)]
    for where, what, text in texts:
        if (g := grade(text)) > MAX_GRADE:
            add(WARNING, "reading grade", where, f"{what} reads at grade {g:.1f}")
    return findings


# --- regression cases --------------------------------------------------------------------------


@dataclass
class CaseOutcome:
    case: pm.RegressionCase
    result: Result | None
    error: str = ""

    @property
    def tier_ok(self) -> bool:
        return self.result is not None and self.result.tier in self.case.expect_tiers

    @property
    def level_ok(self) -> bool:
        return self.result is not None and self.result.level in self.case.expect_levels

    @property
    def passed(self) -> bool:
        return self.tier_ok and self.level_ok


def run_cases(pathway: pm.Pathway, *, cases_of: pm.Pathway | None = None) -> list[CaseOutcome]:
    """Every regression case of the version (or of `cases_of`), through the engine, against
    this version's content."""
    cases = list((cases_of or pathway).cases.all())
    try:
        snapshot = build(pathway)
    except (KeyError, ValueError) as exc:  # content too broken to build
        return [CaseOutcome(case, None, f"the content cannot be evaluated: {exc}")
                for case in cases]
    outcomes = []
    for case in cases:
        try:
            outcomes.append(CaseOutcome(case, evaluate(snapshot, case.answers,
                                                       what_would_change=False)))
        except (AnswerError, KeyError) as exc:
            outcomes.append(CaseOutcome(case, None, str(exc)))
    return outcomes


def run_invariants(pathway: pm.Pathway, *, count: int = INVARIANT_SAMPLES
                   ) -> tuple[int, list[invariants.Violation]]:
    """The clinical invariants of the brief on generated answers: how many answer sets were
    tried, and the violations found (one example per broken invariant)."""
    try:
        snapshot = build(pathway)
    except (KeyError, ValueError) as exc:
        return 0, [invariants.Violation("the content can be evaluated", str(exc), {})]
    return invariants.check(snapshot, count=count, seed=pathway.version)


def _case_form(case: pm.RegressionCase | None) -> dict[str, Any] | None:
    if case is None:
        return None
    return {"answers": case.answers, "expect_tiers": sorted(case.expect_tiers),
            "expect_levels": sorted(case.expect_levels)}


@dataclass
class ApprovalNeeded:
    """A case of the live version that this draft deletes, weakens or no longer passes."""

    live: pm.RegressionCase
    changes: list[str]
    fingerprint: str
    approval: pm.CaseApproval | None = None

    @property
    def code(self) -> str:
        return self.live.code

    @property
    def summary(self) -> str:
        return "; ".join(self.changes)


def review_live_cases(pathway: pm.Pathway, live: pm.Pathway,
                      outcomes: list[CaseOutcome]) -> list[ApprovalNeeded]:
    """The live version's cases this draft deletes, weakens or fails, each with the
    publisher's approval if there is one for exactly this change."""
    drafts = {case.code: case for case in pathway.cases.all()}
    approvals = {(a.case_code, a.fingerprint): a for a in pathway.case_approvals.all()}
    needed = []
    for outcome in outcomes:
        case = outcome.case
        mine = drafts.get(case.code)
        changes = []
        if mine is None:
            changes.append("deleted in this draft")
        else:
            for name, label in (("expect_tiers", "tiers"), ("expect_levels", "levels")):
                wider = sorted(set(getattr(mine, name)) - set(getattr(case, name)))
                if wider:
                    changes.append(f"now also accepts {label} {', '.join(wider)}")
            if mine.answers != case.answers:
                changes.append("its answers were changed")
        if not outcome.passed:
            got = (outcome.error or f"{outcome.result.tier} / {outcome.result.level}")
            changes.append(f"this draft gives {got}; version {live.version} expects "
                           f"{' or '.join(case.expect_tiers)} / "
                           f"{' or '.join(case.expect_levels)}")
        if not changes:
            continue
        result = None if outcome.result is None else [outcome.result.tier,
                                                       outcome.result.level]
        fingerprint = digest({"live": _case_form(case), "draft": _case_form(mine),
                              "result": result or outcome.error})
        needed.append(ApprovalNeeded(case, changes, fingerprint,
                                     approvals.get((case.code, fingerprint))))
    return needed


@dataclass
class GateReport:
    findings: list[Finding]
    outcomes: list[CaseOutcome]
    invariant_samples: int = 0
    violations: list[invariants.Violation] = field(default_factory=list)
    live: pm.Pathway | None = None  # the version this one would replace
    live_outcomes: list[CaseOutcome] = field(default_factory=list)
    approvals: list[ApprovalNeeded] = field(default_factory=list)

    @property
    def unapproved(self) -> list[ApprovalNeeded]:
        return [item for item in self.approvals if item.approval is None]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def failed_cases(self) -> list[CaseOutcome]:
        return [o for o in self.outcomes if not o.passed]

    @property
    def ok(self) -> bool:
        return (not self.errors and not self.failed_cases and not self.violations
                and not self.unapproved)

    def problems(self) -> list[str]:
        lines = [f"{f.where}: {f.message}" for f in self.errors]
        lines += [f"clinical invariant broken: {v}" for v in self.violations]
        lines += [f"case {item.code} of the live version {self.live.version}: {item.summary}: "
                  "needs a clinical publisher's approval" for item in self.unapproved]
        for outcome in self.failed_cases:
            if outcome.error:
                lines.append(f"case {outcome.case.code}: {outcome.error}")
            else:
                lines.append(
                    f"case {outcome.case.code} ({outcome.case.title}): gave "
                    f"{outcome.result.tier} / {outcome.result.level}, expected "
                    f"{' or '.join(outcome.case.expect_tiers)} / "
                    f"{' or '.join(outcome.case.expect_levels)}")
        return lines


def live_version(pathway: pm.Pathway) -> pm.Pathway | None:
    return (pm.Pathway.objects.published().for_slug(pathway.slug).exclude(pk=pathway.pk)
            .first())


def gate(pathway: pm.Pathway, *, against_live: bool = True) -> GateReport:
    """Everything that must hold before a version is published: the linter, the version's own
    cases, the clinical invariants on generated answers, and the cases of the live version it
    would replace (a case deleted, weakened or failing needs a publisher's approval).

    `against_live=False` is for restoring an earlier published version, which the live
    version's cases are expected to differ from."""
    tried, violations = 0, []
    if pathway.slug in settings.CLINICAL_INVARIANT_PATHWAYS:
        tried, violations = run_invariants(pathway)
    report = GateReport(run_checks(pathway), run_cases(pathway), tried, violations)
    live = live_version(pathway) if against_live else None
    if live is not None:
        report.live = live
        report.live_outcomes = run_cases(pathway, cases_of=live)
        report.approvals = review_live_cases(pathway, live, report.live_outcomes)
    return report

