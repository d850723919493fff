"""Pathway content: a versioned pathway with its steps, questions, tiers, levels and rules.

A Pathway row is one *version* of a pathway (slug + version number). All the content below it is
owned by that version, so a published version can be frozen and a new draft deep-copied from it.
The engine never sees these models: `pathway.snapshot` turns a version into frozen dataclasses.
"""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from kb.models import Entry, Source
from pathway.engine import conditions, lint
from pathway.engine.model import OptionSpec, QuestionSpec


class ReadOnlyVersion(PermissionDenied):
    """A published or retired version cannot change: make a new draft from it instead."""

    def __init__(self, pathway: Pathway):
        super().__init__(
            f"Version {pathway.version} of '{pathway.slug}' is {pathway.status} and read-only. "
            "Make a new draft from it to change the content."
        )


class VersionedContent(models.Model):
    """Content owned by one pathway version: it can change only while that version is a draft."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        self.ensure_editable()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self.ensure_editable()
        return super().delete(*args, **kwargs)

    def owning_pathway(self) -> Pathway | None:
        return self.pathway if self.pathway_id else None

    def ensure_editable(self) -> None:
        pathway = self.owning_pathway()
        if pathway is not None:
            status = Pathway.objects.filter(pk=pathway.pk).values_list("status", flat=True).first()
            if status and status != Pathway.Status.DRAFT:
                pathway.status = status
                raise ReadOnlyVersion(pathway)


class PathwayQuerySet(models.QuerySet):
    def published(self) -> PathwayQuerySet:
        return self.filter(status=Pathway.Status.PUBLISHED)

    def for_slug(self, slug: str) -> PathwayQuerySet:
        return self.filter(slug=slug)

    def touch(self) -> int:
        """Record that these versions' content changed, so cached snapshots are rebuilt. The
        one way a revision moves outside `Pathway.save()` (which counts it up itself)."""
        return self.update(revision=models.F("revision") + 1)


class Pathway(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        RETIRED = "retired", "Retired"

    slug = models.SlugField(max_length=60, help_text="Stable name shared by all versions.")
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    title = models.CharField(max_length=200)
    intended_use = models.TextField(
        help_text="What the aid is for; shown on the start page and every handout."
    )
    population = models.TextField(help_text="Who it is for.")
    exclusions = models.TextField(help_text="Who and what it is not for.")
    review_by = models.DateField(help_text="When the clinical leads must review this version.")
    default_tier = models.CharField(
        max_length=40,
        default="conservative",
        help_text="The tier suggested when no tier rule fires (a tier code of this version).",
    )
    localisation_threshold = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal("2.00"),
        help_text="The score a level needs before it is named.",
    )
    localisation_margin = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="How far the top level must lead the next; otherwise 'indeterminate'.",
    )
    patient_intended_use = models.TextField(
        default="",
        help_text="Handout: what the sheet is and is not, in plain language (grade 8 or lower).",
    )
    safety_net_emergency = models.TextField(
        default="",
        help_text="Handout card: 'go to A&E now' warning signs, one per line, in concrete words.",
    )
    safety_net_urgent = models.TextField(
        default="", help_text="Handout: signs that need help the same day, one per line."
    )
    change_note = models.TextField(blank=True, help_text="What changed in this version, and why.")
    revision = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="Bumped on every change to this version's content; keys the snapshot cache.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    objects = PathwayQuerySet.as_manager()
    history = HistoricalRecords()

    # Fields that may change once a version is published: its lifecycle, nothing else.
    LIFECYCLE_FIELDS = frozenset({"status", "published_at", "revision"})

    class Meta:
        permissions = [("publish_pathway", "Can publish and retire pathway versions")]
        ordering = ["slug", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["slug", "version"], name="unique_pathway_version"),
            models.UniqueConstraint(
                fields=["slug"],
                condition=Q(status="published"),
                name="one_published_version_per_pathway",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version} ({self.get_status_display().lower()})"

    def save(self, *args, **kwargs) -> None:
        if self.pk:
            stored = Pathway.objects.filter(pk=self.pk).first()
            if stored is not None and stored.status != self.Status.DRAFT:
                changed = {
                    f.attname
                    for f in self._meta.concrete_fields
                    if getattr(stored, f.attname) != getattr(self, f.attname)
                }
                if changed - self.LIFECYCLE_FIELDS:
                    raise ReadOnlyVersion(stored)
        self.revision += 1
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "revision"}
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.status != self.Status.DRAFT:
            raise ReadOnlyVersion(self)
        return super().delete(*args, **kwargs)

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    def touch(self) -> None:
        """Record that this version's content changed (invalidates cached snapshots)."""
        Pathway.objects.filter(pk=self.pk).touch()
        self.refresh_from_db(fields=["revision"])

    def clean(self) -> None:
        super().clean()
        if self.pk and not self.tiers.filter(code=self.default_tier).exists():
            raise ValidationError(
                {"default_tier": f"'{self.default_tier}' is not a tier code of this version."}
            )


