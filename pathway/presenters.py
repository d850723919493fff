"""Presentation of an assessment's pages: how a step's questions are laid out (grids and single
questions), drawn (rows, cached per state), and the status pieces every page shares (the banner,
the live suggestion, the progress bar), with the context each page's template gets.

Layout. A clinician grading seven muscles wants one row per muscle and the grades as columns,
not seven cards of radio buttons. Which questions form a grid follows from their answer codes,
which are the contract of docs/vocabulary.md (MRC grades; reflex findings; negative/positive
signs), so an editor's new muscle or sign joins its grid without any code change.

Rendering ~150 radio buttons a page was most of a step request's cost. A question's HTML depends
only on its content and its state (the ticks, an error, the stored answer, a warning beside it),
never on the assessment, so each is rendered once per distinct state and cached; a grid's frame
likewise. A page is then mostly joined strings. The status pieces are cached the same way: every
value a piece shows is in its key, and its links are relative (every assessment page is at
/a/<id>/<page>/), so a piece never depends on which assessment shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from django.contrib.messages import get_messages
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString

from kb.models import MRC_GRADING_SLUG, Source
from pathway import frames
from pathway.assessments import explain
from pathway.context_processors import signed_in_staff
from pathway.engine import evaluate
from pathway.engine.evaluate import Result, asked
from pathway.engine.model import NOT_TESTED as NOT_TESTED_CODE
from pathway.engine.model import QuestionSpec, Snapshot
from pathway.forms import MRC_GRADES, NOT_TESTED
from pathway.frames import slot
from pathway.statements import fetch

if TYPE_CHECKING:
    from pathway.assessments import Context, StepState
    from pathway.services import StepSave

# Criteria that hold because something is absent; they never point at the answer that raised
# an alarm.
ABSENCE_OPS = frozenset({"unanswered", "ne", "not_in", "not_contains"})


# --- layout: grids and single questions -------------------------------------------------------

# MRC (Oxford) grades, strongest first as clinicians record them; blank is "not tested".
MRC_COLUMNS = (
    ("5", "5", "Normal"),
    ("4", "4", "Some resistance"),
    ("3", "3", "Gravity"),
    ("2", "2", "No gravity"),
    ("1", "1", "Flicker"),
    ("0", "0", "None"),
)
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
    kb_slug: str = ""  # a knowledge-base page on the scale itself, linked from the notes


GRID_KINDS = (
    GridKind(
        "power",
        "Power (MRC grade), affected leg",
        (),
        "5",
        "5/5",
        "About these muscles",
        MRC_GRADING_SLUG,
    ),
    GridKind(
        "reflexes",
        "Reflexes, affected side",
        ("normal", "reduced", "absent", "absent_both_sides", NOT_TESTED_CODE),
        "normal",
        "normal",
        "About these reflexes",
    ),
    GridKind(
        "signs",
        "Nerve tension tests and signs",
        ("negative", "positive", NOT_TESTED_CODE),
        "negative",
        "negative",
        "About these tests",
    ),
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
            fills.append((NOT_TESTED_CODE, "not tested"))
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
        columns = (
            *(Column(value, label, hint) for value, label, hint in MRC_COLUMNS),
            Column(MRC_NOT_TESTED, "Not tested"),
        )
    else:
        used = {code for q in questions for code in q.option_codes}
        labels = {}
        for question in questions:
            for option in question.options:
                labels.setdefault(option.code, option.label)
        columns = tuple(Column(code, labels[code]) for code in kind.options if code in used)
    return Grid(kind, columns, questions)


# --- question rows, rendered once per state --------------------------------------------------


def canonical(value: Any) -> str:
    """An answer as text, to compare what a page showed with what it sends back."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ",".join(sorted(str(v) for v in value))
    return str(value)


