"""Content governance: versions, the publish gate, the linter, compare, audit, roles, preview."""

import html
import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse

from kb.models import Source
from pathway import checks, versions
from pathway import models as pm
from pathway.publishing import PublishRefused, publish
from tests.helpers import verified_login

pytestmark = pytest.mark.usefixtures("seeded")


@pytest.fixture
def published():
    return pm.Pathway.objects.published().get()


def persona(name, group=None, staff=True):
    user = get_user_model().objects.create_user(
        name, password="pw-" + name + "-123", is_staff=staff
    )
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
    with pytest.raises(pm.ReadOnlyVersion, match="published and read-only"), transaction.atomic():
        write()


def test_a_published_version_refuses_changes_at_the_model_level(published):
    rule = published.rules.get(code="severe_foot_drop_not_peroneal")
    rule.title = "Changed"
    refused(rule.save)
    refused(
        lambda: pm.Criterion.objects.create(rule=rule, subject="age", op="gte", value=18, group=9)
    )
    refused(lambda: rule.sources.add(Source.objects.first()))
    refused(rule.delete)
    published.localisation_threshold = Decimal("9")
    refused(published.save)
    refused(published.delete)
    question = published.questions.get(code="age")
    question.prompt = "How old?"
    refused(question.save)
    refused(pm.Option.objects.filter(question__pathway=published).first().delete)
    assert published.rules.get(code="severe_foot_drop_not_peroneal").title != "Changed"


def test_a_published_version_is_read_only_in_the_admin(client, people, published):
    as_(client, people["editor"])
    rule = published.rules.get(code="severe_foot_drop_not_peroneal")
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
    return (
        pathway.steps.count(),
        pathway.questions.count(),
        pm.Option.objects.filter(question__pathway=pathway).count(),
        pm.Criterion.objects.filter(rule__pathway=pathway).count(),
        pm.Criterion.objects.filter(enables__pathway=pathway).count(),
        pm.Criterion.objects.filter(shows__pathway=pathway).count(),
        pathway.rules.count(),
        pathway.tiers.count(),
        pathway.levels.count(),
        pathway.handout_items.count(),
        pathway.cases.count(),
    )


def test_new_draft_deep_copies_everything_and_editing_it_leaves_the_original(published):
    draft = versions.new_draft(published)
    assert (draft.version, draft.status) == (2, "draft")
    assert counts(draft) == counts(published)
    assert seeding_export(draft)["rules"] == seeding_export(published)["rules"]
    assert seeding_export(draft)["handout_items"] == seeding_export(published)["handout_items"]
    rule = draft.rules.get(code="severe_foot_drop_not_peroneal")
    criterion = rule.criteria.get(subject="mrc_great_toe_extension")
    criterion.value = 2
    criterion.save()
    rule.sources.clear()
    original = published.rules.get(code="severe_foot_drop_not_peroneal")
    assert original.criteria.get(subject="mrc_great_toe_extension").value == 3
    assert original.sources.exists()


def seeding_export(pathway):
    from pathway.seeds import exporter

    return exporter.export_pathway(pathway)


# --- the publish gate --------------------------------------------------------------------------


def test_a_draft_that_breaks_a_case_cannot_be_published_and_the_case_is_named(published):
    draft = versions.new_draft(published)
    draft.localisation_threshold = Decimal("9")
    draft.save()
    with pytest.raises(PublishRefused) as refused:
        publish(draft, user=None)
    assert any(
        "case V06 (Acute L5 radicular pain, 2 weeks, pain only): gave conservative / "
        "indeterminate, expected conservative / L5" in line
        for line in refused.value.problems
    )
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
    from tests.helpers import regression_cases

    assessment = services.assessment_start(pathway=published)
    services.answers_record(assessment=assessment, values=regression_cases()[2]["answers"])
    before = client.get(reverse("result", kwargs={"pk": assessment.pk})).text
    draft = versions.new_draft(published)
    rule = draft.rules.get(code="l5_pain_lateral_calf")
    rule.title = "Renamed in version 2"
    rule.save()
    publish(draft, user=None)
    after = client.get(reverse("result", kwargs={"pk": assessment.pk})).text
    title = html.escape(published.rules.get(code="l5_pain_lateral_calf").title)
    assert title in before
    assert title in after and "Renamed in version 2" not in after
    assert before.count("data-tier") == after.count("data-tier") == 1


# --- the linter --------------------------------------------------------------------------------


