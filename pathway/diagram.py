"""The leg diagram: front and back of a leg, with the areas of `pain_regions` and `sensory_loss`.

Shapes are data here (SVG path strings in a 460 x 600 box: the front view on the left, the back
on the right); the template draws them and `static/js/pathway.js` makes them clickable. The
areas are shaded by the root whose dermatome they belong to (L4, L5, S1), with text labels, so
colour is never the only signal.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as default

from pathway.engine.model import Snapshot

FRONT_OUTLINE = (
    "M48 34 C70 22 150 22 178 34 C182 90 168 170 150 250 C146 270 144 282 142 296 "
    "C136 360 126 420 122 470 C124 488 130 500 142 516 C150 532 150 556 136 566 "
    "C112 574 84 574 68 562 C56 548 62 520 70 498 C74 486 76 478 74 470 "
    "C70 420 62 360 58 296 C56 282 54 270 52 250 C40 170 38 90 48 34 Z"
)
BACK_OUTLINE = (
    "M282 34 C304 22 384 22 412 34 C420 90 408 170 390 250 C386 270 384 282 382 296 "
    "C378 360 370 420 366 470 C368 484 372 494 374 504 C380 530 372 560 352 566 "
    "C330 572 314 566 306 552 C300 532 306 508 312 494 C314 484 314 476 312 470 "
    "C306 420 300 360 296 296 C294 282 292 270 290 250 C276 170 272 90 282 34 Z"
)


@dataclass(frozen=True)
class Shape:
    code: str  # an option code of pain_regions and/or sensory_loss
    view: str  # front | back
    path: str
    root: str  # L4 | L5 | S1 | shared | none: the shading
    label: str = ""  # text drawn on the shape (root names)
    label_x: int = 0
    label_y: int = 0


SHAPES: tuple[Shape, ...] = (
    # Front view: the patient's leg from the front; the inner (medial) side is on the right.
    Shape("lateral_hip", "front", "M50 40 C62 32 80 30 92 32 L88 104 L46 112 C44 86 45 60 50 40 Z",
          "none"),
    Shape("groin", "front", "M138 30 C152 30 166 31 176 36 C176 58 172 80 168 98 L140 70 Z",
          "none"),
    Shape("anterior_thigh", "front",
          "M92 32 L138 30 L140 70 L168 98 C162 150 156 200 150 240 L56 240 "
          "C50 200 46 150 46 112 L88 104 Z", "L4", "L4", 100, 150),
    Shape("lateral_calf", "front",
          "M60 300 L96 300 L96 468 L76 468 C70 420 64 360 60 300 Z", "L5", "L5", 80, 390),
    Shape("medial_shin", "front",
          "M96 300 L140 300 C134 360 126 420 122 468 L96 468 Z", "L4", "L4", 112, 390),
    Shape("dorsum_foot", "front",
          "M76 472 L122 472 C126 490 132 502 140 516 L126 528 L100 532 L70 528 "
          "C66 512 70 490 76 472 Z", "L5", "L5", 96, 506),
    Shape("big_toe", "front",
          "M126 530 L141 518 C150 532 150 552 138 564 C130 566 124 562 122 552 Z", "L5"),
    Shape("first_web_space", "front", "M112 531 L126 529 L122 552 L114 548 Z", "L5"),
    # Back view: the same leg from behind; the outer (lateral) side is on the right.
    Shape("buttock", "back",
          "M284 38 C306 26 386 26 410 38 C412 70 410 98 404 124 L288 124 "
          "C282 98 280 70 284 38 Z", "shared", "L5 S1", 346, 84),
    Shape("posterior_thigh", "back",
          "M288 126 L404 126 C400 170 396 210 390 244 L292 244 C290 210 290 170 288 126 Z",
          "S1", "S1", 340, 190),
    Shape("posterior_calf", "back",
          "M298 300 L382 300 C378 360 372 420 368 466 L310 466 C304 420 300 360 298 300 Z",
          "S1", "S1", 338, 386),
    Shape("lateral_calf", "back",
          "M382 300 L396 300 C390 360 380 420 374 466 L368 466 C372 420 378 360 382 300 Z",
          "L5"),
    Shape("sole_lateral_foot", "back",
          "M314 490 C340 486 364 488 372 500 C378 526 372 556 352 564 C332 568 316 562 "
          "308 548 C302 528 306 506 314 490 Z", "S1", "S1", 340, 532),
)
# Fills as SVG presentation attributes, so renderers without CSS for inline SVG (WeasyPrint)
# draw the same picture; the screen stylesheet overrides them when a region is toggled.
ROOT_FILLS = {"L4": "#cfe3f3", "L5": "#d8ecd9", "S1": "#f3e1c7", "shared": "#e4e0ee",
              "none": "#ebebeb"}
PAIN_FILL = "url(#hatch-pain)"
NUMB_FILL = "url(#dots-numb)"
WHOLE_LEG = "whole_leg_diffuse"  # drawn as the outline of the whole leg
STOCKING = "stocking_both_feet"  # listed beside the diagram: it is a pattern, not an area


@dataclass
class Diagram:
    """What one drawing shows: the selected pain and sensory-loss areas, and what is editable."""

    field: str = ""  # the question the clicks fill, or "" for a read-only drawing
    pain: set[str] = default(default_factory=set)
    numb: set[str] = default(default_factory=set)
    labels: dict[str, str] = default(default_factory=dict)
    editable_codes: set[str] = default(default_factory=set)
    # On paper the drawn labels would be below 9 pt: the legend names every shading instead,
    # and the drawing is lighter for the PDF renderer without them.
    printed: bool = False

    def shapes(self, view: str) -> list[dict]:
        items = []
        for shape in SHAPES:
            if shape.view != view:
                continue
            pain, numb = shape.code in self.pain, shape.code in self.numb
            items.append({
                "shape": shape,
                "label": self.labels.get(shape.code, shape.code.replace("_", " ")),
                "pain": pain,
                "numb": numb,
                "editable": shape.code in self.editable_codes,
                "fill": PAIN_FILL if pain else NUMB_FILL if numb else ROOT_FILLS[shape.root],
                "marked": pain or numb,
            })
        return items

    @property
    def front(self) -> list[dict]:
        return self.shapes("front")

    @property
    def back(self) -> list[dict]:
        return self.shapes("back")

    @property
    def html(self) -> str:
        return render(self)

    @property
    def views(self) -> list[list[dict]]:
        return [self.front, self.back]

    outline_front = FRONT_OUTLINE
    outline_back = BACK_OUTLINE

    @property
    def whole_leg(self) -> bool:
        return WHOLE_LEG in self.pain

    @property
    def stocking(self) -> bool:
        return STOCKING in self.numb


_rendered: dict[tuple, str] = {}


def render(diagram: Diagram) -> str:
    """The diagram's HTML, rendered once per distinct picture (it is the same for everyone)."""
    from django.template.loader import render_to_string

    key = (diagram.field, frozenset(diagram.pain), frozenset(diagram.numb),
           tuple(sorted(diagram.labels.items())), frozenset(diagram.editable_codes),
           diagram.printed)
    html = _rendered.get(key)
    if html is None:
        html = render_to_string("pathway/_diagram.html", {"diagram": diagram})
        if len(_rendered) >= 5000:
            _rendered.clear()
        _rendered[key] = html
    return html


def diagram_for(snapshot: Snapshot, answers: dict, *, field: str = "",
                printed: bool = False) -> Diagram:
    labels: dict[str, str] = {}
    for code in ("pain_regions", "sensory_loss"):
        question = snapshot.question_by_code.get(code)
        if question:
            labels.update({o.code: o.label for o in question.options})
    editable: set[str] = set()
    if field and field in snapshot.question_by_code:
        editable = set(snapshot.question_by_code[field].option_codes)
    return Diagram(
        field=field,
        pain=set(answers.get("pain_regions") or ()) - {"none"},
        numb=set(answers.get("sensory_loss") or ()) - {"none"},
        labels=labels,
        editable_codes=editable,
        printed=printed,
    )
