"""Reading the seed files: YAML, through the schema, into the engine's Snapshot and kb entries.

`read()` reads and checks a seeds directory and raises SeedError listing every problem, each
with its file, entry and field; it writes nothing and reads no database. A pathway is checked
by the one linter (`pathway.engine.lint`, which the admin and the publish gate also run) on the
Snapshot read from its files; what only the files hold (unique codes, the directory's name,
regression cases, kb and source references) is checked here.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from kb import markdown
from pathway.engine import conditions, lint
from pathway.engine import model as em
from pathway.seeds import schema
from pathway.seeds.schema import KB_KINDS, SeedError

__all__ = ["PathwaySeed", "SeedData", "SeedError", "read", "read_pathway"]

# Seed files are at most six levels deep; a deeper file is a mistake or an attack, and deep
# enough nesting exhausts the YAML parser's recursion.
MAX_DEPTH = 24


@dataclass(frozen=True)
class PathwaySeed:
    """One pathway directory as read: its files' entries, and the snapshot the engine sees."""

    meta: schema.PathwayFile
    questions: tuple[schema.QuestionSeed, ...]
    rules: tuple[schema.RuleSeed, ...]
    handout_items: tuple[schema.HandoutItemSeed, ...]
    cases: tuple[schema.CaseSeed, ...]
    snapshot: em.Snapshot
    # ("question", code) -> where the file names it, for messages.
    places: dict[tuple[str, str], str] = field(default_factory=dict, compare=False)

    @property
    def slug(self) -> str:
        return self.meta.slug


@dataclass
class SeedData:
    """Everything read from a seeds directory."""

    sources: list[schema.SourceSeed] = field(default_factory=list)
    kb: dict[str, list[schema.EntrySeed]] = field(default_factory=dict)
    pathways: list[PathwaySeed] = field(default_factory=list)
    # (kind, slug or key) -> where the file names it, for messages.
    places: dict[tuple[str, str], str] = field(default_factory=dict)


def read(
    seeds_dir: Path | str,
    *,
    existing_roots: Iterable[str] = (),
    existing_tiers: Iterable[str] = (),
) -> SeedData:
    """Read and check a seeds directory. Raises SeedError listing every problem.

    `existing_roots`: root codes already in the database, which kb entries may name."""
    seeds_dir = Path(seeds_dir)
    if not seeds_dir.is_dir():
        raise SeedError([f"{seeds_dir}: no such directory"])
    problems: list[str] = []
    data = SeedData(kb={kind: [] for kind in KB_KINDS})
    declared = {"slugs": set[str](), "keys": set[str]()}
    kb_dir = seeds_dir / "kb"
    for path in sorted(kb_dir.glob("*.yaml")) if kb_dir.is_dir() else []:
        name = str(path.relative_to(seeds_dir.parent))
        content = _read_yaml(path, seeds_dir, problems)
        declared["slugs"] |= _declared(content, KB_KINDS, "slug")
        declared["keys"] |= _declared(content, ["sources"], "key")
        kb_file = _validated(schema.KbFile, content, name, problems)
        for kind in schema.KbFile.model_fields if kb_file else ():
            for index, entry in enumerate(getattr(kb_file, kind)):
                label = entry.key if isinstance(entry, schema.SourceSeed) else entry.slug
                data.places.setdefault(
                    (kind, label), f"{name}: " + schema.item_label(kind, {"slug": label}, index)
                )
                (data.sources if kind == "sources" else data.kb[kind]).append(entry)
    pathways_dir = seeds_dir / "pathways"
    for directory in (
        sorted(p for p in pathways_dir.iterdir() if p.is_dir()) if pathways_dir.is_dir() else []
    ):
        pathway = _read_pathway(directory, seeds_dir, problems)
        if pathway:
            data.pathways.append(pathway)
    problems += _cross_check(data, set(existing_roots), set(existing_tiers), declared)
    if problems:
        raise SeedError(problems)
    return data


def read_pathway(directory: Path | str) -> PathwaySeed:
    """Read and check one pathway directory on its own (no kb cross-checks)."""
    directory = Path(directory)
    problems: list[str] = []
    seed = _read_pathway(directory, directory.parent.parent, problems)
    if problems or seed is None:
        raise SeedError(problems or [f"{directory}: cannot read the pathway"])
    return seed


# --- YAML --------------------------------------------------------------------------------------


def _depth(document: Any) -> int:
    deepest, stack = 0, [(document, 1)]
    while stack and deepest <= MAX_DEPTH:
        value, level = stack.pop()
        deepest = max(deepest, level)
        children = (
            value.values()
            if isinstance(value, dict)
            else (value if isinstance(value, list) else ())
        )
        stack.extend((child, level + 1) for child in children)
    return deepest