@pytest.fixture
def broken(published):
    """A draft with one of every kind of problem the linter looks for."""
    draft = versions.new_draft(published)
    # An unknown question (bulk write: the admin and the model would refuse it).
    rule = draft.rules.get(
        code="fever" if draft.rules.filter(code="fever").exists() else "suspected_infection_fever"
    )
    pm.Criterion.objects.bulk_create(
        [pm.Criterion(rule=rule, subject="temperature", op="gte", value=38, group=2)]
    )
    # A rule that can never be true.
    never = draft.rules.get(code="upper_motor_neurone_signs")
    pm.Criterion.objects.bulk_create(
        [pm.Criterion(rule=never, subject="umn_signs", op="eq", value="no", group=2)]
    )
    # A question whose enable-when can never be true.
    onset = draft.questions.get(code="ces_onset")
    pm.Criterion.objects.bulk_create(
        [
            pm.Criterion(enables=onset, subject="age", op="gt", value=100, group=2),
            pm.Criterion(enables=onset, subject="age", op="lt", value=20, group=3),
        ]
    )
    # A red-flag question no tier rule reads.
    pm.Question.objects.create(
        step=draft.steps.get(code="red_flags"),
        code="night_sweats",
        type="tri",
        prompt="Night sweats?",
        red_flag=True,
    )
    # A tier no rule can reach, and a rule with no source or rationale.
    for rule in draft.rules.filter(effect="tier", target="injection"):
        rule.delete()
    bare = draft.rules.get(code="improving_symptoms")
    bare.rationale = ""
    bare.save()
    bare.sources.clear()
    # A handout item naming an unknown question, and one with no source.
    item = draft.handout_items.get(code="microdiscectomy")
    pm.Criterion.objects.bulk_create(
        [pm.Criterion(shows=item, subject="bmi", op="gte", value=30, group=9)]
    )
    draft.handout_items.get(code="foot-care").sources.clear()
    # Patient wording far above grade 8.
    tier = draft.tiers.get(code="conservative")
    tier.patient_summary = (
        "Notwithstanding considerable interindividual variability, "
        "conservative multidisciplinary rehabilitation demonstrates "
        "substantial symptomatic amelioration characteristically."
    )
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
    assert ("unknown reference", "handout item microdiscectomy") in kinds
    assert ("missing source", "handout item foot-care") in kinds
    grade = next(f for f in findings if f.kind == "reading grade")
    assert grade.severity == checks.WARNING and grade.where == "tier conservative"
    assert "reads at grade" in grade.message
    with pytest.raises(PublishRefused):
        publish(broken, user=None)


def test_the_shipped_content_passes_its_own_gate(published):
    report = checks.gate(published)
    assert report.errors == [] and report.failed_cases == []
    assert report.violations == []
    assert report.invariant_samples == checks.INVARIANT_SAMPLES
    from tests.helpers import regression_cases

    assert len(report.outcomes) == len(regression_cases())


# --- compare, audit ----------------------------------------------------------------------------


def test_the_compare_page_shows_a_changed_rule(client, people, published):
    draft = versions.new_draft(published)
    criterion = draft.rules.get(code="severe_foot_drop_not_peroneal").criteria.get(
        subject="mrc_great_toe_extension"
    )
    criterion.value = 2
    criterion.save()
    as_(client, people["editor"])
    page = client.get(admin("compare", draft.pk), {"with": published.pk})
    assert page.status_code == 200
    assert "severe_foot_drop_not_peroneal" in page.text
    # Word by word: only the changed number is marked, not the whole condition.
    assert "mrc_great_toe_extension &lt;= <del>3</del> <ins>2</ins> or" in page.text
    assert "mrc_great_toe_extension &lt;=" in page.text


def test_a_published_criterion_shows_its_value_not_none(client, people, published):
    rule = published.rules.get(code="severe_foot_drop_not_peroneal")
    as_(client, people["editor"])
    page = client.get(reverse("admin:pathway_rule_change", args=[rule.pk])).text
    assert "[peroneal]" in page or ">peroneal<" in page
    cells = re.findall(r'<td class="field-value_shown">\s*<p>(.*?)</p>', page, flags=re.S)
    assert cells and "None" not in cells and "3" in cells


def test_the_audit_records_who_edited_what(client, people, published):
    draft = versions.new_draft(published, user=people["editor"])
    as_(client, people["editor"])
    tier = draft.tiers.get(code="conservative")
    url = reverse("admin:pathway_tier_change", args=[tier.pk])
    data = {
        f: getattr(tier, f)
        for f in (
            "code",
            "rank",
            "title",
            "timeframe",
            "clinician_summary",
            "patient_summary",
            "review_interval_days",
        )
    }
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
    draft = versions.new_draft(published)
    as_(client, people[who])
    for response in (
        client.get(admin("retire", published.pk)),
        client.post(admin("retire", published.pk), {"replacement": draft.pk}),
    ):
        assert response.status_code in {302, 403}
        if who != "anonymous":
            assert response.status_code == 403
    published.refresh_from_db()
    assert published.status == "published"


