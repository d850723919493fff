"""Publishing and retiring pathway versions: at most one published version per slug.

Publishing runs the checks and every regression case first; any failure refuses to publish and
says exactly what failed. Publishing retires the version it replaces.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from pathway.checks import GateReport, gate
from pathway.models import Pathway


class PublishRefused(Exception):
    def __init__(self, pathway: Pathway, report: GateReport | None, reason: str = ""):
        self.pathway = pathway
        self.report = report
        self.problems = report.problems() if report else [reason]
        super().__init__(f"version {pathway.version} of {pathway.slug} was not published: "
                         + "; ".join(self.problems))


def can_publish(user) -> bool:
    return user is None or user.has_perm("pathway.publish_pathway")


@transaction.atomic
def publish(pathway: Pathway, *, user) -> GateReport:
    """Publish a draft if it passes the gate; retire the version it replaces.

    `user` None means the system (the seed loader on an empty database); otherwise the user
    needs the publish permission.
    """
    if not can_publish(user):
        raise PermissionDenied("Only a clinical publisher can publish a version.")
    pathway = Pathway.objects.select_for_update().get(pk=pathway.pk)
    if pathway.status != Pathway.Status.DRAFT:
        raise PublishRefused(pathway, None, f"it is {pathway.status}, not a draft")
    report = gate(pathway)
    if not report.ok:
        raise PublishRefused(pathway, report)
    for previous in Pathway.objects.select_for_update().filter(
            slug=pathway.slug, status=Pathway.Status.PUBLISHED):
        previous.status = Pathway.Status.RETIRED
        previous._history_user = user
        previous.save(update_fields=["status"])
    pathway.status = Pathway.Status.PUBLISHED
    pathway.published_at = timezone.now()
    pathway._history_user = user
    pathway.save(update_fields=["status", "published_at"])
    return report


@transaction.atomic
def retire(pathway: Pathway, *, user) -> None:
    if not can_publish(user):
        raise PermissionDenied("Only a clinical publisher can retire a version.")
    pathway = Pathway.objects.select_for_update().get(pk=pathway.pk)
    if pathway.status != Pathway.Status.PUBLISHED:
        raise PublishRefused(pathway, None, f"only a published version can be retired; this "
                                            f"one is {pathway.status}")
    pathway.status = Pathway.Status.RETIRED
    pathway._history_user = user
    pathway.save(update_fields=["status"])
