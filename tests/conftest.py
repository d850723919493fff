import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from kb.models import Entry, Source
from pathway import models as pm
from pathway.seeds import writer
from tests.helpers import verified_login


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the shipped seeds once, committed, so each test starts from them.

    Tests roll back their own changes. pytest-django runs transactional tests (which empty the
    database when they end) after all the others, and those load the seeds themselves.
    """
    with django_db_blocker.unblock():
        writer.load(settings.SEEDS_DIR)


@pytest.fixture
def seeded(request, db):
    """The project's own seed files, loaded once for the session (see django_db_setup).

    A transactional test empties the database when it ends, and pytest-django runs those
    last: one that asks for `seeded` after another (the browser tests come first) loads them
    again."""
    present = pm.Pathway.objects.filter(slug=settings.PATHWAY_DEFAULT_SLUG).exists()
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or bool(
        marker and marker.kwargs.get("transaction")
    )
    if not present and transactional:
        writer.load(settings.SEEDS_DIR)
        present = True
    assert present


@pytest.fixture
def seeded_committed(transactional_db):
    """The seeds, for transactional tests: the database is emptied after each of them."""
    if not pm.Pathway.objects.filter(slug=settings.PATHWAY_DEFAULT_SLUG).exists():
        writer.load(settings.SEEDS_DIR)


@pytest.fixture
def empty_db(db):
    """No content at all, for tests that build their own with factories (rolled back after).

    Emptying the database is maintenance: the content lock is lifted first (inside the test's
    transaction, so it is back for the next test)."""
    pm.ContentLock.objects.all().delete()
    pm.Assessment.objects.all().delete()
    pm.Pathway.objects.all().delete()
    Entry.objects.all().delete()
    Source.objects.all().delete()
    yield


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("lead", "lead@example.org", "pw-lead-123")


@pytest.fixture
def admin_client(client, superuser):
    verified_login(client, superuser)
    return client


@pytest.fixture(autouse=True)
def _forget_refused_clients():
    """Each process remembers refused clients for a few seconds; tests start afresh."""
    from pathway import ratelimits

    ratelimits._refused.clear()


@pytest.fixture
def one_rate_window(monkeypatch):
    """django-ratelimit counts in fixed slots of the clock; a test that straddled two would see
    its count start again. The clock stands still for the test."""
    import types

    import django_ratelimit.core

    now = django_ratelimit.core.time.time()
    monkeypatch.setattr(django_ratelimit.core, "time", types.SimpleNamespace(time=lambda: now))
