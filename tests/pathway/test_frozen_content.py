"""Published and retired content is immutable below the ORM: database triggers refuse what
the model's save() guard cannot see (queryset updates and deletes, bulk creates, cascades).

These run on SQLite and, in CI, on PostgreSQL too."""

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from kb.models import Entry, Source
from pathway import models as pm
from pathway import versions
from pathway.publishing import publish

pytestmark = pytest.mark.usefixtures("seeded")


@pytest.fixture
def published():
    return pm.Pathway.objects.published().get()


def refused(write):
    with pytest.raises(IntegrityError, match="read-only"), transaction.atomic():
        write()


def test_queryset_updates_of_published_content_are_refused(published):
    """Before: `update()` changed a published rule below the save() guard, without bumping the
    revision, so two workers served different tiers for the same answers."""
    refused(
        lambda: pm.Rule.objects.filter(pathway=published, code="ces_red_flag_new").update(
            target="conservative"
        )
    )
    refused(lambda: pm.Criterion.objects.filter(rule__pathway=published).update(value=9))
    refused(lambda: pm.Option.objects.filter(question__pathway=published).update(label="x"))
    refused(lambda: pm.Tier.objects.filter(pathway=published).update(title="x"))
    refused(lambda: pm.HandoutItem.objects.filter(pathway=published).update(title="x"))
    refused(lambda: pm.RegressionCase.objects.filter(pathway=published).update(answers={}))
    assert published.rules.get(code="ces_red_flag_new").target == "emergency"


def test_queryset_deletes_and_bulk_creates_are_refused(published):
    refused(lambda: pm.RegressionCase.objects.filter(pathway=published).delete())
    refused(lambda: pm.Option.objects.filter(question__pathway=published).delete())
    refused(lambda: pm.Rule.sources.through.objects.filter(rule__pathway=published).delete())
    rule = published.rules.get(code="ces_red_flag_new")
    refused(
        lambda: pm.Criterion.objects.bulk_create(
            [pm.Criterion(rule=rule, subject="age", op="gte", value=200, group=9)]
        )
    )
    refused(
        lambda: pm.Step.objects.bulk_create(
            [pm.Step(pathway=published, code="extra", title="Extra")]
        )
    )
    refused(lambda: pm.Pathway.objects.filter(pk=published.pk).delete())
    assert published.cases.count() > 0


@pytest.mark.parametrize(
    "column",
    [
        "title",
        "intended_use",
        "default_tier",
        "review_by",
        "localisation_threshold",
        "localisation_margin",
        "safety_net_emergency",
        "slug",
        "version",
        "change_note",
    ],
)
def test_every_setting_of_a_published_version_is_frozen(published, column):
    values = {
        "review_by": "2001-01-01",
        "localisation_threshold": 9,
        "localisation_margin": 9,
        "version": 99,
    }
    refused(
        lambda: pm.Pathway.objects.filter(pk=published.pk).update(
            **{column: values.get(column, "changed")}
        )
    )


def test_a_published_version_cannot_become_a_draft_again(published):
    refused(lambda: pm.Pathway.objects.filter(pk=published.pk).update(status="draft"))


def test_lifecycle_and_revision_changes_are_allowed(published):
    pm.Pathway.objects.filter(pk=published.pk).update(revision=published.revision + 5)
    draft = versions.new_draft(published)
    publish(draft, user=None)  # retires the old version: a status change
    published.refresh_from_db()
    assert published.status == "retired"
    refused(lambda: pm.Rule.objects.filter(pathway=published).update(title="x"))


def test_a_draft_stays_fully_editable(published):
    draft = versions.new_draft(published)
    pm.Rule.objects.filter(pathway=draft).update(title="Edited in bulk")
    pm.RegressionCase.objects.filter(pathway=draft).delete()
    assert draft.rules.filter(title="Edited in bulk").count() == draft.rules.count()
    draft.delete()


def test_deleting_a_source_or_entry_published_content_relies_on_is_refused(published):
    """Before: deleting a source removed it from four published rules."""
    source = Source.objects.get(key="girft-ces-2023")
    refused(source.delete)
    entry = Entry.objects.get(slug="cauda-equina-syndrome")
    refused(entry.delete)  # questions link to it: SET_NULL would edit published rows
    assert (
        published.rules.get(code="ces_red_flag_new").sources.filter(key="girft-ces-2023").exists()
    )


def test_the_admin_offers_no_delete_for_a_source_published_content_cites(admin_client):
    source = Source.objects.get(key="girft-ces-2023")
    page = admin_client.get(f"/admin/kb/source/{source.pk}/change/")
    assert "deletelink" not in page.text
    assert (
        admin_client.post(f"/admin/kb/source/{source.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    unused = Source.objects.create(key="unused-source", citation="Unused")
    both = {"action": "delete_selected", "_selected_action": [source.pk, unused.pk], "post": "yes"}
    assert admin_client.post("/admin/kb/source/", both).status_code == 403
    assert Source.objects.filter(pk__in=[source.pk, unused.pk]).count() == 2
    admin_client.post("/admin/kb/source/", {**both, "_selected_action": [unused.pk]})
    assert not Source.objects.filter(pk=unused.pk).exists()


def test_the_triggers_exist_on_this_database():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE '%_frozen_%'"
            )
        else:
            cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname LIKE '%_frozen'")
        assert cursor.fetchone()[0] >= 13


@pytest.mark.django_db(transaction=True)
def test_flush_lifts_the_lock_on_purpose_and_migrating_puts_it_back(seeded_committed):
    call_command("flush", interactive=False, verbosity=0)
    assert not pm.Pathway.objects.exists()
    assert pm.ContentLock.objects.filter(id=1).exists()  # put back by post_migrate
