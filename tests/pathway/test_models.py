"""Validation on save: criteria naming unknown codes, wrong types or unfitting ops are refused."""

import re

import pytest
from django.core.exceptions import ValidationError

from pathway import models as pm
from tests.pathway import factories as f


@pytest.fixture
def rule(db):
    pathway = f.PathwayFactory()
    f.TierFactory(pathway=pathway)
    f.LevelFactory(pathway=pathway)
    step = f.StepFactory(pathway=pathway)
    f.QuestionFactory(step=step, code="power", type="mrc")
    f.QuestionFactory(step=step, code="side", type="choice", options=["left", "right"])
    f.QuestionFactory(step=step, code="regions", type="multi", options=["none", "buttock"])
    return f.RuleFactory(pathway=pathway)


@pytest.mark.parametrize(
    ("subject", "op", "value", "message"),
    [
        ("powr", "lte", 3, "not a question code"),
        ("side", "eq", "middle", "'middle' is not an option of side"),
        ("power", "lte", "3", "must be a whole number"),
        ("power", "gte", 6, "outside the range"),
        ("regions", "eq", "buttock", "does not fit regions (multi)"),
        ("side", "in", "left", "non-empty list"),
        ("level", "eq", "L9", "'L9' is not a level"),
        ("level", "answered", None, "does not fit level"),
    ],
)
def test_a_bad_criterion_is_refused_on_save(rule, subject, op, value, message):
    with pytest.raises(ValidationError, match=re.escape(message)):
        pm.Criterion.objects.create(rule=rule, subject=subject, op=op, value=value)
    assert not rule.criteria.exists()


def test_a_good_criterion_is_saved(rule):
    pm.Criterion.objects.create(rule=rule, subject="side", op="in", value=["left"])
    pm.Criterion.objects.create(
        rule=rule, subject="regions", op="contains", value="buttock", group=2
    )
    assert rule.condition_text() == "side in [left] and regions contains buttock"


def test_an_enable_when_cannot_use_the_level_or_its_own_question(rule):
    question = rule.pathway.questions.get(code="side")
    with pytest.raises(ValidationError, match="cannot depend on the level"):
        pm.Criterion.objects.create(enables=question, subject="level", op="eq", value="L5")
    with pytest.raises(ValidationError, match="cannot enable itself"):
        pm.Criterion.objects.create(enables=question, subject="side", op="eq", value="left")


def test_a_criterion_belongs_to_a_rule_or_a_question(db):
    with pytest.raises(ValidationError, match="belongs to a rule"):
        pm.Criterion.objects.create(subject="x", op="eq", value=1)


def test_a_rule_target_must_exist_in_its_version(rule):
    rule.target = "sometime"
    with pytest.raises(ValidationError, match="not a tier of this version"):
        rule.full_clean()
    rule.effect, rule.target, rule.weight = "score", "L5", 0
    with pytest.raises(ValidationError, match="non-zero weight"):
        rule.full_clean()


def test_number_questions_need_a_sane_range(rule):
    question = pm.Question(
        step=rule.pathway.steps.first(),
        code="age",
        type="number",
        prompt="Age",
        min_value=10,
        max_value=5,
    )
    with pytest.raises(ValidationError, match="maximum must not be below"):
        question.full_clean()


def test_only_one_version_per_slug_can_be_published(db):
    f.PathwayFactory(slug="p", version=1, status="published")
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        f.PathwayFactory(slug="p", version=2, status="published")