class Step(VersionedContent):
    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="steps")
    code = models.SlugField(max_length=40, help_text="Used in the step's URL, e.g. red_flags.")
    title = models.CharField(max_length=100)
    intro = models.TextField(blank=True, help_text="A sentence or two shown above the questions.")
    order = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["pathway", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["pathway", "code"], name="unique_step_code")]

    def __str__(self) -> str:
        return self.title


class Question(VersionedContent):
    class Type(models.TextChoices):
        NUMBER = "number", "Number"
        MRC = "mrc", "MRC power grade (0-5)"
        CHOICE = "choice", "One choice"
        MULTI = "multi", "Several choices"
        TRI = "tri", "Yes / no / not assessed"

    pathway = models.ForeignKey(
        Pathway, on_delete=models.CASCADE, related_name="questions", editable=False
    )
    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="questions")
    code = models.CharField(
        max_length=60,
        help_text="Stable snake_case code; the vocabulary in docs/vocabulary.md is a contract.",
    )
    type = models.CharField(max_length=10, choices=Type)
    prompt = models.CharField(max_length=300, help_text="The question as the clinician reads it.")
    help = models.TextField(blank=True, help_text="How to ask or examine; shown under the prompt.")
    required = models.BooleanField(default=True)
    red_flag = models.BooleanField(
        default=False,
        help_text="A red-flag item: unanswered or 'not assessed' is reported as a gap.",
    )
    key_exam = models.BooleanField(
        default=False,
        help_text="A key examination item: unanswered or 'not tested' is reported as an "
        "incomplete examination, never read as normal.",
    )
    order = models.PositiveSmallIntegerField(default=0)
    min_value = models.IntegerField(null=True, blank=True)
    max_value = models.IntegerField(null=True, blank=True)
    unit = models.CharField(max_length=30, blank=True, help_text="e.g. weeks, years, /10")
    kb_entry = models.ForeignKey(
        Entry,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="questions",
        help_text="The knowledge-base page that explains this finding.",
    )
    diagram_layer = models.CharField(
        max_length=10,
        blank=True,
        choices=[("pain", "Pain or tingling (hatched)"), ("sensory", "Reduced sensation (dotted)")],
        help_text="The leg diagram layer this question's answers shade, if any; its options are "
        "the knowledge base's sensory regions (by code). The diagram stands beside it.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["pathway", "step__order", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["pathway", "code"], name="unique_question_code")
        ]

    def __str__(self) -> str:
        return self.code

    def save(self, *args, **kwargs) -> None:
        self.pathway_id = self.step.pathway_id
        super().save(*args, **kwargs)

    def owning_pathway(self) -> Pathway | None:
        return self.step.pathway if self.step_id else None

    def clean(self) -> None:
        super().clean()
        if self.step_id:
            self.pathway_id = self.step.pathway_id
        errors = {}
        if self.type in {self.Type.NUMBER, self.Type.MRC}:
            if self.type == self.Type.MRC:
                self.min_value, self.max_value = 0, 5
            if self.min_value is None or self.max_value is None:
                errors["max_value"] = "A number question needs a minimum and a maximum."
            elif self.min_value > self.max_value:
                errors["max_value"] = "The maximum must not be below the minimum."
        elif self.min_value is not None or self.max_value is not None:
            errors["min_value"] = "Only number and MRC questions have a range."
        if errors:
            raise ValidationError(errors)

    def subject_spec(self) -> conditions.SubjectSpec:
        """This question as a condition's subject, made as the linter makes it."""
        return lint.subject_spec(
            QuestionSpec(
                code=self.code,
                step="",
                type=self.type,
                minimum=self.min_value,
                maximum=self.max_value,
                options=tuple(OptionSpec(o.code, o.label) for o in self.options.all()),
            )
        )


