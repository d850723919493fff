"""The publish gate on a pathway version: the pure linter (`pathway.engine.lint`) on its
snapshot, its regression cases, the clinical invariants on generated answers, and the live
version's cases. Errors block publishing; warnings (such as reading grade) are shown but do not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import textstat
from django.conf import settings

from pathway import models as pm
from pathway.digests import digest
from pathway.engine import AnswerError, evaluate, invariants, lint
from pathway.engine.evaluate import Result
from pathway.engine.model import Snapshot
from pathway.snapshot import build

ERROR = lint.ERROR
WARNING = lint.WARNING
MAX_GRADE = 8
# Generated answer sets the gate runs the clinical invariants on (a fixed seed, so a refusal
# can be reproduced). About 6 ms each on the seeded pathway: the setting trades publish time
# for thoroughness; the engine tests cover the whole answer space far more widely.
INVARIANT_SAMPLES = settings.GATE_INVARIANT_SAMPLES
Finding = lint.Finding


def grade(text: str) -> float:
    return textstat.flesch_kincaid_grade(text) if len(text.split()) >= 8 else 0.0


def snapshot_or_finding(pathway: pm.Pathway) -> tuple[Snapshot | None, list[Finding]]:
    try:
        return build(pathway), []
    except (KeyError, ValueError) as exc:  # rows a bulk write left inconsistent
        return None, [
            Finding(
                ERROR,
                "broken content",
                "pathway",
                "",
                f"the content cannot be read as a pathway: {exc}",
            )
        ]


def run_checks(pathway: pm.Pathway, snapshot: Snapshot | None = None) -> list[Finding]:
    """The pure linter on this version's snapshot, plus what needs more than the snapshot:
    the reading grade of patient wording and the codes the version's cases name."""
    if snapshot is None:
        snapshot, findings = snapshot_or_finding(pathway)
        if snapshot is None:
            return findings
    findings = lint.lint(snapshot)
    texts = [("rule", r.code, "patient_line", r.patient_line) for r in snapshot.rules]
    texts += [("tier", t.code, "patient_summary", t.patient_summary) for t in snapshot.tiers]
    texts += [
        ("level", lv.code, "patient_explanation", lv.patient_explanation) for lv in snapshot.levels
    ]
    texts += [
        ("handout item", i.code, name, getattr(i, name))
        for i in snapshot.handout_items
        for name in ("involves", "benefit", "risks", "recovery")
    ]
    texts += [
        ("pathway", "", "patient_intended_use", pathway.patient_intended_use),
        ("pathway", "", "safety_net_emergency", pathway.safety_net_emergency),
        ("pathway", "", "safety_net_urgent", pathway.safety_net_urgent),
    ]
    for item, code, name, text in texts:
        if text and (g := grade(text)) > MAX_GRADE:
            findings.append(
                Finding(
                    WARNING,
                    "reading grade",
                    item,
                    code,
                    f"{name.replace('_', ' ')} reads at grade {g:.1f}",
                    name,
                )
            )
    questions = snapshot.question_by_code
    for case in pathway.cases.all():
        for code in case.answers:
            if code not in questions:
                findings.append(
                    Finding(
                        ERROR,
                        "unknown reference",
                        "case",
                        case.code,
                        f"answers name unknown question '{code}'",
                        "answers",
                    )
                )
        for name, known in (
            ("expect_tiers", snapshot.tier_by_code),
            ("expect_levels", snapshot.level_by_code),
        ):
            for code in getattr(case, name):
                if code not in known:
                    findings.append(
                        Finding(
                            ERROR,
                            "unknown reference",
                            "case",
                            case.code,
                            f"unknown {name[7:-1]} '{code}'",
                            name,
                        )
                    )
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


