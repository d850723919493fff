"""The admin's home page for clinical editors: what needs them today."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone

from kb.models import Entry
from pathway import checks
from pathway import models as pm


@dataclass
class DraftState:
    version: pm.Pathway
    errors: int
    failing: list[str]
    live: pm.Pathway | None
    to_approve: list[str] = field(default_factory=list)  # live cases deleted, weakened, failing

    @property
    def ready(self) -> bool:
        return not self.errors and not self.failing


@dataclass
class Dashboard:
    drafts: list[DraftState] = field(default_factory=list)
    live: list[pm.Pathway] = field(default_factory=list)
    overdue_versions: list[pm.Pathway] = field(default_factory=list)
    overdue_entries: list[Entry] = field(default_factory=list)
    overdue_count: int = 0


def dashboard(*, limit: int = 12) -> Dashboard:
    """Drafts with their failing checks and cases, the live versions, and content past its
    review date. The clinical invariants are left to the publish page: they take seconds."""
    today = timezone.localdate()
    board = Dashboard()
    board.live = list(pm.Pathway.objects.published().order_by("slug"))
    live_by_slug = {p.slug: p for p in board.live}
    for draft in pm.Pathway.objects.filter(status=pm.Pathway.Status.DRAFT).order_by(
        "slug", "-version"
    ):
        findings = checks.run_checks(draft)
        outcomes = checks.run_cases(draft)
        live = live_by_slug.get(draft.slug)
        state = DraftState(
            draft,
            sum(1 for f in findings if f.severity == checks.ERROR),
            [o.case.code for o in outcomes if not o.passed],
            live,
        )
        if live is not None:
            review = checks.review_live_cases(draft, live, checks.run_cases(draft, cases_of=live))
            state.to_approve = [item.code for item in review if item.approval is None]
        board.drafts.append(state)
    board.overdue_versions = [p for p in board.live if p.review_by < today]
    overdue = Entry.objects.filter(review_by__lt=today).order_by("review_by", "title")
    board.overdue_count = overdue.count()
    board.overdue_entries = list(overdue[:limit])
    return board
