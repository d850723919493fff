"""Step and result pages drawn from a frame and its slots (pathway.frames): the same page the
templates draw, never another assessment's parts, and refusing a slot value that is not escaped
HTML."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils.safestring import SafeString

from pathway import frames, presenters, services
from pathway import models as pm
from pathway.assessments import load
from pathway.forms import step_questions
from tests.helpers import regression_cases, verified_login

TOKEN = re.compile(r"\b[A-Za-z0-9]{64}\b")  # a masked CSRF token


def both_ways(assessment, step: str, *, return_to: str = "") -> tuple[str, str]:
    """The step page drawn by its templates in full, and from its frame."""
    request = RequestFactory().get(f"/a/{assessment.pk}/{step}/")
    request.user = None  # never looked up without a session cookie
    ctx = load(request, assessment.pk)
    state = ctx.state(step)
    state.current = True
    questions = step_questions(ctx.snapshot, step)
    whole = render_to_string(
        "pathway/step.html",
        presenters.step_page(ctx, state, questions, return_to=return_to),
        request=request,
    )
    framed = presenters.step_frame(request, ctx, state, questions, return_to=return_to)
    return TOKEN.sub("TOKEN", whole), TOKEN.sub("TOKEN", framed)


@pytest.mark.parametrize("code", ["V01", "V17", "R2-06"])
def test_a_step_page_from_its_frame_is_the_page_its_templates_draw(seeded, code):
    answers = next(c for c in regression_cases() if c["code"] == code)["answers"]
    assessment = services.assessment_start(pathway=pm.Pathway.objects.published().get())
    services.answers_record(assessment=assessment, values=answers)
    for step in ("red_flags", "history", "exam"):
        for return_to in ("", "review"):
            whole, framed = both_ways(assessment, step, return_to=return_to)
            assert framed == whole, (code, step, return_to)


@pytest.mark.parametrize("code", ["V01", "V17", "R2-06"])
def test_the_result_page_from_its_frame_is_the_page_its_template_draws(seeded, code):
    answers = next(c for c in regression_cases() if c["code"] == code)["answers"]
    assessment = services.assessment_start(pathway=pm.Pathway.objects.published().get())
    services.answers_record(assessment=assessment, values=answers)
    request = RequestFactory().get(f"/a/{assessment.pk}/result/")
    request.user = None
    ctx = load(request, assessment.pk)
    whole = render_to_string("pathway/result.html", presenters.result_page(ctx), request=request)
    framed = presenters.result_frame(request, ctx)
    assert TOKEN.sub("TOKEN", framed) == TOKEN.sub("TOKEN", whole)
    assert assessment.reference in framed


def test_a_frame_never_carries_one_assessments_parts_to_another(seeded, client):
    pathway = pm.Pathway.objects.published().get()
    first = services.assessment_start(pathway=pathway)
    services.answers_record(assessment=first, values={"ces_bladder": "yes"})
    second = services.assessment_start(pathway=pathway)
    url = "/a/{}/red_flags/"
    page_one = client.get(url.format(first.pk)).text
    page_two = client.get(url.format(second.pk)).text  # the same frame, drawn second
    assert first.reference in page_one and second.reference not in page_one
    assert second.reference in page_two and first.reference not in page_two
    assert 'data-banner="emergency"' in page_one
    assert 'data-banner="emergency"' not in page_two
    assert client.cookies["csrftoken"]  # the token in the page is the request's own


def test_messages_and_the_staff_link_are_the_requests_own(seeded, client):
    pathway = pm.Pathway.objects.published().get()
    assessment = services.assessment_start(pathway=pathway)
    url = f"/a/{assessment.pk}/red_flags/"
    saved = client.post(url, {"ces_bladder": "no", "nav": "continue"}, follow=True)
    assert "Still to answer on this page" in saved.text
    again = client.get(url).text
    assert "Still to answer on this page" not in again  # shown once, then gone
    assert f'href="{reverse("admin:index")}"' not in again
    editor = get_user_model().objects.create_user("editor", password="x" * 20, is_staff=True)
    verified_login(client, editor)
    assert f'href="{reverse("admin:index")}"' in client.get(url).text


def test_a_slot_takes_escaped_html_only_and_every_slot_is_filled():
    def context():
        return {"name": frames.slot("name"), "messages_html": frames.slot("messages")}

    template = "_messages.html"  # any template: slots here are unused, so the frame refuses
    with pytest.raises(KeyError, match="no slot"):
        frames.draw(template, ("test",), context, {"name": SafeString("x")})
    frame = frames.Frame(f"<p>{frames.slot('who')}</p>")
    assert frame.fill({"who": SafeString("&lt;b&gt;")}) == "<p>&lt;b&gt;</p>"
    with pytest.raises(TypeError, match="escaped"):
        frame.fill({"who": "<b>"})
    with pytest.raises(KeyError, match="who"):
        frame.fill({})
