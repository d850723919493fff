"""Helpers shared by test modules: the shipped content read without a database, the regression
cases, a verified staff sign-in and `manage.py assess` as a function. Test modules import from
here, never from one another."""

from __future__ import annotations

import io
import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.core.management import call_command
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice

from pathway.seeds import reader

SEEDED = Path(__file__).resolve().parents[1] / "seeds" / "pathways" / "lumbar-radicular"


@cache
def seeded_pathway():
    """The shipped pathway as a snapshot, read from the seed files: no database."""
    return reader.read_pathway(SEEDED).snapshot


def regression_cases() -> list[dict]:
    """The project's regression cases (its copy of the acceptance vignettes)."""
    with (SEEDED / "cases.yaml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)["cases"]


def case(code: str) -> dict:
    return next(c for c in regression_cases() if c["code"] == code)


def verified_login(client, user) -> None:
    """Sign a staff member in as the admin demands: a password (skipped here) and a second
    factor, here a static-token device whose verification is recorded in the session."""
    client.force_login(user)
    device, _ = StaticDevice.objects.get_or_create(user=user, name="test")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def assess(*args: str, stdin_text: str | None = None) -> Any:
    """`manage.py assess` with these arguments (and this standard input), its JSON output."""
    out = io.StringIO()
    stdin, sys.stdin = sys.stdin, io.StringIO(stdin_text or "")
    try:
        call_command("assess", *args, stdout=out)
    finally:
        sys.stdin = stdin
    return json.loads(out.getvalue())
