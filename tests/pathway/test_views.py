"""The guided form: every exit of every view, without JavaScript and with htmx."""

import gc
import html
import json
import re
import threading
import tracemalloc
import uuid

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pathway import models as pm
from pathway import services
from tests.helpers import assess, regression_cases
from tests.pathway import factories as f
from tests.pathway import vocabulary

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def assessment(seeded):
    return services.assessment_start(pathway=pm.Pathway.objects.published().get())


def step_url(assessment, step):
    return reverse("step", kwargs={"pk": assessment.pk, "step": step})


def answers_of(assessment):
    return services.answers_for(assessment)


def prompt_of(assessment, code):
    """A question's prompt as the published content words it (the mechanics, not the wording)."""
    return assessment.pathway.questions.get(code=code).prompt


def rule_title(assessment, code):
    return html.escape(assessment.pathway.rules.get(code=code).title)


RED_FLAGS_NO = dict.fromkeys(vocabulary.RED_FLAG_TRI, "no")
RED_FLAGS_NO["trauma"] = "none"


# --- start -------------------------------------------------------------------------------------


def test_the_start_page_shows_the_version_and_a_start_button(client, seeded):
    response = client.get(reverse("start"))
    assert response.status_code == 200
    assert "Content version <strong>1</strong>" in response.text
    assert f'action="{reverse("assessment_start")}"' in response.text


def test_starting_creates_an_assessment_on_the_published_version(client, seeded):
    response = client.post(reverse("assessment_start"))
    assessment = pm.Assessment.objects.get()
    assert response.status_code == 302
    assert response.url == step_url(assessment, "red_flags")
    assert assessment.pathway.status == "published"


def test_starting_needs_a_post(client, seeded):
    assert client.get(reverse("assessment_start")).status_code == 405


def test_starting_without_a_published_pathway_says_so(client, empty_db):
    response = client.post(reverse("assessment_start"), follow=True)
    assert "No published pathway" in response.text
    assert not pm.Assessment.objects.exists()


# --- steps: GET --------------------------------------------------------------------------------


def test_a_step_page_renders_its_questions_named_by_code(client, assessment):
    response = client.get(step_url(assessment, "red_flags"))
    assert response.status_code == 200
    assert 'name="ces_bladder" value="yes"' in response.text
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "same-origin"
    assert "noindex" in response["X-Robots-Tag"]


def test_an_unknown_assessment_is_not_found(client, seeded):
    assert (
        client.get(reverse("step", kwargs={"pk": uuid.uuid4(), "step": "red_flags"})).status_code
        == 404
    )
    assert client.get("/a/not-a-uuid/red_flags/").status_code == 404


def test_an_unknown_step_redirects_with_a_message(client, assessment):
    response = client.get(step_url(assessment, "nowhere"), follow=True)
    assert "There is no step called &#x27;nowhere&#x27;" in response.text
    assert response.redirect_chain[-1][0] == step_url(assessment, "red_flags")


def test_a_step_the_answers_do_not_reach_is_refused_with_a_message(client, assessment):
    response = client.get(step_url(assessment, "exam"))
    assert response.status_code == 302
    assert response.url == step_url(assessment, "red_flags")
    page = client.get(response.url)
    red_flags = html.escape(assessment.pathway.steps.get(code="red_flags").title)
    assert f"finish &#x27;{red_flags}&#x27; first" in page.text


def test_steps_refuse_other_methods(client, assessment):
    assert client.put(step_url(assessment, "red_flags")).status_code == 405
    assert client.delete(step_url(assessment, "red_flags")).status_code == 405


def test_reopening_the_assessment_resumes_where_the_clinician_left_off(client, assessment):
    services.answers_record(assessment=assessment, values=RED_FLAGS_NO)
    response = client.get(reverse("resume", kwargs={"pk": assessment.pk}))
    assert response.url == step_url(assessment, "history")


# --- steps: POST without JavaScript ------------------------------------------------------------


def test_a_valid_step_is_stored_and_moves_on(client, assessment):
    response = client.post(step_url(assessment, "red_flags"), {**RED_FLAGS_NO, "nav": "continue"})
    assert response.status_code == 302
    assert response.url == step_url(assessment, "history")
    assert answers_of(assessment)["ces_bowel"] == "no"
    assert pm.AnswerChange.objects.filter(assessment=assessment).count() == len(RED_FLAGS_NO)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("age", "200", "Enter 110 or less."),
        ("age", "forty", "Enter a whole number from 16 to 110."),
        ("affected_side", "middle", "That is not one of the answers"),
        ("pain_regions", "elbow", "That is not one of the answers"),
    ],
)
def test_an_invalid_answer_is_shown_beside_its_field_and_nothing_is_stored(
    client, assessment, field, value, message
):
    services.answers_record(assessment=assessment, values={**RED_FLAGS_NO, "age": 50})
    before = answers_of(assessment)
    response = client.post(
        step_url(assessment, "history"),
        {"age": "44", "affected_side": "left", field: value, "nav": "continue"},
    )
    assert response.status_code == 200
    assert re.search(rf'id="err-{field}">.*{re.escape(message)}', response.text)
    assert "Nothing on this page was saved" in response.text
    assert answers_of(assessment) == before
    if field != "age":
        assert 'name="age" value="44"' in response.text  # what was typed is kept


