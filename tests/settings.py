"""The tests run on the development defaults (pytest-django still turns DEBUG off while each
test runs); production is the default of `pathway.settings`, so ask for them here."""

import os

os.environ.setdefault("DEBUG", "1")
# Tests publish often; the engine tests check the invariants over the whole answer space, so
# the gate's own sample can be smaller here (tests that rely on it say so).
os.environ.setdefault("GATE_INVARIANT_SAMPLES", "150")

from pathway.settings import *  # noqa: F403

# Tests post far faster than any clinician; the rate-limit tests switch the limits back on.
RATELIMIT_ENABLE = False