def run_cases(
    pathway: pm.Pathway, *, cases_of: pm.Pathway | None = None, snapshot: Snapshot | None = None
) -> list[CaseOutcome]:
    """Every regression case of the version (or of `cases_of`), through the engine, against
    this version's content."""
    cases = list((cases_of or pathway).cases.all())
    if snapshot is None:
        snapshot, broken = snapshot_or_finding(pathway)
        if snapshot is None:
            return [CaseOutcome(case, None, broken[0].message) for case in cases]
    outcomes = []
    for case in cases:
        try:
            outcomes.append(
                CaseOutcome(case, evaluate(snapshot, case.answers, what_would_change=False))
            )
        except (AnswerError, KeyError) as exc:
            outcomes.append(CaseOutcome(case, None, str(exc)))
    return outcomes


def run_invariants(
    snapshot: Snapshot, *, seed: int, count: int = INVARIANT_SAMPLES
) -> tuple[int, list[invariants.Violation]]:
    """The clinical invariants of the brief on generated answers: how many answer sets were
    tried, and the violations found (one example per broken invariant)."""
    return invariants.check(snapshot, count=count, seed=seed)


def _case_form(case: pm.RegressionCase | None) -> dict[str, Any] | None:
    if case is None:
        return None
    return {
        "answers": case.answers,
        "expect_tiers": sorted(case.expect_tiers),
        "expect_levels": sorted(case.expect_levels),
    }


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


def review_live_cases(
    pathway: pm.Pathway, live: pm.Pathway, outcomes: list[CaseOutcome]
) -> list[ApprovalNeeded]:
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
            got = outcome.error or f"{outcome.result.tier} / {outcome.result.level}"
            changes.append(
                f"this draft gives {got}; version {live.version} expects "
                f"{' or '.join(case.expect_tiers)} / "
                f"{' or '.join(case.expect_levels)}"
            )
        if not changes:
            continue
        result = None if outcome.result is None else [outcome.result.tier, outcome.result.level]
        fingerprint = digest(
            {"live": _case_form(case), "draft": _case_form(mine), "result": result or outcome.error}
        )
        needed.append(
            ApprovalNeeded(case, changes, fingerprint, approvals.get((case.code, fingerprint)))
        )
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
        return (
            not self.errors
            and not self.failed_cases
            and not self.violations
            and not self.unapproved
        )

    def problems(self) -> list[str]:
        lines = [f"{f.where}: {f.message}" for f in self.errors]
        lines += [f"clinical invariant broken: {v}" for v in self.violations]
        lines += [
            f"case {item.code} of the live version {self.live.version}: {item.summary}: "
            "needs a clinical publisher's approval"
            for item in self.unapproved
        ]
        for outcome in self.failed_cases:
            if outcome.error:
                lines.append(f"case {outcome.case.code}: {outcome.error}")
            else:
                lines.append(
                    f"case {outcome.case.code} ({outcome.case.title}): gave "
                    f"{outcome.result.tier} / {outcome.result.level}, expected "
                    f"{' or '.join(outcome.case.expect_tiers)} / "
                    f"{' or '.join(outcome.case.expect_levels)}"
                )
        return lines


def live_version(pathway: pm.Pathway) -> pm.Pathway | None:
    return pm.Pathway.objects.published().for_slug(pathway.slug).exclude(pk=pathway.pk).first()


def gate(pathway: pm.Pathway, *, against_live: bool = True) -> GateReport:
    """Everything that must hold before a version is published: the linter, the version's own
    cases, the clinical invariants on generated answers, and the cases of the live version it
    would replace (a case deleted, weakened or failing needs a publisher's approval).

    `against_live=False` is for restoring an earlier published version, which the live
    version's cases are expected to differ from."""
    snapshot, broken = snapshot_or_finding(pathway)
    if snapshot is None:
        return GateReport(broken, run_cases(pathway))
    tried, violations = 0, []
    if pathway.slug in settings.CLINICAL_INVARIANT_PATHWAYS:
        tried, violations = run_invariants(snapshot, seed=pathway.version)
    report = GateReport(
        run_checks(pathway, snapshot), run_cases(pathway, snapshot=snapshot), tried, violations
    )
    live = live_version(pathway) if against_live else None
    if live is not None:
        report.live = live
        report.live_outcomes = run_cases(pathway, cases_of=live, snapshot=snapshot)
        report.approvals = review_live_cases(pathway, live, report.live_outcomes)
    return report
