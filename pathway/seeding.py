"""Seed files: the default content as reviewable YAML, loaded and exported losslessly.

Layout (see README):

    seeds/kb/*.yaml                     each file maps a kind (sources, roots, muscles, regions,
                                        reflexes, tests, conditions, treatments) to a list
    seeds/pathways/<slug>/pathway.yaml  the pathway's metadata, steps, tiers and levels
    seeds/pathways/<slug>/questions.yaml
    seeds/pathways/<slug>/rules.yaml
    seeds/pathways/<slug>/cases.yaml    regression cases (answers and acceptable results)

`load()` reads and validates everything first; any problem is reported with the file, the entry
and the field, and nothing is written. Then it writes in one transaction: kb items and sources
are upserted by slug/key; a pathway is compared with its latest version and, if it differs, a
published version is never edited in place: the change becomes a new draft version.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction

from kb import markdown
from kb.models import (
    SAFE_URL,
    ClinicalTest,
    Condition,
    Entry,
    Muscle,
    NerveRoot,
    Reflex,
    RootContribution,
    SensoryRegion,
    Source,
    Treatment,
)
from pathway import models as pm
from pathway.digests import digest
from pathway.engine import conditions, lint
from pathway.publishing import PublishRefused, publish
from pathway.snapshot import from_seed

PATHWAY_FILES = ("pathway.yaml", "questions.yaml", "rules.yaml", "handout.yaml", "cases.yaml")


class SeedError(Exception):
    """The seed files have problems; `problems` lists each with its file, entry and field."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)

    def add(self, line: str) -> None:
        self.lines.append(line)


# --- field specs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class F:
    """One field of a seed entry: its kind, whether it is required, and its default."""

    kind: str  # str | text | date | bool | int | decimal | codes | roots | shares | condition | any
    required: bool = True
    default: Any = None


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


