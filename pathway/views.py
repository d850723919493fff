"""The guided form: start, one view for every step, review, result.

Plain forms and POST-redirect-GET first; htmx only makes it quicker (answers autosave, the
banner, enable-when questions and the suggestion panel update in place).
"""

from __future__ import annotations

import logging
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db import DatabaseError
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from kb.models import Source
from pathway import handout, services
from pathway.assessments import (
    Context,
    StepState,
    alarm_questions,
    assessment_for,
    explain,
    load,
    page_context,
    usable,
)
from pathway.diagram import diagram_for
from pathway.engine import evaluate
from pathway.engine.evaluate import asked, is_asked
from pathway.engine.model import QuestionSpec
from pathway.forms import NOT_TESTED, StepForm, step_questions
from pathway.models import Pathway
from pathway.ratelimits import limit
from pathway.record import record_note
from pathway.snapshot import snapshot_for
from pathway.step_page import (
    canonical,
    draw,
    grid_alarm,
    grids_by_code,
    help_html,
    question_rows,
    raw_values,
    render_alarm,
)

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
def favicon(request):
    """Browsers ask for /favicon.ico where a page names no icon (a PDF, the admin)."""
    return redirect(static("favicon.svg"), permanent=True)


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


@gzip_page
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
@gzip_page
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
    return render_step(request, ctx, state, raw_values(ctx.answers, questions))


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


def filled(ctx: Context, questions: list[QuestionSpec], merged: dict, post) -> dict:
    """The answers a grid's "mark the rest" shortcut gives: its value for each of the grid's
    asked questions still unanswered. A muscle posted as "not tested" is left alone: an
    ungraded muscle is stored as unanswered, and the clinician who has just marked it so must
    not find it graded 5. Nothing else is ever filled in; an unknown shortcut (a tampered
    post) fills nothing."""
    code, _, value = post.get("fill", "").partition(":")
    grid = grids_by_code(questions)
    group = next((g for g in grid.values() if g.code == code), None)
    if group is None or value not in {v for v, _ in group.fills}:
        return {}
    facts = asked(ctx.snapshot, merged)
    return {q.code: int(value) if q.type == "mrc" else value for q in group.questions
            if is_asked(q, facts) and q.code not in facts and post.get(q.code) != NOT_TESTED
            and (q.type == "mrc" or value in q.option_set)}


def submit_step(request, ctx: Context, state: StepState, questions: list[QuestionSpec]):
    """A step posted without JavaScript. Every valid answer it carries is stored, blanks
    included (blank is incomplete, not invalid: an emergency answer given with the rest of the
    page still blank must never be thrown away); only an invalid value refuses the post, and
    then nothing of it is stored."""
    going_back = request.POST.get("nav") == "back"
    form = StepForm(request.POST, questions=questions, enforce_required=False)
    form.is_valid()
    edited = edited_codes(request, form, questions)
    merged = merged_answers(ctx, form, questions, edited)
    facts = asked(ctx.snapshot, merged)
    shown = [q for q in questions if is_asked(q, facts)]
    if form.errors:
        # Nothing is stored from an invalid submission; the page keeps what was typed.
        state.questions = shown
        posted = {q.code: request.POST.getlist(q.code) if q.type == "multi"
                  else request.POST.get(q.code) for q in questions}
        response = render_step(request, ctx, state, posted, errors=form.errors)
        response.status_code = 200
        return response
    values = {q.code: _stored(merged.get(q.code)) for q in shown if q.code in edited}
    fill = request.POST.get("fill", "")
    values.update(filled(ctx, questions, merged, request.POST))
    services.answers_record(assessment=ctx.assessment, values=values)
    index = ctx.states.index(state)
    here = ctx.url("step", step=state.step.code)
    if request.POST.get("return_to") == "review":
        here += "?from=review"
    if fill:
        return redirect(f"{here}#grid-{fill.partition(':')[0]}")
    if going_back:
        if index == 0:
            return redirect("start")
        return redirect("step", pk=ctx.assessment.pk, step=ctx.states[index - 1].step.code)
    appeared = [q for q in shown if q not in state.questions and q.code not in facts]
    if appeared:
        messages.info(request, "Your answers raised another question on this page: "
                               + "; ".join(q.prompt for q in appeared))
        return redirect(f"{here}#q-{appeared[0].code}")
    missing = [q for q in shown if q.required and q.code not in facts]
    if missing:
        messages.warning(request, ("Your answers are saved. " if values else "")
                         + still_to_answer(missing))
        return redirect(f"{here}#q-{missing[0].code}")
    if request.POST.get("return_to") == "review":
        ctx.set_answers(usable(ctx.snapshot, stored_after(ctx, values)))
        if ctx.first_incomplete is None:
            return redirect(f"{ctx.url('review')}#step-{state.step.code}")
    if index + 1 < len(ctx.states):
        return redirect("step", pk=ctx.assessment.pk, step=ctx.states[index + 1].step.code)
    return redirect("review", pk=ctx.assessment.pk)


def still_to_answer(missing: list[QuestionSpec]) -> str:
    named = "; ".join(q.prompt.rstrip("?") for q in missing[:3])
    more = f"; and {len(missing) - 3} more" if len(missing) > 3 else ""
    return (f"Still to answer on this page ({len(missing)}): {named}{more}. Blank answers are "
            "kept as not yet answered, never as 'no'.")


