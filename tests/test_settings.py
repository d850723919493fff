"""Settings come from the environment and refuse to run production without a secret."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_django(env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG",
                                                              "DATABASE_URL"}}
    return subprocess.run(
        [sys.executable, "-c",
         "import django; django.setup(); from django.conf import settings; "
         "print(settings.DATABASES['default']['ENGINE'], settings.DEBUG)"],
        cwd=ROOT, env={**base, "DJANGO_SETTINGS_MODULE": "pathway.settings", **env},
        capture_output=True, text=True, check=False,
    )


def test_it_refuses_to_start_with_debug_off_and_no_secret():
    result = run_django({"DEBUG": "0"})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_it_refuses_the_development_secret_in_production():
    result = run_django({"DEBUG": "0", "SECRET_KEY": "django-insecure-development-only-never-"
                                                     "use-in-production"})
    assert result.returncode != 0
    assert "development key" in result.stderr


def test_it_starts_in_production_with_a_secret_and_uses_database_url():
    result = run_django({"DEBUG": "false", "SECRET_KEY": "x" * 50,
                         "DATABASE_URL": "postgres://app@127.0.0.1:5432/pathway"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.postgresql", "False"]


def test_local_use_defaults_to_sqlite_in_wal_mode_with_immediate_transactions():
    from django.conf import settings

    result = run_django({})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True"]
    options = settings.SQLITE_OPTIONS
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5
    assert "journal_mode=WAL" in options["init_command"]


def test_a_malformed_boolean_is_a_clear_error():
    result = run_django({"DEBUG": "maybe"})
    assert "DEBUG must be a boolean" in result.stderr
