"""Settings come from the environment; production is the default and needs a strong secret."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_django(env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL"}}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.DATABASES['default']['ENGINE'], settings.DEBUG)",
        ],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "pathway.settings", **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_it_refuses_to_start_with_debug_off_and_no_secret():
    result = run_django({"DEBUG": "0"})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_it_refuses_the_development_secret_in_production():
    result = run_django(
        {"DEBUG": "0", "SECRET_KEY": "django-insecure-development-only-never-use-in-production"}
    )
    assert result.returncode != 0
    assert "development key" in result.stderr


def test_it_starts_in_production_with_a_secret_and_uses_database_url():
    result = run_django(
        {
            "DEBUG": "false",
            "SECRET_KEY": STRONG,
            "DATABASE_URL": "postgres://app@127.0.0.1:5432/pathway",
        }
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.postgresql", "False"]


STRONG = "k3$Zq8vW!pL2nR7xY#tB5mC9dF0gH4jK6sA1eU-uI_oP+wE=rT%yQ&zX*cV@bN^"


def test_it_runs_in_production_mode_when_debug_is_not_set():
    result = run_django({"SECRET_KEY": STRONG, "ALLOWED_HOSTS": "aid.example.org"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[1] == "False"


def test_it_refuses_to_start_with_no_secret_when_debug_is_not_set():
    result = run_django({"ALLOWED_HOSTS": "aid.example.org"})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr and "DEBUG=1" in result.stderr


@pytest.mark.parametrize("secret", ["abc", "x" * 49, "ab" * 40])
@pytest.mark.parametrize("debug", [None, "0"])
def test_it_refuses_a_weak_secret_in_production(secret, debug):
    env = {"SECRET_KEY": secret, "ALLOWED_HOSTS": "aid.example.org"}
    if debug is not None:
        env["DEBUG"] = debug
    result = run_django(env)
    assert result.returncode != 0
    assert "SECRET_KEY is too weak" in result.stderr


def test_a_weak_secret_is_fine_for_local_use():
    assert run_django({"DEBUG": "1", "SECRET_KEY": "abc"}).returncode == 0


def test_make_serve_runs_the_deploy_check_before_serving():
    recipe = (ROOT / "Makefile").read_text().split("\nserve:", 1)[1].split("\n\n", 1)[0]
    assert recipe.index("check --deploy --fail-level WARNING") < recipe.index("gunicorn")


def test_local_use_defaults_to_sqlite_in_wal_mode_with_immediate_transactions():
    from django.conf import settings

    result = run_django({"DEBUG": "1"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True"]
    options = settings.SQLITE_OPTIONS
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5
    assert "journal_mode=WAL" in options["init_command"]


def test_a_malformed_boolean_is_a_clear_error():
    result = run_django({"DEBUG": "maybe"})
    assert "DEBUG must be a boolean" in result.stderr
