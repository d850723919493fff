"""Liveness (/healthz) and readiness (/readyz), and a missing SQLite file never made anew."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent
PROBE = (
    "import django; django.setup(); from django.test import Client; c = Client(); "
    "print(c.get('/healthz', HTTP_HOST='localhost').status_code, "
    "c.get('/readyz', HTTP_HOST='localhost').status_code)"
)


def run(database: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        DEBUG="1", DATABASE_URL=f"sqlite:///{database}", DJANGO_SETTINGS_MODULE="pathway.settings"
    )
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )


def probe(database: Path) -> list[str]:
    result = run(database, "-c", PROBE)
    return result.stdout.split()


def test_it_is_ready_with_a_migrated_database_and_a_published_pathway(client, seeded):
    response = client.get(reverse("readyz"))
    assert response.status_code == 200 and response.text == "ok"
    assert response["Cache-Control"] == "no-store"


def test_it_is_not_ready_without_a_published_pathway(client, empty_db):
    response = client.get(reverse("readyz"))
    assert response.status_code == 503 and response.text == "no published pathway"
    assert client.get(reverse("healthz")).status_code == 200  # alive all the same


def test_readiness_refuses_other_methods(client, seeded):
    assert client.post(reverse("readyz")).status_code == 405


def test_a_missing_sqlite_file_is_not_ready_and_is_not_created(tmp_path):
    database = tmp_path / "gone.sqlite3"
    assert probe(database) == ["200", "503"]
    assert not database.exists()


def test_an_unreadable_database_is_not_ready(tmp_path):
    database = tmp_path / "junk.sqlite3"
    database.write_bytes(b"this is not a database" * 100)
    assert probe(database) == ["200", "503"]


@pytest.mark.django_db
def test_migrate_creates_the_file_and_then_it_is_ready(tmp_path):
    database = tmp_path / "new" / "db.sqlite3"
    assert run(database, "manage.py", "migrate", "-v0").returncode == 0
    assert database.exists()
    assert run(database, "manage.py", "load_seeds").returncode == 0
    assert probe(database) == ["200", "200"]
