"""The knowledge base: sources, and the entries the pathway and its pages link to.

Every entry kind (root, muscle, region, reflex, test, condition, treatment) is a child of `Entry`
(multi-table inheritance), so one slug space, one search, one page URL and one foreign key from
the pathway content serve them all. Editors write Markdown (in `body` and the kind's other long
fields, listed in `text_fields`); pages render it through the sanitiser in `kb.markdown`.
"""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from kb import markdown

ROOT_CODES = ("L4", "L5", "S1")
# The page that explains the MRC grades: every muscle's page and the guided form's power grid
# link to it. One place for the slug, never a template.
MRC_GRADING_SLUG = "mrc-power-grading"
# Addresses in content become links: only web pages, never javascript:, data: or file:.
SAFE_URL = URLValidator(schemes=["http", "https"])


class Source(models.Model):
    class Certainty(models.TextChoices):
        VERIFIED = "V", "Checked against the source's own text"
        SECONDARY = "S", "Taken from a secondary summary"
        KNOWLEDGE = "K", "Standard reference knowledge, not checked against the primary text"

    key = models.SlugField(
        unique=True, help_text="Short stable key used to cite this source, e.g. nice-ng59."
    )
    citation = models.TextField(help_text="The full citation as a reader should see it.")
    publisher = models.CharField(max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    url = models.URLField(max_length=500, blank=True, validators=[SAFE_URL])
    history = HistoricalRecords()
    certainty = models.CharField(
        max_length=1,
        choices=Certainty,
        default=Certainty.VERIFIED,
        help_text="How the facts taken from this source were checked.",
    )
    certainty_note = models.TextField(
        blank=True, help_text="What is uncertain or disputed about this source, if anything."
    )
    seed_digest = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="Digest of the seed text this row was last loaded from: an edit in the admin "
        "leaves it behind, and the seed loader then keeps the edit.",
    )

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key

    def get_absolute_url(self) -> str:
        return reverse("kb:source", args=[self.key])


class EntryQuerySet(models.QuerySet):
    def published(self) -> EntryQuerySet:
        return self.filter(published=True)

    def search(self, query: str) -> EntryQuerySet:
        matches = models.Q()
        for word in query.split():
            matches &= (
                models.Q(title__icontains=word)
                | models.Q(summary__icontains=word)
                | models.Q(body__icontains=word)
                | models.Q(slug__icontains=word)
            )
        return self.filter(matches)


class Entry(models.Model):
    class Kind(models.TextChoices):
        ROOT = "nerveroot", "Nerve root"
        MUSCLE = "muscle", "Muscle"
        REGION = "sensoryregion", "Sensory region"
        REFLEX = "reflex", "Reflex"
        TEST = "clinicaltest", "Clinical test"
        CONDITION = "condition", "Condition"
        TREATMENT = "treatment", "Treatment"

    kind = models.CharField(max_length=20, choices=Kind, editable=False)
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    summary = models.CharField(
        max_length=400, help_text="One or two plain sentences shown in lists and in-form help."
    )
    body = models.TextField(
        blank=True,
        help_text="Markdown. Cite a source for each fact with [@source-key], e.g. [@nice-ng59].",
    )
    sources = models.ManyToManyField(Source, blank=True, related_name="entries")
    review_by = models.DateField(help_text="When a clinical lead must review this entry again.")
    published = models.BooleanField(
        default=True, help_text="Unpublished entries are hidden from the public pages."
    )
    updated_at = models.DateTimeField(auto_now=True)
    seed_digest = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="Digest of the seed text this entry was last loaded from: an edit in the "
        "admin leaves it behind, and the seed loader then keeps the edit.",
    )

    objects = EntryQuerySet.as_manager()
    history = HistoricalRecords(inherit=True)

    # The Markdown fields of this kind, in the order its page shows them.
    text_fields: tuple[str, ...] = ("body",)

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "entries"

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        if not self.kind:
            self.kind = self._meta.model_name if type(self) is not Entry else ""
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("kb:entry", args=[self.slug])

    def clean(self) -> None:
        super().clean()
        cited = markdown.cited_keys(*self.texts())
        unknown = set(cited) - set(
            Source.objects.filter(key__in=cited).values_list("key", flat=True)
        )
        if unknown:
            raise ValidationError(f"Cites unknown source(s): {', '.join(sorted(unknown))}.")

    def texts(self) -> list[str]:
        return [getattr(self, name) for name in self.text_fields]

    @property
    def specific(self) -> Entry:
        """The child object (a Muscle, a Condition, ...) for this entry."""
        if type(self) is not Entry:
            return self
        return getattr(self, self.kind)

    @property
    def review_overdue(self) -> bool:
        return self.review_by < timezone.localdate()


