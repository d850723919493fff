"""The content snapshot the engine evaluates: frozen dataclasses, no Django.

`pathway.snapshot` builds one from the database for a pathway version; tests build them by hand.
Display fields (prompts, rationales, tier wording) ride along so pages can render a result
without going back to the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from pathway.engine.conditions import Compiled, Condition, compile_condition

QUESTION_TYPES = ("number", "mrc", "choice", "multi", "tri")
NOTHING = "none"  # the option code of a multi question that means "nothing present"
NOT_ASSESSED = "not_assessed"
NOT_TESTED = "not_tested"
# Option codes that say an item was not examined or asked about: never read as normal or "no".
NOT_DONE = frozenset({NOT_ASSESSED, NOT_TESTED})
# Options of a multi question that must stand alone ("none", "not tested").
EXCLUSIVE_OPTIONS = frozenset({NOTHING, NOT_TESTED})
INDETERMINATE = "indeterminate"
# The leg diagram's layers a multi question can feed (its options are the areas it shades).
DIAGRAM_LAYERS = ("pain", "sensory")
# The banners a tier can raise on the assessment pages. An emergency one also opens the result
# and handouts at once, before the other steps are finished.
URGENT, EMERGENCY = "urgent", "emergency"
BANNERS = (URGENT, EMERGENCY)


@dataclass(frozen=True, slots=True)
class OptionSpec:
    code: str
    label: str


@dataclass(frozen=True, slots=True)
class StepSpec:
    code: str
    title: str
    intro: str = ""


@dataclass(frozen=True, slots=True)
class QuestionSpec:
    code: str
    step: str
    type: str
    prompt: str = ""
    help: str = ""
    required: bool = False
    red_flag: bool = False
    key_exam: bool = False  # a key examination item: missing or not tested is reported
    minimum: int | None = None
    maximum: int | None = None
    unit: str = ""
    kb_slug: str = ""
    # The knowledge-base page's title, for links to it: the page's, not this version's content.
    kb_title: str = field(default="", compare=False)
    diagram_layer: str = ""  # "" or one of DIAGRAM_LAYERS
    options: tuple[OptionSpec, ...] = ()
    enable_when: Condition = ()
    option_codes: tuple[str, ...] = field(init=False, repr=False, compare=False)
    option_set: frozenset[str] = field(init=False, repr=False, compare=False)
    enable_check: Compiled = field(init=False, repr=False, compare=False)
    # Pages key their rendered rows by the question: hashed once, not on every page.
    hash_value: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        put = object.__setattr__
        put(self, "option_codes", tuple(option.code for option in self.options))
        put(self, "option_set", frozenset(self.option_codes))
        put(self, "enable_check", compile_condition(self.enable_when))
        put(self, "hash_value", hash(tuple(getattr(self, f.name) for f in _COMPARED)))

    def __hash__(self) -> int:  # the fields equality compares, as the generated hash would
        return self.hash_value

    def label_for(self, code: str) -> str:
        for option in self.options:
            if option.code == code:
                return option.label
        return code


_COMPARED = tuple(f for f in fields(QuestionSpec) if f.compare)


@dataclass(frozen=True, slots=True)
class RuleSpec:
    code: str
    effect: str  # "tier" | "score"
    target: str  # a tier code or a level code
    condition: Condition
    weight: float = 0.0
    title: str = ""
    rationale: str = ""
    action: str = ""
    patient_line: str = ""
    sources: tuple[str, ...] = ()
    check: Compiled = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "check", compile_condition(self.condition))


@dataclass(frozen=True, slots=True)
class TierSpec:
    code: str
    rank: int  # 1 is the most urgent
    title: str = ""
    timeframe: str = ""
    clinician_summary: str = ""
    patient_summary: str = ""
    review_interval_days: int = 0
    banner: str = ""  # "" or one of BANNERS

    @property
    def emergency(self) -> bool:
        return self.banner == EMERGENCY


@dataclass(frozen=True, slots=True)
class LevelSpec:
    code: str
    title: str = ""
    kb_slug: str = ""
    patient_explanation: str = ""


@dataclass(frozen=True, slots=True)
class HandoutItemSpec:
    """Patient wording printed on the handout when its condition holds (an option of the grid,
    self-care advice or medicines advice), so each picture gets its own management."""

    code: str
    role: str  # "option" | "self_care" | "medicines"
    title: str
    condition: Condition = ()
    involves: str = ""
    benefit: str = ""
    risks: str = ""
    recovery: str = ""
    kb_slug: str = ""
    sources: tuple[str, ...] = ()
    check: Compiled = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "check", compile_condition(self.condition))


HANDOUT_ROLES = ("option", "self_care", "medicines")


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One pathway version's content, as the engine needs it."""

    pathway: str
    version: int
    steps: tuple[StepSpec, ...]
    questions: tuple[QuestionSpec, ...]
    rules: tuple[RuleSpec, ...]
    tiers: tuple[TierSpec, ...]
    levels: tuple[LevelSpec, ...]
    threshold: float  # the score a level needs before it is named (content, no default)
    margin: float  # how far it must lead the next level
    default_tier: str = "conservative"
    handout_items: tuple[HandoutItemSpec, ...] = ()
    question_by_code: dict[str, QuestionSpec] = field(init=False, repr=False, compare=False)
    tier_by_code: dict[str, TierSpec] = field(init=False, repr=False, compare=False)
    level_by_code: dict[str, LevelSpec] = field(init=False, repr=False, compare=False)
    handout_item_by_code: dict[str, HandoutItemSpec] = field(init=False, repr=False, compare=False)
    rule_by_code: dict[str, RuleSpec] = field(init=False, repr=False, compare=False)
    score_rules: tuple[RuleSpec, ...] = field(init=False, repr=False, compare=False)
    tier_rules: tuple[RuleSpec, ...] = field(init=False, repr=False, compare=False)
    gated: tuple[QuestionSpec, ...] = field(init=False, repr=False, compare=False)
    # Subject (a question code or "level") -> the rules whose condition reads it, so a change
    # to one answer re-tests only the rules that can notice it.
    rules_by_subject: dict[str, tuple[RuleSpec, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Lookups computed once per snapshot; the engine runs many evaluations against it.
        put = object.__setattr__
        put(self, "question_by_code", {q.code: q for q in self.questions})
        put(self, "tier_by_code", {t.code: t for t in self.tiers})
        put(self, "level_by_code", {lv.code: lv for lv in self.levels})
        put(self, "handout_item_by_code", {i.code: i for i in self.handout_items})
        put(self, "rule_by_code", {r.code: r for r in self.rules})
        put(self, "score_rules", tuple(r for r in self.rules if r.effect == "score"))
        put(self, "tier_rules", tuple(r for r in self.rules if r.effect == "tier"))
        put(self, "gated", tuple(q for q in self.questions if q.enable_when))
        by_subject: dict[str, list[RuleSpec]] = {}
        for rule in self.rules:
            for subject in dict.fromkeys(c.subject for group in rule.condition for c in group):
                by_subject.setdefault(subject, []).append(rule)
        put(self, "rules_by_subject", {k: tuple(v) for k, v in by_subject.items()})

    def diagram_question(self, layer: str) -> QuestionSpec | None:
        """The question that feeds this layer of the leg diagram, if any."""
        return next((q for q in self.questions if q.diagram_layer == layer), None)

    def steps_with_questions(self) -> list[tuple[StepSpec, list[QuestionSpec]]]:
        return [(step, [q for q in self.questions if q.step == step.code]) for step in self.steps]
