"""The printed handout: both variants, as HTML and PDF, for every visible vignette."""

import datetime as dt
import html
import re
import shutil
import subprocess
import uuid

import pytest
import textstat
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from pathway import models as pm
from pathway import services
from tests.helpers import regression_cases

CASES = regression_cases()
needs_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)


@pytest.fixture
def completed(seeded):
    def make(answers):
        assessment = services.assessment_start(pathway=pm.Pathway.objects.published().get())
        services.answers_record(assessment=assessment, values=answers)
        return assessment

    return make


def url(assessment, name="handout", **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{reverse(name, kwargs={'pk': assessment.pk})}?{query}"


BLOCKS = re.compile(r"</?(p|li|h1|h2|h3|td|th|dt|dd|caption|div|section|header|tr)\b[^>]*>")


def readable_text(page: str) -> str:
    """The words a reader reads: each block (paragraph, list item, cell) is its own sentence."""
    body = page.split("<main", 1)[1]
    body = re.sub(r"<svg.*?</svg>", " ", body, flags=re.S)
    body = re.sub(r'<span class="visually-hidden">.*?</span>', " ", body, flags=re.S)
    parts = [html.unescape(re.sub(r"<[^>]+>", " ", chunk)) for chunk in BLOCKS.split(body)]
    sentences = []
    for part in parts:
        text = " ".join(part.split())
        if text and text not in {
            "p",
            "li",
            "h1",
            "h2",
            "h3",
            "td",
            "th",
            "dt",
            "dd",
            "caption",
            "div",
            "section",
            "header",
            "tr",
        }:
            sentences.append(text if text[-1] in ".!?:" else text + ".")
    return " ".join(sentences)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["code"])
def test_both_variants_render_as_html_for_every_vignette(client, completed, case):
    assessment = completed(case["answers"])
    for variant in ("patient", "clinician"):
        response = client.get(url(assessment, **{"for": variant}))
        assert response.status_code == 200
        assert assessment.reference in response.text
        assert "Go to A&amp;E straight away" in response.text  # the card, on every handout
        assert response["Cache-Control"] == "no-store"
        assert '<nav class="site-header' not in response.text


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["code"])
def test_the_patient_text_reads_at_grade_8_or_lower(client, completed, case):
    assessment = completed(case["answers"])
    page = client.get(url(assessment, **{"for": "patient"})).text
    text = readable_text(page)
    assert len(text.split()) > 150
    grade = textstat.flesch_kincaid_grade(text)
    assert grade <= 8, f"{case['code']}: reading grade {grade}"


def pdf_text(content: bytes, tmp_path) -> str:
    """The PDF's words in the order they are drawn: each paragraph, list item or table cell
    whole, however the page sets them side by side."""
    path = tmp_path / f"{uuid.uuid4().hex}.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def page_count(content: bytes, tmp_path) -> int:
    path = tmp_path / f"{uuid.uuid4().hex}.pdf"
    path.write_bytes(content)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


@needs_pdftotext
@pytest.mark.parametrize("case", CASES, ids=lambda c: c["code"])
def test_every_pdf_fits_its_pages_and_carries_the_plan_card_version_and_reference(
    client, completed, case, tmp_path
):
    """Two pages at most, A4 or Letter (an emergency patient handout, one), the warning card
    included; written shorter, never printed smaller (see the stylesheet test)."""
    assessment = completed(case["answers"])
    pathway = assessment.pathway
    result_page = client.get(reverse("result", kwargs={"pk": assessment.pk})).text
    tier = pathway.tiers.get(code=re.search(r'data-tier="(\w+)"', result_page).group(1))
    fired = re.findall(r'<ul class="summary__actions">(.*?)</ul>', result_page, re.S)
    for variant in ("patient", "clinician"):
        for paper in ("a4", "letter"):
            response = client.get(
                url(assessment, "handout_pdf", **{"for": variant, "paper": paper})
            )
            assert response.status_code == 200
            assert response["Content-Type"] == "application/pdf"
            pages = page_count(response.content, tmp_path)
            limit = 1 if (variant, tier.code) == ("patient", "emergency") else 2
            assert pages <= limit, f"{case['code']} {variant} {paper}: {pages} pages"
            text = " ".join(pdf_text(response.content, tmp_path).split())
            if variant == "patient":
                plan = tier.patient_summary
            else:
                plan = (
                    html.unescape(re.sub(r"<[^>]+>", " ", fired[0]))
                    if fired
                    else tier.clinician_summary
                )
            assert " ".join(plan.split())[:60] in text, variant
            for line in pathway.safety_net_emergency.splitlines():  # the warning card
                assert " ".join(line.split()) in text, (variant, line)
            review = dt.date.today() + dt.timedelta(days=tier.review_interval_days)
            if tier.code == "emergency":
                # No routine review, and no GP or 111 under "go to hospital now". (The
                # pathway's own "about this sheet" wording is content, not checked here.)
                for routine in ("Your review", "Review in", "NHS 111", "wait for your review."):
                    assert routine not in text, f"{variant}: {routine}"
            else:
                assert f"{review.day} {review:%B %Y}" in text, variant
            assert f"Content version {pathway.version}" in text
            assert assessment.reference in text
            assert text.count(f"Reference {assessment.reference} · Content version") == pages


