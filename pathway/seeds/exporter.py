"""The canonical form of content, and export to seed files.

The canonical form of a pathway is a plain dict keyed by the schema's fields, the same whether
it comes from seed files (`canonical_pathway`) or from a version in the database
(`export_pathway`): the loader compares the two to find a version matching the seeds, `compare`
diffs two versions with it, and `export` writes it back as YAML, so a round trip is lossless.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from kb.models import Entry, Muscle, Source
from pathway import models as pm
from pathway.engine import conditions
from pathway.seeds import schema
from pathway.seeds.reader import PathwaySeed
from pathway.seeds.schema import KB_KINDS


def _fields(model: type[schema.SeedModel], row: Any, **special: Any) -> dict[str, Any]:
    """A database row's values for the schema's fields, in the schema's order."""
    return {
        name: special[name] if name in special else getattr(row, name)
        for name in model.model_fields
    }


def _slug(entry: Entry | None) -> str:
    return entry.slug if entry else ""


# --- the canonical form ------------------------------------------------------------------------


def canonical_pathway(seed: PathwaySeed) -> dict[str, Any]:
    """A pathway read from seeds, in the comparable form of `export_pathway`."""
    questions = []
    for question in seed.questions:
        form = question.model_dump()
        form["range"] = list(question.range) if question.range else None
        questions.append(form)
    return _canonical(
        seed.meta.model_dump(),
        questions,
        [rule.model_dump() for rule in seed.rules],
        [item.model_dump() for item in seed.handout_items],
        [case.model_dump() for case in seed.cases],
    )


def export_pathway(pathway: pm.Pathway) -> dict[str, Any]:
    """A pathway version in its canonical form (as `canonical_pathway` of its seeds)."""
    questions = pathway.questions.select_related("step", "kb_entry").prefetch_related(
        "options", "enable_when"
    )
    rules = pathway.rules.prefetch_related("criteria", "sources")
    items = pathway.handout_items.select_related("kb_entry").prefetch_related(
        "shown_when", "sources"
    )
    meta = _fields(
        schema.PathwayFile,
        pathway,
        localisation={
            "threshold": pathway.localisation_threshold,
            "margin": pathway.localisation_margin,
        },
        steps=[_fields(schema.StepSeed, s) for s in pathway.steps.all()],
        tiers=[_fields(schema.TierSeed, t) for t in pathway.tiers.all()],
        levels=[
            _fields(schema.LevelSeed, lv, kb=_slug(lv.kb_entry))
            for lv in pathway.levels.select_related("kb_entry")
        ],
    )
    return _canonical(
        meta,
        [
            _fields(
                schema.QuestionSeed,
                q,
                step=q.step.code,
                kb=_slug(q.kb_entry),
                range=[q.min_value, q.max_value] if q.type == "number" else None,
                enable_when=conditions.format_condition(pm.condition_of(q.enable_when.all())),
                options=[_fields(schema.OptionSeed, o) for o in q.options.all()],
            )
            for q in questions
        ],
        [
            _fields(
                schema.RuleSeed,
                r,
                when=r.condition_text(),
                sources=[s.key for s in r.sources.all()],
            )
            for r in rules
        ],
        [
            _fields(
                schema.HandoutItemSeed,
                i,
                when=conditions.format_condition(i.condition()),
                kb=_slug(i.kb_entry),
                sources=[s.key for s in i.sources.all()],
            )
            for i in items
        ],
        [_fields(schema.CaseSeed, c) for c in pathway.cases.all()],
    )


