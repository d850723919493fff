import datetime as dt
from decimal import Decimal

import factory

from pathway import models


class PathwayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Pathway

    slug = factory.Sequence(lambda n: f"pathway-{n}")
    version = 1
    status = models.Pathway.Status.DRAFT
    title = "Test pathway"
    intended_use = "Testing."
    population = "Adults."
    exclusions = "Children."
    review_by = dt.date(2030, 1, 1)
    default_tier = "conservative"
    localisation_threshold = Decimal("2")
    localisation_margin = Decimal("1")


class StepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Step

    pathway = factory.SubFactory(PathwayFactory)
    code = factory.Sequence(lambda n: f"step_{n}")
    title = factory.Sequence(lambda n: f"Step {n}")
    order = factory.Sequence(lambda n: n)


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Question
        skip_postgeneration_save = True

    step = factory.SubFactory(StepFactory)
    code = factory.Sequence(lambda n: f"question_{n}")
    type = "choice"
    prompt = "A question?"
    order = factory.Sequence(lambda n: n)

    @factory.post_generation
    def options(self, create, extracted, **kwargs):
        if not create:
            return
        codes = extracted
        if codes is None:
            codes = {
                "choice": ["a", "b"],
                "multi": ["none", "a", "b"],
                "tri": ["yes", "no", "not_assessed"],
            }.get(self.type, [])
        for order, code in enumerate(codes, 1):
            models.Option.objects.create(question=self, code=code, label=code.title(), order=order)


class TierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Tier

    pathway = factory.SubFactory(PathwayFactory)
    code = "conservative"
    rank = 5
    title = "Conservative care"
    timeframe = "Weeks"
    clinician_summary = "Advise activity."
    patient_summary = "Keep active."
    review_interval_days = 21


class LevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Level

    pathway = factory.SubFactory(PathwayFactory)
    code = "L5"
    title = "L5 nerve root"
    patient_explanation = "A nerve in your back."


class RuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Rule

    pathway = factory.SubFactory(PathwayFactory)
    code = factory.Sequence(lambda n: f"rule_{n}")
    title = "A rule"
    effect = "tier"
    target = "conservative"
    rationale = "Because."


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Criterion

    rule = factory.SubFactory(RuleFactory)
    group = 1
    subject = "level"
    op = "eq"
    value = "L5"


class HandoutItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.HandoutItem

    pathway = factory.SubFactory(PathwayFactory)
    code = factory.Sequence(lambda n: f"item-{n}")
    role = "option"
    title = "Keep active"
    involves = "You keep moving."
    benefit = "Most people get better."
    risks = "None known."
    recovery = "A few weeks."