@needs_pdftotext
def test_letter_and_a4_paper(client, completed, tmp_path):
    assessment = completed(CASES[0]["answers"])
    for paper, size in (("a4", "595.276 x 841.89"), ("letter", "612 x 792")):
        response = client.get(url(assessment, "handout_pdf", **{"for": "patient", "paper": paper}))
        path = tmp_path / f"{paper}.pdf"
        path.write_bytes(response.content)
        info = subprocess.run(
            ["pdfinfo", str(path)], capture_output=True, text=True, check=True
        ).stdout
        assert size in info, paper


def test_an_emergency_handout_leads_with_what_to_do_now(client, completed):
    emergency = next(c for c in CASES if c["expect_tiers"] == ["emergency"])
    assessment = completed(emergency["answers"])
    page = client.get(url(assessment, **{"for": "patient"})).text
    main = page.split("<main", 1)[1]
    first_section = re.search(r"<section[^>]*>\s*<h2[^>]*>([^<]+)</h2>", main).group(1)
    assert first_section == "What to do now"
    tier = assessment.pathway.tiers.get(code="emergency")
    assert html.escape(tier.patient_summary) in main.split("</section>", 1)[0]


def test_no_answer_marked_not_assessed_is_printed_as_normal(client, completed):
    answers = {
        **CASES[2]["answers"],
        "ces_bowel": "not_assessed",
        "reflex_knee": "not_tested",
        "hip_exam": "not_tested",
    }
    assessment = completed(answers)
    page = client.get(url(assessment, **{"for": "clinician"})).text
    findings = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", page))
    content = assessment.pathway
    prompt = {q.code: html.escape(q.prompt.rstrip("?")) for q in content.questions.all()}
    step = {s.code: html.escape(s.title) for s in content.steps.all()}
    assert f"not assessed: {prompt['ces_bowel']}" in findings[step["red_flags"]]
    assert f"{prompt['reflex_knee']} Not tested" in findings[step["exam"]]
    assert f"{prompt['hip_exam']}: Not tested" in findings[step["exam"]]
    assert "Red-flag screen incomplete" in page
    patient = client.get(url(assessment, **{"for": "patient"})).text
    assert "We did not check some warning signs today" in patient


def test_an_unknown_assessment_gives_404(client, seeded):
    missing = uuid.uuid4()
    assert client.get(reverse("handout", kwargs={"pk": missing})).status_code == 404
    assert client.get(reverse("handout_pdf", kwargs={"pk": missing})).status_code == 404


def test_an_unknown_variant_or_paper_is_a_clear_400(client, completed):
    assessment = completed(CASES[0]["answers"])
    response = client.get(url(assessment, **{"for": "relative"}))
    assert response.status_code == 400
    assert "?for=patient or ?for=clinician" in response.text
    assert client.get(url(assessment, "handout_pdf", paper="a3")).status_code == 400


def test_an_incomplete_assessment_has_no_handout_yet(client, completed):
    assessment = completed({"age": 40})
    response = client.get(url(assessment, **{"for": "patient"}))
    assert response.status_code == 302
    assert "/red_flags/" in response.url


def test_the_result_page_offers_both_variants(client, completed):
    assessment = completed(CASES[0]["answers"])
    page = client.get(reverse("result", kwargs={"pk": assessment.pk})).text
    for variant in ("patient", "clinician"):
        assert f"?for={variant}" in page


def test_no_patient_identifier_is_asked_for_or_printed(client, completed):
    assessment = completed(CASES[0]["answers"])
    page = client.get(url(assessment, **{"for": "patient"})).text.lower()
    for word in ("nhs number", "date of birth", "patient name", "address"):
        assert word not in page