class Option(VersionedContent):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    code = models.CharField(max_length=60)
    label = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["question", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["question", "code"], name="unique_option_code")
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.label}"

    def owning_pathway(self) -> Pathway | None:
        return self.question.pathway if self.question_id else None


class Tier(VersionedContent):
    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="tiers")
    code = models.CharField(max_length=40)
    rank = models.PositiveSmallIntegerField(help_text="1 is the most urgent.")
    title = models.CharField(max_length=100)
    timeframe = models.CharField(
        max_length=200, help_text="For clinicians: how fast, e.g. 'now: same day'."
    )
    clinician_summary = models.TextField(help_text="What the clinician should do.")
    patient_summary = models.TextField(
        help_text="Plain language for the handout: what happens next (reading grade 8 or lower)."
    )
    review_interval_days = models.PositiveIntegerField(
        help_text="Days until the review date printed on the handout."
    )
    banner = models.CharField(
        max_length=10,
        blank=True,
        choices=[
            ("urgent", "Urgent: a banner on every page"),
            ("emergency", "Emergency: a sticky banner; the result opens at once"),
        ],
        help_text="Whether this tier raises a banner on the assessment pages, and which. An "
        "emergency tier opens the result and handouts before the steps are finished.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["pathway", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["pathway", "code"], name="unique_tier_code"),
            models.UniqueConstraint(fields=["pathway", "rank"], name="unique_tier_rank"),
        ]

    def __str__(self) -> str:
        return self.title


class Level(VersionedContent):
    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="levels")
    code = models.CharField(max_length=40)
    title = models.CharField(max_length=100)
    order = models.PositiveSmallIntegerField(default=0)
    kb_entry = models.ForeignKey(
        Entry, on_delete=models.SET_NULL, null=True, blank=True, related_name="levels"
    )
    patient_explanation = models.TextField(
        help_text="Plain language for the handout: what we think is causing the leg pain."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["pathway", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["pathway", "code"], name="unique_level_code")
        ]

    def __str__(self) -> str:
        return self.code


class Rule(VersionedContent):
    class Effect(models.TextChoices):
        TIER = "tier", "Suggest a tier"
        SCORE = "score", "Add to a level's score"

    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="rules")
    code = models.CharField(max_length=80, help_text="snake_case, reads as English.")
    title = models.CharField(max_length=200)
    effect = models.CharField(max_length=10, choices=Effect)
    target = models.CharField(
        max_length=40, help_text="A tier code (tier rules) or a level code (score rules)."
    )
    weight = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal("0"),
        help_text="Score rules: added to the target level's score (may be negative).",
    )
    rationale = models.TextField(
        help_text="Why, for the clinician; say where the sources are uncertain or disagree."
    )
    action = models.TextField(blank=True, help_text="What to do, and how fast.")
    patient_line = models.TextField(blank=True, help_text="Plain language for the handout.")
    sources = models.ManyToManyField(Source, blank=True, related_name="rules")
    order = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["pathway", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["pathway", "code"], name="unique_rule_code")]

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        super().clean()
        if not self.pathway_id:
            return
        if self.effect == self.Effect.TIER:
            if not self.pathway.tiers.filter(code=self.target).exists():
                raise ValidationError({"target": f"'{self.target}' is not a tier of this version."})
        elif self.effect == self.Effect.SCORE:
            if not self.pathway.levels.filter(code=self.target).exists():
                raise ValidationError(
                    {"target": f"'{self.target}' is not a level of this version."}
                )
            if not self.weight:
                raise ValidationError({"weight": "A score rule needs a non-zero weight."})

    def condition(self) -> conditions.Condition:
        return condition_of(self.criteria.all())

    def condition_text(self) -> str:
        return conditions.format_condition(self.condition())


