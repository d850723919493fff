"""Loading the seeds into the database: the version policy. Seeds never destroy.

`load()` reads and checks everything first (`reader.read`), and writes nothing if there is any
problem. Then, in one transaction: sources and kb entries are upserted by key and slug, each
with the digest of the seed it was written from, so an entry edited in the admin since is kept;
a pathway whose seeds match an existing version (of any status) is left alone, and otherwise
becomes a new draft version. Only on an empty database is the first version published (through
the publish gate).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from kb.models import Entry, Muscle, NerveRoot, RootContribution, Source
from pathway import models as pm
from pathway.digests import digest
from pathway.engine import conditions
from pathway.publishing import PublishRefused, publish
from pathway.seeds import exporter, reader
from pathway.seeds.reader import PathwaySeed, SeedData
from pathway.seeds.schema import KB_KINDS, SeedError


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)

    def add(self, line: str) -> None:
        self.lines.append(line)


def load(seeds_dir: Path | str, *, report: Report | None = None) -> Report:
    """Check then write the seeds. Raises SeedError (and writes nothing) on any problem.

    Nothing an editor made is destroyed: a kb entry or source edited in the admin since the
    seeds last wrote it is kept (and reported); a pathway version is never edited or deleted,
    whatever its status: seeds that match no version become a new draft.
    """
    report = report or Report()
    data = reader.read(
        Path(seeds_dir),
        existing_roots=NerveRoot.objects.values_list("code", flat=True),
        existing_tiers=pm.Tier.objects.values_list("code", flat=True).distinct(),
    )
    with transaction.atomic():
        _write_sources(data, report)
        _write_kb(data, report)
        for pathway in data.pathways:
            _write_pathway(pathway, report)
    return report


# --- sources and kb entries --------------------------------------------------------------------


@dataclass
class _Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept: list[str] = field(default_factory=list)

    def line(self, what: str) -> str:
        text = f"{what}: {self.created} created, {self.updated} updated, {self.unchanged} unchanged"
        if self.kept:
            text += (
                f"; kept {len(self.kept)} edited in the admin since the seeds last wrote "
                f"them (the seed files differ): {', '.join(sorted(self.kept))}"
            )
        return text


def _decide(stored_form: dict[str, Any], stored_digest: str, wanted: dict[str, Any]) -> str:
    """'same', 'update' (the row is as the seeds last left it) or 'keep' (edited since)."""
    if stored_form == wanted:
        return "same"
    return "update" if stored_digest == digest(stored_form) else "keep"


def _set_fields(obj: Any, values: dict[str, Any]) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _write_sources(data: SeedData, report: Report) -> None:
    existing = {s.key: s for s in Source.objects.all()}
    tally = _Tally()
    for entry in data.sources:
        wanted = entry.model_dump()
        source = existing.get(entry.key)
        if source is None:
            Source.objects.create(**wanted, seed_digest=digest(wanted))
            tally.created += 1
            continue
        decision = _decide(exporter.source_form(source), source.seed_digest, wanted)
        if decision == "keep":
            tally.kept.append(entry.key)
            continue
        if decision == "update":
            _set_fields(source, {k: v for k, v in wanted.items() if k != "key"})
            tally.updated += 1
        else:
            tally.unchanged += 1
        if source.seed_digest != digest(wanted):
            source.seed_digest = digest(wanted)
            source.save()
    report.add(tally.line("sources"))


def _write_kb(data: SeedData, report: Report) -> None:
    sources = {s.key: s for s in Source.objects.all()}
    roots = {r.code: r for r in NerveRoot.objects.all()}
    tally = _Tally()
    for kind, spec in KB_KINDS.items():  # roots first: other kinds link to them
        existing = {e.slug: e for e in spec.model.objects.prefetch_related("sources")}
        for entry in data.kb[kind]:
            wanted = exporter.seed_entry_form(entry)
            values = entry.model_dump(exclude={"sources", *spec.relations})
            obj = existing.get(entry.slug)
            if obj is None:
                if Entry.objects.filter(slug=entry.slug).exists():
                    raise SeedError(
                        [
                            f"{data.places[(kind, entry.slug)]}, field 'slug': "
                            f"'{entry.slug}' is already used by an entry of another "
                            "kind"
                        ]
                    )
                obj = spec.model.objects.create(**values, seed_digest=digest(wanted))
                tally.created += 1
            else:
                decision = _decide(exporter.entry_form(obj, kind), obj.seed_digest, wanted)
                if decision == "keep":
                    tally.kept.append(entry.slug)
                    if kind == "roots":
                        roots[obj.code] = obj
                    continue
                if decision == "update":
                    _set_fields(obj, values)
                    tally.updated += 1
                else:
                    tally.unchanged += 1
                if decision == "update" or obj.seed_digest != digest(wanted):
                    obj.seed_digest = digest(wanted)
                    obj.save()
            wanted_sources = {sources[k] for k in entry.sources}
            if set(obj.sources.all()) != wanted_sources:
                obj.sources.set(wanted_sources)
            if kind == "roots":
                roots[obj.code] = obj
            if "roots" in spec.relations:
                _write_roots(obj, wanted["roots"], roots)
    report.add(tally.line("knowledge base"))


def _write_roots(obj: Entry, wanted: Any, roots: dict[str, NerveRoot]) -> bool:
    if isinstance(obj, Muscle):
        current = {c.root.code: c.share for c in obj.contributions.select_related("root")}
        if current == wanted:
            return False
        obj.contributions.all().delete()
        RootContribution.objects.bulk_create(
            RootContribution(muscle=obj, root=roots[code], share=share)
            for code, share in wanted.items()
        )
        return True
    current_codes = set(obj.roots.values_list("code", flat=True))
    if current_codes == set(wanted):
        return False
    obj.roots.set([roots[code] for code in wanted])
    return True


# --- pathways ----------------------------------------------------------------------------------


def _write_pathway(seed: PathwaySeed, report: Report) -> None:
    """Load a pathway's seeds without touching any existing version.

    Seeds that match an existing version (published, draft or retired) change nothing. On an
    empty database the first version is loaded and published through the gate. Otherwise the
    seeds become a new draft, reviewed and published in the admin like any edit; drafts an
    editor is working on are left exactly as they are.
    """
    slug = seed.slug
    versions = list(pm.Pathway.objects.for_slug(slug).order_by("-version"))
    wanted = exporter.canonical_pathway(seed)
    for version in versions:
        if exporter.export_pathway(version) == wanted:
            report.add(
                f"pathway {slug}: unchanged (the seeds match v{version.version}, {version.status})"
            )
            return
    if not versions:
        pathway = _create_version(seed, version=1)
        try:
            publish(pathway, user=None)
        except PublishRefused as exc:
            report.add(
                f"pathway {slug}: v1 loaded as a draft but NOT published, because: "
                + "; ".join(exc.problems)
            )
        else:
            report.add(f"pathway {slug}: v1 created from the seeds and published")
        return
    pathway = _create_version(seed, version=versions[0].version + 1)
    drafts = [f"v{v.version}" for v in versions if v.status == pm.Pathway.Status.DRAFT]
    kept = f" Drafts left untouched: {', '.join(drafts)}." if drafts else ""
    report.add(
        f"pathway {slug}: the seeds match no existing version; loaded them as draft "
        f"v{pathway.version}.{kept} Review and publish it in the admin."
    )


def _create_version(seed: PathwaySeed, *, version: int) -> pm.Pathway:
    entries = {e.slug: e for e in Entry.objects.all()}
    sources = {s.key: s for s in Source.objects.all()}
    meta = seed.meta
    pathway = pm.Pathway.objects.create(
        version=version,
        status=pm.Pathway.Status.DRAFT,
        localisation_threshold=meta.localisation.threshold,
        localisation_margin=meta.localisation.margin,
        **meta.model_dump(exclude={"localisation", "steps", "tiers", "levels"}),
    )
    steps = {}
    for order, step in enumerate(meta.steps, 1):
        steps[step.code] = pm.Step.objects.create(pathway=pathway, order=order, **step.model_dump())
    for tier in meta.tiers:
        pm.Tier.objects.create(pathway=pathway, **tier.model_dump())
    for order, level in enumerate(meta.levels, 1):
        pm.Level.objects.create(
            pathway=pathway,
            order=order,
            kb_entry=entries.get(level.kb),
            **level.model_dump(exclude={"kb"}),
        )
    questions = []
    for order, q in enumerate(seed.questions, 1):
        low, high = q.bounds or (None, None)
        question = pm.Question.objects.create(
            pathway=pathway,
            step=steps[q.step],
            order=order,
            min_value=low,
            max_value=high,
            kb_entry=entries.get(q.kb),
            **q.model_dump(exclude={"step", "range", "kb", "enable_when", "options"}),
        )
        pm.Option.objects.bulk_create(
            pm.Option(question=question, order=i, **o.model_dump())
            for i, o in enumerate(q.options, 1)
        )
        questions.append((question, q.enable_when))
    for question, text in questions:
        _create_criteria(text, enables=question)
    for order, r in enumerate(seed.rules, 1):
        rule = pm.Rule.objects.create(
            pathway=pathway, order=order, **r.model_dump(exclude={"when", "sources"})
        )
        rule.sources.set(sources[k] for k in r.sources)
        _create_criteria(r.when, rule=rule)
    for order, item in enumerate(seed.handout_items, 1):
        handout_item = pm.HandoutItem.objects.create(
            pathway=pathway,
            order=order,
            kb_entry=entries.get(item.kb),
            **item.model_dump(exclude={"when", "sources", "kb"}),
        )
        handout_item.sources.set(sources[k] for k in item.sources)
        _create_criteria(item.when, shows=handout_item)
    for order, case in enumerate(seed.cases, 1):
        pm.RegressionCase.objects.create(pathway=pathway, order=order, **case.model_dump())
    pathway.touch()  # the bulk writes above send no signals
    return pathway


def _create_criteria(text: str, **owner: Any) -> None:
    # Checked by the reader against the seeds as a whole; the bulk write skips per-row checks.
    pm.Criterion.objects.bulk_create(
        pm.Criterion(
            group=group_number,
            subject=criterion.subject,
            op=criterion.op,
            value=list(criterion.value) if isinstance(criterion.value, tuple) else criterion.value,
            **owner,
        )
        for group_number, group in enumerate(conditions.parse_condition(text), 1)
        for criterion in group
    )
