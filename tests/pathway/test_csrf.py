"""CSRF with no-referrer pages: a null Origin passes only when the browser proves same-origin."""

import pytest
from django.test import Client
from django.urls import reverse


@pytest.fixture
def client_with_token(seeded):
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("start"))
    return client, client.cookies["csrftoken"].value


def post_start(client, token, **headers):
    return client.post(reverse("assessment_start"), {"csrfmiddlewaretoken": token}, **headers)


def test_a_same_origin_form_post_from_a_no_referrer_page_is_accepted(client_with_token):
    client, token = client_with_token
    response = post_start(client, token, HTTP_ORIGIN="null", HTTP_SEC_FETCH_SITE="same-origin")
    assert response.status_code == 302


@pytest.mark.parametrize("site", [None, "cross-site", "same-site", "none"])
def test_a_null_origin_without_same_origin_proof_is_refused(client_with_token, site):
    client, token = client_with_token
    headers = {"HTTP_ORIGIN": "null"}
    if site:
        headers["HTTP_SEC_FETCH_SITE"] = site
    assert post_start(client, token, **headers).status_code == 403


def test_the_token_is_still_required(client_with_token):
    client, _ = client_with_token
    response = post_start(client, "wrong" * 8, HTTP_ORIGIN="null",
                          HTTP_SEC_FETCH_SITE="same-origin")
    assert response.status_code == 403


def test_a_foreign_origin_is_refused(client_with_token):
    client, token = client_with_token
    assert post_start(client, token, HTTP_ORIGIN="https://evil.example").status_code == 403