class _Checker:
    """Collects problems while normalising entries, so all of them are reported at once."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def entry(self, where: str, raw: Any, spec: dict[str, F]) -> dict[str, Any] | None:
        if not isinstance(raw, dict):
            self.problem(where, f"expected a mapping of fields, found {type(raw).__name__}")
            return None
        unknown = sorted(set(raw) - set(spec))
        for name in unknown:
            self.problem(f"{where}, field '{name}'", f"unknown field (known: {', '.join(spec)})")
        out: dict[str, Any] = {}
        for name, f in spec.items():
            here = f"{where}, field '{name}'"
            if name not in raw or raw[name] is None or raw[name] == "":
                if f.required:
                    self.problem(here, "required, but missing or empty")
                out[name] = f.default() if callable(f.default) else f.default
                continue
            out[name] = self.value(here, raw[name], f.kind)
        return out

    def value(self, here: str, value: Any, kind: str) -> Any:
        if kind in {"str", "text"}:
            if isinstance(value, bool):
                self.problem(here, "YAML read this as true/false: put yes, no, on or off in "
                                   'quotes, e.g. "yes"')
                return str(value).lower()
            if isinstance(value, dict | list):
                self.problem(here, "expected text")
                return ""
            return _text(value)
        if kind == "date":
            if isinstance(value, dt.date):
                return value
            try:
                return dt.date.fromisoformat(str(value))
            except ValueError:
                self.problem(here, f"expected a date as YYYY-MM-DD, found {value!r}")
                return None
        if kind == "bool":
            if not isinstance(value, bool):
                self.problem(here, f"expected true or false, found {value!r}")
            return bool(value)
        if kind == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                self.problem(here, f"expected a whole number, found {value!r}")
                return None
            return value
        if kind == "decimal":
            try:
                return Decimal(str(value)).quantize(Decimal("0.01"))
            except (InvalidOperation, ValueError):
                self.problem(here, f"expected a number, found {value!r}")
                return None
        if kind == "codes":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                self.problem(here, f"expected a list of codes, found {value!r}")
                return []
            return list(value)
        if kind == "shares":
            if not isinstance(value, dict):
                self.problem(here, f"expected a mapping of root code to main/part, found {value!r}")
                return {}
            for share in value.values():
                if share not in RootContribution.Share.values:
                    self.problem(here, f"share must be main or part, found {share!r}")
            return {str(k): v for k, v in value.items()}
        if kind == "url":
            text = _text(value)
            try:
                SAFE_URL(text)
            except ValidationError:
                self.problem(here, f"expected an http or https address, found {text[:80]!r}")
                return ""
            return text
        if kind == "condition":
            if isinstance(value, list):
                # A list of conditions, all of which must hold: lets a rule reuse a shared
                # group (a YAML anchor under `groups:`) without writing it out again.
                if not value or not all(isinstance(v, str) and v.strip() for v in value):
                    self.problem(here, "expected a condition, or a list of conditions that "
                                       "must all hold")
                    return ""
                value = " and ".join(f"({v})" if " or " in v and " and " not in v
                                     and not v.strip().startswith("(") else v for v in value)
            elif isinstance(value, dict):
                self.problem(here, "expected a condition, or a list of conditions that must "
                                   "all hold")
                return ""
            try:
                return conditions.format_condition(conditions.parse_condition(str(value)))
            except conditions.ConditionSyntaxError as exc:
                self.problem(here, str(exc))
                return ""
        return value


ENTRY_FIELDS = {
    "slug": F("str"),
    "title": F("str"),
    "summary": F("str"),
    "review_by": F("date"),
    "published": F("bool", required=False, default=True),
    "sources": F("codes", required=False, default=list),
    "body": F("text", required=False, default=""),
}


@dataclass(frozen=True)
class KbKind:
    model: type[Entry]
    fields: dict[str, F]
    relations: tuple[str, ...] = ()  # fields written after save (m2m / through)


KB_KINDS: dict[str, KbKind] = {
    "roots": KbKind(
        NerveRoot,
        {"code": F("str"), "exit_foramen": F("str"), "compressed_by": F("text"),
         "dermatome": F("text")},
    ),
    "muscles": KbKind(
        Muscle,
        {"action": F("str"), "peripheral_nerve": F("str"),
         "how_to_test": F("text", required=False, default=""), "roots": F("shares")},
        relations=("roots",),
    ),
    "regions": KbKind(
        SensoryRegion,
        {"code": F("str"), "view": F("str"),
         "peripheral_nerve": F("str", required=False, default=""),
         "roots": F("codes", required=False, default=list)},
        relations=("roots",),
    ),
    "reflexes": KbKind(
        Reflex, {"how_to_test": F("text"), "roots": F("codes")}, relations=("roots",)
    ),
    "tests": KbKind(
        ClinicalTest,
        {"how_to_test": F("text"), "positive_means": F("text"),
         "accuracy": F("text", required=False, default=""),
         "roots": F("codes", required=False, default=list)},
        relations=("roots",),
    ),
    "conditions": KbKind(
        Condition, {"category": F("str"), "key_features": F("text"), "management": F("text")}
    ),
    "treatments": KbKind(
        Treatment,
        {"tier": F("str"),
         "involves": F("text"), "benefit": F("text"), "risks": F("text"),
         "time_to_effect": F("str")},
    ),
}
KIND_BY_MODEL = {kind.model: name for name, kind in KB_KINDS.items()}

SOURCE_FIELDS = {
    "key": F("str"),
    "citation": F("text"),
    "publisher": F("str", required=False, default=""),
    "year": F("int", required=False),
    "url": F("url", required=False, default=""),
    "certainty": F("str", required=False, default="V"),
    "certainty_note": F("text", required=False, default=""),
}

PATHWAY_FIELDS = {
    "slug": F("str"),
    "title": F("str"),
    "intended_use": F("text"),
    "population": F("text"),
    "exclusions": F("text"),
    "review_by": F("date"),
    "default_tier": F("str"),
    "localisation": F("any"),
    "patient_intended_use": F("text"),
    "safety_net_emergency": F("text"),
    "safety_net_urgent": F("text"),
    "change_note": F("text", required=False, default=""),
    "steps": F("any"),
    "tiers": F("any"),
    "levels": F("any"),
}
STEP_FIELDS = {"code": F("str"), "title": F("str"), "intro": F("text", required=False, default="")}
TIER_FIELDS = {
    "code": F("str"),
    "rank": F("int"),
    "title": F("str"),
    "timeframe": F("str"),
    "clinician_summary": F("text"),
    "patient_summary": F("text"),
    "review_interval_days": F("int"),
    "banner": F("str", required=False, default=""),
}
LEVEL_FIELDS = {
    "code": F("str"),
    "title": F("str"),
    "kb": F("str", required=False, default=""),
    "patient_explanation": F("text"),
}
QUESTION_FIELDS = {
    "code": F("str"),
    "step": F("str"),
    "type": F("str"),
    "prompt": F("str"),
    "help": F("text", required=False, default=""),
    "required": F("bool", required=False, default=True),
    "red_flag": F("bool", required=False, default=False),
    "key_exam": F("bool", required=False, default=False),
    "range": F("any", required=False),
    "unit": F("str", required=False, default=""),
    "kb": F("str", required=False, default=""),
    "diagram_layer": F("str", required=False, default=""),
    "enable_when": F("condition", required=False, default=""),
    "options": F("any", required=False, default=list),
}
OPTION_FIELDS = {"code": F("str"), "label": F("str")}
RULE_FIELDS = {
    "code": F("str"),
    "title": F("str"),
    "effect": F("str"),
    "target": F("str"),
    "weight": F("decimal", required=False, default=Decimal("0.00")),
    "when": F("condition"),
    "rationale": F("text"),
    "action": F("text", required=False, default=""),
    "patient_line": F("text", required=False, default=""),
    "sources": F("codes", required=False, default=list),
}
HANDOUT_ITEM_FIELDS = {
    "code": F("str"),
    "role": F("str"),
    "title": F("str"),
    "when": F("condition", required=False, default=""),
    "involves": F("text"),
    "benefit": F("text", required=False, default=""),
    "risks": F("text", required=False, default=""),
    "recovery": F("text", required=False, default=""),
    "kb": F("str", required=False, default=""),
    "sources": F("codes"),
}
CASE_FIELDS = {
    "code": F("str"),
    "title": F("str"),
    "note": F("text", required=False, default=""),
    "answers": F("any"),
    "expect_tiers": F("codes"),
    "expect_levels": F("codes"),
}


# --- reading -----------------------------------------------------------------------------------


# Seed files are at most six levels deep; a deeper file is a mistake or an attack, and deep
# enough nesting exhausts the YAML parser's recursion.
MAX_DEPTH = 24


def _depth(document: Any) -> int:
    deepest, stack = 0, [(document, 1)]
    while stack and deepest <= MAX_DEPTH:
        value, level = stack.pop()
        deepest = max(deepest, level)
        children = value.values() if isinstance(value, dict) else (
            value if isinstance(value, list) else ())
        stack.extend((child, level + 1) for child in children)
    return deepest


def _read_yaml(path: Path, checker: _Checker, root: Path) -> Any:
    name = path.relative_to(root.parent) if path.is_relative_to(root.parent) else path
    try:
        with path.open(encoding="utf-8") as handle:
            content = yaml.safe_load(handle)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{name}, line {mark.line + 1}" if mark else str(name)
        checker.problem(where, f"not valid YAML: {getattr(exc, 'problem', exc)}")
    except RecursionError:
        checker.problem(str(name), f"nested too deeply (at most {MAX_DEPTH} levels)")
    except ValueError as exc:  # e.g. an integer too long to convert
        checker.problem(str(name), f"not valid YAML: {exc}")
    except (OSError, UnicodeDecodeError) as exc:
        checker.problem(str(name), f"cannot read: {exc}")
    else:
        if content is None:
            checker.problem(str(name), "empty: delete the file, or give it its entries")
        elif _depth(content) > MAX_DEPTH:
            checker.problem(str(name), f"nested too deeply (at most {MAX_DEPTH} levels)")
        else:
            return content
    return None


@dataclass
class SeedData:
    """Validated, normalised content read from a seeds directory."""

    sources: list[dict[str, Any]] = field(default_factory=list)
    kb: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    pathways: list[dict[str, Any]] = field(default_factory=list)


def read(seeds_dir: Path, *, existing_kb_slugs: Iterable[str] = (),
         existing_sources: Iterable[str] = ()) -> SeedData:
    """Read and validate a seeds directory. Raises SeedError listing every problem."""
    checker = _Checker()
    seeds_dir = Path(seeds_dir)
    if not seeds_dir.is_dir():
        raise SeedError([f"{seeds_dir}: no such directory"])
    data = SeedData(kb={name: [] for name in KB_KINDS})
    kb_dir = seeds_dir / "kb"
    for path in sorted(kb_dir.glob("*.yaml")) if kb_dir.is_dir() else []:
        name = f"{path.relative_to(seeds_dir.parent)}"
        content = _read_yaml(path, checker, seeds_dir)
        if content is None:
            continue
        if not isinstance(content, dict):
            checker.problem(name, "expected a mapping of kind (e.g. muscles:) to a list of entries")
            continue
        for kind, entries in content.items():
            if kind != "sources" and kind not in KB_KINDS:
                checker.problem(name, f"unknown kind '{kind}' (known: sources, "
                                      f"{', '.join(KB_KINDS)})")
                continue
            if not isinstance(entries, list):
                checker.problem(f"{name}, {kind}", "expected a list of entries")
                continue
            for index, raw in enumerate(entries, 1):
                label = raw.get("slug") or raw.get("key") if isinstance(raw, dict) else None
                where = f"{name}: {kind} entry {label or f'#{index}'!r}"
                if kind == "sources":
                    entry = checker.entry(where, raw, SOURCE_FIELDS)
                    if entry:
                        entry["_where"] = where
                        data.sources.append(entry)
                else:
                    entry = checker.entry(where, raw, ENTRY_FIELDS | KB_KINDS[kind].fields)
                    if entry:
                        entry["_where"] = where
                        data.kb[kind].append(entry)
    pathways_dir = seeds_dir / "pathways"
    for directory in sorted(p for p in pathways_dir.iterdir() if p.is_dir()) if \
            pathways_dir.is_dir() else []:
        pathway = _read_pathway(directory, checker, seeds_dir)
        if pathway:
            data.pathways.append(pathway)
    _cross_check(data, checker, set(existing_kb_slugs), set(existing_sources))
    if checker.problems:
        raise SeedError(checker.problems)
    return data


def read_pathway(directory: Path | str) -> dict[str, Any]:
    """Read and check one pathway directory on its own (no kb cross-checks, no database)."""
    directory = Path(directory)
    checker = _Checker()
    meta = _read_pathway(directory, checker, directory.parent.parent)
    if checker.problems or meta is None:
        raise SeedError(checker.problems or [f"{directory}: cannot read the pathway"])
    return meta


def _read_pathway(directory: Path, checker: _Checker, seeds_dir: Path) -> dict[str, Any] | None:
    files: dict[str, Any] = {}
    for filename in PATHWAY_FILES:
        path = directory / filename
        rel = path.relative_to(seeds_dir.parent)
        if not path.exists():
            if filename == "pathway.yaml":
                checker.problem(str(rel), "missing: every pathway directory needs pathway.yaml")
                return None
            files[filename] = {}
            continue
        content = _read_yaml(path, checker, seeds_dir)
        if content is None:
            files[filename] = {}
            continue
        if not isinstance(content, dict):
            checker.problem(str(rel), "expected a mapping at the top level")
            files[filename] = {}
            continue
        files[filename] = content
    rel = lambda filename: str((directory / filename).relative_to(seeds_dir.parent))  # noqa: E731
    meta = checker.entry(rel("pathway.yaml"), files["pathway.yaml"], PATHWAY_FIELDS)
    if meta is None:
        return None
    localisation = meta.pop("localisation") or {}
    if not isinstance(localisation, dict) or set(localisation) - {"threshold", "margin"}:
        checker.problem(f"{rel('pathway.yaml')}, field 'localisation'",
                        "expected a mapping with threshold and margin")
        localisation = {}
    meta["localisation_threshold"] = checker.value(
        f"{rel('pathway.yaml')}, field 'localisation.threshold'",
        localisation.get("threshold", 2), "decimal")
    meta["localisation_margin"] = checker.value(
        f"{rel('pathway.yaml')}, field 'localisation.margin'",
        localisation.get("margin", 1), "decimal")
    if directory.name != meta["slug"]:
        checker.problem(f"{rel('pathway.yaml')}, field 'slug'",
                        f"'{meta['slug']}' must match its directory name '{directory.name}'")
    meta["steps"] = _entries(checker, rel("pathway.yaml"), "steps", meta.get("steps"),
                             STEP_FIELDS, "code")
    meta["tiers"] = _entries(checker, rel("pathway.yaml"), "tiers", meta.get("tiers"),
                             TIER_FIELDS, "code")
    meta["levels"] = _entries(checker, rel("pathway.yaml"), "levels", meta.get("levels"),
                              LEVEL_FIELDS, "code")
    meta["questions"] = _entries(checker, rel("questions.yaml"), "questions",
                                 files["questions.yaml"].get("questions", []), QUESTION_FIELDS,
                                 "code")
    for question in meta["questions"]:
        question["options"] = _entries(checker, question["_where"], "options",
                                       question["options"], OPTION_FIELDS, "code")
    groups = files["rules.yaml"].get("groups") or {}
    if not isinstance(groups, dict):
        checker.problem(f"{rel('rules.yaml')}, groups", "expected a mapping of name to condition")
    else:
        # Shared groups are only referenced through YAML aliases; check each still reads.
        for name, text in groups.items():
            checker.value(f"{rel('rules.yaml')}, group '{name}'", text, "condition")
    meta["rules"] = _entries(checker, rel("rules.yaml"), "rules",
                             files["rules.yaml"].get("rules", []), RULE_FIELDS, "code")
    meta["handout_items"] = _entries(checker, rel("handout.yaml"), "items",
                                     files["handout.yaml"].get("items", []),
                                     HANDOUT_ITEM_FIELDS, "code")
    meta["cases"] = _entries(checker, rel("cases.yaml"), "cases",
                             files["cases.yaml"].get("cases", []), CASE_FIELDS, "code")
    for name, content in files.items():
        allowed = {"questions.yaml": {"questions"}, "rules.yaml": {"rules", "groups"},
                   "handout.yaml": {"items", "groups"}, "cases.yaml": {"cases"}}.get(name)
        if allowed and set(content) - allowed:
            checker.problem(rel(name), f"unknown top-level key(s): "
                                       f"{', '.join(sorted(set(content) - allowed))}")
    _check_pathway(meta, checker, {name: rel(name) for name in PATHWAY_FILES})
    return meta


def _entries(checker: _Checker, where: str, name: str, raw: Any, spec: dict[str, F],
             key: str) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        checker.problem(f"{where}, field '{name}'", "expected a list")
        return []
    out = []
    seen: set[str] = set()
    for index, item in enumerate(raw, 1):
        label = item.get(key) if isinstance(item, dict) else None
        here = f"{where}: {name[:-1] if name.endswith('s') else name} {label or f'#{index}'!r}"
        entry = checker.entry(here, item, spec)
        if entry is None:
            continue
        if entry[key] in seen:
            checker.problem(here, f"duplicate {key} '{entry[key]}'")
        seen.add(entry[key])
        entry["_where"] = here
        out.append(entry)
    return out


def _check_pathway(meta: dict[str, Any], checker: _Checker, files: dict[str, str]) -> None:
    """Read what only the files say (ranges, cases), then lint the pathway as the engine will
    see it: the same linter the admin and the publish gate run (`pathway.engine.lint`)."""
    for question in meta["questions"]:
        where = question["_where"]
        rng = question.get("range")
        question["_range"] = None
        if question["type"] == "mrc":
            question["_range"] = (0, 5)
            if rng not in (None, [0, 5]):
                checker.problem(f"{where}, field 'range'", "an MRC grade is always 0-5")
        elif question["type"] == "number":
            if (isinstance(rng, list) and len(rng) == 2
                    and all(isinstance(v, int) and not isinstance(v, bool) for v in rng)):
                question["_range"] = (rng[0], rng[1])
            elif rng is not None:
                checker.problem(f"{where}, field 'range'",
                                f"a number question needs range: [min, max], found {rng!r}")
        elif rng is not None:
            checker.problem(f"{where}, field 'range'", "only number and mrc questions have a range")
    codes = {q["code"] for q in meta["questions"]}
    tier_codes = {t["code"] for t in meta["tiers"]}
    level_codes = {lv["code"] for lv in meta["levels"]}
    for case in meta["cases"]:
        where = case["_where"]
        if not isinstance(case["answers"], dict):
            checker.problem(f"{where}, field 'answers'", "expected a mapping of code to answer")
            case["answers"] = {}
        for code in case["answers"]:
            if code not in codes:
                checker.problem(f"{where}, field 'answers'", f"unknown question code '{code}'")
        for tier in case["expect_tiers"]:
            if tier not in tier_codes:
                checker.problem(f"{where}, field 'expect_tiers'", f"unknown tier '{tier}'")
        for level in case["expect_levels"]:
            if level not in level_codes:
                checker.problem(f"{where}, field 'expect_levels'", f"unknown level '{level}'")
    if checker.problems:
        return  # the linter needs well-formed entries
    entries = {(kind, entry["code"]): entry["_where"]
               for kind, name in (("question", "questions"), ("rule", "rules"),
                                  ("handout item", "handout_items"), ("tier", "tiers"),
                                  ("level", "levels"))
               for entry in meta[name]}
    pathway_file = {"rules": files["rules.yaml"], "questions": files["questions.yaml"]}
    for finding in lint.lint(from_seed(meta)):
        if not finding.malformed:
            continue  # the publish gate refuses these; a draft may hold them while worked on
        if finding.item == "pathway":
            where = pathway_file.get(finding.field, files["pathway.yaml"])
            field = f", field '{finding.field}'" if finding.field in {"default_tier"} else ""
            checker.problem(f"{where}{field}", finding.message)
        else:
            where = entries.get((finding.item, finding.code), finding.where)
            field = f", field '{finding.field}'" if finding.field else ""
            checker.problem(f"{where}{field}", finding.message)


def _cross_check(data: SeedData, checker: _Checker, existing_kb: set[str],
                 existing_sources: set[str]) -> None:
    source_keys = {s["key"] for s in data.sources} | existing_sources
    seen_keys: set[str] = set()
    for source in data.sources:
        if source["key"] in seen_keys:
            checker.problem(source["_where"], f"duplicate key '{source['key']}'")
        seen_keys.add(source["key"])
        if source["certainty"] not in Source.Certainty.values:
            checker.problem(f"{source['_where']}, field 'certainty'",
                            "must be V (verified), S (secondary) or K (knowledge)")
    root_codes = {r["code"] for r in data.kb["roots"]} | set(
        NerveRoot.objects.values_list("code", flat=True)
    )
    # A treatment's tier is one of the pathway's tiers (there is no second vocabulary in kb).
    tier_codes = sorted({t["code"] for p in data.pathways for t in p["tiers"]}
                        | set(pm.Tier.objects.values_list("code", flat=True)))
    slugs: dict[str, str] = {}
    for kind, entries in data.kb.items():
        for entry in entries:
            where = entry["_where"]
            if entry["slug"] in slugs:
                checker.problem(f"{where}, field 'slug'",
                                f"'{entry['slug']}' is already used by {slugs[entry['slug']]}")
            slugs[entry["slug"]] = where
            for key in entry["sources"]:
                if key not in source_keys:
                    checker.problem(f"{where}, field 'sources'", f"unknown source '{key}'")
            for name in ("body", *KB_KINDS[kind].fields):
                if not isinstance(entry.get(name), str):
                    continue
                for key in markdown.cited_keys(entry[name]):
                    if key not in source_keys:
                        checker.problem(f"{where}, field '{name}'", f"cites unknown source '{key}'")
                    elif key not in entry["sources"]:
                        checker.problem(f"{where}, field '{name}'",
                                        f"cites '{key}', which is not in its sources list")
            roots = entry.get("roots")
            if isinstance(roots, dict | list):
                for code in roots:
                    if code not in root_codes:
                        checker.problem(f"{where}, field 'roots'", f"unknown root '{code}'")
            for name, allowed in (("category", Condition.Category.values),
                                  ("tier", tier_codes),
                                  ("view", ["front", "back", "both"])):
                if kind in {"conditions", "treatments", "regions"} and name in entry and \
                        entry[name] not in allowed:
                    checker.problem(f"{where}, field '{name}'",
                                    f"'{entry[name]}' must be one of {', '.join(allowed)}")
    known_slugs = set(slugs) | existing_kb
    for pathway in data.pathways:
        for item in (*pathway["questions"], *pathway["levels"], *pathway["handout_items"]):
            if item["kb"] and item["kb"] not in known_slugs:
                checker.problem(f"{item['_where']}, field 'kb'",
                                f"no knowledge-base entry with slug '{item['kb']}'")
        for rule in (*pathway["rules"], *pathway["handout_items"]):
            for key in rule["sources"]:
                if key not in source_keys:
                    checker.problem(f"{rule['_where']}, field 'sources'", f"unknown source '{key}'")


# --- writing -----------------------------------------------------------------------------------


def _set_fields(obj: Any, values: dict[str, Any]) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _clean(entry: dict[str, Any], *drop: str) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if not k.startswith("_") and k not in drop}


def load(seeds_dir: Path | str, *, report: Report | None = None) -> Report:
    """Validate then write the seeds. Raises SeedError (and writes nothing) on any problem.

    Nothing an editor made is destroyed: a kb entry or source edited in the admin since the
    seeds last wrote it is kept (and reported); a pathway version is never edited or deleted,
    whatever its status: seeds that match no version become a new draft.
    """
    report = report or Report()
    data = read(Path(seeds_dir))
    with transaction.atomic():
        _write_sources(data, report)
        _write_kb(data, report)
        for pathway in data.pathways:
            _write_pathway(pathway, report)
    return report


def _source_form(values: dict[str, Any] | Source) -> dict[str, Any]:
    get = values.get if isinstance(values, dict) else lambda name: getattr(values, name)
    return {name: get(name) for name in SOURCE_FIELDS}


def _entry_form(values: dict[str, Any] | Entry, spec: KbKind) -> dict[str, Any]:
    """An entry's seed-comparable content, from a seed entry or from the database."""
    form: dict[str, Any] = {}
    for name in ENTRY_FIELDS | spec.fields:
        if isinstance(values, dict):
            value = values.get(name)
            if name == "sources" or (name == "roots" and isinstance(value, list)):
                value = sorted(value)
        elif name == "sources":
            value = sorted(s.key for s in values.sources.all())
        elif name == "roots" and isinstance(values, Muscle):
            value = {c.root.code: c.share for c in values.contributions.select_related("root")}
        elif name == "roots":
            value = sorted(values.roots.values_list("code", flat=True))
        else:
            value = getattr(values, name)
        form[name] = value
    return form