def test_retiring_asks_first_and_a_single_click_changes_nothing(client, people, published):
    """Before: 'Retire this version' was one POST with no confirmation, and left nothing
    published."""
    as_(client, people["publisher"])
    page = client.get(admin("retire", published.pk))
    assert page.status_code == 200
    assert "there is no other version to publish in its place" in page.text
    response = client.post(admin("retire", published.pk))  # the old one-click form
    assert response.status_code == 302
    published.refresh_from_db()
    assert published.status == "published"
    assert pm.Pathway.objects.published().count() == 1


def test_retiring_publishes_the_chosen_version_in_its_place(client, people, published):
    draft = versions.new_draft(published)
    as_(client, people["publisher"])
    page = client.get(admin("retire", published.pk))
    assert f'value="{draft.pk}"' in page.text
    client.post(admin("retire", published.pk), {"replacement": draft.pk})
    published.refresh_from_db()
    draft.refresh_from_db()
    assert (published.status, draft.status) == ("retired", "published")


def test_a_retired_version_can_be_restored_but_never_nothing_published(people, published):
    from pathway.publishing import retire

    draft = versions.new_draft(published)
    publish(draft, user=people["publisher"])
    published.refresh_from_db()
    assert published.status == "retired"
    retire(draft, user=people["publisher"], replacement=published)
    published.refresh_from_db()
    draft.refresh_from_db()
    assert (published.status, draft.status) == ("published", "retired")
    with pytest.raises(PublishRefused, match="leave nothing published"):
        retire(published, user=people["publisher"], replacement=None)


def test_an_editor_edits_drafts_but_a_publisher_cannot(client, people, published):
    draft = versions.new_draft(published)
    tier = draft.tiers.get(code="conservative")
    url = reverse("admin:pathway_tier_change", args=[tier.pk])
    data = {
        f: getattr(tier, f)
        for f in ("code", "rank", "title", "timeframe", "clinician_summary", "patient_summary")
    }
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


def test_the_gate_refuses_a_draft_that_breaks_a_clinical_invariant_even_with_no_cases(published):
    """Deleting the cases does not empty the gate: the brief's invariants still run."""
    draft = versions.new_draft(published)
    draft.cases.all().delete()
    rule = draft.rules.get(code="ces_red_flag_new")
    rule.target = "conservative"
    rule.save()
    report = checks.gate(draft)
    assert report.outcomes == []
    assert not report.ok
    broken = {v.invariant for v in report.violations}
    assert "new cauda equina symptoms give emergency" in broken
    with pytest.raises(PublishRefused) as refusal:
        publish(draft, user=None)
    assert any(
        "clinical invariant broken: new cauda equina symptoms give emergency" in line
        for line in refusal.value.problems
    )


def test_the_gate_refuses_a_draft_whose_mimic_hides_severe_weakness(published):
    draft = versions.new_draft(published)
    criterion = draft.rules.get(code="severe_weakness_not_peroneal").criteria.get(
        subject="mrc_knee_extension"
    )
    criterion.delete()  # quadriceps 2/5 would no longer escalate under a peroneal label
    report = checks.gate(draft)
    assert "severe weakness escalates unless a named mimic explains it" in {
        v.invariant for v in report.violations
    }


PREVIEW_ENDPOINTS = [
    "resume",
    "step",
    "review",
    "result",
    "changes",
    "handout",
    "handout_pdf",
    "handout_css",
]


def test_every_assessment_endpoint_is_tested_for_who_may_open_a_preview():
    from pathway.urls import urlpatterns

    assessment_routes = {p.name for p in urlpatterns if "<uuid:pk>" in str(p.pattern)}
    assert assessment_routes == set(PREVIEW_ENDPOINTS)


@pytest.mark.parametrize("name", PREVIEW_ENDPOINTS)
@pytest.mark.parametrize("who", ["editor", "publisher", "outsider", "anonymous"])
def test_a_preview_opens_only_for_staff_with_the_content_permission(
    client, people, published, who, name
):
    preview = pm.Assessment.objects.create(pathway=versions.new_draft(published), is_preview=True)
    kwargs = {"pk": preview.pk, **({"step": "red_flags"} if name == "step" else {})}
    as_(client, people[who])
    response = client.get(reverse(name, kwargs=kwargs))
    if who in {"editor", "publisher"}:
        assert response.status_code in {200, 302}
    else:
        assert response.status_code == 404