def test_a_blank_answer_keeps_the_rest_and_says_what_is_still_missing(client, assessment):
    data = {**RED_FLAGS_NO, "nav": "continue"}
    del data["fever"]
    response = client.post(step_url(assessment, "red_flags"), data)
    assert response.status_code == 302
    assert response.url == step_url(assessment, "red_flags") + "#q-fever"
    assert answers_of(assessment) == {k: v for k, v in RED_FLAGS_NO.items() if k != "fever"}
    page = client.get(response.url).text
    fever = html.escape(prompt_of(assessment, "fever").rstrip("?"))
    assert f"Your answers are saved. Still to answer on this page (1): {fever}" in page
    assert "Nothing on this page was saved" not in page


def test_back_keeps_what_was_typed_without_requiring_the_rest(client, assessment):
    services.answers_record(assessment=assessment, values=RED_FLAGS_NO)
    response = client.post(step_url(assessment, "history"), {"age": "61", "nav": "back"})
    assert response.url == step_url(assessment, "red_flags")
    assert answers_of(assessment)["age"] == 61
    assert 'value="61"' in client.get(step_url(assessment, "history")).text


def test_a_ces_yes_brings_up_the_onset_question_before_moving_on(client, assessment):
    response = client.post(
        step_url(assessment, "red_flags"), {**RED_FLAGS_NO, "ces_bladder": "yes", "nav": "continue"}
    )
    assert response.url == step_url(assessment, "red_flags") + "#q-ces_onset"
    page = client.get(response.url)
    assert 'id="q-ces_onset" class="question question--radio"' in page.text
    assert "alert-banner--emergency" in page.text


def test_the_emergency_banner_stays_on_every_later_page(client, assessment):
    services.answers_record(assessment=assessment, values={**RED_FLAGS_NO, "ces_saddle": "yes"})
    assert "alert-banner--emergency" in client.get(step_url(assessment, "history")).text


# --- emergency first ----------------------------------------------------------------------------


def result_url(assessment):
    return reverse("result", kwargs={"pk": assessment.pk})


def test_an_emergency_answer_saved_with_the_rest_blank_is_kept(client, assessment):
    """Without JavaScript: 'Yes' to new bladder difficulty, Save, every other red flag blank."""
    response = client.post(
        step_url(assessment, "red_flags"), {"ces_bladder": "yes", "nav": "continue"}
    )
    assert answers_of(assessment) == {"ces_bladder": "yes"}
    assert response.status_code == 302
    page = client.get(response.url).text
    assert 'data-banner="emergency"' in page
    # Relative, as every link of the shared status pieces: ../result/ from any assessment page.
    assert 'href="../result/">Emergency actions and warning card' in page
    assert "Nothing on this page was saved" not in page
    # Beside the answer that raised it, as well as at the top of the screen.
    beside = re.search(r'id="q-ces_bladder".*?id="q-ces_saddle"', page, re.S).group(0)
    assert rule_title(assessment, "ces_red_flag_new") in beside
    assert 'href="../result/"' in beside


def test_the_emergency_banner_is_on_every_assessment_page_and_sticks(client, assessment):
    services.answers_record(assessment=assessment, values={"ces_bowel": "yes"})
    for url in (
        step_url(assessment, "red_flags"),
        result_url(assessment),
        reverse("resume", kwargs={"pk": assessment.pk}),
    ):
        page = client.get(url, follow=True).text
        assert re.search(
            r'class="alert-banner-slot alert-banner-slot--sticky"[^>]*>\s*'
            r'<div class="alert-banner alert-banner--emergency" role="alert" '
            r'data-banner="emergency"',
            page,
        ), url


def test_the_result_opens_at_once_for_an_emergency_and_names_the_unfinished_steps(
    client, assessment
):
    services.answers_record(assessment=assessment, values={"ces_saddle": "yes"})
    response = client.get(result_url(assessment))
    assert response.status_code == 200
    assert re.search(r'data-tier="emergency" data-level="indeterminate"', response.text)
    steps = {s.code: html.escape(s.title) for s in assessment.pathway.steps.all()}
    assert (
        f"<strong>Not completed:</strong> {steps['red_flags']} (11 unanswered), "
        f"{steps['history']} (12 unanswered), {steps['exam']} (12 unanswered). "
        "The emergency does not wait for them."
    ) in " ".join(response.text.split())