@lru_cache(maxsize=4096)  # per question of the content in use; a question hashes once
def options_of(question: QuestionSpec) -> tuple[tuple[str, str], ...]:
    if question.type == "mrc":
        return (*((str(grade), label) for grade, label in MRC_GRADES), (NOT_TESTED, "Not tested"))
    return tuple((option.code, option.label) for option in question.options)


@dataclass
class QuestionRow:
    """One question as the step page draws it."""

    question: QuestionSpec
    shown: bool
    errors: list[str]
    value: str  # a number input's text
    choices: list[tuple[str, str, bool]]  # value, label, checked
    was: str = ""  # the stored answer when the page was drawn (see services.edited_codes)
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
        return [
            (column.value, column.label, ticks.get(column.value, False), column.value in ticks)
            for column in self.grid.columns
        ]

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
        return (
            self.question,
            self.shown,
            tuple(map(str, self.errors)),
            value,
            tuple(self.choices),
            self.was,
            self.alarm,
            self.grid.columns if self.grid else None,
            oob,
        )

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
        html = render_to_string("pathway/_alarm.html", {"slot": slot, "titles": titles, "oob": oob})
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
            values[question.code] = (
                [str(v) for v in value] if isinstance(value, tuple) else (str(value))
            )
    return values


def question_rows(
    questions: list[QuestionSpec],
    values: dict[str, Any],
    shown: set[str],
    *,
    stored: dict[str, Any],
    errors: dict[str, list[str]] | None = None,
    alarms: dict[str, list[str]] | None = None,
) -> list[QuestionRow]:
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
        rows.append(
            QuestionRow(
                question,
                question.code in shown,
                list(errors.get(question.code, [])),
                "" if raw is None or isinstance(raw, list) else str(raw),
                [(value, label, value in chosen) for value, label in options_of(question)]
                if question.type != "number"
                else [],
                canonical(stored.get(question.code)),
                tuple(alarms.get(question.code, ())) if question.code in shown else (),
                grids.get(question.code),
            )
        )
    return rows


def grids_by_code(questions: list[QuestionSpec]) -> dict[str, Grid]:
    return {
        q.code: block
        for block in blocks(tuple(questions))
        if isinstance(block, Grid)
        for q in block.questions
    }


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
                parts += [
                    SafeString('<div class="with-diagram">'),
                    row.html,
                    diagram.html,
                    SafeString("</div>"),
                ]
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


# --- the status pieces ----------------------------------------------------------------------

_status_rendered = Rendered(max_chars=4 * 1024 * 1024)


def _render(part: str, key: tuple, context: dict[str, Any]) -> str:
    html = _status_rendered.get(key)
    if html is None:
        html = render_to_string(f"pathway/_status.html#{part}", context)
        _status_rendered.put(key, html)
    return html


def banner(snapshot: Snapshot, result: Result, *, page: str, oob: bool) -> str:
    tier = snapshot.tier_by_code[result.tier]
    titles = tuple(f.rule.title for f in result.tier_rules_fired if f.rule.target == tier.code)
    context = {
        "banner": tier.banner,
        "tier_title": tier.title,
        "timeframe": tier.timeframe,
        "titles": titles,
        "on_result": page == "result",
        "oob": oob,
    }
    return _render("banner", ("banner", *context.values()), context)


def suggestion(
    snapshot: Snapshot,
    result: Result,
    *,
    suggesting: bool,
    complete: bool,
    result_open: bool,
    oob: bool,
) -> str:
    tier = snapshot.tier_by_code[result.tier]
    level = snapshot.level_by_code.get(result.level)
    context = {
        "suggesting": suggesting,
        "tier_code": tier.code,
        "tier_title": tier.title,
        "level_title": level.title if level else result.level,
        "gaps": len(result.red_flags_incomplete),
        "complete": complete,
        "result_open": result_open,
        "oob": oob,
    }
    return _render("suggestion", ("suggestion", *context.values()), context)


