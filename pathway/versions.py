"""Pathway versions: a new draft deep-copied from any version, and what changed between two."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Max
from simple_history.utils import bulk_create_with_history

from pathway import models as pm
from pathway.seeds import exporter

COPIED_PATHWAY_FIELDS = (
    "slug",
    "title",
    "intended_use",
    "population",
    "exclusions",
    "review_by",
    "default_tier",
    "localisation_threshold",
    "localisation_margin",
    "patient_intended_use",
    "safety_net_emergency",
    "safety_net_urgent",
)


def _fields(obj, *exclude: str) -> dict[str, Any]:
    skip = {"id", *exclude}
    return {
        f.attname: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if f.attname not in skip
    }


@transaction.atomic
def new_draft(source: pm.Pathway, *, user=None) -> pm.Pathway:
    """A new draft version with a deep copy of `source`'s content; `source` is untouched."""
    number = (pm.Pathway.objects.for_slug(source.slug).aggregate(n=Max("version"))["n"] or 0) + 1
    draft = pm.Pathway(
        version=number,
        status=pm.Pathway.Status.DRAFT,
        change_note=f"Draft made from version {source.version}.",
        **{name: getattr(source, name) for name in COPIED_PATHWAY_FIELDS},
    )
    draft._history_user = user
    draft.save()

    steps = {}
    for step in source.steps.all():
        steps[step.pk] = pm.Step.objects.create(pathway=draft, **_fields(step, "pathway_id"))
    for tier in source.tiers.all():
        pm.Tier.objects.create(pathway=draft, **_fields(tier, "pathway_id"))
    for level in source.levels.all():
        pm.Level.objects.create(pathway=draft, **_fields(level, "pathway_id"))
    questions = {}
    for question in source.questions.all():
        questions[question.pk] = pm.Question.objects.create(
            step=steps[question.step_id], **_fields(question, "pathway_id", "step_id")
        )
    bulk_create_with_history(
        [
            pm.Option(question=questions[o.question_id], **_fields(o, "question_id"))
            for o in pm.Option.objects.filter(question__pathway=source)
        ],
        pm.Option,
        default_user=user,
    )
    rules = {}
    for rule in source.rules.prefetch_related("sources"):
        copy = pm.Rule.objects.create(pathway=draft, **_fields(rule, "pathway_id"))
        copy.sources.set(rule.sources.all())
        rules[rule.pk] = copy
    items = {}
    for item in source.handout_items.prefetch_related("sources"):
        copy = pm.HandoutItem.objects.create(pathway=draft, **_fields(item, "pathway_id"))
        copy.sources.set(item.sources.all())
        items[item.pk] = copy
    owners = ("rule_id", "enables_id", "shows_id")
    criteria = []
    for criterion in pm.Criterion.objects.filter(rule__pathway=source):
        criteria.append(pm.Criterion(rule=rules[criterion.rule_id], **_fields(criterion, *owners)))
    for criterion in pm.Criterion.objects.filter(enables__pathway=source):
        criteria.append(
            pm.Criterion(enables=questions[criterion.enables_id], **_fields(criterion, *owners))
        )
    for criterion in pm.Criterion.objects.filter(shows__pathway=source):
        criteria.append(
            pm.Criterion(shows=items[criterion.shows_id], **_fields(criterion, *owners))
        )
    bulk_create_with_history(criteria, pm.Criterion, default_user=user)
    for case in source.cases.all():
        pm.RegressionCase.objects.create(pathway=draft, **_fields(case, "pathway_id"))
    draft.touch()
    return draft


# --- comparing two versions --------------------------------------------------------------------


@dataclass
class Section:
    """What changed in one kind of content, by code."""

    name: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[tuple[str, list[tuple[str, Any, Any]]]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def _by_code(items: list[dict]) -> dict[str, dict]:
    return {item["code"]: item for item in items}


def _diff_items(name: str, old: list[dict], new: list[dict]) -> Section:
    section = Section(name)
    before, after = _by_code(old), _by_code(new)
    section.added = [code for code in after if code not in before]
    section.removed = [code for code in before if code not in after]
    for code in after:
        if code in before:
            fields = [
                (key, before[code].get(key), after[code].get(key))
                for key in after[code]
                if before[code].get(key) != after[code].get(key)
            ]
            if fields:
                section.changed.append((code, fields))
    return section


# The canonical form's lists, in the order the compare and publish pages show them.
SECTIONS = (
    ("steps", "Steps"),
    ("questions", "Questions"),
    ("rules", "Rules"),
    ("handout_items", "Handout items"),
    ("tiers", "Tiers"),
    ("levels", "Levels"),
    ("cases", "Regression cases"),
)
# Not content: the slug names the pathway, and every version has its own change note.
NOT_COMPARED = frozenset({"slug", "change_note"})


def compare(old: pm.Pathway, new: pm.Pathway) -> list[Section]:
    """Added, removed and changed content between two versions, by kind and code: a diff of
    their canonical forms (`exporter.export_pathway`), the form the seeds are compared in."""
    a, b = exporter.export_pathway(old), exporter.export_pathway(new)
    settings = Section("Pathway settings and wording")
    settings.changed = [
        (key, [(key, a[key], b[key])])
        for key in b
        if key not in NOT_COMPARED and not isinstance(b[key], list) and a[key] != b[key]
    ]
    options = Section("Options")
    before = _by_code(a["questions"])
    for question in b["questions"]:
        if question["code"] not in before:
            continue
        diff = _diff_items("", before[question["code"]]["options"], question["options"])
        options.added += [f"{question['code']}: {c}" for c in diff.added]
        options.removed += [f"{question['code']}: {c}" for c in diff.removed]
        options.changed += [(f"{question['code']}: {c}", f) for c, f in diff.changed]
    without_options = lambda items: [  # noqa: E731
        {k: v for k, v in i.items() if k != "options"} for i in items
    ]
    sections = {
        name: _diff_items(title, without_options(a[name]), without_options(b[name]))
        for name, title in SECTIONS
    }
    return [
        settings,
        sections["steps"],
        sections["questions"],
        options,
        *(sections[name] for name, _ in SECTIONS[2:]),
    ]