def test_the_handouts_open_at_once_for_an_emergency(client, assessment):
    services.answers_record(assessment=assessment, values={"ces_saddle": "yes"})
    for variant in ("patient", "clinician"):
        url = reverse("handout", kwargs={"pk": assessment.pk})
        assert client.get(url, {"for": variant}).status_code == 200
    pdf = client.get(reverse("handout_pdf", kwargs={"pk": assessment.pk}), {"for": "patient"})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


def test_an_unfinished_assessment_without_an_emergency_still_waits_for_its_result(
    client, assessment
):
    services.answers_record(assessment=assessment, values={"ces_saddle": "no", "fever": "yes"})
    for name in ("result", "handout", "handout_pdf"):
        response = client.get(reverse(name, kwargs={"pk": assessment.pk}))
        assert response.status_code == 302, name
        assert response.url == step_url(assessment, "red_flags")


def test_the_live_panel_names_no_tier_until_the_red_flags_are_screened(client, assessment):
    page = client.get(step_url(assessment, "red_flags")).text
    panel = re.search(r'<section id="suggestion".*?</section>', page, re.S).group(0)
    assert "suggestion--pending" in panel
    assert "None yet: finish the red-flag screen first." in panel
    assert "Conservative care" not in panel
    services.answers_record(assessment=assessment, values=RED_FLAGS_NO)
    page = client.get(step_url(assessment, "history")).text
    panel = re.search(r'<section id="suggestion".*?</section>', page, re.S).group(0)
    assert "tier-badge--conservative" in panel


def test_an_htmx_emergency_answer_draws_the_warning_beside_it_and_takes_it_away(client, assessment):
    url = step_url(assessment, "red_flags")
    response = client.post(url, {"ces_sexual": "yes", "changed": "ces_sexual"}, **HTMX)
    slot = re.search(
        r'<div id="alarm-ces_sexual"[^>]*hx-swap-oob="true">.*?</div>', response.text, re.S
    ).group(0)
    assert rule_title(assessment, "ces_red_flag_new") in slot
    response = client.post(url, {"ces_sexual": "no", "changed": "ces_sexual"}, **HTMX)
    assert re.search(
        r'<div id="alarm-ces_sexual" class="alarm-slot" hx-swap-oob="true">'
        r"</div>",
        response.text,
    )
    assert 'data-banner="emergency"' not in response.text


# --- the examination grid and its shortcuts -----------------------------------------------------


HISTORY = {
    "age": 41,
    "affected_side": "left",
    "duration_weeks": 8,
    "leg_pain_severity": 7,
    "leg_pain_dominant": "yes",
    "pain_regions": ["lateral_calf"],
    "trend": "unchanged",
    "disabling": "yes",
    "conservative_care_weeks": 6,
    "injection_history": "none",
    "imaging": "none",
    "compression_history": "no",
}
MRC = (
    "mrc_hip_abduction",
    "mrc_knee_extension",
    "mrc_ankle_dorsiflexion",
    "mrc_great_toe_extension",
    "mrc_ankle_inversion",
    "mrc_ankle_eversion",
    "mrc_ankle_plantarflexion",
)


@pytest.fixture
def at_exam(assessment):
    services.answers_record(assessment=assessment, values={**RED_FLAGS_NO, **HISTORY})
    return assessment


def test_the_examination_is_drawn_as_grids_of_radio_groups(client, at_exam):
    page = client.get(step_url(at_exam, "exam")).text
    power = re.search(r'<section class="grid" id="grid-power".*?</section>', page, re.S).group(0)
    assert power.count('<tr id="q-mrc_') == 7
    assert power.count('type="radio" id="id_mrc_hip_abduction_') == 7  # 5..0, not tested
    assert '<span class="visually-hidden">Hip abduction power: 4</span>' in power
    reflexes = re.search(r'id="grid-reflexes".*?</section>', page, re.S).group(0)
    assert [c for c in re.findall(r'<tr id="q-(\w+)"', reflexes)] == [
        "reflex_knee",
        "reflex_ankle",
        "reflex_medial_hamstring",
    ]
    signs = re.search(r'id="grid-signs".*?</section>', page, re.S).group(0)
    assert "q-trendelenburg" in signs and "q-hip_exam" not in signs
    # Nothing is pre-filled, "not tested" included.
    assert " checked" not in page