def _canonical(
    meta: dict[str, Any],
    questions: list[dict[str, Any]],
    rules: list[dict[str, Any]],
    items: list[dict[str, Any]],
    cases: list[dict[str, Any]],
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in meta.items():
        if name == "localisation":
            out["localisation_threshold"] = value["threshold"]
            out["localisation_margin"] = value["margin"]
        else:
            out[name] = value
    for rule in (*rules, *items):
        rule["sources"] = sorted(rule["sources"])
    return {**out, "questions": questions, "rules": rules, "handout_items": items, "cases": cases}


def source_form(source: Source) -> dict[str, Any]:
    """A source's seed-comparable content, from the database."""
    return _fields(schema.SourceSeed, source)


def entry_form(entry: Entry, kind: str) -> dict[str, Any]:
    """A kb entry's seed-comparable content, from the database."""
    if isinstance(entry, Muscle):
        roots: Any = {c.root.code: c.share for c in entry.contributions.select_related("root")}
    elif "roots" in KB_KINDS[kind].seed.model_fields:
        roots = sorted(entry.roots.values_list("code", flat=True))
    else:
        roots = None
    return _fields(
        KB_KINDS[kind].seed, entry, sources=sorted(s.key for s in entry.sources.all()), roots=roots
    )


def seed_entry_form(entry: schema.EntrySeed) -> dict[str, Any]:
    """A kb entry's seed-comparable content, from the seeds."""
    form = entry.model_dump()
    form["sources"] = sorted(form["sources"])
    if isinstance(form.get("roots"), list):
        form["roots"] = sorted(form["roots"])
    return form


# --- YAML --------------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    pass


def _str_presenter(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value + "\n", style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


def _decimal_presenter(dumper: yaml.SafeDumper, value: Decimal) -> yaml.Node:
    number = int(value) if value == value.to_integral_value() else float(value)
    return dumper.represent_data(number)


_Dumper.add_representer(str, _str_presenter)
_Dumper.add_representer(Decimal, _decimal_presenter)


def _dump(path: Path, content: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        yaml.dump(content, handle, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def _drop_defaults(entry: dict[str, Any], model: type[schema.SeedModel]) -> dict[str, Any]:
    """The entry without optional fields left at their default (or empty)."""
    out = {}
    for name, value in entry.items():
        spec = model.model_fields.get(name)
        if (
            spec
            and not spec.is_required()
            and value in (spec.get_default(call_default_factory=True), "", None, [], {})
        ):
            continue
        out[name] = value
    return out


# --- export ------------------------------------------------------------------------------------


def export(target: Path | str, *, slugs: Iterable[str] | None = None) -> list[Path]:
    """Write the database content to `target` in the seed layout. Returns the files written."""
    target = Path(target)
    written: list[Path] = []
    sources = [
        _drop_defaults(source_form(s), schema.SourceSeed) for s in Source.objects.order_by("key")
    ]
    path = target / "kb" / "sources.yaml"
    _dump(path, {"sources": sources})
    written.append(path)
    for kind, spec in KB_KINDS.items():
        entries = [
            _drop_defaults(entry_form(obj, kind), spec.seed)
            for obj in spec.model.objects.order_by("slug").prefetch_related("sources")
        ]
        path = target / "kb" / f"{kind}.yaml"
        _dump(path, {kind: entries})
        written.append(path)
    chosen = set(slugs) if slugs else set(pm.Pathway.objects.values_list("slug", flat=True))
    for slug in sorted(chosen):
        versions = pm.Pathway.objects.for_slug(slug)
        pathway = versions.published().first() or versions.order_by("-version").first()
        if pathway is None:
            continue
        written.extend(_export_pathway_files(pathway, target / "pathways" / slug))
    return written


def _export_pathway_files(pathway: pm.Pathway, directory: Path) -> list[Path]:
    data = export_pathway(pathway)
    meta = {
        name: data[name]
        for name in schema.PathwayFile.model_fields
        if name not in {"localisation", "steps", "tiers", "levels"}
    }
    meta["localisation"] = {
        "threshold": data["localisation_threshold"],
        "margin": data["localisation_margin"],
    }
    meta = {name: meta[name] for name in schema.PathwayFile.model_fields if name in meta}
    meta = _drop_defaults(meta, schema.PathwayFile)
    meta["steps"] = [_drop_defaults(s, schema.StepSeed) for s in data["steps"]]
    meta["tiers"] = [_drop_defaults(t, schema.TierSeed) for t in data["tiers"]]
    meta["levels"] = [_drop_defaults(lv, schema.LevelSeed) for lv in data["levels"]]
    files = {
        "pathway.yaml": meta,
        "questions.yaml": {
            "questions": [_drop_defaults(q, schema.QuestionSeed) for q in data["questions"]]
        },
        "rules.yaml": {"rules": [_drop_defaults(r, schema.RuleSeed) for r in data["rules"]]},
        "handout.yaml": {
            "items": [_drop_defaults(i, schema.HandoutItemSeed) for i in data["handout_items"]]
        },
        "cases.yaml": {"cases": [_drop_defaults(c, schema.CaseSeed) for c in data["cases"]]},
    }
    written = []
    for filename, content in files.items():
        path = directory / filename
        _dump(path, content)
        written.append(path)
    return written
