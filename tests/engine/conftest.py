from functools import cache
from pathlib import Path

import pytest
import yaml

from pathway.seeds import reader

SEEDED = Path(__file__).resolve().parents[2] / "seeds" / "pathways" / "lumbar-radicular"


@cache
def seeded_pathway():
    """The shipped pathway as a snapshot, read from the seed files: no database."""
    return reader.read_pathway(SEEDED).snapshot


@pytest.fixture(scope="session")
def seeded_snapshot():
    return seeded_pathway()


def regression_cases() -> list[dict]:
    """The project's regression cases (its copy of the acceptance vignettes)."""
    with (SEEDED / "cases.yaml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)["cases"]