def stored_after(ctx: Context, values: dict[str, Any]) -> dict[str, Any]:
    """What is stored once `values` (None clears an answer) are written."""
    return {code: value for code, value in {**ctx.stored, **values}.items() if value is not None}


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
    alarms_before = alarm_questions(ctx.snapshot, ctx.result)
    merged = merged_answers(ctx, form, targets, set(changed))
    facts = asked(ctx.snapshot, merged)
    values = {q.code: _stored(merged.get(q.code)) for q in targets
              if is_asked(q, facts) and q.code not in form.errors}
    fills = filled(ctx, questions, merged, request.POST)
    values.update(fills)
    services.answers_record(assessment=ctx.assessment, values=values)
    ctx.set_answers(usable(ctx.snapshot, stored_after(ctx, values)))
    new_state = ctx.state(state.step.code)
    new_state.current = True
    before = {q.code for q in state.questions}
    after = {q.code for q in new_state.questions}
    alarms = alarm_questions(ctx.snapshot, ctx.result)
    rows = {row.question.code: row for row in question_rows(
        questions, raw_values(ctx.answers, questions), after, stored=ctx.answers,
        errors=form.errors, alarms=alarms)}
    # Only questions that appear, disappear or are filled in are redrawn, so focus is never
    # lost; a warning that comes or goes is drawn in its own slot beside the question.
    redrawn = [row for row in rows.values()
               if (row.question.code in before) != row.shown or row.question.code in fills]
    slots = alarm_slots(questions, rows, alarms_before, alarms, {r.question.code for r in redrawn})
    context = page_context(
        ctx, form=form, step_state=new_state,
        redrawn=redrawn, alarm_slots=slots,
        changed_rows=[rows[code] for code in changed if code not in fills
                      and (code in before) == rows[code].shown],
        saved=bool(values),
    )
    return TemplateResponse(request, "pathway/step.html#autosave", context)


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
            out.append(render_alarm(f"alarm-grid-{grid.code}", grid_alarm(grid, rows),
                                    oob=True))
    return out


def render_step(request, ctx: Context, state: StepState, values: dict[str, Any], *,
                errors=None):
    questions = step_questions(ctx.snapshot, state.step.code)
    index = ctx.states.index(state)
    shown = {q.code for q in state.questions}
    result = ctx.result
    rows = question_rows(questions, values, shown, stored=ctx.answers, errors=errors,
                         alarms=alarm_questions(ctx.snapshot, result))
    # The leg diagram stands beside the step's question that feeds one of its layers.
    field = next((q.code for q in questions if q.diagram_layer), None)
    diagram = None
    if field and field in shown:
        row = next(r for r in rows if r.question.code == field)
        ticked = tuple(value for value, _, checked in row.choices if checked)
        diagram = diagram_for(ctx.snapshot, {**ctx.answers, field: ticked}, field=field)
    context = page_context(
        ctx,
        result,
        step_state=state,
        rows=rows,
        errors=errors or {},
        questions_html=draw(questions, rows, diagram),
        help_html=help_html(questions),
        previous=ctx.states[index - 1] if index else None,
        is_last=index + 1 == len(ctx.states),
        return_to="review" if (request.GET.get("from") == "review"
                               or request.POST.get("return_to") == "review") else "",
    )
    return TemplateResponse(request, "pathway/step.html", context)


@private
@gzip_page
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
@gzip_page
@require_http_methods(["GET", "HEAD"])
def result(request, pk):
    ctx = load(request, pk)
    if not ctx.result_open:
        return refuse_unreachable(request, ctx, "The result")
    # What would change is asked for when the clinician scrolls to it (see `changes`).
    outcome = ctx.result
    explained = explain(ctx.snapshot, outcome)
    keys = {key for fired in outcome.fired for key in fired.rule.sources}
    sources = dict(Source.objects.filter(key__in=keys).values_list("key", "citation"))
    return TemplateResponse(request, "pathway/result.html", page_context(
        ctx, outcome, sources=sources, explained=explained,
        record=record_note(ctx, outcome, explained, timezone.localdate()),
        links={name: ctx.url(url) for name, url in (
            ("handout", "handout"), ("pdf", "handout_pdf"), ("changes", "changes"))},
        diagram=diagram_for(ctx.snapshot, ctx.answers), page="result"))


@private
@gzip_page
@require_http_methods(["GET", "HEAD"])
def changes(request, pk):
    """What would change the suggestion: every single-answer change tried. Its own page
    without JavaScript; with htmx, drawn into the result page when it scrolls into view."""
    ctx = load(request, pk)
    if not ctx.result_open:
        return refuse_unreachable(request, ctx, "The result")
    outcome = evaluate(ctx.snapshot, ctx.answers)
    template = "pathway/changes.html#changes" if request.htmx else "pathway/changes.html"
    return TemplateResponse(request, template, page_context(
        ctx, outcome, explained=explain(ctx.snapshot, outcome), page="result"))


def handout_request(request, pk):
    """Load an assessment for its handout; None and a response when it cannot be printed."""
    ctx = load(request, pk)
    if not ctx.result_open:
        return None, refuse_unreachable(request, ctx, "The handout")
    variant = request.GET.get("for", "patient")
    paper = request.GET.get("paper", "a4")
    if variant not in handout.VARIANTS or paper not in handout.PAPERS:
        return None, HttpResponseBadRequest(
            "Choose a handout with ?for=patient or ?for=clinician, and paper=a4 or paper=letter.",
            content_type="text/plain")
    return handout.handout_context(ctx, variant, paper), None


@private
@gzip_page
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