def _read_yaml(path: Path, root: Path, problems: list[str]) -> Any:
    """The file's content, or None (and a problem) if it cannot be read, is empty or too deep."""
    name = path.relative_to(root.parent) if path.is_relative_to(root.parent) else path
    try:
        with path.open(encoding="utf-8") as handle:
            content = yaml.safe_load(handle)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{name}, line {mark.line + 1}" if mark else str(name)
        problems.append(f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}")
    except RecursionError:
        problems.append(f"{name}: nested too deeply (at most {MAX_DEPTH} levels)")
    except ValueError as exc:  # e.g. an integer too long to convert
        problems.append(f"{name}: not valid YAML: {exc}")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{name}: cannot read: {exc}")
    else:
        if content is None:
            problems.append(f"{name}: empty: delete the file, or give it its entries")
        elif _depth(content) > MAX_DEPTH:
            problems.append(f"{name}: nested too deeply (at most {MAX_DEPTH} levels)")
        else:
            return content
    return None


# --- through the schema ------------------------------------------------------------------------


def _declared(content: Any, collections: Iterable[str], key: str) -> set[str]:
    """The names a file's entries declare, valid or not, so that an entry with a problem is
    reported once, and not again by everything that refers to it."""
    if not isinstance(content, dict):
        return set()
    return {
        item[key].strip()
        for name in collections
        if isinstance(content.get(name), list)
        for item in content[name]
        if isinstance(item, dict) and isinstance(item.get(key), str)
    }


_DROPPED = object()


def _validated[M: schema.SeedModel](
    model: type[M], content: Any, name: str, problems: list[str]
) -> M | None:
    """The file's content as the schema's model, or None with its problems added.

    When some entries are wrong, the rest are still returned (with the problems added), so
    the cross-checks can report every other problem in the same run."""
    if content is None:
        return None
    try:
        return model.model_validate(content)
    except ValidationError as exc:
        problems += schema.problems(exc, file=name, content=content, model=model)
        errors = exc.errors()
    trimmed = _without_errors(content, errors)
    if trimmed is None:
        return None
    try:
        return model.model_validate(trimmed)
    except ValidationError:
        return None


def _without_errors(content: Any, errors: list[Any]) -> Any:
    """The content without its unknown keys and without the entries that have errors."""
    if not isinstance(content, dict):
        return None
    content = copy.deepcopy(content)
    for error in errors:
        loc = error["loc"]
        if error["type"] != "extra_forbidden":
            first = next((i for i, part in enumerate(loc) if isinstance(part, int)), None)
            loc = loc[: first + 1] if first is not None else loc[:1]
        parent = content
        for part in loc[:-1]:
            parent = _child(parent, part)
        if not loc:
            continue
        if isinstance(parent, list) and _child(parent, loc[-1]) is not None:
            parent[loc[-1]] = _DROPPED
        elif isinstance(parent, dict):
            parent.pop(loc[-1], None)
    return _drop_marked(content)


def _child(value: Any, part: Any) -> Any:
    if isinstance(value, dict):
        return value.get(part)
    if isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value):
        return value[part]
    return None


def _drop_marked(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_marked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_drop_marked(v) for v in value if v is not _DROPPED]
    return value


# --- a pathway directory -----------------------------------------------------------------------