class NerveRoot(Entry):
    code = models.CharField(max_length=4, unique=True, choices=[(c, c) for c in ROOT_CODES])
    exit_foramen = models.CharField(
        max_length=100, help_text="The foramen the root leaves through, e.g. L5-S1."
    )
    compressed_by = models.TextField(
        help_text="Which discs and lesions usually compress this root (traversing and exiting)."
    )
    dermatome = models.TextField(help_text="Where pain and sensory change are felt.")

    text_fields = ("dermatome", "compressed_by", "body")

    class Meta:
        ordering = ["code"]


class Muscle(Entry):
    action = models.CharField(max_length=200, help_text="The movement tested, e.g. hip abduction.")
    peripheral_nerve = models.CharField(max_length=200)
    how_to_test = models.TextField(blank=True)
    roots = models.ManyToManyField(NerveRoot, through="RootContribution", related_name="muscles")

    text_fields = ("how_to_test", "body")


class RootContribution(models.Model):
    class Share(models.TextChoices):
        MAIN = "main", "Main supply (localises)"
        PART = "part", "Shared supply (does not localise alone)"

    muscle = models.ForeignKey(Muscle, on_delete=models.CASCADE, related_name="contributions")
    root = models.ForeignKey(NerveRoot, on_delete=models.CASCADE, related_name="contributions")
    share = models.CharField(max_length=4, choices=Share, default=Share.MAIN)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["muscle", "root"], name="unique_muscle_root")
        ]
        ordering = ["root__code"]

    def __str__(self) -> str:
        return f"{self.muscle.title}: {self.root.code} ({self.get_share_display()})"


class SensoryRegion(Entry):
    code = models.CharField(
        max_length=40,
        unique=True,
        help_text="The option code of pain_regions / sensory_loss this region stands for.",
    )
    view = models.CharField(
        max_length=10,
        choices=[("front", "Front of the leg"), ("back", "Back of the leg"), ("both", "Both")],
        default="front",
        help_text="Where the leg diagram draws it.",
    )
    peripheral_nerve = models.CharField(max_length=200, blank=True)
    roots = models.ManyToManyField(NerveRoot, blank=True, related_name="regions")


class Reflex(Entry):
    how_to_test = models.TextField()
    roots = models.ManyToManyField(NerveRoot, related_name="reflexes")

    text_fields = ("how_to_test", "body")

    class Meta:
        verbose_name_plural = "reflexes"


class ClinicalTest(Entry):
    how_to_test = models.TextField(help_text="How to do it, step by step.")
    positive_means = models.TextField(help_text="What a positive (or abnormal) result means.")
    accuracy = models.TextField(
        blank=True, help_text="Sensitivity, specificity or other accuracy, where known."
    )
    roots = models.ManyToManyField(NerveRoot, blank=True, related_name="tests")

    text_fields = ("how_to_test", "positive_means", "accuracy", "body")


class Condition(Entry):
    class Category(models.TextChoices):
        CAUSE = "cause", "Cause of radicular pain"
        MIMIC = "mimic", "Mimic of radicular pain"
        SERIOUS = "serious", "Serious cause (red flag)"

    category = models.CharField(max_length=10, choices=Category)
    key_features = models.TextField(help_text="What points to it.")
    management = models.TextField(help_text="What to do, and how fast.")

    text_fields = ("key_features", "management", "body")


class Treatment(Entry):
    # The tiers are the pathway's (its content, one vocabulary): this names one by its code.
    tier = models.CharField(
        max_length=20,
        help_text="The management tier this treatment belongs to: a tier code of the pathway "
        "(for example conservative, injection, surgical_referral).",
    )
    involves = models.TextField(help_text="For clinicians: what it involves.")
    benefit = models.TextField(help_text="For clinicians: expected benefit, with figures.")
    risks = models.TextField(help_text="For clinicians: risks and harms.")
    time_to_effect = models.CharField(max_length=200)

    text_fields = ("involves", "benefit", "risks", "time_to_effect", "body")

    def clean(self) -> None:
        super().clean()
        tiers = apps.get_model("pathway", "Tier").objects
        if self.tier and not tiers.filter(code=self.tier).exists():
            codes = sorted(set(tiers.values_list("code", flat=True)))
            raise ValidationError(
                {"tier": f"'{self.tier}' is not a tier of the pathway ({', '.join(codes)})."}
            )