# --- the gate cannot be emptied by the people it checks -----------------------------------------


def test_deleting_every_case_and_weakening_ces_cannot_be_published(published):
    """Before: an editor deleted every case and set the cauda equina rule to conservative; the
    gate reported 'all 0 regression cases' pass and a publisher published it."""
    draft = versions.new_draft(published)
    draft.cases.all().delete()
    rule = draft.rules.get(code="ces_red_flag_new")
    rule.target = "conservative"
    rule.save()
    report = checks.gate(draft)
    assert report.live == published
    assert len(report.live_outcomes) == published.cases.count()
    assert {item.code for item in report.unapproved} == set(
        published.cases.values_list("code", flat=True)
    )
    assert "V01" in " ".join(report.problems())
    with pytest.raises(PublishRefused):
        publish(draft, user=None)


def test_a_weakened_case_needs_a_publishers_approval_and_only_for_that_change(people, published):
    from pathway.publishing import approve_case

    draft = versions.new_draft(published)
    case = draft.cases.get(code="V09")
    case.expect_tiers = ["urgent", "conservative"]
    case.save()
    report = checks.gate(draft)
    (item,) = report.unapproved
    assert item.code == "V09" and "now also accepts tiers conservative" in item.summary
    with pytest.raises(PublishRefused):
        publish(draft, user=people["publisher"])
    with pytest.raises(PermissionDenied):
        approve_case(
            draft,
            user=people["editor"],
            code="V09",
            fingerprint=item.fingerprint,
            reason="Editors may not approve",
        )
    with pytest.raises(PublishRefused, match="say why"):
        approve_case(
            draft, user=people["publisher"], code="V09", fingerprint=item.fingerprint, reason=" "
        )
    approve_case(
        draft,
        user=people["publisher"],
        code="V09",
        fingerprint=item.fingerprint,
        reason="A stable foot drop may be managed in primary care locally.",
    )
    assert checks.gate(draft).ok
    # A further edit after the approval needs approving again.
    case.expect_levels = ["L5", "indeterminate"]
    case.save()
    assert not checks.gate(draft).ok
    with pytest.raises(PublishRefused, match="changed since you looked"):
        approve_case(
            draft,
            user=people["publisher"],
            code="V09",
            fingerprint=item.fingerprint,
            reason="Stale approval",
        )


def test_the_publish_page_lists_what_was_run_and_the_changes_word_by_word(
    client, people, published
):
    draft = versions.new_draft(published)
    tier = draft.tiers.get(code="urgent")
    tier.timeframe = tier.timeframe.replace("Same day or next day", "Within 24 hours")
    tier.save()
    as_(client, people["publisher"])
    page = client.get(admin("publish", draft.pk)).text
    assert "What the gate ran" in page
    assert f"regression cases of the live version {published.version}" in page
    assert f"on {checks.INVARIANT_SAMPLES} generated answer sets" in page
    assert "<del>Same day or next day:</del>" in page
    assert "<ins>Within 24 hours:</ins>" in page


def test_a_publisher_approves_on_the_publish_page_and_an_editor_cannot(client, people, published):
    draft = versions.new_draft(published)
    draft.cases.get(code="V26").delete()
    as_(client, people["publisher"])
    page = client.get(admin("publish", draft.pk)).text
    assert "deleted in this draft" in page
    (item,) = checks.gate(draft).unapproved
    form = {
        "action": "approve",
        "case": "V26",
        "fingerprint": item.fingerprint,
        "reason": "Replaced by a better hip case.",
    }
    as_(client, people["editor"])
    assert client.post(admin("publish", draft.pk), form).status_code == 403
    as_(client, people["publisher"])
    assert client.post(admin("publish", draft.pk), form).status_code == 302
    approval = draft.case_approvals.get()
    assert (approval.case_code, approval.approved_by) == ("V26", people["publisher"])
    assert client.post(admin("publish", draft.pk), {"action": "publish"}).status_code == 302
    draft.refresh_from_db()
    assert draft.status == "published"


# --- editing criteria with choices -------------------------------------------------------------


def test_a_rules_criteria_are_chosen_from_the_versions_own_findings(client, people, published):
    draft = versions.new_draft(published)
    rule = draft.rules.get(code="suspected_fracture")
    as_(client, people["editor"])
    page = client.get(reverse("admin:pathway_rule_change", args=[rule.pk])).text
    assert '<select name="criteria-0-subject"' in page
    assert f"{html.escape(draft.questions.get(code='trauma').prompt)} (trauma)" in page
    assert "The most likely level (level)" in page
    assert 'data-vocabulary="' + admin("vocabulary", draft.pk) + '"' in page
    assert "js/admin-criteria.js" in page


