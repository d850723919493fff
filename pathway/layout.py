"""How a step's questions are laid out: compact grids for findings that share their answers,
single questions for the rest.

A clinician grading seven muscles wants one row per muscle and the grades as columns, not seven
cards of radio buttons. Which questions form a grid follows from their answer codes, which are
the contract of spec/findings.md (MRC grades; reflex findings; negative/positive signs), so an
editor's new muscle or sign joins its grid without any code change. Pure: no Django.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from pathway.engine.model import NOT_TESTED, QuestionSpec

# MRC (Oxford) grades, strongest first as clinicians record them; blank is "not tested".
MRC_COLUMNS = (("5", "5", "Normal"), ("4", "4", "Some resistance"),
               ("3", "3", "Gravity"), ("2", "2", "No gravity"),
               ("1", "1", "Flicker"), ("0", "0", "None"))
MRC_NOT_TESTED = ""


@dataclass(frozen=True, slots=True)
class Column:
    value: str  # the option code (an MRC grade as text; "" is an ungraded muscle)
    label: str  # the column heading
    hint: str = ""  # a short gloss under the heading


@dataclass(frozen=True, slots=True)
class GridKind:
    code: str
    title: str
    options: tuple[str, ...]  # the answer codes this kind accepts, in column order
    normal: str  # the answer a shortcut fills in as normal
    normal_label: str  # the shortcut's wording: "Mark the rest <normal_label>"
    notes_title: str


GRID_KINDS = (
    GridKind("power", "Power (MRC grade), affected leg", (), "5", "5/5",
             "About these muscles"),
    GridKind("reflexes", "Reflexes, affected side",
             ("normal", "reduced", "absent", "absent_both_sides", NOT_TESTED), "normal",
             "normal", "About these reflexes"),
    GridKind("signs", "Nerve tension tests and signs",
             ("negative", "positive", NOT_TESTED), "negative", "negative",
             "About these tests"),
)


@dataclass(frozen=True, slots=True)
class Grid:
    kind: GridKind
    columns: tuple[Column, ...]
    questions: tuple[QuestionSpec, ...]

    @property
    def code(self) -> str:
        return self.kind.code

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(q.code for q in self.questions)

    @property
    def params(self) -> str:
        """What a shortcut posts with htmx: itself and the grid's answers as they stand (with
        the answers they were drawn with), so a row just marked "not tested" is left alone."""
        return ",".join(["fill", *self.codes, *(f"was_{code}" for code in self.codes)])

    @property
    def fills(self) -> tuple[tuple[str, str], ...]:
        """The shortcuts: (value, wording). "Not tested" is offered where it is an answer of
        its own; an ungraded muscle is already "not tested"."""
        fills = [(self.kind.normal, self.kind.normal_label)]
        if self.kind.code != "power":
            fills.append((NOT_TESTED, "not tested"))
        return tuple(fills)


@dataclass(frozen=True, slots=True)
class Single:
    question: QuestionSpec


Block = Grid | Single


def kind_of(question: QuestionSpec) -> GridKind | None:
    if question.type == "mrc":
        return GRID_KINDS[0]
    if question.type != "choice" or not question.option_codes:
        return None
    for kind in GRID_KINDS[1:]:
        if set(question.option_codes) <= set(kind.options):
            return kind
    return None


@cache
def blocks(questions: tuple[QuestionSpec, ...]) -> tuple[Block, ...]:
    """The step's questions as grids and single questions, in the order of their first
    question. A grid needs at least two questions; a lone one is drawn as a single question."""
    members: dict[str, list[QuestionSpec]] = {}
    for question in questions:
        kind = kind_of(question)
        if kind is not None:
            members.setdefault(kind.code, []).append(question)
    placed: set[str] = set()
    out: list[Block] = []
    for question in questions:
        kind = kind_of(question)
        if kind is None or len(members[kind.code]) < 2:
            out.append(Single(question))
        elif kind.code not in placed:
            placed.add(kind.code)
            out.append(grid(kind, tuple(members[kind.code])))
    return tuple(out)


def grid(kind: GridKind, questions: tuple[QuestionSpec, ...]) -> Grid:
    if kind.code == "power":
        columns = (*(Column(value, label, hint) for value, label, hint in MRC_COLUMNS),
                   Column(MRC_NOT_TESTED, "Not tested"))
    else:
        used = {code for q in questions for code in q.option_codes}
        labels = {}
        for question in questions:
            for option in question.options:
                labels.setdefault(option.code, option.label)
        columns = tuple(Column(code, labels[code]) for code in kind.options if code in used)
    return Grid(kind, columns, questions)


def grid_of(questions: tuple[QuestionSpec, ...]) -> dict[str, Grid]:
    """Question code -> its grid, for the questions drawn in one."""
    return {q.code: block for block in blocks(questions) if isinstance(block, Grid)
            for q in block.questions}
