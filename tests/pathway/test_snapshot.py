"""Snapshots: built from the database, cached per version and revision, rebuilt on change."""

import dataclasses

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pathway import models as pm
from pathway.seeds import reader
from pathway.snapshot import build, clear_cache, snapshot_for
from tests.pathway import factories as f


def test_the_database_snapshot_matches_the_seed_files(seeded):
    pathway = pm.Pathway.objects.published().get()
    from_db = build(pathway)
    from_files = reader.read_pathway(settings.SEEDS_DIR / "pathways" / pathway.slug).snapshot
    assert dataclasses.replace(from_files, version=pathway.version) == from_db


def test_a_snapshot_is_built_once_per_revision(seeded):
    clear_cache()
    pathway = pm.Pathway.objects.published().get()
    first = snapshot_for(pathway)
    with CaptureQueriesContext(connection) as queries:
        again = snapshot_for(pm.Pathway.objects.published().get())
    assert again is first
    assert len(queries) == 1  # only the pathway row itself


def test_editing_content_rebuilds_the_snapshot(db):
    clear_cache()
    pathway = f.PathwayFactory()
    f.TierFactory(pathway=pathway)
    f.TierFactory(pathway=pathway, code="urgent", rank=2)
    f.QuestionFactory(step=f.StepFactory(pathway=pathway), code="power", type="mrc")
    rule = f.RuleFactory(pathway=pathway, target="urgent")
    criterion = f.CriterionFactory(rule=rule, subject="power", op="lte", value=3)
    before = snapshot_for(pm.Pathway.objects.get(pk=pathway.pk))
    assert before.rules[0].condition[0][0].value == 3
    criterion.value = 2
    criterion.save()
    after = snapshot_for(pm.Pathway.objects.get(pk=pathway.pk))
    assert after is not before
    assert after.rules[0].condition[0][0].value == 2
    pm.Option.objects.create(question=pathway.questions.get(), code="x", label="X")
    assert snapshot_for(pm.Pathway.objects.get(pk=pathway.pk)) is not after


def test_a_snapshot_does_not_grow_queries_with_content(db):
    clear_cache()
    counts = []
    for size in (2, 12):
        pathway = f.PathwayFactory()
        f.TierFactory(pathway=pathway)
        step = f.StepFactory(pathway=pathway)
        for _ in range(size):
            question = f.QuestionFactory(step=step)
            rule = f.RuleFactory(pathway=pathway)
            f.CriterionFactory(rule=rule, subject=question.code, op="eq", value="a")
        with CaptureQueriesContext(connection) as queries:
            build(pathway)
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_snapshot_carries_each_tiers_banner_and_each_questions_diagram_layer(empty_db):
    pathway = f.PathwayFactory()
    f.TierFactory(pathway=pathway, code="now", rank=1, banner="emergency")
    f.TierFactory(pathway=pathway)
    step = f.StepFactory(pathway=pathway)
    f.QuestionFactory(step=step, code="hurts", type="multi", diagram_layer="pain")
    f.QuestionFactory(step=step, code="colour")
    snapshot = build(pathway)
    assert snapshot.tier_by_code["now"].emergency
    assert (
        snapshot.tier_by_code["conservative"].banner,
        snapshot.tier_by_code["conservative"].emergency,
    ) == ("", False)
    assert snapshot.diagram_question("pain").code == "hurts"
    assert snapshot.diagram_question("sensory") is None


def test_a_version_created_under_an_earlier_versions_id_gets_its_own_snapshot(db, rf):
    """SQLite gives the id of a rolled-back (or deleted newest) version out again: the new
    version must never be evaluated, or its assessments loaded, with the old one's content."""
    from django.contrib.auth.models import AnonymousUser

    from pathway import services
    from pathway.assessments import load

    def version(step_code, pk=None):
        pathway = f.PathwayFactory(pk=pk, slug=f"reused-{step_code}")
        f.TierFactory(pathway=pathway)
        f.LevelFactory(pathway=pathway, code="indeterminate")
        f.StepFactory(pathway=pathway, code=step_code)
        pm.Pathway.objects.filter(pk=pathway.pk).update(status="published")
        return pm.Pathway.objects.get(pk=pathway.pk)

    request = rf.get("/")
    request.user = AnonymousUser()
    first = version("before")
    old = services.assessment_start(pathway=first)
    assert load(request, old.pk).snapshot.steps[0].code == "before"
    assert snapshot_for(first).steps[0].code == "before"
    reused, revision = first.pk, first.revision
    pm.ContentLock.objects.all().delete()  # maintenance: published rows may be deleted
    pm.Assessment.objects.filter(pathway=first).delete()
    pm.Pathway.objects.filter(pk=reused).delete()

    second = version("after", pk=reused)
    pm.Pathway.objects.filter(pk=reused).update(revision=revision)
    second = pm.Pathway.objects.get(pk=reused)
    assert (second.pk, second.revision) == (reused, revision)
    assert snapshot_for(second).steps[0].code == "after"
    new = services.assessment_start(pathway=second)
    assert load(request, new.pk).snapshot.steps[0].code == "after"
