"""CSRF is Django's own middleware, unmodified: assessment pages are sent with
`Referrer-Policy: same-origin`, so browsers post with the site's real Origin."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse


@pytest.fixture
def client_with_token(seeded):
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("start"))
    return client, client.cookies["csrftoken"].value


def post_start(client, token, **headers):
    return client.post(reverse("assessment_start"), {"csrfmiddlewaretoken": token}, **headers)


def test_the_csrf_middleware_is_djangos_own():
    assert "django.middleware.csrf.CsrfViewMiddleware" in settings.MIDDLEWARE
    assert [m for m in settings.MIDDLEWARE if "csrf" in m.lower()] == [
        "django.middleware.csrf.CsrfViewMiddleware"
    ]


def test_a_same_origin_form_post_is_accepted(client_with_token):
    client, token = client_with_token
    response = post_start(
        client, token, HTTP_ORIGIN="http://testserver", HTTP_SEC_FETCH_SITE="same-origin"
    )
    assert response.status_code == 302


@pytest.mark.parametrize("site", [None, "same-origin", "cross-site"])
def test_a_null_origin_is_refused_whatever_fetch_metadata_says(client_with_token, site):
    client, token = client_with_token
    headers = {"HTTP_ORIGIN": "null"}
    if site:
        headers["HTTP_SEC_FETCH_SITE"] = site
    assert post_start(client, token, **headers).status_code == 403


def test_the_token_is_still_required(client_with_token):
    client, _ = client_with_token
    response = post_start(client, "wrong" * 8, HTTP_ORIGIN="http://testserver")
    assert response.status_code == 403


def test_a_foreign_origin_is_refused(client_with_token):
    client, token = client_with_token
    assert post_start(client, token, HTTP_ORIGIN="https://evil.example").status_code == 403