class HandoutItem(VersionedContent):
    """Patient wording the handout prints when its condition holds: a column of the option grid,
    self-care advice or medicines advice. It belongs to the version, so what a patient was given
    is frozen with the version that gave it, and each picture (a root, a peroneal palsy, the hip,
    a polyneuropathy) gets its own management."""

    class Role(models.TextChoices):
        OPTION = "option", "A column of the option grid"
        SELF_CARE = "self_care", "Looking after yourself"
        MEDICINES = "medicines", "Medicines"

    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="handout_items")
    code = models.SlugField(max_length=80, help_text="Stable code, e.g. epidural-injection.")
    role = models.CharField(max_length=10, choices=Role)
    title = models.CharField(max_length=100, help_text="Plain-language name on the handout.")
    involves = models.TextField(help_text="What it is or involves, plain language.")
    benefit = models.TextField(
        blank=True, help_text="How likely it helps and for how long ('x out of 100 people')."
    )
    risks = models.TextField(blank=True, help_text="Risks, plain language.")
    recovery = models.TextField(blank=True, help_text="Time to recover or to feel a change.")
    kb_entry = models.ForeignKey(
        Entry,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="handout_items",
        help_text="The knowledge-base page with the clinician's detail and sources.",
    )
    sources = models.ManyToManyField(Source, blank=True, related_name="handout_items")
    order = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["pathway", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["pathway", "code"], name="unique_handout_item_code")
        ]

    def __str__(self) -> str:
        return self.code

    def condition(self) -> conditions.Condition:
        return condition_of(self.shown_when.all())

    def condition_text(self) -> str:
        return conditions.format_condition(self.condition()) or "always"


class Criterion(VersionedContent):
    """One `<subject> <op> <value>` test, in a rule's condition or a question's enable-when.

    Criteria with the same group number are ORed; the groups are ANDed.
    """

    rule = models.ForeignKey(
        Rule, on_delete=models.CASCADE, null=True, blank=True, related_name="criteria"
    )
    enables = models.ForeignKey(
        Question,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="enable_when",
        help_text="Set for an enable-when criterion: the question is asked only if it holds.",
    )
    shows = models.ForeignKey(
        HandoutItem,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="shown_when",
        help_text="Set for a handout item's condition: the item is printed only if it holds.",
    )
    group = models.PositiveSmallIntegerField(
        default=1, help_text="Criteria in the same group are ORed; groups are ANDed."
    )
    subject = models.CharField(max_length=60, help_text="A question code, or 'level'.")
    op = models.CharField(max_length=20, choices=list(conditions.OPS.items()))
    value = models.JSONField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["group", "id"]
        verbose_name_plural = "criteria"
        constraints = [
            models.CheckConstraint(
                condition=(Q(rule__isnull=False) & Q(enables__isnull=True) & Q(shows__isnull=True))
                | (Q(rule__isnull=True) & Q(enables__isnull=False) & Q(shows__isnull=True))
                | (Q(rule__isnull=True) & Q(enables__isnull=True) & Q(shows__isnull=False)),
                name="criterion_has_one_owner",
            )
        ]

    def __str__(self) -> str:
        return conditions.format_criterion(self.as_criterion())

    def save(self, *args, **kwargs) -> None:
        self.ensure_editable()
        self.full_clean()
        super().save(*args, **kwargs)

    def as_criterion(self) -> conditions.Criterion:
        value = tuple(self.value) if isinstance(self.value, list) else self.value
        return conditions.Criterion(self.subject, self.op, value)

    def owning_pathway(self) -> Pathway | None:
        return self.owner_pathway

    @property
    def owner_pathway(self) -> Pathway | None:
        # The descriptors also return an unsaved owner the admin has attached for validation.
        owner = self.rule or self.enables or self.shows
        return owner.pathway if owner is not None and owner.pathway_id else None

    def clean(self) -> None:
        super().clean()
        pathway = self.owner_pathway
        if pathway is None:
            raise ValidationError(
                "A criterion belongs to a rule, a question's enable-when or a handout item."
            )
        spec = subject_spec(pathway, self.subject)
        errors = conditions.check_criterion(self.as_criterion(), spec)
        if self.enables is not None and self.subject == "level":
            errors.append(
                "An enable-when cannot depend on the level: it is decided after the answers are in."
            )
        if self.enables is not None and self.subject == self.enables.code:
            errors.append("A question cannot enable itself.")
        if errors:
            raise ValidationError(errors)


