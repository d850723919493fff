"""The guided form: start, one view for every step, review, result.

Plain forms and POST-redirect-GET first; htmx only makes it quicker (answers autosave, the
banner, enable-when questions and the suggestion panel update in place).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db import DatabaseError
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from kb.models import Source
from pathway import handout, services
from pathway.assessments import (
    Context,
    StepState,
    assessment_for,
    explain,
    load,
    page_context,
    states_for,
    usable,
)
from pathway.diagram import diagram_for
from pathway.engine import evaluate
from pathway.engine.evaluate import asked, is_asked
from pathway.engine.model import QuestionSpec
from pathway.forms import StepForm, step_questions
from pathway.models import Pathway
from pathway.ratelimits import limit
from pathway.snapshot import snapshot_for

logger = logging.getLogger(__name__)


def private(view):
    """Assessment pages hold clinical answers: never cached, indexed or leaked by referrer.

    `same-origin` keeps the URL (which grants access on its own) out of every Referer sent
    elsewhere, while the site's own form posts keep a real Origin for Django's CSRF check."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        response["Referrer-Policy"] = "same-origin"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapped


@require_http_methods(["GET", "HEAD"])
def healthz(request):
    """Liveness: the process answers. A bare page, touching nothing; also the baseline of
    `make load`."""
    return HttpResponse("ok", content_type="text/plain")


@require_http_methods(["GET", "HEAD"])
def readyz(request):
    """Readiness: the database can be read, is migrated, and holds a published pathway."""
    try:
        ready = Pathway.objects.published().for_slug(settings.PATHWAY_DEFAULT_SLUG).exists()
    except DatabaseError as exc:
        logger.error("readiness: the database cannot be read: %s", exc)
        response = HttpResponse("database unavailable", content_type="text/plain", status=503)
    else:
        response = HttpResponse("ok" if ready else "no published pathway",
                                content_type="text/plain", status=200 if ready else 503)
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "HEAD"])
def start(request):
    pathway = Pathway.objects.published().for_slug(settings.PATHWAY_DEFAULT_SLUG).first()
    return TemplateResponse(request, "pathway/start.html", {"pathway": pathway})


@require_POST
@limit("start")
def assessment_start(request):
    pathway = Pathway.objects.published().for_slug(settings.PATHWAY_DEFAULT_SLUG).first()
    if pathway is None:
        messages.error(request, "No published pathway: an assessment cannot start yet.")
        return redirect("start")
    assessment = services.assessment_start(pathway=pathway)
    first = snapshot_for(pathway).steps[0]
    return redirect("step", pk=assessment.pk, step=first.code)


# --- state of one assessment -------------------------------------------------------------------


def refuse_unreachable(request, ctx: Context, what: str):
    """A page the answers do not reach yet: say why and send the clinician where to go."""
    incomplete = ctx.first_incomplete
    message = (f"{what} is not available yet: finish '{incomplete.step.title}' first."
               if incomplete else f"{what} is not available.")
    messages.warning(request, message)
    url = ctx.resume_url()
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


# --- pages -------------------------------------------------------------------------------------


@private
@require_http_methods(["GET", "HEAD"])
def resume(request, pk):
    return redirect(load(request, pk).resume_url())


@private
@require_http_methods(["GET", "HEAD", "POST"])
@limit("answers")
@limit("answers", per="assessment")
def step(request, pk, step):
    ctx = load(request, pk)
    state = ctx.state(step)
    if state is None:
        messages.error(request, f"There is no step called '{step}' in this pathway.")
        return redirect(ctx.resume_url())
    if not state.reachable:
        return refuse_unreachable(request, ctx, f"The '{state.step.title}' step")
    state.current = True
    questions = step_questions(ctx.snapshot, step)
    if request.method == "POST":
        if request.htmx:
            return autosave(request, ctx, state, questions)
        return submit_step(request, ctx, state, questions)
    form = StepForm(initial=initial_values(ctx.answers, questions), questions=questions)
    return render_step(request, ctx, state, form)