@dataclass
class _Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept: list[str] = field(default_factory=list)

    def line(self, what: str) -> str:
        text = (f"{what}: {self.created} created, {self.updated} updated, "
                f"{self.unchanged} unchanged")
        if self.kept:
            text += (f"; kept {len(self.kept)} edited in the admin since the seeds last wrote "
                     f"them (the seed files differ): {', '.join(sorted(self.kept))}")
        return text


def _decide(stored_form: dict[str, Any], stored_digest: str, wanted: dict[str, Any]) -> str:
    """'same', 'update' (the row is as the seeds last left it) or 'keep' (edited since)."""
    if stored_form == wanted:
        return "same"
    return "update" if stored_digest == digest(stored_form) else "keep"


def _write_sources(data: SeedData, report: Report) -> None:
    existing = {s.key: s for s in Source.objects.all()}
    tally = _Tally()
    for entry in data.sources:
        wanted = _source_form(entry)
        source = existing.get(entry["key"])
        if source is None:
            Source.objects.create(**wanted, seed_digest=digest(wanted))
            tally.created += 1
            continue
        decision = _decide(_source_form(source), source.seed_digest, wanted)
        if decision == "keep":
            tally.kept.append(entry["key"])
            continue
        if decision == "update":
            _set_fields(source, _clean(wanted, "key"))
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
    # Roots first: other kinds link to them.
    for kind in ("roots", *[k for k in KB_KINDS if k != "roots"]):
        spec = KB_KINDS[kind]
        model = spec.model
        existing = {e.slug: e for e in model.objects.prefetch_related("sources")}
        for entry in data.kb[kind]:
            wanted = _entry_form(entry, spec)
            obj = existing.get(entry["slug"])
            if obj is None:
                if Entry.objects.filter(slug=entry["slug"]).exists():
                    raise SeedError([f"{entry['_where']}, field 'slug': '{entry['slug']}' is "
                                     "already used by an entry of another kind"])
                obj = model.objects.create(**_clean(entry, "sources", *spec.relations),
                                           seed_digest=digest(wanted))
                tally.created += 1
            else:
                decision = _decide(_entry_form(obj, spec), obj.seed_digest, wanted)
                if decision == "keep":
                    tally.kept.append(entry["slug"])
                    if kind == "roots":
                        roots[obj.code] = obj
                    continue
                if decision == "update":
                    _set_fields(obj, _clean(entry, "sources", *spec.relations))
                    tally.updated += 1
                else:
                    tally.unchanged += 1
                if decision == "update" or obj.seed_digest != digest(wanted):
                    obj.seed_digest = digest(wanted)
                    obj.save()
            wanted_sources = {sources[k] for k in entry["sources"]}
            if set(obj.sources.all()) != wanted_sources:
                obj.sources.set(wanted_sources)
            if kind == "roots":
                roots[obj.code] = obj
            if "roots" in spec.relations:
                _write_roots(obj, entry["roots"], roots)
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