def progress(states, tail: list[tuple], *, page: str, oob: bool) -> str:
    steps = tuple((s.step.code, s.step.title, s.complete, s.reachable, s.current) for s in states)
    context = {"steps": steps, "tail": tuple(tail), "page": page, "oob": oob}
    return _render("progress", ("progress", *context.values()), context)


# --- pages ------------------------------------------------------------------------------------


def alarm_questions(snapshot: Snapshot, result: Result) -> dict[str, list[str]]:
    """Question code -> the titles of the emergency rules its answer fired, so the warning
    can stand beside the answer that raised it."""
    if not snapshot.tier_by_code[result.tier].emergency:
        return {}
    found: dict[str, list[str]] = {}
    for fired in result.tier_rules_fired:
        if fired.rule.target != result.tier:
            continue
        for because in fired.because:
            if because.criterion.op not in ABSENCE_OPS and because.criterion.subject != "level":
                titles = found.setdefault(because.criterion.subject, [])
                if fired.rule.title not in titles:
                    titles.append(fired.rule.title)
    return found


def page_context(ctx: Context, result: Result | None = None, **extra: Any) -> dict[str, Any]:
    """What every assessment template shares (the handout too), with `extra` laid over it."""
    result = result or ctx.result
    tier = ctx.snapshot.tier_by_code[result.tier]
    complete = ctx.first_incomplete is None
    result_open = complete or tier.emergency
    # Until the red flags are screened, the live panel names no tier: a reassuring one before
    # the screen is done would be read as an all-clear. A tier with a banner only escalates.
    suggesting = ctx.screened or bool(tier.banner)
    page = extra.get("page", "")
    n = len(ctx.states)
    tail = [("review", "Review", n + 1, complete), ("result", "Result", n + 2, result_open)]

    def drawn(oob: bool) -> dict[str, Any]:
        # Called by the template only where a piece is shown (a handout shows none).
        return {
            "banner": lambda: banner(ctx.snapshot, result, page=page, oob=oob),
            "suggestion": lambda: suggestion(
                ctx.snapshot,
                result,
                suggesting=suggesting,
                complete=complete,
                result_open=result_open,
                oob=oob,
            ),
            "progress": lambda: progress(ctx.states, tail, page=page, oob=oob),
        }

    return {
        "assessment": ctx.assessment,
        "pathway": ctx.assessment.pathway,
        "snapshot": ctx.snapshot,
        "states": ctx.states,
        "all_complete": complete,
        "result_open": result_open,
        "unfinished": [s for s in ctx.states if not s.complete],
        "status": drawn(oob=False),
        "status_oob": drawn(oob=True),
        "result": result,
        "tier": tier,
        "level": ctx.snapshot.level_by_code.get(result.level),
        "answers": ctx.answers,
        **extra,
    }


def review_page(ctx: Context) -> dict[str, Any]:
    """Every step's asked questions with their answers, and the leg diagram."""
    from pathway.diagram import diagram_for

    facts = asked(ctx.snapshot, ctx.answers)
    rows = [(s, [(q, facts.get(q.code)) for q in s.questions]) for s in ctx.states]
    return page_context(
        ctx, rows=rows, diagram=diagram_for(ctx.snapshot, ctx.answers), page="review"
    )


def result_page(ctx: Context) -> dict[str, Any]:
    """The suggestion with its reasons and sources, the note for the record, the diagram. What
    would change it is drawn when the clinician scrolls to it (`changes_page`)."""
    from pathway.diagram import diagram_for
    from pathway.record import record_note

    outcome = ctx.result
    explained = explain(ctx.snapshot, outcome)
    keys = {key for fired in outcome.fired for key in fired.rule.sources}
    citations = fetch("source citations", lambda: Source.objects.values_list("key", "citation"))
    sources = {key: citation for key, citation in citations if key in keys}
    return page_context(
        ctx,
        outcome,
        sources=sources,
        explained=explained,
        record=record_note(ctx, outcome, explained, ctx.assessment.assessed_on),
        links={
            name: ctx.url(url)
            for name, url in (
                ("handout", "handout"),
                ("pdf", "handout_pdf"),
                ("changes", "changes"),
            )
        },
        diagram=diagram_for(ctx.snapshot, ctx.answers),
        page="result",
    )


