"""Template helpers that stand in for slower built-ins on every page: they must say the same."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.template.defaultfilters import floatformat
from django.test import RequestFactory
from django.urls import reverse, set_script_prefix
from hypothesis import given
from hypothesis import strategies as st

from pathway.context_processors import signed_in_staff
from pathway.templatetags.pathway_tags import link, score
from tests.helpers import verified_login


@given(st.integers(min_value=-2000, max_value=2000))
def test_a_score_in_tenths_reads_as_floatformat_minus_one_would(tenths):
    value = tenths / 10
    assert score(value) == str(floatformat(value, "-1"))


@given(st.integers(min_value=-(10**9), max_value=10**9))
def test_any_score_reads_as_floatformat_minus_one_would(millionths):
    value = millionths / 10**6  # content weights are short decimals; sums of them stay so
    assert score(value) == str(floatformat(value, "-1"))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.5, "1.5"),
        (2.0, "2"),
        (-50, "-50"),
        (0.25, "0.3"),
        (-0.04, "0.0"),
        (0, "0"),
        (1.03125, "1.0"),
    ],
)
def test_a_score_has_one_decimal_place_at_most(value, text):
    assert score(value) == text
    assert Decimal(text) == Decimal(str(floatformat(value, "-1")))


def test_a_navigation_link_is_the_urls_own_and_follows_the_script_prefix():
    assert link("start") == reverse("start")
    set_script_prefix("/aid/")
    try:
        assert link("kb:index") == "/aid/kb/" == reverse("kb:index")
    finally:
        set_script_prefix("/")
    assert link("kb:index") == reverse("kb:index")


def test_without_a_session_cookie_nobody_is_staff_and_the_user_is_not_looked_up(db):
    request = RequestFactory().get("/")

    class Unread:
        def __getattr__(self, name):
            raise AssertionError("the user was looked up")

    request.user = Unread()
    assert signed_in_staff(request) is False


def test_only_signed_in_staff_see_the_content_admin_link(client, db):
    admin_link = f'href="{reverse("admin:index")}"'
    assert admin_link not in client.get(reverse("start")).text

    clinician = get_user_model().objects.create_user("clinician", password="x" * 20)
    client.force_login(clinician)
    assert admin_link not in client.get(reverse("start")).text

    editor = get_user_model().objects.create_user("editor", password="x" * 20, is_staff=True)
    verified_login(client, editor)
    assert admin_link in client.get(reverse("start")).text
