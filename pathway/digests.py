"""Stable fingerprints of content, to tell what changed since a row was written or approved."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def digest(form: Any) -> str:
    """A stable fingerprint of a JSON-like value (dates and decimals as text)."""
    text = json.dumps(form, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