def changes_page(ctx: Context) -> dict[str, Any]:
    """What would change the suggestion: every single-answer change tried."""
    outcome = evaluate(ctx.snapshot, ctx.answers)
    return page_context(ctx, outcome, explained=explain(ctx.snapshot, outcome), page="result")


def posted_values(post, questions: list[QuestionSpec]) -> dict[str, Any]:
    """What a refused post carried, to draw the page again with what was typed."""
    return {
        q.code: post.getlist(q.code) if q.type == "multi" else post.get(q.code) for q in questions
    }


def step_page(
    ctx: Context,
    state: StepState,
    questions: list[QuestionSpec],
    values: dict[str, Any] | None = None,
    *,
    errors=None,
    return_to: str = "",
) -> dict[str, Any]:
    """A step's page: its questions drawn with `values` (the stored answers unless given), the
    leg diagram beside the question that feeds one of its layers."""
    from pathway.diagram import diagram_for

    values = raw_values(ctx.answers, questions) if values is None else values
    index = ctx.states.index(state)
    shown = {q.code for q in state.questions}
    result = ctx.result
    rows = question_rows(
        questions,
        values,
        shown,
        stored=ctx.answers,
        errors=errors,
        alarms=alarm_questions(ctx.snapshot, result),
    )
    field = next((q.code for q in questions if q.diagram_layer), None)
    diagram = None
    if field and field in shown:
        row = next(r for r in rows if r.question.code == field)
        ticked = tuple(value for value, _, checked in row.choices if checked)
        diagram = diagram_for(ctx.snapshot, {**ctx.answers, field: ticked}, field=field)
    return page_context(
        ctx,
        result,
        step_state=state,
        rows=rows,
        errors=errors or {},
        questions_html=draw(questions, rows, diagram),
        help_html=help_html(questions),
        previous=ctx.states[index - 1] if index else None,
        is_last=index + 1 == len(ctx.states),
        return_to=return_to,
    )


def framed(
    request, ctx: Context, template: str, *, key: tuple, context: dict, values: dict
) -> SafeString:
    """An assessment page drawn from its frame (see `pathway.frames`). The chrome every
    assessment page shares comes from the version, the preview flag and whether the visitor is
    staff; `context` is what the page adds to it, made from `key`'s values alone and the slots
    of `values`. The request's CSRF token and messages are slots of every page."""
    pathway, is_preview = ctx.assessment.pathway, ctx.assessment.is_preview
    staff = signed_in_staff(request)

    def frame_context() -> dict[str, Any]:
        return {
            "pathway": {
                "version": pathway.version,
                "status": pathway.status,
                "get_status_display": pathway.get_status_display(),
            },
            "assessment": {"is_preview": is_preview, "reference": slot("reference")},
            "nav_current": "",
            "nav_staff": staff,
            "csrf_token": slot("csrf_token"),
            "messages_html": slot("messages"),
            **context,
        }

    stored = list(get_messages(request))
    shared = {
        "csrf_token": SafeString(escape(get_token(request))),
        "messages": render_to_string("_messages.html", {"messages": stored})
        if stored
        else SafeString(""),
    }
    version = (pathway.pk, pathway.created_at, pathway.revision, pathway.status)
    return frames.draw(
        template,
        (*version, is_preview, staff, *key),
        frame_context,
        {**shared, **values},
    )


