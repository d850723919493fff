import pytest

from tests.helpers import seeded_pathway


@pytest.fixture(scope="session")
def seeded_snapshot():
    return seeded_pathway()
