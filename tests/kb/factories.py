import datetime as dt
import itertools

import factory

from kb import models


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Source
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"source-{n}")
    citation = factory.Sequence(lambda n: f"A clinical source, number {n} (2020)")
    publisher = "A publisher"
    year = 2020


_entry_numbers = itertools.count(1)


class EntryFields(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True
        skip_postgeneration_save = True

    # One counter for every kind: kb slugs are unique across kinds.
    slug = factory.LazyFunction(lambda: f"entry-{next(_entry_numbers)}")
    title = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").capitalize())
    summary = "A short summary."
    body = "Some **body** text [@source-a]."
    review_by = dt.date(2030, 1, 1)
    published = True

    @factory.post_generation
    def sources(self, create, extracted, **kwargs):
        if not create:
            return
        self.sources.set(extracted if extracted is not None else [SourceFactory(key="source-a")])


class NerveRootFactory(EntryFields):
    class Meta:
        model = models.NerveRoot
        django_get_or_create = ("code",)

    code = "L5"
    slug = factory.LazyAttribute(lambda o: f"{o.code.lower()}-nerve-root")
    title = factory.LazyAttribute(lambda o: f"{o.code} nerve root")
    exit_foramen = "L5-S1"
    compressed_by = "An L4-5 paracentral disc."
    dermatome = "Lateral calf and dorsum of the foot."


class MuscleFactory(EntryFields):
    class Meta:
        model = models.Muscle

    action = "Big toe extension"
    peripheral_nerve = "Deep peroneal nerve"


class RootContributionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.RootContribution

    muscle = factory.SubFactory(MuscleFactory)
    root = factory.SubFactory(NerveRootFactory)
    share = "main"


class SensoryRegionFactory(EntryFields):
    class Meta:
        model = models.SensoryRegion

    code = factory.Sequence(lambda n: f"region_{n}")
    view = "front"


class ReflexFactory(EntryFields):
    class Meta:
        model = models.Reflex

    how_to_test = "Tap the tendon."


class ClinicalTestFactory(EntryFields):
    class Meta:
        model = models.ClinicalTest

    how_to_test = "Raise the straight leg."
    positive_means = "Root tension."
    accuracy = "Sensitive, not specific."


class ConditionFactory(EntryFields):
    class Meta:
        model = models.Condition

    category = "mimic"
    key_features = "Painless foot drop."
    management = "Remove the pressure."


class TreatmentFactory(EntryFields):
    class Meta:
        model = models.Treatment

    tier = "conservative"
    involves = "Exercise."
    benefit = "Helps."
    risks = "Few."
    time_to_effect = "Weeks"
