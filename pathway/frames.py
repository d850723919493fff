"""Pages drawn as a frame and its slots: the template rendered once per state of the frame, the
per-request parts put in its slots.

A step page is mostly the same for everyone at that step of that content version: the site's
header and footer, the step's title and form, its buttons. Only a few parts belong to one
request: the assessment's reference, its status pieces, its questions, the CSRF token and any
messages. The template is rendered once per frame key with a marker in each of those places, and
split there; a request then joins the frame's text with its own parts.

What keeps one patient's page out of another's: the frame is rendered from its key alone (the
context is built from the key's fields and the slot markers, nothing else), so it cannot hold
anything that is not in the key; every per-request value goes into a slot; a slot's value must
be HTML already escaped (a `SafeString`), as a template would have made it.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Callable, Mapping
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

# A marker no content can contain: a NUL (refused in every form field) around a random token
# chosen when the process starts.
_TOKEN = secrets.token_hex(8)
_SPLIT = re.compile(f"\x00{_TOKEN}:([a-z_]+)\x00")


def slot(name: str) -> SafeString:
    return SafeString(f"\x00{_TOKEN}:{name}\x00")


class Frame:
    """A rendered template split at its slots: text, slot name, text, ..., text."""

    def __init__(self, html: str):
        self.parts = tuple(_SPLIT.split(html))
        self.slots = frozenset(self.parts[1::2])

    def fill(self, values: Mapping[str, str]) -> SafeString:
        missing = self.slots - values.keys()
        if missing:
            raise KeyError(f"no value for the slots {sorted(missing)}")
        for name in self.slots:
            if not isinstance(values[name], SafeString):
                raise TypeError(f"slot {name!r} must be escaped HTML (a SafeString)")
        parts = self.parts
        return SafeString("".join(values[part] if i % 2 else part for i, part in enumerate(parts)))


class Frames:
    """Frames by (template, key), at most `size` of them (the keys are bounded by the content:
    versions, steps and a few flags)."""

    def __init__(self, size: int):
        self.size = size
        self.frames: dict[tuple, Frame] = {}
        self.lock = threading.Lock()

    def get(self, template: str, key: tuple, context: Callable[[], dict[str, Any]]) -> Frame:
        found = self.frames.get((template, key))
        if found is None:
            found = Frame(render_to_string(template, context()))
            with self.lock:
                if len(self.frames) >= self.size:
                    self.frames.clear()
                self.frames[(template, key)] = found
        return found


_frames = Frames(size=2048)


def draw(
    template: str,
    key: tuple,
    context: Callable[[], dict[str, Any]],
    values: Mapping[str, str],
) -> SafeString:
    """The page: the frame of `template` for `key`, rendered once from `context()` (which must
    be made from the key alone, with `slot(name)` where each of `values` goes), filled with
    `values`."""
    frame = _frames.get(template, (key, tuple(sorted(values))), context)
    unused = values.keys() - frame.slots
    if unused:
        raise KeyError(f"the frame has no slot for {sorted(unused)}")
    return frame.fill(values)
