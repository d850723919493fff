"""Drawing a step page: its questions as rows, grouped into grids and single questions.

Rendering ~150 radio buttons a page was most of a step request's cost. A question's HTML depends
only on its content and its state (the ticks, an error, the stored answer, a warning beside it),
never on the assessment, so each is rendered once per distinct state and cached; a grid's frame
likewise. A page is then mostly joined strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from pathway.engine.model import QuestionSpec
from pathway.forms import MRC_GRADES, NOT_TESTED
from pathway.layout import Grid, Single, blocks


def canonical(value: Any) -> str:
    """An answer as text, to compare what a page showed with what it sends back."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ",".join(sorted(str(v) for v in value))
    return str(value)


def options_of(question: QuestionSpec) -> list[tuple[str, str]]:
    if question.type == "mrc":
        return [(str(grade), label) for grade, label in MRC_GRADES] + [(NOT_TESTED, "Not tested")]
    return [(option.code, option.label) for option in question.options]


@dataclass
class QuestionRow:
    """One question as the step page draws it."""

    question: QuestionSpec
    shown: bool
    errors: list[str]
    value: str  # a number input's text
    choices: list[tuple[str, str, bool]]  # value, label, checked
    was: str = ""  # the stored answer when the page was drawn (see views.edited_codes)
    alarm: tuple[str, ...] = ()  # emergency rules this answer fired
    grid: Grid | None = field(default=None, repr=False)

    @property
    def kind(self) -> str:
        return {"number": "number", "multi": "checkbox"}.get(self.question.type, "radio")

    @property
    def prompt(self) -> str:
        """In a grid, the prompt without its parenthesis (shown smaller, as `detail`)."""
        return self.question.prompt.split(" (", 1)[0] if self.grid else self.question.prompt

    @property
    def detail(self) -> str:
        rest = self.question.prompt.partition(" (")[2]
        return rest.rstrip(")") if self.grid and rest else ""

    @property
    def cells(self) -> list[tuple[str, str, bool, bool]]:
        """A grid row's cells: value, label, checked, and whether this question offers it."""
        ticks = {value: checked for value, _, checked in self.choices}
        return [(column.value, column.label, ticks.get(column.value, False),
                 column.value in ticks) for column in self.grid.columns]

    def key(self, oob: bool) -> tuple | None:
        """The cache key, or None when the row holds text the client typed.

        Everything in the key is bounded by the content (options, fixed messages, valid
        numbers), never by what was posted: junk in a number field would otherwise add an
        entry the size of the junk on every request."""
        if self.kind != "number":
            value = ""  # only the ticks are drawn, and `choices` holds them
        elif self.value and not self.value_is_canonical():
            return None
        else:
            value = self.value
        # The frozen question spec is part of the key: any change of content misses the cache.
        return (self.question, self.shown, tuple(map(str, self.errors)), value,
                tuple(self.choices), self.was, self.alarm,
                self.grid.columns if self.grid else None, oob)

    def value_is_canonical(self) -> bool:
        question = self.question
        try:
            number = int(self.value)
        except ValueError:
            return False
        return str(number) == self.value and question.minimum <= number <= question.maximum

    @property
    def html(self) -> str:
        return render_question(self, oob=False)

    @property
    def oob_html(self) -> str:
        return render_question(self, oob=True)


class Rendered:
    """Rendered fragments by state, within a budget of characters.

    The keys are bounded by the content (see `QuestionRow.key`); the budget is a second bound,
    should content grow very large.
    """

    def __init__(self, max_chars: int):
        self.max_chars = max_chars
        self.chars = 0
        self.html: dict[tuple, str] = {}

    def get(self, key: tuple) -> str | None:
        return self.html.get(key)

    def put(self, key: tuple, html: str) -> None:
        if self.chars + len(html) > self.max_chars:
            self.html.clear()
            self.chars = 0
        self.html[key] = html
        self.chars += len(html)


_rendered = Rendered(max_chars=16 * 1024 * 1024)


def render_question(row: QuestionRow, *, oob: bool) -> str:
    key = row.key(oob)
    html = _rendered.get(key) if key is not None else None
    if html is None:
        template = "pathway/_grid_row.html" if row.grid else "pathway/_question.html"
        html = render_to_string(template, {"row": row, "oob": oob})
        if key is not None:
            _rendered.put(key, html)
    return html


