"""The tests run on the development defaults (pytest-django still turns DEBUG off while each
test runs); production is the default of `pathway.settings`, so ask for them here."""

import os

os.environ.setdefault("DEBUG", "1")

from pathway.settings import *  # noqa: F403

# Tests post far faster than any clinician; the rate-limit tests switch the limits back on.
RATELIMIT_ENABLE = False