def _write_pathway(meta: dict[str, Any], report: Report) -> None:
    """Load a pathway's seeds without touching any existing version.

    Seeds that match an existing version (published, draft or retired) change nothing. On an
    empty database the first version is loaded and published through the gate. Otherwise the
    seeds become a new draft, reviewed and published in the admin like any edit; drafts an
    editor is working on are left exactly as they are.
    """
    slug = meta["slug"]
    versions = list(pm.Pathway.objects.for_slug(slug).order_by("-version"))
    wanted = canonical_pathway(meta)
    for version in versions:
        if export_pathway(version) == wanted:
            report.add(f"pathway {slug}: unchanged (the seeds match v{version.version}, "
                       f"{version.status})")
            return
    if not versions:
        pathway = _create_version(meta, version=1)
        try:
            publish(pathway, user=None)
        except PublishRefused as exc:
            report.add(f"pathway {slug}: v1 loaded as a draft but NOT published, because: "
                       + "; ".join(exc.problems))
        else:
            report.add(f"pathway {slug}: v1 created from the seeds and published")
        return
    pathway = _create_version(meta, version=versions[0].version + 1)
    drafts = [f"v{v.version}" for v in versions if v.status == pm.Pathway.Status.DRAFT]
    kept = f" Drafts left untouched: {', '.join(drafts)}." if drafts else ""
    report.add(f"pathway {slug}: the seeds match no existing version; loaded them as draft "
               f"v{pathway.version}.{kept} Review and publish it in the admin.")