def render_alarm(slot: str, titles: tuple[str, ...], *, oob: bool) -> str:
    key = ("alarm", slot, titles, oob)
    html = _rendered.get(key)
    if html is None:
        html = render_to_string("pathway/_alarm.html",
                                {"slot": slot, "titles": titles, "oob": oob})
        _rendered.put(key, html)
    return html


def grid_frame(grid: Grid, alarm: tuple[str, ...]) -> tuple[str, str]:
    """The grid's HTML before and after its rows."""
    key = ("grid", grid.code, grid.columns, grid.questions, alarm)
    html = _rendered.get(key)
    if html is None:
        html = render_to_string("pathway/_grid.html", {"grid": grid, "alarm": alarm})
        _rendered.put(key, html)
    head, _, tail = html.partition("ROWS")
    # Both halves are template output, escaped when the template rendered.
    return SafeString(head), SafeString(tail)


def raw_values(answers: dict[str, Any], questions: list[QuestionSpec]) -> dict[str, Any]:
    """Stored answers as a form would post them: text, or a list of texts for a multi."""
    values = {}
    for question in questions:
        value = answers.get(question.code)
        if value is not None:
            values[question.code] = [str(v) for v in value] if isinstance(value, tuple) else (
                str(value))
    return values


def question_rows(questions: list[QuestionSpec], values: dict[str, Any], shown: set[str], *,
                  stored: dict[str, Any], errors: dict[str, list[str]] | None = None,
                  alarms: dict[str, list[str]] | None = None) -> list[QuestionRow]:
    """The rows of a step: `values` are the raw answers to draw (stored, or as posted)."""
    errors = errors or {}
    alarms = alarms or {}
    grids = grids_by_code(questions)
    rows = []
    for question in questions:
        raw = values.get(question.code)
        if isinstance(raw, list | tuple):
            chosen = {str(v) for v in raw}
        else:
            chosen = {str(raw)} if raw not in (None, "") else set()
        rows.append(QuestionRow(
            question, question.code in shown, list(errors.get(question.code, [])),
            "" if raw is None or isinstance(raw, list) else str(raw),
            [(value, label, value in chosen) for value, label in options_of(question)]
            if question.type != "number" else [],
            canonical(stored.get(question.code)),
            tuple(alarms.get(question.code, ())) if question.code in shown else (),
            grids.get(question.code)))
    return rows


def grids_by_code(questions: list[QuestionSpec]) -> dict[str, Grid]:
    return {q.code: block for block in blocks(tuple(questions)) if isinstance(block, Grid)
            for q in block.questions}


def grid_alarm(grid: Grid, rows_by_code: dict[str, QuestionRow]) -> tuple[str, ...]:
    titles: list[str] = []
    for code in grid.codes:
        for title in rows_by_code[code].alarm:
            if title not in titles:
                titles.append(title)
    return tuple(titles)


def draw(questions: list[QuestionSpec], rows: list[QuestionRow], diagram=None) -> str:
    """The step's questions as HTML, grids and single questions in content order."""
    by_code = {row.question.code: row for row in rows}
    parts: list[str] = []
    for block in blocks(tuple(questions)):
        if isinstance(block, Single):
            row = by_code[block.question.code]
            if diagram is not None and diagram.field == row.question.code:
                parts += [SafeString('<div class="with-diagram">'), row.html, diagram.html,
                          SafeString("</div>")]
            else:
                parts.append(row.html)
            continue
        head, tail = grid_frame(block, grid_alarm(block, by_code))
        parts.append(head)
        parts.extend(by_code[code].html for code in block.codes)
        parts.append(tail)
    # Every part is rendered template output (escaped as it rendered); joining keeps it so.
    if not all(isinstance(part, SafeString) for part in parts):
        raise TypeError("only rendered templates may be joined into a step page")
    return SafeString("".join(parts))


def help_html(questions: list[QuestionSpec]) -> str:
    """The single questions' knowledge-base pages in one list per page, instead of a tab stop
    beside every question (a grid lists its own); drawn once per step's content."""
    seen, links = set(), []
    for block in blocks(tuple(questions)):
        question = block.question if isinstance(block, Single) else None
        if question and question.kb_slug and question.kb_slug not in seen:
            seen.add(question.kb_slug)
            links.append((question.kb_slug, question.kb_title or question.prompt))
    key = ("help", tuple(links))
    html = _rendered.get(key)
    if html is None:
        html = render_to_string("pathway/_help.html", {"links": links})
        _rendered.put(key, html)
    return html
