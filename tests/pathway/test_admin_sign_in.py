"""The admin: a second factor at sign-in, lockout after repeated failures, an idle timeout."""

import datetime as dt
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.helpers import verified_login

PASSWORD = "pw-staff-correct-horse-42"


@pytest.fixture
def staff(db):
    user = get_user_model().objects.create_superuser("sam", "sam@example.org", PASSWORD)
    device = StaticDevice.objects.create(user=user, name="backup")
    for token in ("111111", "222222", "333333"):
        StaticToken.objects.create(device=device, token=token)
    return user


def sign_in(client, password=PASSWORD, token="111111", username="sam", device=None):
    """The sign-in form as a person fills it in: username, password, then the device (from
    the list the form offers once the password is right) and its token."""
    if device is None:
        found = StaticDevice.objects.filter(user__username=username).first()
        device = found.persistent_id if found else ""
    return client.post(
        reverse("admin:login"),
        {
            "username": username,
            "password": password,
            "otp_device": device,
            "otp_token": token,
            "next": reverse("admin:index"),
        },
    )


def signed_in(client) -> bool:
    return client.get(reverse("admin:index")).status_code == 200


def test_the_form_offers_the_devices_once_the_password_is_right(client, staff):
    response = sign_in(client, device="")
    assert "Please select a device." in response.text
    assert StaticDevice.objects.get(user=staff).persistent_id in response.text
    assert not signed_in(client)


def test_a_password_and_a_token_sign_in(client, staff):
    response = sign_in(client)
    assert response.status_code == 302 and response.url == reverse("admin:index")
    assert signed_in(client)


@pytest.mark.parametrize("token", ["", "999999", "111111x"])
def test_a_password_without_a_valid_token_is_refused(client, staff, token):
    response = sign_in(client, token=token)
    assert response.status_code == 200
    assert not signed_in(client)


def test_a_token_is_used_once(client, staff):
    sign_in(client)
    assert signed_in(client)
    client.logout()
    sign_in(client)
    assert not signed_in(client)


def test_an_unverified_staff_session_cannot_reach_the_admin(client, staff):
    client.force_login(staff)  # a password-only session, with no second factor
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))
    response = client.get(reverse("admin:pathway_pathway_changelist"))
    assert response.status_code == 302


def test_a_verified_session_reaches_the_admin(client, staff):
    verified_login(client, staff)
    assert signed_in(client)


def test_repeated_failures_lock_the_account_even_against_the_right_password(staff):
    attacker = Client(REMOTE_ADDR="203.0.113.66")
    for _ in range(50):
        sign_in(attacker, password="wrong-guess")
    response = sign_in(attacker)
    assert response.status_code == 429
    assert not signed_in(attacker)


def test_failures_for_one_username_lock_it_from_any_address(staff):
    for n in range(5):
        sign_in(Client(REMOTE_ADDR=f"203.0.113.{n + 1}"), password="wrong-guess")
    owner = Client(REMOTE_ADDR="198.51.100.20")
    assert sign_in(owner).status_code == 429
    assert not signed_in(owner)


def test_a_few_failures_then_the_right_password_signs_in(client, staff):
    for _ in range(3):
        sign_in(client, password="wrong-guess")
    sign_in(client)
    assert signed_in(client)


def test_sign_in_attempts_are_rate_limited_per_address(staff, one_rate_window):
    client = Client(REMOTE_ADDR="203.0.113.80")
    rates = {
        "start": "9/h",
        "answers": "9/m",
        "answers_per_assessment": "9/m",
        "pdf": "9/m",
        "login": "2/m",
    }
    with override_settings(RATELIMIT_ENABLE=True, RATE_LIMITS=rates):
        statuses = [
            sign_in(client, password="wrong", username=f"u{n}").status_code for n in range(4)
        ]
    assert statuses == [200, 200, 429, 429]


def test_a_staff_session_ends_after_the_idle_timeout(client, staff):
    from django.conf import settings

    assert settings.SESSION_COOKIE_AGE <= 60 * 60  # minutes, not the default fortnight
    assert settings.SESSION_SAVE_EVERY_REQUEST  # each request restarts the clock
    sign_in(client)
    session = Session.objects.get()
    expires = session.expire_date
    assert expires <= timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE + 5)
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))  # idle
    assert not signed_in(client)


# --- the local account `make run` makes -------------------------------------------------------


def test_ensure_dev_admin_prints_an_account_and_second_factors_that_sign_in(db, settings, tmp_path):
    settings.DEBUG = True
    settings.LOCAL_ADMIN_FILE = tmp_path / "var" / "local-admin.txt"
    out = io.StringIO()
    call_command("ensure_dev_admin", stdout=out)
    text = out.getvalue()
    password = re.search(r"password: (\S+)", text).group(1)
    tokens = text.split("backup codes", 1)[1].splitlines()[1].split()
    assert len(tokens) == 10
    secret = re.search(r"otpauth://totp/[^\s]*secret=([A-Z2-7]+)", text)
    assert secret, text
    assert oct(settings.LOCAL_ADMIN_FILE.stat().st_mode & 0o777) == "0o600"
    client = Client()
    sign_in(client, username="admin", password=password, token=tokens[0])
    assert signed_in(client)
    # The authenticator app's code works too.
    device = TOTPDevice.objects.get(user__username="admin")
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    other = Client()
    sign_in(
        other,
        username="admin",
        password=password,
        token=f"{totp.token():06d}",
        device=device.persistent_id,
    )
    assert signed_in(other)
    # Every later `make run` prints the sign-in again, just before serving: the same account,
    # the same authenticator, and the backup codes not yet used.
    out = io.StringIO()
    call_command("ensure_dev_admin", stdout=out)
    again = out.getvalue()
    assert f"password: {password}" in again and secret.group(0) in again
    assert again.split("backup codes", 1)[1].splitlines()[1].split() == tokens[1:]
    assert get_user_model().objects.count() == 1
    assert TOTPDevice.objects.count() == 1


def test_ensure_dev_admin_never_prints_a_password_that_no_longer_signs_in(db, settings, tmp_path):
    settings.DEBUG = True
    settings.LOCAL_ADMIN_FILE = tmp_path / "local-admin.txt"
    call_command("ensure_dev_admin", stdout=io.StringIO())
    admin = get_user_model().objects.get()
    admin.set_password("changed by its owner")
    admin.save()
    out = io.StringIO()
    call_command("ensure_dev_admin", stdout=out)
    assert "password:" not in out.getvalue()
    assert "changepassword admin" in out.getvalue()


@override_settings(DEBUG=False)
def test_ensure_dev_admin_makes_nothing_in_production(db):
    call_command("ensure_dev_admin", stdout=io.StringIO())
    assert not get_user_model().objects.exists()
