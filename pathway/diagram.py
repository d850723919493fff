"""The leg diagram: front and back of a leg, with the areas of the questions that feed its pain
and sensory layers (the questions whose `diagram_layer` says so).

What each area means clinically is content: the knowledge base's sensory regions (`SensoryRegion`,
by the option code they stand for) say which view draws an area and which roots' dermatome it
belongs to (L4, L5, S1; two roots are drawn as shared; none as unshaded). Only the drawing is
here: SVG path strings in a 460 x 600 box (the front view on the left, the back on the right),
one for each view an area can be drawn in, and where its root label goes. The template draws
them and `static/js/pathway.js` makes them clickable. Each shading has a text label, so colour
is never the only signal.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as default

from pathway.engine.model import NOTHING, Snapshot

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
class Outline:
    """How one area is drawn in one view: geometry, not a clinical fact."""

    code: str  # a sensory region's code (an option code of the diagram's questions)
    view: str  # front | back
    path: str
    label_x: int = 0  # where the root label goes; 0: the area is too small for one
    label_y: int = 0


OUTLINES: tuple[Outline, ...] = (
    # Front view: the patient's leg from the front; the inner (medial) side is on the right.
    Outline(
        "lateral_hip", "front", "M50 40 C62 32 80 30 92 32 L88 104 L46 112 C44 86 45 60 50 40 Z"
    ),
    Outline("groin", "front", "M138 30 C152 30 166 31 176 36 C176 58 172 80 168 98 L140 70 Z"),
    Outline(
        "anterior_thigh",
        "front",
        "M92 32 L138 30 L140 70 L168 98 C162 150 156 200 150 240 L56 240 "
        "C50 200 46 150 46 112 L88 104 Z",
        100,
        150,
    ),
    Outline(
        "lateral_calf", "front", "M60 300 L96 300 L96 468 L76 468 C70 420 64 360 60 300 Z", 80, 390
    ),
    Outline(
        "medial_shin", "front", "M96 300 L140 300 C134 360 126 420 122 468 L96 468 Z", 112, 390
    ),
    Outline(
        "dorsum_foot",
        "front",
        "M76 472 L122 472 C126 490 132 502 140 516 L126 528 L100 532 L70 528 "
        "C66 512 70 490 76 472 Z",
        96,
        506,
    ),
    Outline(
        "big_toe", "front", "M126 530 L141 518 C150 532 150 552 138 564 C130 566 124 562 122 552 Z"
    ),
    Outline("first_web_space", "front", "M112 531 L126 529 L122 552 L114 548 Z"),
    # Back view: the same leg from behind; the outer (lateral) side is on the right.
    Outline(
        "buttock",
        "back",
        "M284 38 C306 26 386 26 410 38 C412 70 410 98 404 124 L288 124 C282 98 280 70 284 38 Z",
        346,
        84,
    ),
    Outline(
        "posterior_thigh",
        "back",
        "M288 126 L404 126 C400 170 396 210 390 244 L292 244 C290 210 290 170 288 126 Z",
        340,
        190,
    ),
    Outline(
        "posterior_calf",
        "back",
        "M298 300 L382 300 C378 360 372 420 368 466 L310 466 C304 420 300 360 298 300 Z",
        338,
        386,
    ),
    Outline(
        "lateral_calf",
        "back",
        "M382 300 L396 300 C390 360 380 420 374 466 L368 466 C372 420 378 360 382 300 Z",
    ),
    Outline(
        "sole_lateral_foot",
        "back",
        "M314 490 C340 486 364 488 372 500 C378 526 372 556 352 564 C332 568 316 562 "
        "308 548 C302 528 306 506 314 490 Z",
        340,
        532,
    ),
)


@dataclass(frozen=True)
class Region:
    """A sensory region as the knowledge base has it: the view(s) it is drawn in, its roots."""

    code: str
    view: str  # front | back | both
    roots: frozenset[str] = frozenset()

    def drawn_in(self, view: str) -> bool:
        return self.view in (view, "both")

    @property
    def shading(self) -> str:
        """L4 | L5 | S1 for one root, shared for more, none for an area that is no dermatome."""
        if not self.roots:
            return "none"
        return next(iter(self.roots)) if len(self.roots) == 1 else "shared"

    @property
    def label(self) -> str:
        return " ".join(sorted(self.roots))  # L4 L5 S1 sort as they run down the spine


@dataclass(frozen=True)
class Shape:
    """One area as drawn: its outline in a view, with the shading and label its region gives."""

    code: str
    view: str
    path: str
    root: str  # the shading: L4 | L5 | S1 | shared | none
    label: str = ""  # text drawn on the shape (root names)
    label_x: int = 0
    label_y: int = 0


def shapes(regions: dict[str, Region]) -> tuple[Shape, ...]:
    """The outlines the knowledge base's regions draw, each in the views its region names.
    An outline with no region in the knowledge base is not drawn."""
    out = []
    for outline in OUTLINES:
        region = regions.get(outline.code)
        if region is None or not region.drawn_in(outline.view):
            continue
        out.append(
            Shape(
                outline.code,
                outline.view,
                outline.path,
                region.shading,
                region.label if outline.label_x else "",
                outline.label_x,
                outline.label_y,
            )
        )
    return tuple(out)


def kb_regions() -> dict[str, Region]:
    """The knowledge base's sensory regions, read in one query (on every page with the leg)."""
    from kb.models import SensoryRegion
    from pathway.statements import fetch

    views: dict[str, str] = {}
    roots: dict[str, set[str]] = {}
    rows = fetch(
        "sensory regions",
        lambda: SensoryRegion.objects.values_list("code", "view", "roots__code"),
    )
    for code, view, root in rows:
        views[code] = view
        found = roots.setdefault(code, set())
        if root:
            found.add(root)
    return {code: Region(code, view, frozenset(roots[code])) for code, view in views.items()}


