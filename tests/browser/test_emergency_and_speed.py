"""Emergency first and fast for the clinician, in a real browser: the emergency path with
JavaScript off and on, at desktop and phone sizes; the result's first screen; the examination
grid by keyboard; Change from the review; the note for the record; and fast answering with no
Content Security Policy violation (every context here fails on one: see conftest)."""

import re

import pytest
from playwright.sync_api import Page, expect

from pathway import models as pm
from pathway import services
from tests.helpers import regression_cases
from tests.pathway import vocabulary

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CASES = {case["code"]: case for case in regression_cases()}
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}
RED_FLAGS = tuple(vocabulary.RED_FLAG_TRI)


def assessment_with(answers=None) -> pm.Assessment:
    assessment = services.assessment_start(pathway=pm.Pathway.objects.published().get())
    if answers:
        services.answers_record(assessment=assessment, values=answers)
    return assessment


def in_view(page: Page, selector: str) -> bool:
    """The element is wholly inside the viewport as it is now scrolled."""
    box = page.locator(selector).first.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def on_first_screen(page: Page, selector: str) -> bool:
    page.evaluate("() => window.scrollTo(0, 0)")
    return in_view(page, selector)


def test_an_emergency_without_javascript_is_kept_shown_and_opens_its_result(watched, site):
    page = watched(java_script_enabled=False, viewport=DESKTOP).new_page()
    assessment = assessment_with()
    page.goto(f"{site}/a/{assessment.pk}/red_flags/")
    page.check('input[name="ces_bladder"][value="yes"]')
    page.get_by_role("button", name="Save and continue").click()
    # Saved with the rest blank, and shown where the clinician is looking.
    expect(page).to_have_url(re.compile(r"/red_flags/#q-ces_onset$"))
    assert services.answers_for(assessment) == {"ces_bladder": "yes"}
    expect(page.locator('[data-banner="emergency"]')).to_be_visible()
    assert in_view(page, '[data-banner="emergency"]')
    expect(page.locator("#q-ces_bladder .alarm")).to_contain_text("Cauda equina")
    page.locator('[data-banner="emergency"] a').click()
    expect(page).to_have_url(re.compile(r"/result/$"))
    expect(page.locator("[data-tier]")).to_have_attribute("data-tier", "emergency")
    expect(page.locator(".summary")).to_contain_text("Not completed")
    page.locator('a[data-handout="patient"]').click()
    expect(page.locator("main")).to_contain_text("What to do now")
    expect(page.locator("main")).to_contain_text("Go to A&E straight away")


def test_an_emergency_with_javascript_on_a_phone_stays_in_view(watched, site):
    page = watched(viewport=PHONE).new_page()
    assessment = assessment_with()
    page.goto(f"{site}/a/{assessment.pk}/red_flags/")
    expect(page.locator("#suggestion")).to_contain_text("None yet")
    page.locator("#q-ces_sexual").scroll_into_view_if_needed()
    page.evaluate("() => window.scrollBy(0, 300)")
    page.locator('input[name="ces_sexual"][value="yes"]').check()
    banner = page.locator('[data-banner="emergency"]')
    expect(banner).to_be_visible()
    assert in_view(page, '[data-banner="emergency"]'), "the banner is above the viewport"
    beside = page.locator("#alarm-ces_sexual .alarm")
    expect(beside).to_contain_text("Cauda equina symptoms that are new or getting worse")
    page.wait_for_function(
        "() => document.querySelector('#autosave-status').textContent.includes('Saved')"
    )
    assert services.answers_for(assessment) == {"ces_sexual": "yes"}
    banner.get_by_role("link", name="Emergency actions and warning card").click()
    expect(page).to_have_url(re.compile(r"/result/$"))
    for selector in (
        "#tier-title",
        ".summary__actions",
        ".summary__level",
        ".summary__gap",
        'a[data-handout="patient"]',
        'a[data-handout="clinician"]',
    ):
        assert on_first_screen(page, selector), f"{selector} is below the first screen"


@pytest.mark.parametrize("scrolled", [0, 200], ids=["at-the-top", "scrolled"])
def test_the_answer_given_stays_under_the_pointer_when_the_banner_arrives(watched, site, scrolled):
    """The banner arriving above the form must not move the question just answered: a second
    click on it, made as the banner arrives, lands on the answer it was aimed at. (At the top
    of the page the browser's own scroll anchoring does not hold it; the page's script does.)"""
    page = watched(viewport=DESKTOP).new_page()
    assessment = assessment_with()
    page.goto(f"{site}/a/{assessment.pk}/red_flags/")
    page.evaluate(f"() => window.scrollTo(0, {scrolled})")
    given = page.locator('input[name="ces_bladder"][value="yes"]')
    beside = page.locator('input[name="ces_bladder"][value="no"]')
    before = beside.bounding_box()["y"]
    given.click()
    expect(page.locator('[data-banner="emergency"]')).to_be_visible()
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    assert abs(beside.bounding_box()["y"] - before) < 1, "the answers moved under the pointer"
    assert in_view(page, '[data-banner="emergency"]')


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_result_fits_its_summary_on_the_first_screen(watched, site, viewport):
    page = watched(viewport=viewport).new_page()
    answers = {**CASES["V17"]["answers"], "fever": "not_assessed"}
    assessment = assessment_with(answers)
    page.goto(f"{site}/a/{assessment.pk}/result/")
    for selector in (
        "#tier-title",
        ".summary__actions",
        ".summary__level",
        ".summary__gap",
        'a[data-handout="patient"]',
        'a[data-handout="clinician"]',
    ):
        assert on_first_screen(page, selector), f"{selector} is below the first screen"
    # The detail follows, and what would change arrives when it scrolls into view.
    page.locator("#changes").scroll_into_view_if_needed()
    expect(page.locator("#changes .changes__expected").first).to_contain_text(
        "would make it emergency assessment now"
    )


