"""Production readiness: deploy checks, security headers, CSP, purging old assessments."""

import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pathway import models as pm
from pathway import services

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k3$Zq8vW!pL2nR7xY#tB5mC9dF0gH4jK6sA1eU-uI_oP+wE=rT%yQ&zX*cV@bN^",
    "ALLOWED_HOSTS": "aid.example.org",
}


def test_manage_py_check_deploy_is_clean_with_production_settings():
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**env, **PRODUCTION},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_every_page_gets_a_strict_content_security_policy(client, seeded):
    response = client.get(reverse("start"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def test_no_template_has_inline_scripts_or_styles():
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        assert "<style" not in text, path
        assert " style=" not in text, path
        for chunk in text.split("<script")[1:]:
            assert chunk.split(">", 1)[0].strip().startswith("src="), path


@override_settings(
    SECURE_HSTS_SECONDS=31536000,
    SECURE_HSTS_INCLUDE_SUBDOMAINS=True,
    SESSION_COOKIE_SECURE=True,
    CSRF_COOKIE_SECURE=True,
)
def test_https_responses_carry_hsts_and_cookies_are_secure(seeded):
    client = Client()  # a fresh handler reads the overridden settings
    response = client.get(reverse("start"), secure=True)
    assert "max-age=31536000" in response["Strict-Transport-Security"]
    assert response.cookies["csrftoken"]["secure"]


def test_assessment_and_handout_pages_are_private(client, seeded):
    assessment = services.assessment_start(pathway=pm.Pathway.objects.published().get())
    from tests.helpers import regression_cases

    services.answers_record(assessment=assessment, values=regression_cases()[0]["answers"])
    for name in ("review", "result", "handout", "handout_pdf"):
        response = client.get(reverse(name, kwargs={"pk": assessment.pk}))
        assert response["Referrer-Policy"] == "same-origin", name
        assert response["Cache-Control"] == "no-store", name
        assert "noindex" in response["X-Robots-Tag"], name


def test_purge_deletes_only_assessments_older_than_the_retention(seeded, capsys):
    pathway = pm.Pathway.objects.published().get()
    old = services.assessment_start(pathway=pathway)
    services.answers_record(assessment=old, values={"age": 40})
    recent = services.assessment_start(pathway=pathway)
    pm.Assessment.objects.filter(pk=old.pk).update(
        updated_at=timezone.now() - dt.timedelta(days=91)
    )
    call_command("purge_assessments", "--dry-run")
    assert pm.Assessment.objects.filter(pk=old.pk).exists()
    assert "1 assessment(s)" in capsys.readouterr().out
    call_command("purge_assessments")
    assert not pm.Assessment.objects.filter(pk=old.pk).exists()
    assert not pm.Answer.objects.filter(assessment_id=old.pk).exists()
    assert pm.Assessment.objects.filter(pk=recent.pk).exists()
    call_command("purge_assessments", "--days", "1")
    assert pm.Assessment.objects.filter(pk=recent.pk).exists()


def test_purge_refuses_a_nonsense_age(seeded):
    with pytest.raises(CommandError, match="--days must be 1 or more"):
        call_command("purge_assessments", "--days", "0")


def test_every_response_denies_device_features(client, seeded):
    for url in (reverse("start"), reverse("healthz"), reverse("admin:login")):
        policy = client.get(url)["Permissions-Policy"]
        for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
            assert feature in policy, (url, feature)


def old_assessments(pathway, count: int, answers: int = 4) -> None:
    long_ago = timezone.now() - dt.timedelta(days=400)
    made = pm.Assessment.objects.bulk_create(pm.Assessment(pathway=pathway) for _ in range(count))
    pm.Answer.objects.bulk_create(
        pm.Answer(assessment=a, question=f"q{n}", value=n) for a in made for n in range(answers)
    )
    pm.AnswerChange.objects.bulk_create(
        pm.AnswerChange(assessment=a, question=f"q{n}", value=n)
        for a in made
        for n in range(answers)
    )
    pm.Assessment.objects.filter(pk__in=[a.pk for a in made]).update(updated_at=long_ago)


def test_purge_deletes_in_bounded_batches_without_loading_answers(seeded):
    pathway = pm.Pathway.objects.published().get()
    old_assessments(pathway, 25)
    keep = services.assessment_start(pathway=pathway)
    with CaptureQueriesContext(connection) as queries:
        call_command(
            "purge_assessments", "--batch-size", "10", "--pause", "0", stdout=io.StringIO()
        )
    assert list(pm.Assessment.objects.all()) == [keep]
    assert not pm.Answer.objects.exclude(assessment=keep).exists()
    assert not pm.AnswerChange.objects.exclude(assessment=keep).exists()
    sql = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    # Answers and their history are deleted by one statement each, never read row by row.
    assert not [s for s in sql if s.startswith("SELECT") and ("pathway_answer" in s)], sql
    # Three batches of ten (the last finding none left): a few statements each.
    assert len(sql) <= 4 * 5, sql


def test_purge_costs_the_same_statements_per_batch_whatever_the_size(seeded):
    pathway = pm.Pathway.objects.published().get()
    counts = []
    for count, answers in ((10, 2), (10, 40)):
        old_assessments(pathway, count, answers)
        with CaptureQueriesContext(connection) as queries:
            call_command(
                "purge_assessments", "--batch-size", "10", "--pause", "0", stdout=io.StringIO()
            )
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("option", [["--batch-size", "0"], ["--pause", "-1"]])
def test_purge_refuses_nonsense_batches(seeded, option):
    with pytest.raises(CommandError) as caught:
        call_command("purge_assessments", *option)
    assert caught.value.returncode == 2