def step_frame(
    request, ctx: Context, state: StepState, questions: list[QuestionSpec], *, return_to: str
) -> SafeString:
    """A step page as a GET draws it: the same frame for every assessment at this step of this
    content version, with the assessment's reference, status pieces and questions in it."""
    page = step_page(ctx, state, questions, return_to=return_to)
    status = page["status"]
    return framed(
        request,
        ctx,
        "pathway/step.html",
        key=(state.step, return_to, page["is_last"]),
        context={
            "step_state": {"step": state.step},
            "status": {name: slot(name) for name in ("banner", "progress", "suggestion")},
            "questions_html": slot("questions"),
            "help_html": slot("help"),
            "return_to": return_to,
            "is_last": page["is_last"],
            "errors": {},
            "page": "",
        },
        values={
            "reference": escape(ctx.assessment.reference),
            "banner": status["banner"](),
            "progress": status["progress"](),
            "suggestion": status["suggestion"](),
            "questions": page["questions_html"],
            "help": page["help_html"],
        },
    )


def result_frame(request, ctx: Context) -> SafeString:
    """The result page: its chrome from a frame, its body (the suggestion, reasons, note for the
    record; all this assessment's) drawn by the template's `main` partial."""
    page = result_page(ctx)
    return framed(
        request,
        ctx,
        "pathway/result.html",
        key=(),
        context={
            "tier": {"title": slot("title")},
            "status": {"banner": slot("banner")},
            "main_html": slot("main"),
            "page": "result",
        },
        values={
            "title": escape(page["tier"].title),
            "banner": page["status"]["banner"](),
            "main": render_to_string("pathway/result.html#main", page, request=request),
        },
    )


def autosave(ctx: Context, questions: list[QuestionSpec], saved: StepSave) -> dict[str, Any]:
    """The pieces of a step page an htmx answer changes: only questions that appear, disappear
    or are filled in are redrawn, so focus is never lost; a warning that comes or goes is drawn
    in its own slot beside the question."""
    state = ctx.state(saved.step)
    state.current = True
    before = {q.code for q in saved.before}
    after = {q.code for q in state.questions}
    alarms_before = alarm_questions(ctx.snapshot, saved.result_before)
    alarms = alarm_questions(ctx.snapshot, ctx.result)
    rows = {
        row.question.code: row
        for row in question_rows(
            questions,
            raw_values(ctx.answers, questions),
            after,
            stored=ctx.answers,
            errors=saved.form.errors,
            alarms=alarms,
        )
    }
    redrawn = [
        row
        for row in rows.values()
        if (row.question.code in before) != row.shown or row.question.code in saved.filled
    ]
    slots = alarm_slots(questions, rows, alarms_before, alarms, {r.question.code for r in redrawn})
    return page_context(
        ctx,
        form=saved.form,
        step_state=state,
        redrawn=redrawn,
        alarm_slots=slots,
        changed_rows=[
            rows[code]
            for code in saved.changed
            if code not in saved.filled and (code in before) == rows[code].shown
        ],
        saved=bool(saved.values),
    )


def alarm_slots(questions, rows, before: dict, after: dict, redrawn: set[str]) -> list[str]:
    """The warning slots whose text changed, drawn for an out-of-band swap."""
    out = []
    grids = {grid.code: grid for grid in grids_by_code(questions).values()}
    for code, row in rows.items():
        if row.grid is None and code not in redrawn and before.get(code) != after.get(code):
            out.append(render_alarm(f"alarm-{code}", row.alarm, oob=True))
    for grid in grids.values():
        was = [t for code in grid.codes for t in before.get(code, [])]
        now = [t for code in grid.codes for t in after.get(code, [])]
        if was != now:
            out.append(render_alarm(f"alarm-grid-{grid.code}", grid_alarm(grid, rows), oob=True))
    return out


def still_to_answer(missing: list[QuestionSpec]) -> str:
    named = "; ".join(q.prompt.rstrip("?") for q in missing[:3])
    more = f"; and {len(missing) - 3} more" if len(missing) > 3 else ""
    return (
        f"Still to answer on this page ({len(missing)}): {named}{more}. Blank answers are "
        "kept as not yet answered, never as 'no'."
    )
