"""The printed summary: patient and clinician variants, as HTML for printing and as PDF.

All wording comes from content: the tier, the fired rules' patient lines, the level's patient
explanation, the version's handout items (options, self-care and medicines for the picture the
answers show), the pathway's safety-net lists. All of it belongs to the assessment's pathway
version, so a handout printed again later says what it said the first time.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from functools import cache
from typing import Any

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from kb.models import Source
from pathway.assessments import explain
from pathway.diagram import diagram_for
from pathway.engine import evaluate
from pathway.presenters import page_context
from pathway.record import findings
from pathway.templatetags.pathway_tags import reasons

VARIANTS = ("patient", "clinician")
# The option grid's questions, each answered for every option with equal detail.
OPTION_QUESTIONS = (
    ("What is it?", "involves"),
    ("How likely is it to help, and for how long?", "benefit"),
    ("What are the risks?", "risks"),
    ("How long until I feel better?", "recovery"),
)
PAPERS = {"a4": "A4", "letter": "letter"}
STYLESHEETS = ("css/print.css",)


def handout_context(ctx, variant: str, paper: str, *, today: dt.date | None = None) -> dict:
    """What both variants print, from an assessment's page context (`assessments.Context`)."""
    # The assessment's day, not the printing day: a handout printed again says what it said.
    today = today or ctx.assessment.assessed_on
    snapshot = ctx.snapshot
    # "What would change" is printed only on the clinician's version.
    result = evaluate(snapshot, ctx.answers, what_would_change=variant == "clinician")
    tier = snapshot.tier_by_code[result.tier]
    items = [snapshot.handout_item_by_code[code] for code in result.handout_items]
    options = [i for i in items if i.role == "option"]
    keys = {key for fired in result.fired for key in fired.rule.sources}
    # Two rules may say the same to the patient: each line is printed once.
    patient_lines = list(
        dict.fromkeys(
            f.rule.patient_line
            for f in result.tier_rules_fired
            if f.rule.target == result.tier and f.rule.patient_line
        )
    )
    pathway = ctx.assessment.pathway
    explained = explain(snapshot, result)
    return page_context(
        ctx,
        result,
        variant=variant,
        tier_reasons=tier_reasons(explained, snapshot),
        paper=paper,
        today=today,
        review_date=today + dt.timedelta(days=tier.review_interval_days),
        review_days=tier.review_interval_days,
        explained=explained,
        diagram=diagram_for(snapshot, ctx.answers, printed=True),
        findings=findings(ctx),
        emergency=tier.emergency,
        # Handouts of a tier with a banner (emergency, urgent) lead with what to do now; an
        # emergency one has no routine review, self-care or treatment choices: the patient is
        # going to hospital.
        urgent_now=bool(tier.banner),
        patient_lines=patient_lines,
        self_care=[i for i in items if i.role == "self_care"],
        medicines=[i for i in items if i.role == "medicines"],
        options=options,
        option_rows=[
            (question, [getattr(option, field) for option in options])
            for question, field in OPTION_QUESTIONS
        ],
        safety_columns=columns(lines(pathway.safety_net_emergency), 3),
        safety_urgent=lines(pathway.safety_net_urgent),
        sources={s.key: s for s in Source.objects.filter(key__in=keys)}
        if variant == "clinician"
        else {},
        # The sources of the rules that set the tier, each named once however many cite it.
        tier_sources=list(
            dict.fromkeys(
                key
                for fired in result.tier_rules_fired
                if fired.rule.target == result.tier
                for key in fired.rule.sources
            )
        ),
        page="handout",
    )


def tier_reasons(explained, snapshot) -> list[tuple[Any, str]]:
    """Each rule that set the tier with why it fired, saying each finding once: rules for one
    tier mostly rest on the same answers, and the printed page has no room to repeat them."""
    said: set = set()
    out = []
    for fired in explained.tier_rules:
        out.append((fired, reasons(fired, snapshot, frozenset(said))))
        said.update(fired.because)
    return out


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def columns(items: list[str], count: int) -> list[list[str]]:
    """Items in `count` columns read down, the first columns one longer where they do not
    divide evenly (the card's signs: three columns are laid out as table cells, which
    WeasyPrint draws far faster than a CSS grid)."""
    size, extra = divmod(len(items), count)
    out, start = [], 0
    for i in range(count):
        end = start + size + (1 if i < extra else 0)
        out.append(items[start:end])
        start = end
    return [column for column in out if column]


def footer_css(assessment, today: dt.date) -> str:
    """The reference, version and date in every page's bottom margin (browser print and PDF)."""
    text = (
        (
            f"Reference {assessment.reference} · Content version {assessment.pathway.version}"
            f" · {today:%-d %B %Y}"
        )
        .replace("\\", "")
        .replace('"', "")
    )
    return (
        '@page { @bottom-left { content: "' + text + '"; '
        "font: 9pt 'DejaVu Sans', Arial, sans-serif; color: #4a5565; } }\n"
    )


# One PDF at a time in each server process: a PDF is a second of CPU under the GIL, and two at
# once in one process would starve its other threads (every other request it serves). Waiting
# here costs nothing; rate limits (RATE_LIMITS["pdf"]) bound how many can wait.
_one_pdf_at_a_time = threading.Lock()


@cache
def _stylesheet(path: str, modified: float):
    """The print stylesheet parsed once per version of the file (a parse was 14 ms of each
    PDF); WeasyPrint only reads a parsed stylesheet while it renders."""
    from weasyprint import CSS

    from pathway.pdf_fetcher import StaticFilesOnly

    return CSS(filename=path, url_fetcher=StaticFilesOnly())


@cache
def _fonts():
    """The fonts WeasyPrint finds and loads, kept for the process (a new set per PDF was a tenth
    of its time). Used by one PDF at a time (`_one_pdf_at_a_time`)."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def render_pdf(context: dict[str, Any], *, request=None) -> bytes:
    """The handout as PDF bytes. The stylesheet is read from disk, and WeasyPrint may fetch
    nothing but the app's own static files."""
    from weasyprint import CSS, HTML

    from pathway.pdf_fetcher import StaticFilesOnly

    html = render_to_string("pathway/handout.html", {**context, "pdf": True}, request=request)
    files = [finders.find(name) for name in STYLESHEETS]
    fetcher = StaticFilesOnly()
    page = CSS(
        string=f"@page {{ size: {PAPERS[context['paper']]}; }}"
        + footer_css(context["assessment"], context["today"]),
        url_fetcher=fetcher,
    )
    with _one_pdf_at_a_time:
        return HTML(string=html, base_url=str(files[0]), url_fetcher=fetcher).write_pdf(
            stylesheets=[*(_stylesheet(path, os.path.getmtime(path)) for path in files), page],
            font_config=_fonts(),
        )