def test_a_shortcut_fills_only_the_unanswered_rows_of_its_grid(client, at_exam):
    services.answers_record(assessment=at_exam, values={"mrc_great_toe_extension": 4})
    response = client.post(
        step_url(at_exam, "exam"), {"mrc_ankle_inversion": "3", "fill": "power:5"}
    )
    assert response.status_code == 302
    assert response.url == step_url(at_exam, "exam") + "#grid-power"
    stored = answers_of(at_exam)
    assert {code: stored[code] for code in MRC} == {
        **dict.fromkeys(MRC, 5),
        "mrc_great_toe_extension": 4,
        "mrc_ankle_inversion": 3,
    }
    assert "reflex_knee" not in stored  # other grids are left alone


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_a_muscle_just_marked_not_tested_is_not_graded_by_the_shortcut(client, at_exam, headers):
    """An ungraded muscle is stored as unanswered; the one the clinician has just marked
    "not tested" on this page must not come back graded 5."""
    posted = {"mrc_knee_extension": "", "was_mrc_knee_extension": "", "fill": "power:5"}
    client.post(step_url(at_exam, "exam"), posted, **headers)
    stored = answers_of(at_exam)
    assert "mrc_knee_extension" not in stored
    assert stored["mrc_hip_abduction"] == 5


def test_a_not_tested_shortcut_marks_the_rest_not_tested(client, at_exam):
    client.post(step_url(at_exam, "exam"), {"slr": "positive", "fill": "signs:not_tested"})
    stored = answers_of(at_exam)
    assert stored["slr"] == "positive"
    assert [
        stored[c] for c in ("crossed_slr", "femoral_stretch", "fibular_head_tinel", "trendelenburg")
    ] == ["not_tested"] * 4
    assert "hip_exam" not in stored


@pytest.mark.parametrize(
    "fill", ["power:3", "power:not_tested", "nowhere:normal", "signs", "reflexes:absent"]
)
def test_a_tampered_shortcut_fills_nothing(client, at_exam, fill):
    before = answers_of(at_exam)
    client.post(step_url(at_exam, "exam"), {"fill": fill})
    client.post(step_url(at_exam, "exam"), {"fill": fill}, **HTMX)
    assert answers_of(at_exam) == before


def test_an_htmx_shortcut_redraws_the_rows_it_filled(client, at_exam):
    response = client.post(step_url(at_exam, "exam"), {"fill": "reflexes:normal"}, **HTMX)
    assert response.status_code == 200
    for code in ("reflex_knee", "reflex_ankle", "reflex_medial_hamstring"):
        assert re.search(rf'<tr id="q-{code}" [^>]*hx-swap-oob="true"', response.text)
        assert f'name="{code}" value="normal" checked' in response.text
    assert "q-reflex_" in response.text and "q-slr" not in response.text


def test_shortcuts_are_offered_only_where_a_grid_is(client, assessment):
    assert "data-fill-group" not in client.get(step_url(assessment, "red_flags")).text


# --- change from the review ---------------------------------------------------------------------


def test_change_from_the_review_returns_to_the_review(client, assessment):
    complete(assessment, regression_cases()[0]["answers"])
    review = client.get(reverse("review", kwargs={"pk": assessment.pk})).text
    link = f"{step_url(assessment, 'history')}?from=review#q-trend"
    assert f'href="{link}"' in review
    page = client.get(link.split("#")[0]).text
    assert '<input type="hidden" name="return_to" value="review">' in page
    assert "Save and return to the review" in page
    response = client.post(
        step_url(assessment, "history"),
        {"trend": "improving", "return_to": "review", "nav": "continue"},
    )
    assert response.url == reverse("review", kwargs={"pk": assessment.pk}) + "#step-history"
    assert answers_of(assessment)["trend"] == "improving"


def test_change_from_the_review_goes_on_to_a_question_the_change_raised(client, assessment):
    complete(assessment, regression_cases()[2]["answers"])
    response = client.post(
        step_url(assessment, "red_flags"),
        {"ces_bowel": "yes", "return_to": "review", "nav": "continue"},
    )
    assert response.url == step_url(assessment, "red_flags") + "?from=review#q-ces_onset"


# --- steps: htmx -------------------------------------------------------------------------------