def test_the_print_footer_stylesheet_carries_the_reference_on_every_page(client, completed):
    assessment = completed(CASES[0]["answers"])
    response = client.get(reverse("handout_css", kwargs={"pk": assessment.pk}))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    assert f"Reference {assessment.reference} · Content version 1" in response.text
    assert "@bottom-left" in response.text
    assert client.get(reverse("handout_css", kwargs={"pk": uuid.uuid4()})).status_code == 404


def case(code):
    return next(c for c in CASES if c["code"] == code)


SPINAL = ("steroid injection near the nerve in your back", "Operation to take out the disc bulge")


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("V11", "A brace to hold your foot up"),
        ("V26", "Exercise for the hip, and weight"),
        ("V33", "Changing how you load the hip, and exercise"),
        ("R2-05", "Tests to find the cause of the numb feet"),
    ],
)
def test_a_mimic_gets_its_own_options_and_never_spinal_injection_or_surgery(
    client, completed, code, expected
):
    assessment = completed(case(code)["answers"])
    page = html.unescape(client.get(url(assessment, **{"for": "patient"})).text)
    assert expected in page
    for option in SPINAL:
        assert option not in page, (code, option)


def test_a_root_level_gets_the_radicular_options(client, completed):
    assessment = completed(case("V17")["answers"])
    page = html.unescape(client.get(url(assessment, **{"for": "patient"})).text)
    for option in SPINAL:
        assert option in page
    assert "Gabapentin" in page or "gabapentin" in page


def test_upper_motor_neurone_signs_never_blame_a_nerve_in_the_lower_back(client, completed):
    assessment = completed(case("V34")["answers"])
    page = html.unescape(client.get(url(assessment, **{"for": "patient"})).text)
    assert "spinal cord or brain" in page
    assert "nerve in your lower back" not in page


def test_the_clinician_handout_says_plainly_what_was_not_examined(client, completed):
    assessment = completed(case("R2-06")["answers"])
    page = html.unescape(client.get(url(assessment, **{"for": "clinician"})).text)
    assert "Examination incomplete" in page
    assert "Knee jerk on the affected side not tested" in readable_text(page)
    complete = completed(case("V17")["answers"])
    assert "Examination incomplete" not in client.get(url(complete, **{"for": "clinician"})).text


ATTACKS = [
    "file:///etc/passwd",
    "http://127.0.0.1:9/internal",
    "https://example.org/x.png",
    "data:image/svg+xml,<svg/>",
]


def test_a_pdf_fetches_nothing_but_the_apps_static_files(completed, rf, monkeypatch):
    from django.contrib.auth.models import AnonymousUser
    from weasyprint.urls import URLFetcher

    from pathway import handout
    from pathway.assessments import load

    opened = []
    real_fetch = URLFetcher.fetch

    def spy(self, url, headers=None):
        opened.append(url)
        return real_fetch(self, url, headers)

    monkeypatch.setattr(URLFetcher, "fetch", spy)
    hostile = "".join(f'<img src="{url}"><link rel="stylesheet" href="{url}">' for url in ATTACKS)
    monkeypatch.setattr(
        handout,
        "render_to_string",
        lambda *args, **kwargs: f"<html><body>{hostile}<p>Hi</p></body></html>",
    )

    request = rf.get("/")
    request.user = AnonymousUser()
    ctx = load(request, completed(CASES[0]["answers"]).pk)
    context = handout.handout_context(ctx, "patient", "a4")
    assert handout.render_pdf(context).startswith(b"%PDF")
    assert not [url for url in opened if any(url.startswith(a[:12]) for a in ATTACKS)], opened


@pytest.mark.parametrize("url", [*ATTACKS, "file:///etc/../etc/passwd"])
def test_the_pdf_url_fetcher_refuses_anything_else(url):
    from pathway.pdf_fetcher import StaticFilesOnly

    with pytest.raises(ValueError, match="only the app's static files"):
        StaticFilesOnly()(url)


def test_the_pdf_url_fetcher_reads_a_static_file():
    from django.contrib.staticfiles import finders

    from pathway.pdf_fetcher import StaticFilesOnly

    path = finders.find("css/print.css")
    response = StaticFilesOnly()(f"file://{path}")
    assert b"@page" in response.read()
    response.close()
    escape = f"file://{path.rsplit('/static/', 1)[0]}/static/../pyproject.toml"
    with pytest.raises(ValueError):
        StaticFilesOnly()(escape)


