"""The seed files' schema, declared: every file, entry and field, its type and allowed values.

Validation is pydantic's; `problems()` turns its errors into the project's one-line messages,
each naming the file, the entry and the field, e.g.
`seeds/pathways/mini/rules.yaml: rule 'weak', field 'when': 'powr <= 3': ...`.
YAML's empty values (`field:` or `field: ""`) mean "not given": the default, or missing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal, get_args, get_origin

from django.core.exceptions import ValidationError as DjangoValidationError
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

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
from pathway.engine import conditions
from pathway.engine.model import HANDOUT_ROLES, QUESTION_TYPES

MRC_RANGE = (0, 5)


class SeedError(Exception):
    """The seed files have problems; `problems` lists each with its file, entry and field."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def _refuse(kind: str, message: str, value: Any = None) -> PydanticCustomError:
    # The value goes in as context, never into the template, so braces in it are harmless.
    return PydanticCustomError(kind, message, {"found": _shown(value)})


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _text(value: Any) -> str:
    if isinstance(value, bool):
        raise _refuse(
            "yes_no", 'YAML read this as true/false: put yes, no, on or off in quotes, e.g. "yes"'
        )
    if isinstance(value, dict | list):
        raise _refuse("text", "expected text")
    return str(value).strip()


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise _refuse("date", "expected a date as YYYY-MM-DD, found {found}", value) from None


def _number(value: Any) -> Decimal:
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise _refuse("number", "expected a number, found {found}", value) from None


