"""Publishing a pathway version: at most one published version per slug."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from pathway.models import Pathway


@transaction.atomic
def publish(pathway: Pathway, *, user, note: str = "") -> Pathway:
    """Publish `pathway` and retire the version it replaces."""
    Pathway.objects.select_for_update().filter(
        slug=pathway.slug, status=Pathway.Status.PUBLISHED
    ).exclude(pk=pathway.pk).update(status=Pathway.Status.RETIRED)
    pathway.status = Pathway.Status.PUBLISHED
    pathway.published_at = timezone.now()
    pathway.save(update_fields=["status", "published_at"])
    return pathway