def _create_version(meta: dict[str, Any], *, version: int) -> pm.Pathway:
    entries = {e.slug: e for e in Entry.objects.all()}
    sources = {s.key: s for s in Source.objects.all()}
    pathway = pm.Pathway.objects.create(
        version=version,
        status=pm.Pathway.Status.DRAFT,
        **_clean(meta, "steps", "tiers", "levels", "questions", "rules", "handout_items",
                 "cases"),
    )
    steps = {}
    for order, step in enumerate(meta["steps"], 1):
        steps[step["code"]] = pm.Step.objects.create(pathway=pathway, order=order, **_clean(step))
    for tier in meta["tiers"]:
        pm.Tier.objects.create(pathway=pathway, **_clean(tier))
    for order, level in enumerate(meta["levels"], 1):
        pm.Level.objects.create(pathway=pathway, order=order, kb_entry=entries.get(level["kb"]),
                                **_clean(level, "kb"))
    questions = {}
    for order, q in enumerate(meta["questions"], 1):
        low, high = q["_range"] or (None, None)
        question = pm.Question.objects.create(
            pathway=pathway, step=steps[q["step"]], order=order, min_value=low, max_value=high,
            kb_entry=entries.get(q["kb"]),
            **_clean(q, "step", "range", "kb", "enable_when", "options"),
        )
        pm.Option.objects.bulk_create(
            pm.Option(question=question, order=i, **_clean(o))
            for i, o in enumerate(q["options"], 1)
        )
        questions[q["code"]] = (question, q["enable_when"])
    for question, text in questions.values():
        _create_criteria(text, enables=question)
    for order, r in enumerate(meta["rules"], 1):
        rule = pm.Rule.objects.create(pathway=pathway, order=order,
                                      **_clean(r, "when", "sources"))
        rule.sources.set(sources[k] for k in r["sources"])
        _create_criteria(r["when"], rule=rule)
    for order, item in enumerate(meta["handout_items"], 1):
        handout_item = pm.HandoutItem.objects.create(
            pathway=pathway, order=order, kb_entry=entries.get(item["kb"]),
            **_clean(item, "when", "sources", "kb"))
        handout_item.sources.set(sources[k] for k in item["sources"])
        _create_criteria(item["when"], shows=handout_item)
    for order, case in enumerate(meta["cases"], 1):
        pm.RegressionCase.objects.create(pathway=pathway, order=order, **_clean(case))
    pathway.touch()  # the bulk writes above send no signals
    return pathway