def initial_values(answers: dict[str, Any], questions: list[QuestionSpec]) -> dict[str, Any]:
    values = {}
    for question in questions:
        value = answers.get(question.code)
        if value is not None:
            values[question.code] = [str(v) for v in value] if isinstance(value, tuple) else (
                str(value) if question.type == "mrc" else value)
    return values


def edited_codes(request, form: StepForm, questions: list[QuestionSpec]) -> set[str]:
    """The questions this page changed. Each field carries the answer the page was drawn with
    (`was_<code>`); a field still showing it was not touched here, so an answer given meanwhile
    in another tab, or stored by the first of a double submit, is left alone. A question the
    post carries neither a value nor a `was_` for is not on the page that posted: a post with
    no answers changes nothing."""
    answers = form.answers()
    edited = set()
    for question in questions:
        was = request.POST.get(f"was_{question.code}")
        if was is None and question.code not in request.POST:
            continue
        if (was is None or question.code in form.errors
                or canonical(answers.get(question.code)) != was):
            edited.add(question.code)
    return edited


def merged_answers(ctx: Context, form: StepForm, questions: list[QuestionSpec],
                   edited: set[str]) -> dict:
    """The stored answers with the valid answers this page changed laid over them."""
    merged = dict(ctx.answers)
    posted = {code: value for code, value in form.answers().items() if code not in form.errors}
    for question in questions:
        if question.code in form.errors or question.code not in edited:
            continue
        value = posted.get(question.code)
        if value is None:
            merged.pop(question.code, None)
        else:
            merged[question.code] = tuple(value) if isinstance(value, list) else value
    return merged


def submit_step(request, ctx: Context, state: StepState, questions: list[QuestionSpec]):
    going_back = request.POST.get("nav") == "back"
    form = StepForm(request.POST, questions=questions, enforce_required=False)
    form.is_valid()
    edited = edited_codes(request, form, questions)
    merged = merged_answers(ctx, form, questions, edited)
    facts = asked(ctx.snapshot, merged)
    shown = [q for q in questions if is_asked(q, facts)]
    if not going_back:
        for question in shown:
            if question.required and question.code not in facts and question.code not in \
                    form.errors:
                form.add_error(question.code, form.fields[question.code].error_messages[
                    "required"])
    if form.errors:
        # Nothing is stored from an invalid submission; the page keeps what was typed.
        state.questions = shown
        response = render_step(request, ctx, state, form)
        response.status_code = 200
        return response
    values = {q.code: _stored(merged.get(q.code)) for q in shown if q.code in edited}
    services.answers_record(assessment=ctx.assessment, values=values)
    index = ctx.states.index(state)
    if going_back:
        if index == 0:
            return redirect("start")
        return redirect("step", pk=ctx.assessment.pk, step=ctx.states[index - 1].step.code)
    appeared = [q for q in shown if q not in state.questions and q.code not in facts]
    if appeared:
        messages.info(request, "Your answers raised another question on this page: "
                               + "; ".join(q.prompt for q in appeared))
        return redirect(f"{ctx.url('step', step=state.step.code)}#q-{appeared[0].code}")
    if index + 1 < len(ctx.states):
        return redirect("step", pk=ctx.assessment.pk, step=ctx.states[index + 1].step.code)
    return redirect("review", pk=ctx.assessment.pk)


