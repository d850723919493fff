"""Every admin page loads for a superuser and sends anonymous visitors to the login page."""

import pytest
from django.contrib import admin
from django.urls import reverse

from pathway import models as pm
from tests.kb import factories as kbf
from tests.pathway import factories as f

pytestmark = pytest.mark.usefixtures("empty_db")


@pytest.fixture
def content(db):
    pathway = f.PathwayFactory(slug="demo")
    f.TierFactory(pathway=pathway)
    f.TierFactory(pathway=pathway, code="urgent", rank=2)
    level = f.LevelFactory(pathway=pathway)
    step = f.StepFactory(pathway=pathway)
    question = f.QuestionFactory(step=step, code="power", type="mrc")
    f.QuestionFactory(step=step, code="side", type="choice")
    rule = f.RuleFactory(pathway=pathway, code="weak", target="urgent")
    f.CriterionFactory(rule=rule, subject="power", op="lte", value=3, group=1)
    f.CriterionFactory(rule=rule, subject="level", op="ne", value="L5", group=2)
    item = f.HandoutItemFactory(pathway=pathway)
    f.CriterionFactory(rule=None, shows=item, subject="level", op="eq", value="L5")
    pm.RegressionCase.objects.create(
        pathway=pathway,
        code="C1",
        title="Case",
        answers={},
        expect_tiers=["urgent"],
        expect_levels=["L5"],
    )
    root = kbf.NerveRootFactory()
    muscle = kbf.MuscleFactory()
    kbf.RootContributionFactory(muscle=muscle, root=root)
    for factory in (
        kbf.SensoryRegionFactory,
        kbf.ReflexFactory,
        kbf.ClinicalTestFactory,
        kbf.ConditionFactory,
        kbf.TreatmentFactory,
    ):
        factory()
    return {"pathway": pathway, "question": question, "rule": rule, "level": level}


def admin_urls():
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in {"pathway", "kb"}:
            continue
        info = (model._meta.app_label, model._meta.model_name)
        yield model, model_admin, info


def test_every_changelist_add_and_change_page_loads_for_a_superuser(admin_client, content):
    checked = 0
    for model, model_admin, info in admin_urls():
        response = admin_client.get(reverse("admin:{}_{}_changelist".format(*info)))
        assert response.status_code == 200, info
        if model_admin.has_add_permission(response.wsgi_request):
            assert admin_client.get(reverse("admin:{}_{}_add".format(*info))).status_code == 200
        obj = model._default_manager.first()
        assert obj is not None, info
        response = admin_client.get(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
        assert response.status_code == 200, info
        checked += 1
    assert checked >= 18


def test_anonymous_visitors_are_sent_to_the_login_page(client, content):
    for model, _, info in admin_urls():
        for url in (
            reverse("admin:{}_{}_changelist".format(*info)),
            reverse("admin:{}_{}_change".format(*info), args=[model._default_manager.first().pk]),
        ):
            response = client.get(url)
            assert response.status_code == 302, url
            assert response.url.startswith(reverse("admin:login"))


def test_rule_lists_show_the_condition_as_readable_text(admin_client, content):
    response = admin_client.get(reverse("admin:pathway_rule_changelist"))
    assert "power &lt;= 3 and level != L5" in response.text
    response = admin_client.get(reverse("admin:pathway_rule_change", args=[content["rule"].pk]))
    assert "power &lt;= 3 and level != L5" in response.text


def test_rule_list_filters_by_effect_and_target(admin_client, content):
    f.RuleFactory(pathway=content["pathway"], code="scores", effect="score", target="L5")
    response = admin_client.get(reverse("admin:pathway_rule_changelist"), {"effect": "score"})
    assert [r.code for r in response.context["cl"].result_list] == ["scores"]
    response = admin_client.get(reverse("admin:pathway_rule_changelist"), {"target": "urgent"})
    assert [r.code for r in response.context["cl"].result_list] == ["weak"]


def test_question_list_filters_by_step_type_and_red_flag(admin_client, content):
    step = content["question"].step
    f.QuestionFactory(step=step, code="flag", type="tri", red_flag=True)
    url = reverse("admin:pathway_question_changelist")
    assert [
        q.code for q in admin_client.get(url, {"red_flag__exact": "1"}).context["cl"].result_list
    ] == ["flag"]
    assert [
        q.code for q in admin_client.get(url, {"type__exact": "mrc"}).context["cl"].result_list
    ] == ["power"]
    assert admin_client.get(url, {"step__code": step.code}).context["cl"].result_count == 3


def criterion_post(rule, rows, **extra):
    data = {
        "pathway": rule.pathway_id,
        "code": rule.code,
        "title": rule.title,
        "order": 0,
        "effect": rule.effect,
        "target": rule.target,
        "weight": "0",
        "rationale": "Because.",
        "action": "",
        "patient_line": "",
        "criteria-TOTAL_FORMS": str(len(rows)),
        "criteria-INITIAL_FORMS": "0",
        "criteria-MIN_NUM_FORMS": "0",
        "criteria-MAX_NUM_FORMS": "1000",
    }
    for i, (group, subject, op, value) in enumerate(rows):
        data.update(
            {
                f"criteria-{i}-group": group,
                f"criteria-{i}-subject": subject,
                f"criteria-{i}-op": op,
                f"criteria-{i}-value_text": value,
            }
        )
    data.update(extra)
    return data


def test_saving_a_rule_with_an_unknown_question_is_refused_with_a_message(admin_client, content):
    rule = f.RuleFactory(pathway=content["pathway"], code="fresh", target="urgent")
    url = reverse("admin:pathway_rule_change", args=[rule.pk])
    response = admin_client.post(url, criterion_post(rule, [(1, "powr", "lte", "3")]))
    assert response.status_code == 200
    assert "is not a question code or derived fact" in response.text
    assert not rule.criteria.exists()


def test_saving_a_rule_with_a_value_of_the_wrong_type_is_refused(admin_client, content):
    rule = f.RuleFactory(pathway=content["pathway"], code="fresh", target="urgent")
    url = reverse("admin:pathway_rule_change", args=[rule.pk])
    response = admin_client.post(url, criterion_post(rule, [(1, "power", "lte", "weak")]))
    assert "must be a whole number" in response.text
    response = admin_client.post(url, criterion_post(rule, [(1, "power", "contains", "3")]))
    assert "does not fit power (mrc)" in response.text
    assert not rule.criteria.exists()


def test_a_new_rule_with_valid_criteria_is_saved_from_the_add_page(admin_client, content):
    data = criterion_post(
        pm.Rule(
            pathway=content["pathway"], code="added", title="Added", effect="tier", target="urgent"
        ),
        [(1, "power", "lte", "2"), (1, "side", "eq", "a"), (2, "level", "in", "L5")],
    )
    response = admin_client.post(reverse("admin:pathway_rule_add"), data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    rule = pm.Rule.objects.get(code="added")
    assert rule.condition_text() == "(power <= 2 or side = a) and level in [L5]"


def test_kb_admin_shows_a_rendered_preview(admin_client, content):
    muscle = kbf.MuscleFactory(body="<script>alert(1)</script> **strong** [@source-a]")
    response = admin_client.get(reverse("admin:kb_muscle_change", args=[muscle.pk]))
    assert "<strong>strong</strong>" in response.text
    assert "<script>alert(1)</script>" not in response.text
