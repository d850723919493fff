"""Markdown for editors, rendered through a sanitiser; `[@source-key]` cites a source.

Editors write Markdown. It is rendered to HTML and then cleaned by nh3 (Ammonia), which keeps a
small allow-list of tags and attributes and drops everything else, scripts and event handlers
included. This is the only place content HTML is marked safe.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

CITATION_RE = re.compile(r"\[@([a-z0-9][a-z0-9-]*)\]")

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "dl",
    "dt",
    "em",
    "h2",
    "h3",
    "h4",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "class"},
    "abbr": {"title"},
    "sup": {"class"},
    "th": {"scope"},
}


def cited_keys(*texts: str) -> list[str]:
    """Source keys cited with `[@key]`, in order of first appearance across the texts."""
    keys: list[str] = []
    for text in texts:
        for key in CITATION_RE.findall(text or ""):
            if key not in keys:
                keys.append(key)
    return keys


def numbering(texts: Iterable[str]) -> dict[str, int]:
    """Number the cited sources of several fields, shown on one page, by first appearance."""
    return {key: n for n, key in enumerate(cited_keys(*texts), 1)}


def render(text: str, numbers: Mapping[str, int] | None = None) -> SafeString:
    """Render Markdown to sanitised HTML; citations become numbered links to `#ref-<key>`."""
    numbers = numbers if numbers is not None else numbering([text])
    return mark_safe(  # noqa: S308 - nh3 has removed everything outside the allow-list
        _render(text or "", tuple(sorted(numbers.items())))
    )


@lru_cache(maxsize=2048)
def _render(text: str, numbers: tuple[tuple[str, int], ...]) -> str:
    lookup = dict(numbers)

    def cite(match: re.Match[str]) -> str:
        key = match[1]
        number = lookup.get(key)
        label = f"{number}" if number else key
        return f'<sup class="cite"><a href="#ref-{key}" title="Source: {key}">[{label}]</a></sup>'

    html = markdown_lib.markdown(CITATION_RE.sub(cite, text), extensions=["tables"])
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