# Fills as SVG presentation attributes, so renderers without CSS for inline SVG (WeasyPrint)
# draw the same picture; the screen stylesheet overrides them when a region is toggled.
ROOT_FILLS = {
    "L4": "#cfe3f3",
    "L5": "#d8ecd9",
    "S1": "#f3e1c7",
    "shared": "#e4e0ee",
    "none": "#ebebeb",
}
PAIN_FILL = "url(#hatch-pain)"
NUMB_FILL = "url(#dots-numb)"
WHOLE_LEG = "whole_leg_diffuse"  # drawn as the outline of the whole leg
STOCKING = "stocking_both_feet"  # listed beside the diagram: it is a pattern, not an area


@dataclass
class Diagram:
    """What one drawing shows: the areas and their shading, the selected pain and sensory-loss
    areas, and what is editable."""

    field: str = ""  # the question the clicks fill, or "" for a read-only drawing
    layer: str = ""  # the layer that question feeds (pain | sensory)
    drawn: tuple[Shape, ...] = ()
    pain: set[str] = default(default_factory=set)
    numb: set[str] = default(default_factory=set)
    labels: dict[str, str] = default(default_factory=dict)
    editable_codes: set[str] = default(default_factory=set)
    # On paper the drawn labels would be below 9 pt: the legend names every shading instead,
    # and the drawing is lighter for the PDF renderer without them.
    printed: bool = False

    def shapes(self, view: str) -> list[dict]:
        items = []
        for shape in self.drawn:
            if shape.view != view:
                continue
            pain, numb = shape.code in self.pain, shape.code in self.numb
            items.append(
                {
                    "shape": shape,
                    "label": self.labels.get(shape.code, shape.code.replace("_", " ")),
                    "pain": pain,
                    "numb": numb,
                    "editable": shape.code in self.editable_codes,
                    "fill": PAIN_FILL if pain else NUMB_FILL if numb else ROOT_FILLS[shape.root],
                    "marked": pain or numb,
                }
            )
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

    key = (
        diagram.field,
        diagram.layer,
        diagram.drawn,
        frozenset(diagram.pain),
        frozenset(diagram.numb),
        tuple(sorted(diagram.labels.items())),
        frozenset(diagram.editable_codes),
        diagram.printed,
    )
    html = _rendered.get(key)
    if html is None:
        html = render_to_string("pathway/_diagram.html", {"diagram": diagram})
        if len(_rendered) >= 5000:
            _rendered.clear()
        _rendered[key] = html
    return html


def diagram_for(
    snapshot: Snapshot,
    answers: dict,
    *,
    field: str = "",
    printed: bool = False,
    regions: dict[str, Region] | None = None,
) -> Diagram:
    """The drawing of these answers: the areas of the questions that feed its pain and sensory
    layers, shaded as the knowledge base's regions say (read unless `regions` are given)."""
    layers = {layer: snapshot.diagram_question(layer) for layer in ("pain", "sensory")}
    labels: dict[str, str] = {}
    for question in layers.values():
        if question:
            labels.update({o.code: o.label for o in question.options})

    def marked(layer: str) -> set[str]:
        question = layers[layer]
        return set(answers.get(question.code) or ()) - {NOTHING} if question else set()

    editing = snapshot.question_by_code.get(field) if field else None
    return Diagram(
        field=field if editing else "",
        layer=editing.diagram_layer if editing else "",
        drawn=shapes(kb_regions() if regions is None else regions),
        pain=marked("pain"),
        numb=marked("sensory"),
        labels=labels,
        editable_codes=set(editing.option_codes) if editing else set(),
        printed=printed,
    )