def test_an_htmx_answer_is_saved_and_returns_fragments_not_a_page(client, assessment):
    response = client.post(
        step_url(assessment, "red_flags"), {"ces_bowel": "yes", "changed": "ces_bowel"}, **HTMX
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert (
        'id="alert-banner" class="alert-banner-slot alert-banner-slot--sticky" hx-swap-oob="true"'
    ) in response.text
    assert 'data-banner="emergency"' in response.text
    assert 'id="suggestion"' in response.text and 'id="q-ces_onset"' in response.text
    assert answers_of(assessment) == {"ces_bowel": "yes"}


def test_an_invalid_htmx_answer_re_renders_with_200_and_is_not_stored(client, assessment):
    services.answers_record(assessment=assessment, values={**RED_FLAGS_NO, "age": 50})
    response = client.post(step_url(assessment, "history"), {"age": "7", "changed": "age"}, **HTMX)
    assert response.status_code == 200
    assert 'id="err-age" hx-swap-oob="true"' in response.text
    assert "Enter 16 or more." in response.text
    assert answers_of(assessment)["age"] == 50


def test_an_htmx_answer_touches_only_its_own_question(client, assessment):
    services.answers_record(assessment=assessment, values={"fever": "yes", "ces_bowel": "no"})
    client.post(
        step_url(assessment, "red_flags"), {"ces_bowel": "yes", "changed": "ces_bowel"}, **HTMX
    )
    assert answers_of(assessment) == {"fever": "yes", "ces_bowel": "yes"}


def test_unticking_every_area_clears_a_multi_answer(client, assessment):
    services.answers_record(
        assessment=assessment, values={**RED_FLAGS_NO, "pain_regions": ["buttock"]}
    )
    client.post(step_url(assessment, "history"), {"changed": "pain_regions"}, **HTMX)
    assert "pain_regions" not in answers_of(assessment)


def test_a_stale_page_does_not_undo_an_answer_given_in_another_tab(client, assessment):
    services.answers_record(assessment=assessment, values=RED_FLAGS_NO)
    stale = client.get(step_url(assessment, "red_flags")).text  # tab B draws the page
    services.answers_record(assessment=assessment, values={"fever": "yes"})  # tab A answers
    was = dict(re.findall(r'name="was_(\w+)" id="was-\w+" value="([^"]*)"', stale))
    posted = {
        **RED_FLAGS_NO,
        "ces_bowel": "yes",
        "nav": "continue",
        **{f"was_{code}": value for code, value in was.items()},
    }
    response = client.post(step_url(assessment, "red_flags"), posted)  # tab B submits
    assert response.status_code == 302
    stored = answers_of(assessment)
    assert stored["fever"] == "yes"  # tab A's answer survives
    assert stored["ces_bowel"] == "yes"  # tab B's own change is stored


def test_a_double_submit_stores_once_and_loses_nothing(client, assessment):
    page = client.get(step_url(assessment, "red_flags")).text
    was = dict(re.findall(r'name="was_(\w+)" id="was-\w+" value="([^"]*)"', page))
    posted = {**RED_FLAGS_NO, "nav": "continue", **{f"was_{c}": v for c, v in was.items()}}
    first = client.post(step_url(assessment, "red_flags"), posted)
    second = client.post(step_url(assessment, "red_flags"), posted)
    assert first.status_code == second.status_code == 302
    assert answers_of(assessment) == RED_FLAGS_NO
    assert pm.AnswerChange.objects.filter(assessment=assessment).count() == len(RED_FLAGS_NO)


def test_a_full_request_gets_a_whole_page(client, assessment):
    response = client.get(step_url(assessment, "red_flags"))
    assert response.text.startswith("<!DOCTYPE html>")


def test_kb_terms_open_in_place_with_htmx(client, seeded):
    response = client.get(reverse("kb:entry", args=["straight-leg-raise"]), **HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text and 'id="drawer-title"' in response.text
    assert client.get(reverse("kb:entry", args=["straight-leg-raise"])).text.startswith(
        "<!DOCTYPE html>"
    )


def test_an_unreachable_step_tells_htmx_to_redirect(client, assessment):
    response = client.get(step_url(assessment, "exam"), **HTMX)
    assert response["HX-Redirect"] == step_url(assessment, "red_flags")


# --- review and result -------------------------------------------------------------------------


def complete(assessment, answers):
    services.answers_record(assessment=assessment, values=answers)


def test_review_and_result_are_refused_until_every_step_is_done(client, assessment):
    for name in ("review", "result"):
        response = client.get(reverse(name, kwargs={"pk": assessment.pk}))
        assert response.status_code == 302
        assert response.url == step_url(assessment, "red_flags")


def test_review_lists_every_answer_with_an_edit_link_and_completes(client, assessment):
    complete(assessment, regression_cases()[0]["answers"])
    response = client.get(reverse("review", kwargs={"pk": assessment.pk}))
    assert response.status_code == 200
    assert f'href="{step_url(assessment, "exam")}?from=review#q-reflex_ankle"' in response.text
    response = client.post(reverse("review", kwargs={"pk": assessment.pk}))
    assert response.url == reverse("result", kwargs={"pk": assessment.pk})
    assessment.refresh_from_db()
    assert assessment.completed_at is not None


def test_the_result_states_red_flag_gaps_plainly(client, assessment):
    answers = {**regression_cases()[2]["answers"], "ces_bowel": "not_assessed"}
    complete(assessment, answers)
    response = client.get(reverse("result", kwargs={"pk": assessment.pk}))
    assert "The red-flag screen is incomplete:</strong>" in response.text
    gap = prompt_of(assessment, "ces_bowel").lower().rstrip("?")
    assert f"{html.escape(gap)} not assessed" in response.text


def case(code):
    return next(c for c in regression_cases() if c["code"] == code)


def summary_of(page: str) -> str:
    return re.search(r'<section class="result summary.*?</section>', page, re.S).group(0)


def test_the_result_opens_with_a_summary_of_what_to_do_the_level_gaps_and_handouts(
    client, assessment
):
    complete(assessment, {**case("V17")["answers"], "fever": "not_assessed"})
    page = client.get(result_url(assessment)).text
    summary = summary_of(page)
    assert 'data-tier="injection" data-level="L5"' in summary
    assert html.escape(assessment.pathway.tiers.get(code="injection").title) in summary
    rule = pm.Rule.objects.get(
        pathway=assessment.pathway, code="persistent_radicular_pain_6_to_11_weeks"
    )
    assert " ".join(rule.action.split()) in " ".join(summary.split())
    level = html.escape(assessment.pathway.levels.get(code="L5").title)
    assert f"Most likely level:</strong> {level}" in summary
    fever = html.escape(prompt_of(assessment, "fever").lower().rstrip("?"))
    assert f"The red-flag screen is incomplete:</strong> {fever} not assessed" in summary
    patient = (
        f'data-handout="patient" href="{reverse("handout", args=[assessment.pk])}?for=patient"'
    )
    assert patient in summary and 'data-handout="clinician"' in summary
    assert page.index(summary) < page.index("data-record-note")


def test_an_action_is_said_once(client, assessment):
    complete(assessment, case("V17")["answers"])
    page = client.get(result_url(assessment)).text
    page = " ".join(re.sub(r"<textarea.*?</textarea>", "", page, flags=re.S).split())
    rule = pm.Rule.objects.get(
        pathway=assessment.pathway, code="persistent_radicular_pain_6_to_11_weeks"
    )
    assert page.count(" ".join(rule.action.split())) == 1
    assert page.count(f"<summary>{rule.title}</summary>") == 1


def test_what_would_change_puts_the_unexpected_first_and_the_red_flags_in_one_line(
    client, assessment
):
    complete(assessment, case("V17")["answers"])
    changes_url = reverse("changes", kwargs={"pk": assessment.pk})
    result = client.get(result_url(assessment)).text
    # Asked for when the clinician scrolls to it (a link without JavaScript).
    assert re.search(
        rf'<a href="{changes_url}" hx-get="{changes_url}" hx-trigger="revealed"', result
    )
    page = client.get(changes_url).text
    section = re.search(r'<section aria-labelledby="change-title".*?</section>', page, re.S).group(
        0
    )
    listed = re.findall(r"<li><strong>(.*?)</strong> were", section)
    assert listed and not any("urine" in item for item in listed)
    expected = re.findall(r'<p class="changes__expected">(.*?)</p>', section, re.S)
    assert len(expected) == 2  # emergency, urgent
    emergency = html.escape(assessment.pathway.tiers.get(code="emergency").title.lower())
    first_two = "; ".join(
        html.escape(prompt_of(assessment, code).lower().rstrip("?"))
        for code in ("ces_bladder", "ces_saddle")
    )
    assert f"would make it <strong>{emergency}</strong>: {first_two}" in expected[0]
    assert section.index("<li><strong>") < section.index("changes__expected")
    fragment = client.get(changes_url, **HTMX)
    assert fragment.text.lstrip().startswith('<section aria-labelledby="change-title"')


def test_what_would_change_waits_like_the_result(client, assessment):
    services.answers_record(assessment=assessment, values={"fever": "yes"})
    response = client.get(reverse("changes", kwargs={"pk": assessment.pk}))
    assert response.status_code == 302
    assert client.post(reverse("changes", kwargs={"pk": assessment.pk})).status_code == 405


def test_the_result_carries_a_note_for_the_record(client, assessment):
    complete(assessment, case("V17")["answers"])
    page = client.get(result_url(assessment)).text
    note = html.unescape(
        re.search(r"<textarea[^>]*data-record-note[^>]*>(.*?)</textarea>", page, re.S).group(1)
    )
    assert note.startswith(f"{assessment.pathway.title}: decision support")
    assert "Reference " + assessment.reference in note
    assert 'data-copy-note aria-controls="record-note"' in page
    assert re.search(r"<button[^>]*data-copy-note[^>]*hidden>", page)  # shown by JavaScript


def test_result_refuses_posts(client, assessment):
    complete(assessment, regression_cases()[0]["answers"])
    assert client.post(reverse("result", kwargs={"pk": assessment.pk})).status_code == 405


def walk(client, case):
    """Answer every step through the plain forms, as a clinician without JavaScript would."""
    client.post(reverse("assessment_start"))
    assessment = pm.Assessment.objects.latest("created_at")
    snapshot_questions = pm.Question.objects.filter(pathway=assessment.pathway).select_related(
        "step"
    )
    by_step: dict[str, dict] = {}
    for question in snapshot_questions:
        if question.code in case["answers"]:
            value = case["answers"][question.code]
            by_step.setdefault(question.step.code, {})[question.code] = (
                value if isinstance(value, list) else str(value)
            )
    for code in ("red_flags", "history", "exam"):
        url = step_url(assessment, code)
        response = client.post(url, {**by_step.get(code, {}), "nav": "continue"})
        assert response.status_code == 302, response.text[:2000]
        if response.url.startswith(url):  # a question appeared on the same page
            response = client.post(url, {**by_step.get(code, {}), "nav": "continue"})
            assert response.status_code == 302
    response = client.post(reverse("review", kwargs={"pk": assessment.pk}))
    return client.get(response.url)


@pytest.mark.parametrize("case", regression_cases(), ids=lambda case: case["code"])
def test_every_vignette_through_the_form_matches_assess(client, seeded, case):
    page = walk(client, case)
    tier, level = re.search(r'data-tier="([^"]+)" data-level="([^"]+)"', page.text).groups()
    expected = assess("-", stdin_text=json.dumps({"answers": case["answers"]}))
    assert (tier, level) == (expected["tier"], expected["level"])
    assert tier in case["expect_tiers"] and level in case["expect_levels"]
    for fired in expected["fired"]:
        if fired["effect"] == "tier":
            rule = pm.Rule.objects.get(pathway__status="published", code=fired["rule"])
            assert rule.title in page.text


# --- queries and concurrency -------------------------------------------------------------------


def sized_pathway(questions_on_step: int):
    pathway = f.PathwayFactory(slug=f"sized-{questions_on_step}")
    f.TierFactory(pathway=pathway)
    f.LevelFactory(pathway=pathway, code="indeterminate")
    step = f.StepFactory(pathway=pathway, code="only")
    codes = []
    for i in range(questions_on_step):
        question = f.QuestionFactory(step=step, code=f"q{i}", type="choice")
        rule = f.RuleFactory(pathway=pathway, target="conservative")
        f.CriterionFactory(rule=rule, subject=question.code, op="eq", value="a")
        codes.append(question.code)
    # Published directly: this content exists to measure queries, not to pass the clinical gate.
    pm.Pathway.objects.filter(pk=pathway.pk).update(status="published")
    pathway.refresh_from_db()
    return services.assessment_start(pathway=pathway), codes


def count_queries(callable_):
    """Statements a server would send. The test's own transaction turns each atomic block into
    SAVEPOINT/RELEASE statements that a real request (BEGIN ... COMMIT) does not log."""
    with CaptureQueriesContext(connection) as queries:
        response = callable_()
    assert response.status_code in {200, 302}
    return sum(1 for q in queries if "SAVEPOINT" not in q["sql"])


def test_queries_per_step_request_are_few_and_do_not_grow_with_content(client, empty_db):
    counts = []
    for size in (3, 30):
        assessment, codes = sized_pathway(size)
        url = step_url(assessment, "only")
        client.get(url)  # build the snapshot once, as a running server has
        get = count_queries(lambda url=url: client.get(url))
        post = count_queries(
            lambda url=url, codes=codes: client.post(
                url, {**dict.fromkeys(codes, "a"), "nav": "continue"}
            )
        )
        htmx = count_queries(
            lambda url=url, codes=codes: client.post(
                url, {codes[0]: "b", "changed": codes[0]}, **HTMX
            )
        )
        counts.append((get, post, htmx))
    assert counts[0] == counts[1]
    # A write reads what is stored again inside its transaction, under the assessment's lock.
    assert all(n <= 7 for n in counts[0]), counts


def test_two_clients_answering_different_questions_at_once_both_persist(seeded_committed):
    assessment = services.assessment_start(pathway=pm.Pathway.objects.published().get())
    url = step_url(assessment, "red_flags")
    barrier = threading.Barrier(2)
    errors = []

    def answer(code):
        try:
            client = Client()
            barrier.wait()
            for _ in range(5):
                client.post(url, {code: "yes", "changed": code}, **HTMX)
                client.post(url, {code: "no", "changed": code}, **HTMX)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=answer, args=(code,)) for code in ("fever", "ces_bowel")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert answers_of(assessment) == {"fever": "no", "ces_bowel": "no"}


def test_the_result_page_says_plainly_what_was_not_examined(client, assessment):
    case = next(c for c in regression_cases() if c["code"] == "R2-06")
    services.answers_record(assessment=assessment, values=case["answers"])
    page = client.get(reverse("result", kwargs={"pk": assessment.pk})).text
    assert "data-exam-incomplete" in page
    assert "Examination incomplete:" in page
    assert "not read as normal" in page
    assert "ankle jerk on the affected side not tested" in " ".join(page.split())
    assert "big toe extension power (extensor hallucis longus) not graded" in " ".join(page.split())


# --- abuse: memory ----------------------------------------------------------------------------


def retained_bytes(callable_) -> int:
    """Memory still held after `callable_` has run and its garbage is collected."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        callable_()
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("field", ["age", "affected_side", "pain_regions"])
def test_junk_posted_to_a_step_does_not_grow_server_memory(client, assessment, field):
    services.answers_record(assessment=assessment, values=RED_FLAGS_NO)
    url = step_url(assessment, "history")
    client.post(url, {field: "warm-up", "nav": "continue"})

    def attack():
        for n in range(20):  # 20 distinct 200 KB values: 4 MB posted in all
            junk = f"{n:02d}" + "9" * 200_000
            for headers in ({}, HTMX):
                response = client.post(
                    url, {field: junk, "changed": field, "nav": "continue"}, **headers
                )
                assert response.status_code == 200
            assert field not in answers_of(assessment)

    assert retained_bytes(attack) < 1_000_000


# --- lost updates -----------------------------------------------------------------------------


@pytest.mark.parametrize("posted", [{"changed": "no_such_question"}, {"changed": ""}, {}])
def test_an_htmx_post_carrying_no_answers_changes_nothing(client, assessment, posted):
    services.answers_record(assessment=assessment, values=RED_FLAGS_NO)
    response = client.post(step_url(assessment, "red_flags"), posted, **HTMX)
    assert response.status_code == 200
    assert "Saved at" not in response.text
    assert answers_of(assessment) == RED_FLAGS_NO


@pytest.mark.parametrize("nav", ["back", "continue"])
def test_a_form_post_carrying_no_answers_changes_nothing(client, assessment, nav):
    services.answers_record(assessment=assessment, values=RED_FLAGS_NO)
    client.post(step_url(assessment, "red_flags"), {"nav": nav})
    assert answers_of(assessment) == RED_FLAGS_NO


def test_the_later_of_two_tabs_changing_the_same_question_wins(client, assessment, monkeypatch):
    """Tab B's page loads with fever=no; tab A stores fever=yes; then tab B sets fever back to
    no. B's answer is the later one: it must be stored, not judged unchanged against the
    stale copy B's request read."""
    services.answers_record(assessment=assessment, values={"fever": "no"})
    record = services.answers_record

    def tab_a_answers_in_between(**kwargs):
        record(assessment=assessment, values={"fever": "yes"})
        return record(**kwargs)

    monkeypatch.setattr(services, "answers_record", tab_a_answers_in_between)
    response = client.post(
        step_url(assessment, "red_flags"), {"fever": "no", "changed": "fever"}, **HTMX
    )
    assert "Saved at" in response.text
    assert answers_of(assessment)["fever"] == "no"
    history = pm.AnswerChange.objects.filter(assessment=assessment, question="fever")
    assert list(history.values_list("value", flat=True)) == ["no", "yes", "no"]


def test_a_body_of_megabytes_is_refused_before_it_is_read(client, assessment):
    services.answers_record(assessment=assessment, values=RED_FLAGS_NO)
    url = step_url(assessment, "history")
    for headers in ({}, HTMX):
        response = client.post(url, {"age": "9" * 2_000_000, "nav": "continue"}, **headers)
        assert response.status_code == 400
    assert answers_of(assessment) == RED_FLAGS_NO


# --- compression and the icon -------------------------------------------------------------------


def test_html_pages_are_compressed_for_a_browser_that_accepts_it(client, assessment):
    services.answers_record(assessment=assessment, values={"ces_saddle": "yes"})
    for url in (
        reverse("start"),
        step_url(assessment, "red_flags"),
        result_url(assessment),
        reverse("handout", kwargs={"pk": assessment.pk}),
        reverse("kb:index"),
    ):
        response = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
        assert response.status_code == 200, url
        assert response["Content-Encoding"] == "gzip", url
        assert "Accept-Encoding" in response["Vary"], url
        plain = client.get(url)
        assert len(response.content) < len(plain.content) * 0.6, url
        assert "Content-Encoding" not in plain


def test_the_icon_is_found_where_browsers_look_for_it(client, seeded):
    page = client.get(reverse("start")).text
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response.url == "/static/favicon.svg"
    assert finders.find("favicon.svg")
