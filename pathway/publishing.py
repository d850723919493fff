"""Publishing and retiring pathway versions: at most one published version per slug.

Publishing runs the gate first (the linter, the version's cases, the clinical invariants and the
live version's cases); any failure refuses to publish and says exactly what failed. Publishing
retires the version it replaces. Retiring is publishing another version in its place: a pathway
is never left with nothing published.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from pathway import checks
from pathway.checks import GateReport, gate
from pathway.models import CaseApproval, Pathway


class PublishRefused(Exception):
    def __init__(self, pathway: Pathway, report: GateReport | None, reason: str = ""):
        self.pathway = pathway
        self.report = report
        self.problems = report.problems() if report else [reason]
        super().__init__(
            f"version {pathway.version} of {pathway.slug} was not published: "
            + "; ".join(self.problems)
        )


def can_publish(user) -> bool:
    return user is None or user.has_perm("pathway.publish_pathway")


@transaction.atomic
def publish(pathway: Pathway, *, user, restore: bool = False) -> GateReport:
    """Publish a draft if it passes the gate; retire the version it replaces.

    `user` None means the system (the seed loader on an empty database); otherwise the user
    needs the publish permission. `restore` publishes a previously published (now retired)
    version again; the live version's cases are then not held against it.
    """
    if not can_publish(user):
        raise PermissionDenied("Only a clinical publisher can publish a version.")
    pathway = Pathway.objects.select_for_update().get(pk=pathway.pk)
    allowed = {Pathway.Status.DRAFT} | ({Pathway.Status.RETIRED} if restore else set())
    if pathway.status not in allowed:
        raise PublishRefused(pathway, None, f"it is {pathway.status}, not a draft")
    if restore and pathway.published_at is None:
        raise PublishRefused(pathway, None, "it was never published, so it cannot be restored")
    report = gate(pathway, against_live=not restore)
    if not report.ok:
        raise PublishRefused(pathway, report)
    for previous in Pathway.objects.select_for_update().filter(
        slug=pathway.slug, status=Pathway.Status.PUBLISHED
    ):
        previous.status = Pathway.Status.RETIRED
        previous._history_user = user
        previous.save(update_fields=["status"])
    pathway.status = Pathway.Status.PUBLISHED
    pathway.published_at = timezone.now()
    pathway._history_user = user
    pathway.save(update_fields=["status", "published_at"])
    return report


def replacements(pathway: Pathway) -> list[Pathway]:
    """The versions that could be published in place of `pathway`: drafts, and versions that
    were published before."""
    others = Pathway.objects.for_slug(pathway.slug).exclude(pk=pathway.pk).order_by("-version")
    return [
        v
        for v in others
        if v.status == Pathway.Status.DRAFT
        or (v.status == Pathway.Status.RETIRED and v.published_at is not None)
    ]


@transaction.atomic
def retire(pathway: Pathway, *, user, replacement: Pathway | None) -> GateReport:
    """Withdraw the published version by publishing `replacement` in its place (a draft, through
    the full gate, or an earlier published version, restored). Refused with no replacement: a
    pathway is never left with nothing published for clinicians to use."""
    if not can_publish(user):
        raise PermissionDenied("Only a clinical publisher can retire a version.")
    pathway = Pathway.objects.select_for_update().get(pk=pathway.pk)
    if pathway.status != Pathway.Status.PUBLISHED:
        raise PublishRefused(
            pathway, None, f"only a published version can be retired; this one is {pathway.status}"
        )
    if replacement is None:
        raise PublishRefused(
            pathway,
            None,
            "retiring it would leave nothing published: choose the version to publish in its place",
        )
    if replacement.pk not in {v.pk for v in replacements(pathway)}:
        raise PublishRefused(pathway, None, f"version {replacement.version} cannot replace it")
    return publish(replacement, user=user, restore=replacement.status == Pathway.Status.RETIRED)


@transaction.atomic
def approve_case(
    pathway: Pathway, *, user, code: str, fingerprint: str, reason: str
) -> CaseApproval:
    """A publisher approves that a live case may be deleted, weakened or fail in this draft,
    exactly as the gate showed it (the fingerprint)."""
    if not can_publish(user) or user is None:
        raise PermissionDenied("Only a clinical publisher can approve a change to a case.")
    if not pathway.is_draft:
        raise PublishRefused(pathway, None, "only a draft's changes can be approved")
    if not reason.strip():
        raise PublishRefused(pathway, None, "say why the change is clinically right")
    live = checks.live_version(pathway)
    needed = (
        checks.review_live_cases(pathway, live, checks.run_cases(pathway, cases_of=live))
        if live
        else []
    )
    item = next((i for i in needed if i.code == code and i.fingerprint == fingerprint), None)
    if item is None:
        raise PublishRefused(
            pathway,
            None,
            f"case {code} has changed since you looked at it, or needs no approval: look again",
        )
    approval = CaseApproval(
        pathway=pathway,
        case_code=code,
        fingerprint=fingerprint,
        summary=item.summary,
        reason=reason.strip(),
        approved_by=user,
    )
    approval._history_user = user
    approval.save()
    return approval
