"""Anonymous clients are rate-limited: starting assessments, posting answers, drawing PDFs."""

import threading

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

from pathway import models as pm
from pathway import services
from tests.helpers import regression_cases

HTMX = {"HTTP_HX_REQUEST": "true"}
pytestmark = pytest.mark.usefixtures("one_rate_window")


def limits(**rates):
    defaults = {
        "start": "1000/h",
        "answers": "1000/m",
        "answers_per_assessment": "1000/m",
        "pdf": "1000/m",
        "login": "1000/m",
    }
    return override_settings(RATELIMIT_ENABLE=True, RATE_LIMITS={**defaults, **rates})


@pytest.fixture
def assessment(seeded):
    return services.assessment_start(pathway=pm.Pathway.objects.published().get())


def test_one_client_cannot_start_assessments_without_end(seeded):
    client = Client(REMOTE_ADDR="203.0.113.7")
    with limits(start="5/h"):
        statuses = [client.post(reverse("assessment_start")).status_code for _ in range(20)]
        other = Client(REMOTE_ADDR="203.0.113.8").post(reverse("assessment_start"))
    assert statuses == [302] * 5 + [429] * 15
    assert pm.Assessment.objects.count() == 6
    assert other.status_code == 302  # another client is not held back


def test_a_refusal_says_when_to_try_again(seeded):
    with limits(start="1/h"):
        Client().post(reverse("assessment_start"))
        response = Client().post(reverse("assessment_start"))
    assert response.status_code == 429 and response["Retry-After"] == "60"
    assert "Too many requests" in response.text


def test_answer_posts_are_limited_per_assessment_and_over_the_limit_store_nothing(
    client, assessment
):
    url = reverse("step", kwargs={"pk": assessment.pk, "step": "red_flags"})
    with limits(answers_per_assessment="3/m"):
        statuses = [
            client.post(url, {"fever": value, "changed": "fever"}, **HTMX).status_code
            for value in ("yes", "no", "yes", "no", "no")
        ]
        page = client.get(url)
    assert statuses == [200, 200, 200, 429, 429]
    assert services.answers_for(assessment) == {"fever": "yes"}
    assert page.status_code == 200  # reading is never limited


def test_answer_posts_are_limited_per_client(seeded):
    pathway = pm.Pathway.objects.published().get()
    client = Client(REMOTE_ADDR="203.0.113.9")
    with limits(answers="4/m"):
        statuses = []
        for _ in range(3):  # a new assessment each time: the per-assessment limit never bites
            assessment = services.assessment_start(pathway=pathway)
            url = reverse("step", kwargs={"pk": assessment.pk, "step": "red_flags"})
            statuses += [
                client.post(url, {"fever": "yes", "changed": "fever"}, **HTMX).status_code
                for _ in range(2)
            ]
    assert statuses == [200, 200, 200, 200, 429, 429]


def test_pdfs_are_limited_per_client(client, seeded):
    assessment = services.assessment_start(pathway=pm.Pathway.objects.published().get())
    services.answers_record(assessment=assessment, values=regression_cases()[0]["answers"])
    url = reverse("handout_pdf", kwargs={"pk": assessment.pk})
    with limits(pdf="2/m"):
        statuses = [client.get(url).status_code for _ in range(4)]
        html = client.get(reverse("handout", kwargs={"pk": assessment.pk}))
    assert statuses == [200, 200, 429, 429]
    assert html.status_code == 200


def test_the_shipped_limits_are_set():
    from pathway import settings

    assert settings.RATELIMIT_ENABLE
    assert set(settings.RATE_LIMITS) == {
        "start",
        "answers",
        "answers_per_assessment",
        "pdf",
        "login",
    }


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "198.51.100.1", "127.0.0.1"),  # no proxy: the header is the client's own to write
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # a forged first entry is ignored
        (2, "198.51.100.1, 10.0.0.2", "198.51.100.1"),
        (1, "", "127.0.0.1"),
        (1, "not-an-address", "127.0.0.1"),
    ],
)
def test_the_client_address_behind_proxies(rf, settings, proxies, forwarded, expected):
    from pathway.ratelimits import client_ip

    settings.PROXY_COUNT = proxies
    request = rf.get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="127.0.0.1")
    assert client_ip(request) == expected


@pytest.mark.django_db(transaction=True)
def test_counts_from_concurrent_workers_are_never_lost():
    cache = caches["ratelimit"]
    cache.add("counter", 0, 60)
    errors = []

    def count():
        try:
            for _ in range(25):
                cache.incr("counter")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=count) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert cache.get("counter") == 100
    cache.clear()


def test_a_client_looping_on_a_refusal_costs_no_more_writes(seeded):
    from django.test.utils import CaptureQueriesContext

    client = Client(REMOTE_ADDR="203.0.113.30")
    with limits(start="1/h"):
        client.post(reverse("assessment_start"))
        assert client.post(reverse("assessment_start")).status_code == 429
        with CaptureQueriesContext(connection) as queries:
            statuses = [client.post(reverse("assessment_start")).status_code for _ in range(10)]
    assert statuses == [429] * 10
    assert [q["sql"] for q in queries.captured_queries] == []
