import pytest

from tests.pathway.seeds.mini_seeds import write_seeds


@pytest.fixture
def seeds(tmp_path):
    """The small pathway's seed files in a directory of their own."""
    return write_seeds(tmp_path)
