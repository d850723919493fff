"""The status pieces of every assessment page: the alert banner, the live suggestion and the
progress bar, each rendered once per distinct state and cached.

Every value a piece shows is in its key, and its links are relative (every assessment page is at
/a/<id>/<page>/), so a piece never depends on which assessment shows it. Rendering them on
every request was a third of a step page's cost.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from pathway.engine.evaluate import Result
from pathway.engine.model import Snapshot
from pathway.step_page import Rendered

_rendered = Rendered(max_chars=4 * 1024 * 1024)


def _render(part: str, key: tuple, context: dict[str, Any]) -> str:
    html = _rendered.get(key)
    if html is None:
        html = render_to_string(f"pathway/_status.html#{part}", context)
        _rendered.put(key, html)
    return html


def banner(snapshot: Snapshot, result: Result, *, page: str, oob: bool) -> str:
    tier = snapshot.tier_by_code[result.tier]
    titles = tuple(f.rule.title for f in result.tier_rules_fired if f.rule.target == tier.code)
    context = {"banner": tier.banner, "tier_title": tier.title, "timeframe": tier.timeframe,
               "titles": titles, "on_result": page == "result", "oob": oob}
    return _render("banner", ("banner", *context.values()), context)


def suggestion(snapshot: Snapshot, result: Result, *, suggesting: bool, complete: bool,
               result_open: bool, oob: bool) -> str:
    tier = snapshot.tier_by_code[result.tier]
    level = snapshot.level_by_code.get(result.level)
    context = {"suggesting": suggesting, "tier_code": tier.code, "tier_title": tier.title,
               "level_title": level.title if level else result.level,
               "gaps": len(result.red_flags_incomplete), "complete": complete,
               "result_open": result_open, "oob": oob}
    return _render("suggestion", ("suggestion", *context.values()), context)


def progress(states, tail: list[tuple], *, page: str, oob: bool) -> str:
    steps = tuple((s.step.code, s.step.title, s.complete, s.reachable, s.current)
                  for s in states)
    context = {"steps": steps, "tail": tuple(tail), "page": page, "oob": oob}
    return _render("progress", ("progress", *context.values()), context)