def _read_pathway(directory: Path, seeds_dir: Path, problems: list[str]) -> PathwaySeed | None:
    before = len(problems)
    names = {
        filename: str((directory / filename).relative_to(seeds_dir.parent))
        for filename in schema.PATHWAY_FILES
    }
    files: dict[str, Any] = {}
    contents: dict[str, Any] = {}
    for filename, model in schema.PATHWAY_FILES.items():
        path = directory / filename
        if not path.exists():
            if filename == "pathway.yaml":
                problems.append(
                    f"{names[filename]}: missing: every pathway directory needs pathway.yaml"
                )
                return None
            files[filename] = model()
            continue
        content = contents[filename] = _read_yaml(path, seeds_dir, problems)
        files[filename] = _validated(model, content, names[filename], problems) or (
            None if filename == "pathway.yaml" else model()
        )
    meta: schema.PathwayFile | None = files["pathway.yaml"]
    if meta is None:
        return None
    if directory.name != meta.slug:
        problems.append(
            f"{names['pathway.yaml']}, field 'slug': '{meta.slug}' must match its "
            f"directory name '{directory.name}'"
        )
    questions = tuple(files["questions.yaml"].questions)
    rules = tuple(files["rules.yaml"].rules)
    items = tuple(files["handout.yaml"].items)
    cases = tuple(files["cases.yaml"].cases)
    places: dict[tuple[str, str], str] = {}
    for kind, filename, collection, entries in (
        ("step", "pathway.yaml", "steps", meta.steps),
        ("tier", "pathway.yaml", "tiers", meta.tiers),
        ("level", "pathway.yaml", "levels", meta.levels),
        ("question", "questions.yaml", "questions", questions),
        ("rule", "rules.yaml", "rules", rules),
        ("handout item", "handout.yaml", "items", items),
        ("case", "cases.yaml", "cases", cases),
    ):
        problems += _duplicates(names[filename], collection, entries, places, kind)
    for question in questions:
        problems += _duplicates(
            places[("question", question.code)], "options", question.options, {}, "option"
        )
    problems += _check_cases(
        cases,
        places,
        {
            "answers": {q.code for q in questions}
            | _declared(contents.get("questions.yaml"), ["questions"], "code"),
            "expect_tiers": {t.code for t in meta.tiers}
            | _declared(contents["pathway.yaml"], ["tiers"], "code"),
            "expect_levels": {lv.code for lv in meta.levels}
            | _declared(contents["pathway.yaml"], ["levels"], "code"),
        },
    )
    snapshot = to_snapshot(meta, questions, rules, items)
    if len(problems) == before:  # the linter needs well-formed entries
        problems += _lint(snapshot, places, names)
    return PathwaySeed(meta, questions, rules, items, cases, snapshot, places)


def _duplicates(
    where: str,
    collection: str,
    entries: Iterable[Any],
    places: dict[tuple[str, str], str],
    kind: str,
) -> list[str]:
    found = []
    for index, entry in enumerate(entries):
        here = f"{where}: {schema.item_label(collection, {'code': entry.code}, index)}"
        if (kind, entry.code) in places:
            found.append(f"{here}: duplicate code '{entry.code}'")
        places.setdefault((kind, entry.code), here)
    return found


def _check_cases(
    cases: Iterable[schema.CaseSeed], places: dict[tuple[str, str], str], known: dict[str, set[str]]
) -> list[str]:
    found = []
    for case in cases:
        where = places[("case", case.code)]
        found += [
            f"{where}, field 'answers': unknown question code '{code}'"
            for code in case.answers
            if code not in known["answers"]
        ]
        found += [
            f"{where}, field 'expect_tiers': unknown tier '{tier}'"
            for tier in case.expect_tiers
            if tier not in known["expect_tiers"]
        ]
        found += [
            f"{where}, field 'expect_levels': unknown level '{level}'"
            for level in case.expect_levels
            if level not in known["expect_levels"]
        ]
    return found


def _lint(
    snapshot: em.Snapshot, places: dict[tuple[str, str], str], names: dict[str, str]
) -> list[str]:
    """The linter's findings that stop content being loaded at all; those that only block
    publishing (a rule never true, a missing source) are left to the gate, so a draft may
    hold them while it is worked on."""
    pathway_file = {"rules": names["rules.yaml"], "questions": names["questions.yaml"]}
    found = []
    for finding in lint.lint(snapshot):
        if not finding.malformed:
            continue
        if finding.item == "pathway":
            where = pathway_file.get(finding.field, names["pathway.yaml"])
            field_name = f", field '{finding.field}'" if finding.field == "default_tier" else ""
        else:
            where = places.get((finding.item, finding.code), finding.where)
            field_name = f", field '{finding.field}'" if finding.field else ""
        found.append(f"{where}{field_name}: {finding.message}")
    return found


