"""Content governance: versions, the publish gate, the linter, compare, audit, roles, preview."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.urls import reverse

from kb.models import Source
from pathway import checks, versions
from pathway import models as pm
from pathway.publishing import PublishRefused, publish
from tests.conftest import verified_login

pytestmark = pytest.mark.usefixtures("seeded")


@pytest.fixture
def published():
    return pm.Pathway.objects.published().get()


def persona(name, group=None, staff=True):
    user = get_user_model().objects.create_user(name, password="pw-" + name + "-123",
                                                is_staff=staff)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def people(client):
    return {
        "editor": persona("edith", "Content editor"),
        "publisher": persona("paul", "Clinical publisher"),
        "outsider": persona("olga"),  # staff, but no content rights
        "anonymous": None,
    }


def as_(client, user):
    client.logout()
    if user is not None:
        verified_login(client, user)
    return client


def admin(name, *args):
    return reverse(f"admin:pathway_pathway_{name}", args=args)


# --- read-only published versions --------------------------------------------------------------


def refused(write):
    # Each refused write in its own savepoint, as a request's transaction would roll back.
    with pytest.raises(pm.ReadOnlyVersion, match="published and read-only"), \
            transaction.atomic():
        write()


def test_a_published_version_refuses_changes_at_the_model_level(published):
    rule = published.rules.get(code="severe_root_deficit")
    rule.title = "Changed"
    refused(rule.save)
    refused(lambda: pm.Criterion.objects.create(rule=rule, subject="age", op="gte", value=18,
                                                group=9))
    refused(lambda: rule.sources.add(Source.objects.first()))
    refused(rule.delete)
    published.localisation_threshold = Decimal("9")
    refused(published.save)
    refused(published.delete)
    question = published.questions.get(code="age")
    question.prompt = "How old?"
    refused(question.save)
    refused(pm.Option.objects.filter(question__pathway=published).first().delete)
    assert published.rules.get(code="severe_root_deficit").title != "Changed"


def test_a_published_version_is_read_only_in_the_admin(client, people, published):
    as_(client, people["editor"])
    rule = published.rules.get(code="severe_root_deficit")
    url = reverse("admin:pathway_rule_change", args=[rule.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.text  # a view page, not a form
    assert client.post(url, {"title": "Changed"}).status_code == 403
    page = client.get(admin("change", published.pk))
    assert "is <strong>published</strong> and read-only" in page.text
    assert client.post(admin("change", published.pk), {"title": "x"}).status_code == 403


# --- new drafts: a deep copy -------------------------------------------------------------------


def counts(pathway):
    return (pathway.steps.count(), pathway.questions.count(),
            pm.Option.objects.filter(question__pathway=pathway).count(),
            pm.Criterion.objects.filter(rule__pathway=pathway).count(),
            pm.Criterion.objects.filter(enables__pathway=pathway).count(),
            pathway.rules.count(), pathway.tiers.count(), pathway.levels.count(),
            pathway.cases.count())


def test_new_draft_deep_copies_everything_and_editing_it_leaves_the_original(published):
    draft = versions.new_draft(published)
    assert (draft.version, draft.status) == (2, "draft")
    assert counts(draft) == counts(published)
    assert seeding_export(draft)["rules"] == seeding_export(published)["rules"]
    rule = draft.rules.get(code="severe_root_deficit")
    criterion = rule.criteria.get(subject="mrc_great_toe_extension")
    criterion.value = 2
    criterion.save()
    rule.sources.clear()
    original = published.rules.get(code="severe_root_deficit")
    assert original.criteria.get(subject="mrc_great_toe_extension").value == 3
    assert original.sources.exists()


def seeding_export(pathway):
    from pathway import seeding

    return seeding.export_pathway(pathway)


# --- the publish gate --------------------------------------------------------------------------


def test_a_draft_that_breaks_a_case_cannot_be_published_and_the_case_is_named(published):
    draft = versions.new_draft(published)
    draft.localisation_threshold = Decimal("9")
    draft.save()
    with pytest.raises(PublishRefused) as refused:
        publish(draft, user=None)
    assert any("case V06 (Acute L5 radicular pain, 2 weeks, pain only): gave conservative / "
               "indeterminate, expected conservative / L5" in line
               for line in refused.value.problems)
    draft.refresh_from_db()
    published.refresh_from_db()
    assert (draft.status, published.status) == ("draft", "published")


def test_publishing_a_passing_draft_retires_the_previous_version(published):
    draft = versions.new_draft(published)
    publish(draft, user=None)
    published.refresh_from_db()
    draft.refresh_from_db()
    assert (published.status, draft.status) == ("retired", "published")
    assert draft.published_at is not None


def test_an_old_assessment_keeps_rendering_against_its_own_version(client, published):
    from pathway import services
    from tests.engine.conftest import regression_cases

    assessment = services.assessment_start(pathway=published)
    services.answers_record(assessment=assessment, values=regression_cases()[2]["answers"])
    before = client.get(reverse("result", kwargs={"pk": assessment.pk})).text
    draft = versions.new_draft(published)
    rule = draft.rules.get(code="l5_pain_distribution")
    rule.title = "Renamed in version 2"
    rule.save()
    publish(draft, user=None)
    after = client.get(reverse("result", kwargs={"pk": assessment.pk})).text
    assert "Pain in the L5 distribution" in after and "Renamed in version 2" not in after
    assert before.count("data-tier") == after.count("data-tier") == 1


# --- the linter --------------------------------------------------------------------------------


@pytest.fixture
def broken(published):
    """A draft with one of every kind of problem the linter looks for."""
    draft = versions.new_draft(published)
    # An unknown question (bulk write: the admin and the model would refuse it).
    rule = draft.rules.get(code="fever" if draft.rules.filter(code="fever").exists()
                           else "suspected_infection_fever")
    pm.Criterion.objects.bulk_create([pm.Criterion(rule=rule, subject="temperature", op="gte",
                                                   value=38, group=2)])
    # A rule that can never be true.
    never = draft.rules.get(code="upper_motor_neurone_signs")
    pm.Criterion.objects.bulk_create([pm.Criterion(rule=never, subject="umn_signs", op="eq",
                                                   value="no", group=2)])
    # A question whose enable-when can never be true.
    onset = draft.questions.get(code="ces_onset")
    pm.Criterion.objects.bulk_create([
        pm.Criterion(enables=onset, subject="age", op="gt", value=100, group=2),
        pm.Criterion(enables=onset, subject="age", op="lt", value=20, group=3),
    ])
    # A red-flag question no tier rule reads.
    pm.Question.objects.create(step=draft.steps.get(code="red_flags"), code="night_sweats",
                               type="tri", prompt="Night sweats?", red_flag=True)
    # A tier no rule can reach, and a rule with no source or rationale.
    for rule in draft.rules.filter(effect="tier", target="injection"):
        rule.delete()
    bare = draft.rules.get(code="improving_symptoms")
    bare.rationale = ""
    bare.save()
    bare.sources.clear()
    # Patient wording far above grade 8.
    tier = draft.tiers.get(code="conservative")
    tier.patient_summary = ("Notwithstanding considerable interindividual variability, "
                            "conservative multidisciplinary rehabilitation demonstrates "
                            "substantial symptomatic amelioration characteristically.")
    tier.save()
    return draft


def test_the_linter_finds_each_kind_of_problem(broken):
    findings = checks.run_checks(broken)
    kinds = {(f.kind, f.where) for f in findings}
    assert ("unknown reference", "rule suspected_infection_fever") in kinds
    assert ("rule never true", "rule upper_motor_neurone_signs") in kinds
    assert ("never asked", "question ces_onset") in kinds
    assert ("red flag without a tier rule", "question night_sweats") in kinds
    assert ("unreachable tier", "tier injection") in kinds
    assert ("missing rationale", "rule improving_symptoms") in kinds
    assert ("missing source", "rule improving_symptoms") in kinds
    grade = next(f for f in findings if f.kind == "reading grade")
    assert grade.severity == checks.WARNING and grade.where == "tier conservative"
    assert "reads at grade" in grade.message
    with pytest.raises(PublishRefused):
        publish(broken, user=None)


def test_the_shipped_content_passes_its_own_gate(published):
    report = checks.gate(published)
    assert report.errors == [] and report.failed_cases == []
    assert len(report.outcomes) == 12


# --- compare, audit ----------------------------------------------------------------------------


def test_the_compare_page_shows_a_changed_rule(client, people, published):
    draft = versions.new_draft(published)
    criterion = draft.rules.get(code="severe_root_deficit").criteria.get(
        subject="mrc_great_toe_extension")
    criterion.value = 2
    criterion.save()
    as_(client, people["editor"])
    page = client.get(admin("compare", draft.pk), {"with": published.pk})
    assert page.status_code == 200
    assert "severe_root_deficit" in page.text
    assert "mrc_great_toe_extension &lt;= 2" in page.text
    assert "mrc_great_toe_extension &lt;= 3" in page.text


def test_the_audit_records_who_edited_what(client, people, published):
    draft = versions.new_draft(published, user=people["editor"])
    as_(client, people["editor"])
    tier = draft.tiers.get(code="conservative")
    url = reverse("admin:pathway_tier_change", args=[tier.pk])
    data = {f: getattr(tier, f) for f in ("code", "rank", "title", "timeframe",
                                          "clinician_summary", "patient_summary",
                                          "review_interval_days")}
    data.update(pathway=draft.pk, review_interval_days=14)
    response = client.post(url, data)
    assert response.status_code == 302, response.content[:3000]
    record = tier.history.latest()
    assert record.history_user == people["editor"]
    assert record.review_interval_days == 14
    assert client.get(reverse("admin:pathway_tier_history", args=[tier.pk])).status_code == 200


# --- roles: every persona against every action -------------------------------------------------

ACTIONS = {
    # action: (method, url name, who may)
    "checks": ("get", "checks", {"editor", "publisher"}),
    "cases": ("get", "cases", {"editor", "publisher"}),
    "compare": ("get", "compare", {"editor", "publisher"}),
    "new_draft": ("post", "new_draft", {"editor"}),
    "publish_page": ("get", "publish", {"publisher"}),
    "publish": ("post", "publish", {"publisher"}),
    "preview": ("post", "preview", {"editor", "publisher"}),
}


@pytest.mark.parametrize("who", ["editor", "publisher", "outsider", "anonymous"])
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_every_persona_against_every_action(client, people, published, who, action):
    method, name, allowed = ACTIONS[action]
    draft = versions.new_draft(published)
    as_(client, people[who])
    response = getattr(client, method)(admin(name, draft.pk))
    if who == "anonymous":
        assert response.status_code == 302 and "/admin/login/" in response.url
    elif who in allowed:
        assert response.status_code in {200, 302}, response.status_code
        if action == "publish":
            draft.refresh_from_db()
            assert draft.status == "published"
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("who", ["editor", "outsider", "anonymous"])
def test_only_a_publisher_can_retire(client, people, published, who):
    as_(client, people[who])
    response = client.post(admin("retire", published.pk))
    published.refresh_from_db()
    assert published.status == "published"
    assert response.status_code in {302, 403}


def test_a_publisher_can_retire(client, people, published):
    as_(client, people["publisher"])
    client.post(admin("retire", published.pk))
    published.refresh_from_db()
    assert published.status == "retired"


def test_an_editor_edits_drafts_but_a_publisher_cannot(client, people, published):
    draft = versions.new_draft(published)
    tier = draft.tiers.get(code="conservative")
    url = reverse("admin:pathway_tier_change", args=[tier.pk])
    data = {f: getattr(tier, f) for f in ("code", "rank", "title", "timeframe",
                                          "clinician_summary", "patient_summary")}
    data.update(pathway=draft.pk, review_interval_days=10)
    as_(client, people["publisher"])
    assert client.post(url, data).status_code == 403
    as_(client, people["editor"])
    assert client.post(url, data).status_code == 302
    tier.refresh_from_db()
    assert tier.review_interval_days == 10


def test_actions_refuse_the_wrong_method(client, people, published):
    as_(client, people["editor"])
    assert client.get(admin("new_draft", published.pk)).status_code == 405
    assert client.get(admin("preview", published.pk)).status_code == 405


# --- preview -----------------------------------------------------------------------------------


def test_staff_preview_a_draft_without_touching_published_use(client, people, published):
    draft = versions.new_draft(published)
    as_(client, people["editor"])
    response = client.post(admin("preview", draft.pk))
    assessment = pm.Assessment.objects.get(is_preview=True)
    assert assessment.pathway == draft
    page = client.get(response.url)
    assert "Preview of draft version 2" in page.text
    client.logout()
    assert client.get(response.url).status_code == 404  # not for anyone else
    client.post(reverse("assessment_start"))
    assert pm.Assessment.objects.exclude(is_preview=True).get().pathway == published


# --- the whole workflow ------------------------------------------------------------------------


def test_editor_clones_breaks_fixes_and_publisher_publishes(client, people, published):
    as_(client, people["editor"])
    response = client.post(admin("new_draft", published.pk))
    draft = pm.Pathway.objects.get(version=2)
    assert response.url == admin("change", draft.pk)
    draft.localisation_threshold = Decimal("6")
    draft._history_user = people["editor"]
    draft.save()
    page = client.get(admin("cases", draft.pk))
    assert "FAIL" in page.text and "V06" in page.text
    draft.localisation_threshold = Decimal("2")
    draft._history_user = people["editor"]
    draft.save()
    assert "FAIL" not in client.get(admin("cases", draft.pk)).text
    as_(client, people["publisher"])
    client.post(admin("publish", draft.pk))
    draft.refresh_from_db()
    assert draft.status == "published"
    users = {record.history_user for record in draft.history.all()}
    assert {people["editor"], people["publisher"]} <= users


PREVIEW_ENDPOINTS = ["resume", "step", "review", "result", "handout", "handout_pdf",
                     "handout_css"]


@pytest.mark.parametrize("name", PREVIEW_ENDPOINTS)
@pytest.mark.parametrize("who", ["editor", "publisher", "outsider", "anonymous"])
def test_a_preview_opens_only_for_staff_with_the_content_permission(
        client, people, published, who, name):
    preview = pm.Assessment.objects.create(pathway=versions.new_draft(published),
                                           is_preview=True)
    kwargs = {"pk": preview.pk, **({"step": "red_flags"} if name == "step" else {})}
    as_(client, people[who])
    response = client.get(reverse(name, kwargs=kwargs))
    if who in {"editor", "publisher"}:
        assert response.status_code in {200, 302}
    else:
        assert response.status_code == 404