def test_unpublishing_a_kb_treatment_never_changes_a_patients_handout(client, completed):
    """Before: an editor unticked 'published' on the microdiscectomy treatment and the option
    grid of an existing patient's handout lost surgery."""
    from kb.models import Treatment

    assessment = completed(case("V18")["answers"])
    before = client.get(url(assessment, **{"for": "patient"})).text
    Treatment.objects.filter(slug__in=["microdiscectomy", "epidural-steroid-injection"]).update(
        published=False
    )
    after = client.get(url(assessment, **{"for": "patient"})).text
    assert "Operation to take out the disc bulge" in after
    assert before.split("<main", 1)[1] == after.split("<main", 1)[1]


def test_nothing_on_a_handout_is_set_below_9_points(client, completed):
    """The handouts fit their pages by saying less, never by printing smaller."""
    from pathlib import Path

    from django.contrib.staticfiles import finders

    from pathway.handout import footer_css

    assessment = completed(next(c for c in CASES if c["code"] == "V17")["answers"])
    css = Path(finders.find("css/print.css")).read_text(encoding="utf-8") + footer_css(
        assessment, dt.date.today()
    )
    sizes = re.findall(r"font(?:-size)?:\s*([\d.]+)([a-z%]+)", css)
    assert sizes
    assert [(n, unit) for n, unit in sizes if unit != "pt" or float(n) < 9] == []
    # The drawing's labels would print below 9 pt at handout size: on paper the legend says it.
    for variant in ("patient", "clinician"):
        page = client.get(url(assessment, **{"for": variant})).text
        assert "<svg" in page and "<text" not in page, variant


def test_a_handout_printed_again_later_keeps_its_dates(client, completed):
    """The date, the review date and the note for the record are those of the assessment, not
    of the day the handout is printed again: reprinted a fortnight later, it says what it said."""
    from django.utils import timezone

    assessment = completed(case("V17")["answers"])
    first = client.get(url(assessment, **{"for": "patient"})).text
    given = timezone.now() - dt.timedelta(days=15)
    pm.Assessment.objects.filter(pk=assessment.pk).update(updated_at=given)
    day = timezone.localdate(given)
    for variant in ("patient", "clinician"):
        page = client.get(url(assessment, **{"for": variant})).text
        assert f"Date: {day:%-d %B %Y}" in page, variant
        assert f"{timezone.localdate():%-d %B %Y}" not in page.split("<main", 1)[1], variant
    later = client.get(url(assessment, **{"for": "patient"})).text
    review = re.search(r"Your review(?: date)?: (?:tomorrow, )?(\w+ \d+ \w+ \d{4})", first)
    again = re.search(r"Your review(?: date)?: (?:tomorrow, )?(\w+ \d+ \w+ \d{4})", later)
    assert review and again
    delta = (
        dt.datetime.strptime(review[1], "%A %d %B %Y").date()
        - dt.datetime.strptime(again[1], "%A %d %B %Y").date()
    )
    assert delta == timezone.localdate() - day
    note = client.get(reverse("result", kwargs={"pk": assessment.pk})).text
    assert f"decision support, {day:%-d %b %Y}." in note


def test_the_pdf_url_fetcher_would_trust_no_server_and_the_page_css_uses_it(monkeypatch):
    """It never loads the system's certificates (a tenth of a PDF's time), so a TLS connection,
    were one ever allowed, would verify against nothing and fail."""
    import ssl

    from weasyprint.urls import URLFetcher

    from pathway import pdf_fetcher

    assert pdf_fetcher._NO_TLS.verify_mode == ssl.CERT_REQUIRED
    assert pdf_fetcher._NO_TLS.cert_store_stats()["x509_ca"] == 0
    made = []
    real_init = URLFetcher.__init__

    def spy(self, *args, **kwargs):
        made.append(kwargs.get("ssl_context"))
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(URLFetcher, "__init__", spy)
    from pathway import handout

    monkeypatch.setattr(handout, "render_to_string", lambda *a, **k: "<p>Hi</p>")
    context = {"paper": "a4", "assessment": None, "today": None}
    monkeypatch.setattr(handout, "footer_css", lambda assessment, today: "")
    assert handout.render_pdf(context).startswith(b"%PDF")
    assert made and all(context is pdf_fetcher._NO_TLS for context in made), made


@given(
    st.lists(st.text(min_size=1, max_size=5), max_size=20), st.integers(min_value=1, max_value=4)
)
def test_the_cards_signs_are_split_into_columns_read_down_none_lost(items, count):
    from pathway.handout import columns

    split = columns(items, count)
    assert [item for column in split for item in column] == items
    assert len(split) <= count and all(split)
    sizes = [len(column) for column in split]
    assert sizes == sorted(sizes, reverse=True) and (not sizes or sizes[0] - sizes[-1] <= 1)
