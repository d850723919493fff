import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from pathway import seeding


@pytest.fixture
def seeded(db):
    """The project's own seed files, loaded (for seed-integrity and vignette tests only)."""
    return seeding.load(settings.SEEDS_DIR)


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("lead", "lead@example.org", "pw-lead-123")


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client