def _create_criteria(text: str, **owner: Any) -> None:
    # Validated above against the seed data as a whole; the bulk write skips the per-row checks.
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


# --- canonical form and export -----------------------------------------------------------------


def canonical_pathway(meta: dict[str, Any]) -> dict[str, Any]:
    """The comparable form of a pathway as read from seeds (no private keys, no order fields)."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if not k.startswith("_")}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    out = strip(meta)
    for rule in (*out["rules"], *out["handout_items"]):
        rule["sources"] = sorted(rule["sources"])
    for question in out["questions"]:
        if question["type"] == "mrc":
            question["range"] = None
    return out


def export_pathway(pathway: pm.Pathway) -> dict[str, Any]:
    """A pathway version in the same canonical form as `canonical_pathway` of its seed."""
    questions = list(
        pathway.questions.select_related("step", "kb_entry").prefetch_related(
            "options", "enable_when"
        )
    )
    rules = list(pathway.rules.prefetch_related("criteria", "sources"))
    items = list(pathway.handout_items.select_related("kb_entry").prefetch_related(
        "shown_when", "sources"))
    return {
        "slug": pathway.slug,
        "title": pathway.title,
        "intended_use": pathway.intended_use,
        "population": pathway.population,
        "exclusions": pathway.exclusions,
        "review_by": pathway.review_by,
        "default_tier": pathway.default_tier,
        "patient_intended_use": pathway.patient_intended_use,
        "safety_net_emergency": pathway.safety_net_emergency,
        "safety_net_urgent": pathway.safety_net_urgent,
        "change_note": pathway.change_note,
        "steps": [{"code": s.code, "title": s.title, "intro": s.intro}
                  for s in pathway.steps.all()],
        "tiers": [{"code": t.code, "rank": t.rank, "title": t.title, "timeframe": t.timeframe,
                   "clinician_summary": t.clinician_summary, "patient_summary": t.patient_summary,
                   "review_interval_days": t.review_interval_days, "banner": t.banner}
                  for t in pathway.tiers.all()],
        "levels": [{"code": lv.code, "title": lv.title,
                    "kb": lv.kb_entry.slug if lv.kb_entry else "",
                    "patient_explanation": lv.patient_explanation}
                   for lv in pathway.levels.select_related("kb_entry")],
        "localisation_threshold": pathway.localisation_threshold,
        "localisation_margin": pathway.localisation_margin,
        "questions": [
            {
                "code": q.code, "step": q.step.code, "type": q.type, "prompt": q.prompt,
                "help": q.help, "required": q.required, "red_flag": q.red_flag,
                "key_exam": q.key_exam,
                "range": [q.min_value, q.max_value] if q.type == "number" else None,
                "unit": q.unit, "kb": q.kb_entry.slug if q.kb_entry else "",
                "diagram_layer": q.diagram_layer,
                "enable_when": conditions.format_condition(pm.condition_of(q.enable_when.all())),
                "options": [{"code": o.code, "label": o.label} for o in q.options.all()],
            }
            for q in questions
        ],
        "rules": [
            {
                "code": r.code, "title": r.title, "effect": r.effect, "target": r.target,
                "weight": r.weight, "when": r.condition_text(), "rationale": r.rationale,
                "action": r.action, "patient_line": r.patient_line,
                "sources": sorted(s.key for s in r.sources.all()),
            }
            for r in rules
        ],
        "handout_items": [
            {
                "code": i.code, "role": i.role, "title": i.title,
                "when": conditions.format_condition(i.condition()), "involves": i.involves,
                "benefit": i.benefit, "risks": i.risks, "recovery": i.recovery,
                "kb": i.kb_entry.slug if i.kb_entry else "",
                "sources": sorted(s.key for s in i.sources.all()),
            }
            for i in items
        ],
        "cases": [
            {"code": c.code, "title": c.title, "note": c.note, "answers": c.answers,
             "expect_tiers": c.expect_tiers, "expect_levels": c.expect_levels}
            for c in pathway.cases.all()
        ],
    }


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


def _drop_defaults(entry: dict[str, Any], spec: dict[str, F]) -> dict[str, Any]:
    out = {}
    for name, value in entry.items():
        f = spec.get(name)
        default = (f.default() if callable(f.default) else f.default) if f else None
        if f and not f.required and value in (default, "", None, [], {}):
            continue
        out[name] = value
    return out


def export(target: Path | str, *, slugs: Iterable[str] | None = None) -> list[Path]:
    """Write the database content to `target` in the seed layout. Returns the files written."""
    target = Path(target)
    written: list[Path] = []
    sources = [
        _drop_defaults({name: getattr(s, name) for name in SOURCE_FIELDS}, SOURCE_FIELDS)
        for s in Source.objects.order_by("key")
    ]
    path = target / "kb" / "sources.yaml"
    _dump(path, {"sources": sources})
    written.append(path)
    for kind, spec in KB_KINDS.items():
        entries = []
        for obj in spec.model.objects.order_by("slug").prefetch_related("sources"):
            entry: dict[str, Any] = {}
            for name in ENTRY_FIELDS | spec.fields:
                if name == "sources":
                    entry[name] = sorted(s.key for s in obj.sources.all())
                elif name == "roots" and isinstance(obj, Muscle):
                    entry[name] = {c.root.code: c.share for c in
                                   obj.contributions.select_related("root")}
                elif name == "roots":
                    entry[name] = sorted(obj.roots.values_list("code", flat=True))
                else:
                    entry[name] = getattr(obj, name)
            entries.append(_drop_defaults(entry, ENTRY_FIELDS | spec.fields))
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
        "slug": data["slug"], "title": data["title"], "intended_use": data["intended_use"],
        "population": data["population"], "exclusions": data["exclusions"],
        "review_by": data["review_by"], "default_tier": data["default_tier"],
        "localisation": {"threshold": data["localisation_threshold"],
                         "margin": data["localisation_margin"]},
        "patient_intended_use": data["patient_intended_use"],
        "safety_net_emergency": data["safety_net_emergency"],
        "safety_net_urgent": data["safety_net_urgent"],
    }
    if data["change_note"]:
        meta["change_note"] = data["change_note"]
    meta["steps"] = [_drop_defaults(s, STEP_FIELDS) for s in data["steps"]]
    meta["tiers"] = [_drop_defaults(t, TIER_FIELDS) for t in data["tiers"]]
    meta["levels"] = [_drop_defaults(lv, LEVEL_FIELDS) for lv in data["levels"]]
    files = {
        "pathway.yaml": meta,
        "questions.yaml": {"questions": [
            _drop_defaults({k: v for k, v in q.items() if not (k == "range" and v is None)},
                           QUESTION_FIELDS) for q in data["questions"]]},
        "rules.yaml": {"rules": [_drop_defaults(r, RULE_FIELDS) for r in data["rules"]]},
        "handout.yaml": {"items": [_drop_defaults(i, HANDOUT_ITEM_FIELDS)
                                   for i in data["handout_items"]]},
        "cases.yaml": {"cases": [_drop_defaults(c, CASE_FIELDS) for c in data["cases"]]},
    }
    written = []
    for filename, content in files.items():
        path = directory / filename
        _dump(path, content)
        written.append(path)
    return written