def test_the_examination_grid_works_by_keyboard_and_fits_two_screens(watched, site):
    page = watched(viewport=DESKTOP).new_page()
    history = {
        code: value
        for code, value in CASES["V17"]["answers"].items()
        if not code.startswith(
            (
                "mrc_",
                "reflex_",
                "slr",
                "crossed",
                "femoral",
                "fibular",
                "hip_",
                "trendel",
                "sensory",
                "weakness_",
                "contralateral",
            )
        )
    }
    assessment = assessment_with(history)
    page.goto(f"{site}/a/{assessment.pk}/exam/")
    height = page.evaluate("() => document.documentElement.scrollHeight")
    # 6,488 px (over eight desktop screens) as one card per question; now under three.
    assert height <= 2300, f"the examination is {height}px tall"
    # One tab stop per muscle; the arrow keys move within its grades.
    page.locator('input[name="mrc_great_toe_extension"][value="5"]').focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator('input[name="mrc_great_toe_extension"][value="4"]')).to_be_checked()
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.name")
    assert focused == "mrc_ankle_inversion"
    fill = page.locator('[data-fill-group="power"]')
    fill.focus()
    page.keyboard.press("Enter")
    expect(page.locator('input[name="mrc_hip_abduction"][value="5"]')).to_be_checked()
    expect(page.locator('input[name="mrc_great_toe_extension"][value="4"]')).to_be_checked()
    page.wait_for_function(
        "() => document.querySelector('#autosave-status').textContent.includes('Saved')"
    )
    stored = services.answers_for(assessment)
    assert stored["mrc_great_toe_extension"] == 4
    assert [
        stored[c]
        for c in (
            "mrc_hip_abduction",
            "mrc_knee_extension",
            "mrc_ankle_dorsiflexion",
            "mrc_ankle_inversion",
            "mrc_ankle_eversion",
            "mrc_ankle_plantarflexion",
        )
    ] == [5] * 6
    assert "reflex_knee" not in stored  # nothing else is filled, nothing pre-filled


def test_fast_answering_raises_no_content_security_policy_violation(watched, site):
    page = watched(viewport=DESKTOP).new_page()
    assessment = assessment_with()
    page.goto(f"{site}/a/{assessment.pk}/red_flags/")
    for value in ("yes", "no", "not_assessed", "no"):
        for code in RED_FLAGS:
            page.locator(f'input[name="{code}"][value="{value}"]').click(delay=0)
    page.locator('input[name="trauma"][value="none"]').click(delay=0)
    # Every answer is queued in order behind the one before: the last one given is stored.
    expect(page.locator("#suggestion")).to_contain_text("Conservative care", timeout=30_000)
    page.wait_for_function("() => !document.querySelector('.htmx-request')", timeout=30_000)
    stored = services.answers_for(assessment)
    assert {code: stored[code] for code in RED_FLAGS} == dict.fromkeys(RED_FLAGS, "no")
    expect(page.locator('[data-banner="emergency"]')).to_have_count(0)


def test_change_from_the_review_returns_to_the_review(watched, site):
    page = watched(viewport=DESKTOP).new_page()
    assessment = assessment_with(CASES["V17"]["answers"])
    page.goto(f"{site}/a/{assessment.pk}/review/")
    page.get_by_role("link", name="Change Over the last 2 weeks, the leg symptoms are").click()
    page.locator('input[name="trend"][value="worsening"]').check()
    page.get_by_role("button", name="Save and return to the review").click()
    expect(page).to_have_url(re.compile(r"/review/#step-history$"))
    expect(page.locator("#step-history")).to_contain_text("Getting worse")


def test_the_note_for_the_record_copies_in_one_press(watched, site):
    context = watched(viewport=DESKTOP)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    assessment = assessment_with(CASES["V17"]["answers"])
    page.goto(f"{site}/a/{assessment.pk}/result/")
    page.get_by_role("button", name="Copy the note").click()
    expect(page.locator("#record-note-status")).to_have_text("Copied to the clipboard.")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == page.locator("[data-record-note]").input_value()
    assert f"Reference {assessment.reference}" in copied