def _stored(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def autosave(request, ctx: Context, state: StepState, questions: list[QuestionSpec]):
    """htmx: store each valid answer as it is given; return the pieces of the page that change.

    Invalid fields are not stored and get their message beside them; status is always 200 so
    htmx swaps the response.
    """
    step_codes = {q.code for q in questions}
    named = request.POST.getlist("changed")
    changed = [code for code in named if code in step_codes]
    if not named:  # a page posting the whole form: what it changed, as without JavaScript
        whole = StepForm(request.POST, questions=questions, enforce_required=False)
        whole.is_valid()
        changed = [q.code for q in questions if q.code in edited_codes(request, whole, questions)]
    targets = [q for q in questions if q.code in changed]
    form = StepForm(request.POST, questions=targets, enforce_required=False)
    form.is_valid()
    merged = merged_answers(ctx, form, targets, set(changed))
    facts = asked(ctx.snapshot, merged)
    values = {q.code: _stored(merged.get(q.code)) for q in targets
              if is_asked(q, facts) and q.code not in form.errors}
    services.answers_record(assessment=ctx.assessment, values=values)
    ctx.answers = usable(ctx.snapshot, {**ctx.stored, **{k: v for k, v in values.items()
                                                         if v is not None}})
    for code, value in values.items():
        if value is None:
            ctx.answers.pop(code, None)
    ctx.states = states_for(ctx.snapshot, ctx.answers)
    new_state = ctx.state(state.step.code)
    new_state.current = True
    before = {q.code for q in state.questions}
    after = {q.code for q in new_state.questions}
    drawn = StepForm(initial=initial_values(ctx.answers, questions), questions=questions)
    rows = {row.question.code: row
            for row in question_rows(drawn, questions, after, ctx.answers)}
    for code, errors in form.errors.items():
        rows[code].errors = list(errors)
    context = page_context(
        ctx, form=form, step_state=new_state,
        # Only questions that appear or disappear are redrawn, so focus is never lost.
        toggled=[row for row in rows.values() if (row.question.code in before) != row.shown],
        changed_rows=[rows[code] for code in changed
                      if (code in before) == rows[code].shown],
        saved=bool(values),
    )
    return TemplateResponse(request, "pathway/step.html#autosave", context)


def canonical(value: Any) -> str:
    """An answer as text, to compare what a page showed with what it sends back."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ",".join(sorted(str(v) for v in value))
    return str(value)


@dataclass
class QuestionRow:
    """One question as the step page draws it."""

    question: QuestionSpec
    shown: bool
    errors: list[str]
    value: str  # a number input's text
    choices: list[tuple[str, str, bool]]  # value, label, checked
    was: str = ""  # the stored answer when the page was drawn (see `edited_codes`)

    @property
    def kind(self) -> str:
        return {"number": "number", "multi": "checkbox"}.get(self.question.type, "radio")

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
                tuple(self.choices), self.was, oob)

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


class RenderedQuestions:
    """Rendered questions by state, within a budget of characters.

    A question's HTML depends only on its content and its state, and rendering ~150 radio
    buttons a page is most of a step request's cost. The keys are bounded by the content
    (see `QuestionRow.key`); the budget is a second bound, should content grow very large.
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


_question_html = RenderedQuestions(max_chars=16 * 1024 * 1024)


def render_question(row: QuestionRow, *, oob: bool) -> str:
    key = row.key(oob)
    html = _question_html.get(key) if key is not None else None
    if html is None:
        html = render_to_string("pathway/_question.html", {"row": row, "oob": oob})
        if key is not None:
            _question_html.put(key, html)
    return html


def question_rows(form: StepForm, questions: list[QuestionSpec], shown_codes: set[str],
                  stored: dict[str, Any]) -> list[QuestionRow]:
    rows = []
    for question in questions:
        bound = form[question.code]
        raw = bound.value()
        chosen = {str(v) for v in raw} if isinstance(raw, list | tuple) else (
            {str(raw)} if raw not in (None, "") else set())
        if question.type == "mrc" and not chosen and form.is_bound:
            chosen = {""}
        choices = [(str(value), label, str(value) in chosen)
                   for value, label in getattr(form.fields[question.code], "choices", [])]
        if question.type == "mrc" and not form.is_bound and not chosen:
            choices = [(v, label, v == "") for v, label, _ in choices]
        rows.append(QuestionRow(question, question.code in shown_codes,
                                list(form.errors.get(question.code, [])),
                                "" if raw is None else str(raw), choices,
                                canonical(stored.get(question.code))))
    return rows


DIAGRAM_FIELDS = {"history": "pain_regions", "exam": "sensory_loss"}


def render_step(request, ctx: Context, state: StepState, form: StepForm):
    questions = step_questions(ctx.snapshot, state.step.code)
    index = ctx.states.index(state)
    shown = {q.code for q in state.questions}
    rows = question_rows(form, questions, shown, ctx.answers)
    field = DIAGRAM_FIELDS.get(state.step.code)
    diagram = None
    if field and field in shown:
        row = next(r for r in rows if r.question.code == field)
        ticked = tuple(value for value, _, checked in row.choices if checked)
        diagram = diagram_for(ctx.snapshot, {**ctx.answers, field: ticked}, field=field)
    context = page_context(
        ctx,
        form=form,
        step_state=state,
        rows=rows,
        diagram=diagram,
        previous=ctx.states[index - 1] if index else None,
        is_last=index + 1 == len(ctx.states),
    )
    return TemplateResponse(request, "pathway/step.html", context)


@private
@require_http_methods(["GET", "HEAD", "POST"])
@limit("answers")
@limit("answers", per="assessment")
def review(request, pk):
    ctx = load(request, pk)
    if ctx.first_incomplete:
        return refuse_unreachable(request, ctx, "The review page")
    if request.method == "POST":
        services.assessment_complete(assessment=ctx.assessment)
        return redirect("result", pk=ctx.assessment.pk)
    facts = asked(ctx.snapshot, ctx.answers)
    rows = [
        (s, [(q, facts.get(q.code)) for q in s.questions]) for s in ctx.states
    ]
    return TemplateResponse(request, "pathway/review.html", page_context(
        ctx, rows=rows, diagram=diagram_for(ctx.snapshot, ctx.answers), page="review"))


@private
@require_http_methods(["GET", "HEAD"])
def result(request, pk):
    ctx = load(request, pk)
    if ctx.first_incomplete:
        return refuse_unreachable(request, ctx, "The result")
    outcome = evaluate(ctx.snapshot, ctx.answers)
    keys = {key for fired in outcome.fired for key in fired.rule.sources}
    sources = {s.key: s for s in Source.objects.filter(key__in=keys)}
    return TemplateResponse(request, "pathway/result.html", page_context(
        ctx, outcome, sources=sources, explained=explain(ctx.snapshot, outcome),
        diagram=diagram_for(ctx.snapshot, ctx.answers), page="result"))


def handout_request(request, pk):
    """Load an assessment for its handout; None and a response when it cannot be printed."""
    ctx = load(request, pk)
    if ctx.first_incomplete:
        return None, refuse_unreachable(request, ctx, "The handout")
    variant = request.GET.get("for", "patient")
    paper = request.GET.get("paper", "a4")
    if variant not in handout.VARIANTS or paper not in handout.PAPERS:
        return None, HttpResponseBadRequest(
            "Choose a handout with ?for=patient or ?for=clinician, and paper=a4 or paper=letter.",
            content_type="text/plain")
    return handout.handout_context(ctx, variant, paper), None


@private
@require_http_methods(["GET", "HEAD"])
def handout_page(request, pk):
    context, refusal = handout_request(request, pk)
    if refusal:
        return refusal
    return TemplateResponse(request, "pathway/handout.html", context)


@private
@require_http_methods(["GET", "HEAD"])
@limit("pdf", method="GET")
def handout_pdf(request, pk):
    context, refusal = handout_request(request, pk)
    if refusal:
        return refusal
    response = HttpResponse(handout.render_pdf(context, request=request),
                            content_type="application/pdf")
    name = f"leg-pain-{context['variant']}-{context['assessment'].reference}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@private
@require_http_methods(["GET", "HEAD"])
def handout_css(request, pk):
    """The per-handout page footer for browser printing (no inline styles: see CSP)."""
    assessment = assessment_for(request, pk)
    return HttpResponse(handout.footer_css(assessment, timezone.localdate()),
                        content_type="text/css")