def to_snapshot(
    meta: schema.PathwayFile,
    questions: Iterable[schema.QuestionSeed],
    rules: Iterable[schema.RuleSeed],
    items: Iterable[schema.HandoutItemSeed],
) -> em.Snapshot:
    """The engine's snapshot of a pathway read from seeds, as `pathway.snapshot.build` makes
    it from the database (version 0: not a stored version)."""
    steps = [s.code for s in meta.steps]
    in_step_order = sorted(
        questions, key=lambda q: steps.index(q.step) if q.step in steps else len(steps)
    )
    return em.Snapshot(
        pathway=meta.slug,
        version=0,
        steps=tuple(em.StepSpec(s.code, s.title, s.intro) for s in meta.steps),
        questions=tuple(
            em.QuestionSpec(
                code=q.code,
                step=q.step,
                type=q.type,
                prompt=q.prompt,
                help=q.help,
                required=q.required,
                red_flag=q.red_flag,
                key_exam=q.key_exam,
                minimum=q.bounds[0] if q.bounds else None,
                maximum=q.bounds[1] if q.bounds else None,
                unit=q.unit,
                kb_slug=q.kb,
                diagram_layer=q.diagram_layer,
                options=tuple(em.OptionSpec(o.code, o.label) for o in q.options),
                enable_when=conditions.parse_condition(q.enable_when),
            )
            for q in in_step_order
        ),
        rules=tuple(
            em.RuleSpec(
                code=r.code,
                effect=r.effect,
                target=r.target,
                condition=conditions.parse_condition(r.when),
                weight=float(r.weight),
                title=r.title,
                rationale=r.rationale,
                action=r.action,
                patient_line=r.patient_line,
                sources=tuple(sorted(r.sources)),
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
            for t in sorted(meta.tiers, key=lambda t: t.rank)
        ),
        levels=tuple(
            em.LevelSpec(lv.code, lv.title, lv.kb, lv.patient_explanation) for lv in meta.levels
        ),
        default_tier=meta.default_tier,
        threshold=float(meta.localisation.threshold),
        margin=float(meta.localisation.margin),
        handout_items=tuple(
            em.HandoutItemSpec(
                code=i.code,
                role=i.role,
                title=i.title,
                condition=conditions.parse_condition(i.when),
                involves=i.involves,
                benefit=i.benefit,
                risks=i.risks,
                recovery=i.recovery,
                kb_slug=i.kb,
                sources=tuple(sorted(i.sources)),
            )
            for i in items
        ),
    )


# --- references between files ------------------------------------------------------------------


def _cross_check(
    data: SeedData,
    existing_roots: set[str],
    existing_tiers: set[str],
    declared: dict[str, set[str]],
) -> list[str]:
    """Sources, slugs, roots and tiers the seeds refer to, across files."""
    found = []
    seen: set[str] = set()
    for source in data.sources:
        if source.key in seen:
            found.append(f"{data.places[('sources', source.key)]}: duplicate key '{source.key}'")
        seen.add(source.key)
    source_keys = seen | declared["keys"]
    root_codes = {r.code for r in data.kb["roots"]} | existing_roots
    # A treatment's tier is one of the pathways' tiers: there is no second tier vocabulary.
    tier_codes = {t.code for p in data.pathways for t in p.meta.tiers} | existing_tiers
    slugs: dict[str, str] = {}
    for kind, entries in data.kb.items():
        own_fields = [
            n for n in KB_KINDS[kind].seed.model_fields if n not in schema.EntrySeed.model_fields
        ]
        for entry in entries:
            where = data.places[(kind, entry.slug)]
            if entry.slug in slugs:
                found.append(
                    f"{where}, field 'slug': '{entry.slug}' is already used by {slugs[entry.slug]}"
                )
            slugs.setdefault(entry.slug, where)
            found += [
                f"{where}, field 'sources': unknown source '{key}'"
                for key in entry.sources
                if key not in source_keys
            ]
            for name in ("body", *own_fields):
                value = getattr(entry, name)
                if not isinstance(value, str):
                    continue
                for key in markdown.cited_keys(value):
                    if key not in source_keys:
                        found.append(f"{where}, field '{name}': cites unknown source '{key}'")
                    elif key not in entry.sources:
                        found.append(
                            f"{where}, field '{name}': cites '{key}', which is not in "
                            "its sources list"
                        )
            found += [
                f"{where}, field 'roots': unknown root '{code}'"
                for code in getattr(entry, "roots", ())
                if code not in root_codes
            ]
            tier = getattr(entry, "tier", None)
            if tier is not None and tier not in tier_codes:
                found.append(
                    f"{where}, field 'tier': '{tier}' must be one of "
                    f"{', '.join(sorted(tier_codes)) or "the pathways' tiers"}"
                )
    known_slugs = set(slugs) | declared["slugs"]
    for pathway in data.pathways:
        for kind, referring in (
            ("question", pathway.questions),
            ("level", pathway.meta.levels),
            ("handout item", pathway.handout_items),
        ):
            found += [
                f"{pathway.places[(kind, item.code)]}, field 'kb': no knowledge-base "
                f"entry with slug '{item.kb}'"
                for item in referring
                if item.kb and item.kb not in known_slugs
            ]
        for kind, citing in (("rule", pathway.rules), ("handout item", pathway.handout_items)):
            found += [
                f"{pathway.places[(kind, item.code)]}, field 'sources': unknown source '{key}'"
                for item in citing
                for key in item.sources
                if key not in source_keys
            ]
    return found