def subject_spec(pathway: Pathway, subject: str) -> conditions.SubjectSpec | None:
    """What `subject` is in this pathway version: a question, the derived level, or nothing."""
    if subject == "level":
        return lint.level_spec(pathway.levels.values_list("code", flat=True))
    question = pathway.questions.filter(code=subject).prefetch_related("options").first()
    return question.subject_spec() if question else None


def condition_of(criteria) -> conditions.Condition:
    groups: dict[int, list[conditions.Criterion]] = {}
    for criterion in sorted(criteria, key=lambda c: (c.group, c.id or 0)):
        groups.setdefault(criterion.group, []).append(criterion.as_criterion())
    return tuple(tuple(group) for _, group in sorted(groups.items()))


class RegressionCase(VersionedContent):
    """A clinical case with the tiers and levels a guideline-faithful answer may give.

    Run against a version before it is published; the seeded cases are the acceptance vignettes.
    """

    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="cases")
    code = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    note = models.TextField(blank=True, help_text="The case in words.")
    answers = models.JSONField(default=dict, help_text="Question code to answer.")
    expect_tiers = models.JSONField(
        default=list, help_text="Acceptable tier codes, the preferred first."
    )
    expect_levels = models.JSONField(
        default=list, help_text="Acceptable level codes, the preferred first."
    )
    order = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["pathway", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["pathway", "code"], name="unique_case_code")]

    def __str__(self) -> str:
        return f"{self.code}: {self.title}"


class CaseApproval(VersionedContent):
    """A publisher's approval that a regression case of the live version may be deleted,
    weakened or no longer pass in this draft: the gate runs the live version's cases too, so
    the people the gate checks cannot empty it. It holds for exactly what was approved (the
    fingerprint); any later change to the case or to the outcome needs approving again."""

    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="case_approvals")
    case_code = models.CharField(max_length=40)
    fingerprint = models.CharField(
        max_length=64,
        help_text="What was approved: the live case, the draft's case and the "
        "draft's result for it.",
    )
    summary = models.TextField(help_text="What changed, as the publisher saw it.")
    reason = models.TextField(help_text="Why the change is clinically right.")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_approvals"
    )
    approved_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["pathway", "case_code", "-approved_at"]

    def __str__(self) -> str:
        return f"{self.case_code} approved by {self.approved_by}"


class ContentLock(models.Model):
    """While this table holds its row, database triggers refuse any insert, update or delete of
    a published or retired version's content (created in migration 0009), whatever the code
    path: a queryset update, a bulk create, a cascade, a script. Only a deliberate maintenance
    step removes the row: `manage.py flush` does, and the row comes back after migrating."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    locked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "content lock"

    def __str__(self) -> str:
        return "Published content is locked in the database"


class Assessment(models.Model):
    """One clinician's assessment of one patient. No patient identifier is stored.

    It pins the pathway version it started on, so it always renders against that version.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    pathway = models.ForeignKey(Pathway, on_delete=models.PROTECT, related_name="assessments")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    is_preview = models.BooleanField(
        default=False, help_text="Staff walking a draft version; never shown to other users."
    )

    class Meta:
        ordering = ["-created_at"]
        # purge_assessments finds old assessments a batch at a time.
        indexes = [models.Index(fields=["updated_at"], name="assessment_updated_at")]

    def __str__(self) -> str:
        return f"Assessment {self.reference}"

    @property
    def assessed_on(self) -> datetime.date:
        """The day the answers were last given: the date its handouts and note for the record
        say, and count the review from, whenever they are printed again."""
        return timezone.localdate(self.updated_at)

    @property
    def reference(self) -> str:
        """A short code to quote on the handout; not a patient identifier."""
        return self.id.hex[:8].upper()


class Answer(models.Model):
    """The current answer to one question: one row per question, so concurrent edits of
    different questions (two tabs, a double submit) never overwrite each other."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    question = models.CharField(max_length=60)
    value = models.JSONField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "question"], name="one_answer_per_question"
            )
        ]

    def __str__(self) -> str:
        return f"{self.question} = {self.value}"


class AnswerChange(models.Model):
    """Every change to an answer, kept: when, which question, what value (null = cleared)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="changes")
    question = models.CharField(max_length=60)
    value = models.JSONField(null=True)
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.changed_at:%Y-%m-%d %H:%M:%S} {self.question} = {self.value}"
