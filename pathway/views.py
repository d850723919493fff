"""The guided form: start, one view for every step, review, result.

Plain forms and POST-redirect-GET first; htmx only makes it quicker (answers autosave, the
banner, enable-when questions and the suggestion panel update in place).
"""

from __future__ import annotations

import logging
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.db import DatabaseError
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from pathway import handout, presenters, services
from pathway.assessments import Context, load
from pathway.compression import gzip_page
from pathway.forms import StepForm, step_questions
from pathway.models import Pathway
from pathway.ratelimits import limit
from pathway.services import StepSave
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
        response = HttpResponse(
            "ok" if ready else "no published pathway",
            content_type="text/plain",
            status=200 if ready else 503,
        )
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
    message = (
        f"{what} is not available yet: finish '{incomplete.step.title}' first."
        if incomplete
        else f"{what} is not available."
    )
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
    """Every step of the guided form: its page, a whole page posted (POST-redirect-GET), or,
    with htmx, each answer stored as it is given and the pieces of the page that change."""
    ctx = load(request, pk)
    state = ctx.state(step)
    if state is None:
        messages.error(request, f"There is no step called '{step}' in this pathway.")
        return redirect(ctx.resume_url())
    if not state.reachable:
        return refuse_unreachable(request, ctx, f"The '{state.step.title}' step")
    state.current = True
    questions = step_questions(ctx.snapshot, step)
    return_to = (
        "review" if "review" in (request.GET.get("from"), request.POST.get("return_to")) else ""
    )
    if request.method != "POST":
        return HttpResponse(
            presenters.step_frame(request, ctx, state, questions, return_to=return_to)
        )
    form = StepForm(request.POST, questions=questions, enforce_required=False)
    saved = services.step_answers_save(
        ctx=ctx, step=step, form=form, post=request.POST, partial=bool(request.htmx)
    )
    if request.htmx:
        return TemplateResponse(
            request, "pathway/step.html#autosave", presenters.autosave(ctx, questions, saved)
        )
    if saved.refused:
        # Nothing is stored from an invalid submission; the page keeps what was typed.
        state.questions = saved.shown
        return TemplateResponse(
            request,
            "pathway/step.html",
            presenters.step_page(
                ctx,
                state,
                questions,
                presenters.posted_values(request.POST, questions),
                errors=form.errors,
                return_to=return_to,
            ),
        )
    return redirect(after_step(request, ctx, saved))


def after_step(request, ctx: Context, saved: StepSave) -> str:
    """Where a whole page posted without JavaScript goes once its answers are stored: back to
    a grid its shortcut filled, back or on as asked, to a question the answers raised or one
    still to answer, or to the review it came from."""
    codes = [s.step.code for s in ctx.states]
    index = codes.index(saved.step)
    return_to = request.POST.get("return_to") == "review"
    here = ctx.url("step", step=saved.step) + ("?from=review" if return_to else "")
    fill = request.POST.get("fill", "")
    if fill:
        return f"{here}#grid-{fill.partition(':')[0]}"
    if request.POST.get("nav") == "back":
        return ctx.url("step", step=codes[index - 1]) if index else reverse("start")
    if saved.appeared:
        messages.info(
            request,
            "Your answers raised another question on this page: "
            + "; ".join(q.prompt for q in saved.appeared),
        )
        return f"{here}#q-{saved.appeared[0].code}"
    if saved.missing:
        messages.warning(
            request,
            ("Your answers are saved. " if saved.values else "")
            + presenters.still_to_answer(saved.missing),
        )
        return f"{here}#q-{saved.missing[0].code}"
    if return_to and ctx.first_incomplete is None:
        return f"{ctx.url('review')}#step-{saved.step}"
    if index + 1 < len(codes):
        return ctx.url("step", step=codes[index + 1])
    return ctx.url("review")


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
    return TemplateResponse(request, "pathway/review.html", presenters.review_page(ctx))


@private
@gzip_page
@require_http_methods(["GET", "HEAD"])
def result(request, pk):
    ctx = load(request, pk)
    if not ctx.result_open:
        return refuse_unreachable(request, ctx, "The result")
    return HttpResponse(presenters.result_frame(request, ctx))


@private
@gzip_page
@require_http_methods(["GET", "HEAD"])
def changes(request, pk):
    """What would change the suggestion: every single-answer change tried. Its own page
    without JavaScript; with htmx, drawn into the result page when it scrolls into view."""
    ctx = load(request, pk)
    if not ctx.result_open:
        return refuse_unreachable(request, ctx, "The result")
    template = "pathway/changes.html#changes" if request.htmx else "pathway/changes.html"
    return TemplateResponse(request, template, presenters.changes_page(ctx))


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
            content_type="text/plain",
        )
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
    response = HttpResponse(
        handout.render_pdf(context, request=request), content_type="application/pdf"
    )
    name = f"leg-pain-{context['variant']}-{context['assessment'].reference}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@private
@require_http_methods(["GET", "HEAD"])
def handout_css(request, pk):
    """The per-handout page footer for browser printing (no inline styles: see CSP)."""
    ctx = load(request, pk)
    return HttpResponse(
        handout.footer_css(ctx.assessment, ctx.assessment.assessed_on), content_type="text/css"
    )
