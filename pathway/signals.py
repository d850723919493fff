"""Any change to a version's content bumps its revision, so cached snapshots are rebuilt.

The revision lives in the database, so every process (every app server) sees the change on
its next read of the pathway row, which each request makes anyway.
"""

from django.apps import apps
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from kb.models import Entry
from pathway import models as pm


def bump(pathway_ids) -> None:
    pm.Pathway.objects.filter(pk__in=[pk for pk in pathway_ids if pk]).touch()


def pathway_of(instance) -> int | None:
    if isinstance(instance, pm.Option):
        return (
            pm.Question.objects.filter(pk=instance.question_id)
            .values_list("pathway_id", flat=True)
            .first()
        )
    if isinstance(instance, pm.Criterion):
        owner, owner_id = next(
            (model, pk)
            for model, pk in (
                (pm.Rule, instance.rule_id),
                (pm.Question, instance.enables_id),
                (pm.HandoutItem, instance.shows_id),
            )
            if pk
        )
        return owner.objects.filter(pk=owner_id).values_list("pathway_id", flat=True).first()
    return getattr(instance, "pathway_id", None)


CONTENT = (
    pm.Step,
    pm.Question,
    pm.Option,
    pm.Tier,
    pm.Level,
    pm.Rule,
    pm.Criterion,
    pm.HandoutItem,
)


def content_changed(sender, instance, origin=None, **kwargs):
    deleted_with = getattr(origin, "model", type(origin))
    if deleted_with is pm.Pathway or (
        origin is not None and deleted_with is not sender and issubclass(deleted_with, Entry)
    ):
        return  # cascading from a deleted version or entry: nothing left to refresh
    if sender in CONTENT:
        bump([pathway_of(instance)])
    elif issubclass(sender, Entry):
        # A kb entry's slug is part of the snapshot (links from questions and levels).
        bump(
            pm.Pathway.objects.filter(
                Q(questions__kb_entry_id=instance.pk)
                | Q(levels__kb_entry_id=instance.pk)
                | Q(handout_items__kb_entry_id=instance.pk)
            )
            .values_list("pk", flat=True)
            .distinct()
        )


def content_models() -> list[type]:
    """The models whose rows make up a snapshot: pathway content and every kb entry kind."""
    entries = [model for model in apps.get_models() if issubclass(model, Entry)]
    return [*CONTENT, *entries]


# Connected to the content models only, never to every model: a receiver for any sender counts
# as a listener on all of them, and Django then deletes assessments and their answers row by
# row (loading each to signal it) instead of with one DELETE per table.
for _model in content_models():
    post_save.connect(content_changed, sender=_model, dispatch_uid=f"content_saved:{_model}")
    post_delete.connect(content_changed, sender=_model, dispatch_uid=f"content_deleted:{_model}")


@receiver(m2m_changed, sender=pm.Rule.sources.through)
@receiver(m2m_changed, sender=pm.HandoutItem.sources.through)
def rule_sources_changed(sender, instance, action, **kwargs):
    if not isinstance(instance, pm.Rule | pm.HandoutItem):
        return
    if action.startswith("pre_"):
        instance.ensure_editable()  # a published rule's sources are frozen with it
    else:
        bump([instance.pathway_id])


def lock_content(using="default", **kwargs) -> None:
    """After migrating or flushing: published content is locked in the database again (the
    triggers of migration 0010 act while the lock row exists)."""
    pm.ContentLock.objects.using(using).get_or_create(id=1)