def test_an_enable_when_offers_no_level(client, people, published):
    draft = versions.new_draft(published)
    question = draft.questions.get(code="ces_onset")
    as_(client, people["editor"])
    page = client.get(reverse("admin:pathway_question_change", args=[question.pk])).text
    assert "The most likely level (level)" not in page
    assert f"{html.escape(draft.questions.get(code='ces_bladder').prompt)} (ces_bladder)" in page


def test_the_vocabulary_gives_each_findings_kind_options_and_range(client, people, published):
    as_(client, people["editor"])
    data = client.get(admin("vocabulary", published.pk)).json()
    assert data["questions"]["trauma"]["kind"] == "choice"
    major = published.questions.get(code="trauma").options.get(code="major")
    assert ["major", major.label] in data["questions"]["trauma"]["options"]
    assert (data["questions"]["age"]["min"], data["questions"]["age"]["max"]) == (16, 110)
    assert "contains" in data["opsByKind"]["multi"] and "lte" not in data["opsByKind"]["tri"]
    assert {"L5", "peroneal"} <= {code for code, _ in data["questions"]["level"]["options"]}
    as_(client, people["outsider"])
    assert client.get(admin("vocabulary", published.pk)).status_code == 403


def test_a_criterion_naming_a_finding_outside_the_version_is_refused(client, people, published):
    draft = versions.new_draft(published)
    rule = draft.rules.get(code="suspected_fracture")
    criterion = rule.criteria.get()
    as_(client, people["editor"])
    url = reverse("admin:pathway_rule_change", args=[rule.pk])
    form = {
        "pathway": draft.pk,
        "code": rule.code,
        "title": rule.title,
        "order": rule.order,
        "effect": "tier",
        "target": "urgent",
        "weight": "0",
        "rationale": rule.rationale,
        "action": rule.action,
        "patient_line": rule.patient_line,
        "sources": [s.pk for s in rule.sources.all()],
        "criteria-TOTAL_FORMS": "1",
        "criteria-INITIAL_FORMS": "1",
        "criteria-MIN_NUM_FORMS": "0",
        "criteria-MAX_NUM_FORMS": "1000",
        "criteria-0-id": criterion.pk,
        "criteria-0-rule": rule.pk,
        "criteria-0-group": "1",
        "criteria-0-subject": "shoe_size",
        "criteria-0-op": "eq",
        "criteria-0-value_text": "9",
    }
    response = client.post(url, form)
    assert response.status_code == 200
    assert "Select a valid choice. shoe_size is not one of the available choices." in (
        response.text
    )
    criterion.refresh_from_db()
    assert criterion.subject == "trauma"
    form.update(
        {"criteria-0-subject": "trauma", "criteria-0-op": "lte", "criteria-0-value_text": "major"}
    )
    response = client.post(url, form)
    assert "does not fit trauma (choice)" in response.text


# --- the editors' home page --------------------------------------------------------------------


def test_the_home_page_shows_drafts_their_failures_and_overdue_reviews(client, people, published):
    import datetime as dt

    from kb.models import Entry

    draft = versions.new_draft(published)
    rule = draft.rules.get(code="ces_red_flag_new")
    rule.target = "conservative"
    rule.save()
    Entry.objects.filter(slug="straight-leg-raise").update(review_by=dt.date(2020, 1, 1))
    as_(client, people["editor"])
    page = client.get(reverse("admin:index")).text
    assert "Leg pain pathway: content" in page and "Django administration" not in page
    assert f"lumbar-radicular version {draft.version}" in page
    assert "V01" in page  # the failing case is named
    assert f"version {published.version}</a>, published" in page
    assert "Straight leg raise" in page and "1 Jan 2020" in page
    assert 'href="/admin/pathway/criterion/"' not in page  # edited inside rules, not listed
    assert "a publisher to approve: V01" in page


@pytest.mark.parametrize("tool", ["checks", "cases", "compare", "publish", "retire"])
def test_the_tool_pages_have_working_breadcrumbs(client, people, published, tool):
    as_(client, people["publisher"])
    page = client.get(admin(tool, published.pk)).text
    trail = re.search(r'<ol class="breadcrumbs">(.*?)</ol>', page, flags=re.S).group(1)
    for name in ("admin:index", "admin:pathway_pathway_changelist"):
        assert f'href="{reverse(name)}"' in trail
    assert f'href="{reverse("admin:pathway_pathway_change", args=[published.pk])}"' in trail