def _codes(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _refuse("codes", "expected a list of codes, found {found}", value)
    return value


def _url(value: Any) -> str:
    text = _text(value)
    try:
        SAFE_URL(text)
    except DjangoValidationError:
        raise _refuse("url", "expected an http or https address, found {found}", text) from None
    return text


def _condition(value: Any) -> str:
    """A condition in its canonical text; a list means all of them (a rule can reuse a shared
    group, a YAML anchor under `groups:`, without writing it out again)."""
    if isinstance(value, list):
        if not value or not all(isinstance(v, str) and v.strip() for v in value):
            raise _refuse(
                "condition", "expected a condition, or a list of conditions that must all hold"
            )
        value = " and ".join(
            f"({v})" if " or " in v and " and " not in v and not v.strip().startswith("(") else v
            for v in value
        )
    elif isinstance(value, dict):
        raise _refuse(
            "condition", "expected a condition, or a list of conditions that must all hold"
        )
    try:
        return conditions.format_condition(conditions.parse_condition(str(value)))
    except conditions.ConditionSyntaxError as exc:
        raise PydanticCustomError("condition", "{problem}", {"problem": str(exc)}) from None


Text = Annotated[str, BeforeValidator(_text)]
Date = Annotated[dt.date, BeforeValidator(_date)]
Number = Annotated[Decimal, BeforeValidator(_number)]
Codes = Annotated[list[str], BeforeValidator(_codes)]
Url = Annotated[str, BeforeValidator(_url)]
ConditionText = Annotated[str, BeforeValidator(_condition)]


class SeedModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _empty_is_not_given(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if v is not None and v != ""}
        return data


# --- the knowledge base: seeds/kb/*.yaml ---------------------------------------------------------


class SourceSeed(SeedModel):
    key: Text
    citation: Text
    publisher: Text = ""
    year: StrictInt | None = None
    url: Url = ""
    certainty: Literal[tuple(Source.Certainty.values)] = "V"  # type: ignore[valid-type]
    certainty_note: Text = ""


class EntrySeed(SeedModel):
    slug: Text
    title: Text
    summary: Text
    review_by: Date
    published: StrictBool = True
    sources: Codes = Field(default_factory=list)
    body: Text = ""


class RootSeed(EntrySeed):
    code: Text
    exit_foramen: Text
    compressed_by: Text
    dermatome: Text


class MuscleSeed(EntrySeed):
    action: Text
    peripheral_nerve: Text
    how_to_test: Text = ""
    # Root code -> its share of the supply.
    roots: dict[str, Literal[tuple(RootContribution.Share.values)]]  # type: ignore[valid-type]


class RegionSeed(EntrySeed):
    code: Text
    view: Literal["front", "back", "both"]
    peripheral_nerve: Text = ""
    roots: Codes = Field(default_factory=list)


class ReflexSeed(EntrySeed):
    how_to_test: Text
    roots: Codes


class ClinicalTestSeed(EntrySeed):
    how_to_test: Text
    positive_means: Text
    accuracy: Text = ""
    roots: Codes = Field(default_factory=list)


class ConditionSeed(EntrySeed):
    category: Literal[tuple(Condition.Category.values)]  # type: ignore[valid-type]
    key_features: Text
    management: Text


class TreatmentSeed(EntrySeed):
    # One of the pathway's tier codes (checked against the pathways in `reader._cross_check`).
    tier: Text
    involves: Text
    benefit: Text
    risks: Text
    time_to_effect: Text


@dataclass(frozen=True)
class KbKind:
    """A kind of kb entry: its seed schema, its model, and the fields written after a save."""

    seed: type[EntrySeed]
    model: type[Entry]
    relations: tuple[str, ...] = ()


# Roots first: the other kinds link to them.
KB_KINDS: dict[str, KbKind] = {
    "roots": KbKind(RootSeed, NerveRoot),
    "muscles": KbKind(MuscleSeed, Muscle, ("roots",)),
    "regions": KbKind(RegionSeed, SensoryRegion, ("roots",)),
    "reflexes": KbKind(ReflexSeed, Reflex, ("roots",)),
    "tests": KbKind(ClinicalTestSeed, ClinicalTest, ("roots",)),
    "conditions": KbKind(ConditionSeed, Condition),
    "treatments": KbKind(TreatmentSeed, Treatment),
}


class KbFile(SeedModel):
    """A file under seeds/kb/: each kind (sources, roots, ...) maps to a list of entries."""

    sources: list[SourceSeed] = Field(default_factory=list)
    roots: list[RootSeed] = Field(default_factory=list)
    muscles: list[MuscleSeed] = Field(default_factory=list)
    regions: list[RegionSeed] = Field(default_factory=list)
    reflexes: list[ReflexSeed] = Field(default_factory=list)
    tests: list[ClinicalTestSeed] = Field(default_factory=list)
    conditions: list[ConditionSeed] = Field(default_factory=list)
    treatments: list[TreatmentSeed] = Field(default_factory=list)


# --- a pathway: seeds/pathways/<slug>/*.yaml -----------------------------------------------------


class StepSeed(SeedModel):
    code: Text
    title: Text
    intro: Text = ""


class TierSeed(SeedModel):
    code: Text
    rank: StrictInt
    title: Text
    timeframe: Text
    clinician_summary: Text
    patient_summary: Text
    review_interval_days: StrictInt
    banner: Text = ""  # "" or one of the engine's BANNERS (the linter checks it)


class LevelSeed(SeedModel):
    code: Text
    title: Text
    kb: Text = ""
    patient_explanation: Text


class Localisation(SeedModel):
    threshold: Number = Decimal("2.00")
    margin: Number = Decimal("1.00")


class PathwayFile(SeedModel):
    """pathway.yaml: the pathway's metadata, steps, tiers and levels."""

    slug: Text
    title: Text
    intended_use: Text
    population: Text
    exclusions: Text
    review_by: Date
    default_tier: Text
    localisation: Localisation
    patient_intended_use: Text
    safety_net_emergency: Text
    safety_net_urgent: Text
    change_note: Text = ""
    steps: list[StepSeed]
    tiers: list[TierSeed]
    levels: list[LevelSeed]


class OptionSeed(SeedModel):
    code: Text
    label: Text


class QuestionSeed(SeedModel):
    code: Text
    step: Text
    type: Literal[QUESTION_TYPES]  # type: ignore[valid-type]
    prompt: Text
    help: Text = ""
    required: StrictBool = True
    red_flag: StrictBool = False
    key_exam: StrictBool = False
    # Only number questions give a range; an MRC grade is always 0-5 (see `bounds`).
    range: tuple[StrictInt, StrictInt] | None = None
    unit: Text = ""
    kb: Text = ""
    diagram_layer: Text = ""  # "" or one of the engine's DIAGRAM_LAYERS (the linter checks it)
    enable_when: ConditionText = ""
    options: list[OptionSeed] = Field(default_factory=list)

    @field_validator("range", mode="before")
    @classmethod
    def _range_fits_the_type(cls, value: Any, info: ValidationInfo) -> Any:
        kind = info.data.get("type")
        if kind == "mrc":
            if value != list(MRC_RANGE):
                raise _refuse("range", "an MRC grade is always 0-5")
            return None
        if kind == "number":
            if not (
                isinstance(value, list)
                and len(value) == 2
                and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
            ):
                raise _refuse(
                    "range", "a number question needs range: [min, max], found {found}", value
                )
        elif kind is not None:
            raise _refuse("range", "only number and mrc questions have a range")
        return value

    @property
    def bounds(self) -> tuple[int, int] | None:
        return MRC_RANGE if self.type == "mrc" else self.range


class QuestionsFile(SeedModel):
    questions: list[QuestionSeed] = Field(default_factory=list)


class RuleSeed(SeedModel):
    code: Text
    title: Text
    effect: Literal["tier", "score"]
    target: Text
    weight: Number = Decimal("0.00")
    when: ConditionText
    rationale: Text
    action: Text = ""
    patient_line: Text = ""
    sources: Codes = Field(default_factory=list)


class RulesFile(SeedModel):
    # Shared conditions, used in rules through YAML aliases: each must still read.
    groups: dict[str, ConditionText] = Field(default_factory=dict)
    rules: list[RuleSeed] = Field(default_factory=list)


class HandoutItemSeed(SeedModel):
    code: Text
    role: Literal[HANDOUT_ROLES]  # type: ignore[valid-type]
    title: Text
    when: ConditionText = ""
    involves: Text
    benefit: Text = ""
    risks: Text = ""
    recovery: Text = ""
    kb: Text = ""
    sources: Codes


class HandoutFile(SeedModel):
    groups: dict[str, ConditionText] = Field(default_factory=dict)
    items: list[HandoutItemSeed] = Field(default_factory=list)


class CaseSeed(SeedModel):
    code: Text
    title: Text
    note: Text = ""
    answers: dict[str, Any]
    expect_tiers: Codes
    expect_levels: Codes


class CasesFile(SeedModel):
    cases: list[CaseSeed] = Field(default_factory=list)


PATHWAY_FILES: dict[str, type[SeedModel]] = {
    "pathway.yaml": PathwayFile,
    "questions.yaml": QuestionsFile,
    "rules.yaml": RulesFile,
    "handout.yaml": HandoutFile,
    "cases.yaml": CasesFile,
}


# --- pydantic's errors as one-line problems ------------------------------------------------------


def item_label(collection: str, item: Any, index: int) -> str:
    """How a message names an entry: `rule 'weak'`, `muscles entry 'ehl'`, `step '#2'`."""
    if collection in KbFile.model_fields:
        label = (item.get("slug") or item.get("key")) if isinstance(item, dict) else None
        return f"{collection} entry {label or f'#{index + 1}'!r}"
    label = item.get("code") if isinstance(item, dict) else None
    noun = collection[:-1] if collection.endswith("s") else collection
    return f"{noun} {label or f'#{index + 1}'!r}"


def problems(
    error: ValidationError, *, file: str, content: Any, model: type[SeedModel]
) -> list[str]:
    """One line for each error: the file, the entry and the field, then what is wrong."""
    return [f"{_where(file, content, e['loc'])}: {_message(e, model)}" for e in error.errors()]


def _where(file: str, content: Any, loc: tuple[Any, ...]) -> str:
    where, field, node = file, [], content
    for part in loc:
        if isinstance(part, int) and isinstance(node, list) and field:
            item = node[part] if 0 <= part < len(node) else None
            where += f": {item_label(field.pop(), item, part)}"
            where += f", field '{'.'.join(field)}'" if field else ""
            field, node = [], item
        else:
            field.append(str(part))
            node = node.get(part) if isinstance(node, dict) else None
    return f"{where}, field '{'.'.join(field)}'" if field else where


def _message(error: Any, model: type[SeedModel]) -> str:
    kind, loc, found = error["type"], error["loc"], _shown(error.get("input"))
    if kind == "missing":
        return "required, but missing or empty"
    if kind == "extra_forbidden":
        owner = _model_at(model, loc[:-1])
        known = f" (known: {', '.join(owner.model_fields)})" if owner else ""
        return f"unknown field{known}"
    if kind in {"model_type", "model_attributes_type"}:
        if not loc:
            return "expected a mapping at the top level"
        return f"expected a mapping of fields, found {type(error.get('input')).__name__}"
    if kind == "dict_type":
        return f"expected a mapping, found {found}"
    if kind == "list_type":
        return "expected a list"
    if kind == "bool_type":
        return f"expected true or false, found {found}"
    if kind in {"int_type", "int_from_float"}:
        return f"expected a whole number, found {found}"
    if kind == "literal_error":
        return f"{found} must be {error['ctx']['expected']}"
    if kind in {"string_type", "string_sub_type"}:
        return f"expected text, found {found}"
    return error["msg"]


def _model_at(model: Any, loc: tuple[Any, ...]) -> type[SeedModel] | None:
    """The schema model that validates the value at `loc`, for its list of fields."""
    current = model
    for part in loc:
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(part) if isinstance(part, str) else None
            current = field.annotation if field else None
        else:
            # list[X] and dict[str, X] hold X; X | None is X.
            args = [a for a in get_args(current) if a is not type(None)]
            current = args[-1] if args and get_origin(current) is not Literal else None
        while get_origin(current) is Annotated:
            current = get_args(current)[0]
    if isinstance(current, type) and issubclass(current, SeedModel):
        return current
    return None
