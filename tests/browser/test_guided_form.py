"""The guided form in a real browser: with JavaScript (htmx), without it, and for accessibility."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from pathway import models as pm
from pathway import services
from tests.helpers import regression_cases

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CASES = {case["code"]: case for case in regression_cases()}
STEPS = ("red_flags", "history", "exam")


def questions_by_step():
    pathway = pm.Pathway.objects.published().get()
    steps: dict[str, list[pm.Question]] = {}
    for question in pathway.questions.select_related("step").order_by("step__order", "order"):
        steps.setdefault(question.step.code, []).append(question)
    return steps


def answer(page: Page, question: pm.Question, value) -> None:
    field = f'input[name="{question.code}"]'
    if question.type == "number":
        page.fill(field, str(value))
        page.locator(field).dispatch_event("change")
    elif question.type == "multi":
        for code in value:
            page.check(f'{field}[value="{code}"]')
    else:
        page.check(f'{field}[value="{value}"]')
    # With JavaScript each answer is saved as it is given, and an emergency answer brings in
    # the banner above the form: let the page settle before the next click, as a person does.
    page.wait_for_function("() => !document.querySelector('.htmx-request')", timeout=30_000)


def walk(page: Page, site: str, case: dict) -> tuple[str, str]:
    steps = questions_by_step()
    page.goto(site)
    page.get_by_role("button", name="Start an assessment").click()
    for code in STEPS:
        expect(page).to_have_url(re.compile(rf"/{code}/"))
        for question in steps[code]:
            if question.code in case["answers"]:
                answer(page, question, case["answers"][question.code])
        page.get_by_role("button", name=re.compile("Save and")).click()
        if re.search(rf"/{code}/#", page.url):  # a question appeared (no JavaScript)
            for question in steps[code]:
                if question.code in case["answers"]:
                    answer(page, question, case["answers"][question.code])
            page.get_by_role("button", name=re.compile("Save and")).click()
    expect(page).to_have_url(re.compile(r"/review/$"))
    page.get_by_role("button", name="See the result").first.click()
    expect(page).to_have_url(re.compile(r"/result/$"))
    result = page.locator("[data-tier]")
    return result.get_attribute("data-tier"), result.get_attribute("data-level")


@pytest.mark.parametrize("code", ["V01", "V11", "V18"])
def test_a_clinician_completes_a_vignette_with_javascript(page: Page, site, code):
    case = CASES[code]
    tier, level = walk(page, site, case)
    assert tier in case["expect_tiers"] and level in case["expect_levels"]


def test_a_clinician_completes_a_vignette_without_javascript(watched, site):
    page = watched(java_script_enabled=False).new_page()
    case = CASES["V06"]
    tier, level = walk(page, site, case)
    assert (tier, level) == ("conservative", "L5")


def start(site: str) -> pm.Assessment:
    return services.assessment_start(pathway=pm.Pathway.objects.published().get())


def test_the_emergency_banner_appears_as_soon_as_a_ces_item_is_yes(page: Page, site):
    assessment = start(site)
    page.goto(f"{site}/a/{assessment.pk}/red_flags/")
    expect(page.locator(".alert-banner--emergency")).to_have_count(0)
    expect(page.locator("#q-ces_onset")).to_be_hidden()
    page.check('input[name="ces_saddle"][value="yes"]')
    banner = page.locator(".alert-banner--emergency")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Cauda equina symptoms that are new or getting worse")
    expect(page.locator("#q-ces_onset")).to_be_visible()
    expect(page.locator("#suggestion")).to_contain_text("Emergency assessment now")
    assert services.answers_for(assessment) == {"ces_saddle": "yes"}
    # Answering 'longstanding' moves it to urgent, in place.
    page.check('input[name="ces_onset"][value="longstanding_stable"]')
    expect(page.locator(".alert-banner--urgent")).to_be_visible()


def test_the_leg_diagram_toggles_regions_by_click_and_stays_out_of_the_tab_order(page: Page, site):
    assessment = start(site)
    red_flags = {
        q.code: ("none" if q.type == "choice" else "no")
        for q in questions_by_step()["red_flags"]
        if q.code != "ces_onset"
    }
    services.answers_record(assessment=assessment, values=red_flags)
    page.goto(f"{site}/a/{assessment.pk}/history/")
    region = page.locator('.leg-diagram path[data-region="lateral_calf"]').first
    box = page.locator('input[name="pain_regions"][value="lateral_calf"]')
    region.click()
    expect(box).to_be_checked()
    expect(region).to_have_class(re.compile(r"\bis-pain\b"))
    expect(page.locator("#autosave-status")).to_contain_text("Saved")
    assert services.answers_for(assessment)["pain_regions"] == ["lateral_calf"]
    # The checkboxes are the keyboard's way in: the drawing adds no tab stops.
    assert page.locator(".leg-diagram [tabindex]").count() == 0
    page.locator('input[name="pain_regions"][value="dorsum_foot"]').focus()
    page.keyboard.press("Space")
    foot = page.locator('.leg-diagram path[data-region="dorsum_foot"]')
    expect(foot).to_have_class(re.compile(r"\bis-pain\b"))
    box.uncheck()
    expect(region).not_to_have_class(re.compile(r"\bis-pain\b"))
    page.wait_for_function(
        "() => document.querySelector('#autosave-status').textContent.includes('Saved')"
    )
    page.wait_for_timeout(300)
    assert services.answers_for(assessment)["pain_regions"] == ["dorsum_foot"]


def serious_violations(page: Page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def test_pages_have_no_serious_or_critical_accessibility_violations(page: Page, site):
    assessment = start(site)
    services.answers_record(assessment=assessment, values=CASES["V09"]["answers"])
    emergency = start(site)
    services.answers_record(assessment=emergency, values={"ces_bowel": "yes"})
    urls = [
        "/",
        "/kb/",
        "/kb/l5-nerve-root/",
        "/kb/straight-leg-raise/",
        f"/a/{assessment.pk}/red_flags/",
        f"/a/{assessment.pk}/history/",
        f"/a/{assessment.pk}/exam/",
        f"/a/{assessment.pk}/review/",
        f"/a/{assessment.pk}/result/",
        f"/a/{assessment.pk}/result/changes/",
        f"/a/{emergency.pk}/red_flags/",
        f"/a/{emergency.pk}/result/",
    ]
    problems = {}
    for url in urls:
        page.goto(site + url)
        found = serious_violations(page)
        if found:
            problems[url] = found
    assert problems == {}


def test_the_pages_work_at_phone_width(watched, site):
    page = watched(viewport={"width": 375, "height": 812}).new_page()
    assessment = start(site)
    services.answers_record(assessment=assessment, values=CASES["V09"]["answers"])
    for name in ("red_flags", "history", "exam", "review", "result"):
        page.goto(f"{site}/a/{assessment.pk}/{name}/")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 375, f"{name} scrolls sideways at phone width ({width}px)"
