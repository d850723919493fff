"""Build the engine's frozen snapshot of a pathway version, cached in-process.

The cache is keyed by version id, and an entry holds only while the version's revision and
creation time are those it was built from: a published version never changes, so its snapshot
is built once per process; a draft's revision moves with every edit; and a version created
under an id another had (SQLite gives a rolled-back insert's id out again) is another version.
"""

from __future__ import annotations

import threading

from django.db.models import Prefetch

from pathway import models as pm
from pathway.engine import model as em

_cache: dict[int, tuple[tuple, em.Snapshot]] = {}
_lock = threading.Lock()


def snapshot_for(pathway: pm.Pathway) -> em.Snapshot:
    """The snapshot of this version, built at most once per revision."""
    identity = (pathway.revision, pathway.created_at)
    cached = _cache.get(pathway.pk)
    if cached is not None and cached[0] == identity:
        return cached[1]
    snapshot = build(pathway)
    with _lock:
        _cache[pathway.pk] = (identity, snapshot)
    return snapshot


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def build(pathway: pm.Pathway) -> em.Snapshot:
    steps = list(pathway.steps.all())
    step_codes = {step.pk: step.code for step in steps}
    step_order = {step.pk: i for i, step in enumerate(steps)}
    questions = pathway.questions.select_related("kb_entry").prefetch_related(
        "options", Prefetch("enable_when", queryset=pm.Criterion.objects.order_by("group", "id"))
    )
    rules = pathway.rules.prefetch_related(
        Prefetch("criteria", queryset=pm.Criterion.objects.order_by("group", "id")), "sources"
    )
    items = pathway.handout_items.select_related("kb_entry").prefetch_related(
        Prefetch("shown_when", queryset=pm.Criterion.objects.order_by("group", "id")), "sources"
    )
    return em.Snapshot(
        pathway=pathway.slug,
        version=pathway.version,
        steps=tuple(em.StepSpec(s.code, s.title, s.intro) for s in steps),
        questions=tuple(
            em.QuestionSpec(
                code=q.code,
                step=step_codes[q.step_id],
                type=q.type,
                prompt=q.prompt,
                help=q.help,
                required=q.required,
                red_flag=q.red_flag,
                key_exam=q.key_exam,
                minimum=0 if q.type == "mrc" else q.min_value,
                maximum=5 if q.type == "mrc" else q.max_value,
                unit=q.unit,
                kb_slug=q.kb_entry.slug if q.kb_entry else "",
                kb_title=q.kb_entry.title if q.kb_entry else "",
                diagram_layer=q.diagram_layer,
                options=tuple(em.OptionSpec(o.code, o.label) for o in q.options.all()),
                enable_when=pm.condition_of(q.enable_when.all()),
            )
            for q in sorted(questions, key=lambda q: (step_order[q.step_id], q.order, q.pk))
        ),
        rules=tuple(
            em.RuleSpec(
                code=r.code,
                effect=r.effect,
                target=r.target,
                condition=pm.condition_of(r.criteria.all()),
                weight=float(r.weight),
                title=r.title,
                rationale=r.rationale,
                action=r.action,
                patient_line=r.patient_line,
                sources=tuple(sorted(s.key for s in r.sources.all())),
            )
            for r in rules
        ),
        tiers=tuple(
            em.TierSpec(
                t.code,
                t.rank,
                t.title,
                t.timeframe,
                t.clinician_summary,
                t.patient_summary,
                t.review_interval_days,
                t.banner,
            )
            for t in pathway.tiers.all()
        ),
        levels=tuple(
            em.LevelSpec(
                lv.code, lv.title, lv.kb_entry.slug if lv.kb_entry else "", lv.patient_explanation
            )
            for lv in pathway.levels.select_related("kb_entry")
        ),
        default_tier=pathway.default_tier,
        threshold=float(pathway.localisation_threshold),
        margin=float(pathway.localisation_margin),
        handout_items=tuple(
            em.HandoutItemSpec(
                code=i.code,
                role=i.role,
                title=i.title,
                condition=pm.condition_of(i.shown_when.all()),
                involves=i.involves,
                benefit=i.benefit,
                risks=i.risks,
                recovery=i.recovery,
                kb_slug=i.kb_entry.slug if i.kb_entry else "",
                sources=tuple(sorted(s.key for s in i.sources.all())),
            )
            for i in items
        ),
    )
