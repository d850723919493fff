"""The leg diagram: each area's view and root shading come from the knowledge base's sensory
regions, its layers from the questions' `diagram_layer`; only the outlines are code."""

import re

import pytest

from pathway.diagram import OUTLINES, Region, diagram_for, kb_regions, shapes
from pathway.engine.model import OptionSpec, QuestionSpec, Snapshot, StepSpec, TierSpec
from tests.kb import factories as kbf

pytestmark = pytest.mark.usefixtures("empty_db")

AREAS = tuple(
    OptionSpec(c, c.replace("_", " ")) for c in ("none", "lateral_calf", "buttock", "medial_shin")
)


def snapshot(**layers):
    questions = tuple(
        QuestionSpec(code, "history", "multi", options=AREAS, diagram_layer=layer)
        for code, layer in layers.items()
    )
    return Snapshot(
        pathway="p",
        version=1,
        steps=(StepSpec("history", "History"),),
        questions=questions,
        rules=(),
        tiers=(TierSpec("conservative", 1),),
        levels=(),
        threshold=2,
        margin=1,
    )


def region(code, view, *roots):
    entry = kbf.SensoryRegionFactory(code=code, view=view)
    entry.roots.set(kbf.NerveRootFactory(code=root) for root in roots)
    return entry


def drawn(html, code):
    """The classes of every path drawn for one area."""
    return re.findall(rf'class="region region--(\S+?)[ "][^>]*data-region="{code}"', html)


def test_it_reads_each_regions_view_and_roots_from_the_kb(db):
    region("lateral_calf", "both", "L5")
    region("buttock", "back", "S1", "L5")
    region("groin", "front")
    assert kb_regions() == {
        "lateral_calf": Region("lateral_calf", "both", frozenset({"L5"})),
        "buttock": Region("buttock", "back", frozenset({"L5", "S1"})),
        "groin": Region("groin", "front", frozenset()),
    }


def test_it_shades_an_area_by_its_roots_one_shared_or_none():
    regions = {
        "lateral_calf": Region("lateral_calf", "front", frozenset({"S1"})),
        "buttock": Region("buttock", "back", frozenset({"S1", "L5"})),
        "groin": Region("groin", "front", frozenset()),
    }
    by_code = {s.code: s for s in shapes(regions)}
    assert by_code["lateral_calf"].root == "S1"
    assert (by_code["buttock"].root, by_code["buttock"].label) == ("shared", "L5 S1")
    assert (by_code["groin"].root, by_code["groin"].label) == ("none", "")


def test_it_draws_an_area_only_in_the_views_its_region_names():
    both = shapes({"lateral_calf": Region("lateral_calf", "both", frozenset({"L5"}))})
    back = shapes({"lateral_calf": Region("lateral_calf", "back", frozenset({"L5"}))})
    assert sorted(s.view for s in both) == ["back", "front"]
    assert [s.view for s in back] == ["back"]


def test_an_outline_without_a_kb_region_is_not_drawn():
    assert shapes({}) == ()
    assert {s.code for s in shapes({"buttock": Region("buttock", "back")})} == {"buttock"}


def test_every_outline_is_of_one_view():
    assert {outline.view for outline in OUTLINES} == {"front", "back"}


def test_changing_a_kb_regions_roots_changes_the_picture(db):
    calf = region("lateral_calf", "front", "L5")
    snap = snapshot(where="pain")
    assert drawn(diagram_for(snap, {}).html, "lateral_calf") == ["L5"]
    calf.roots.set([kbf.NerveRootFactory(code="S1")])
    assert drawn(diagram_for(snap, {}).html, "lateral_calf") == ["S1"]
    calf.view = "back"
    calf.save()
    html = diagram_for(snap, {}).html
    assert drawn(html, "lateral_calf") == ["S1"]
    assert 'd="M382 300' in html and 'd="M60 300' not in html  # the back outline only


def test_the_layers_come_from_the_questions_that_feed_them():
    regions = {
        code: Region(code, "both", frozenset({"L5"}))
        for code in ("lateral_calf", "buttock", "medial_shin")
    }
    snap = snapshot(aches="pain", numb="sensory")
    diagram = diagram_for(
        snap, {"aches": ("buttock",), "numb": ("medial_shin", "none")}, regions=regions
    )
    assert (diagram.pain, diagram.numb) == ({"buttock"}, {"medial_shin"})
    assert diagram_for(
        snapshot(aches="sensory"), {"aches": ("buttock",)}, regions=regions
    ).numb == {"buttock"}
    assert diagram_for(snapshot(aches=""), {"aches": ("buttock",)}, regions=regions).pain == set()


def test_the_question_being_answered_makes_its_areas_editable_and_names_its_layer():
    regions = {"lateral_calf": Region("lateral_calf", "front", frozenset({"L5"}))}
    diagram = diagram_for(snapshot(numb="sensory"), {}, field="numb", regions=regions)
    assert (diagram.field, diagram.layer) == ("numb", "sensory")
    assert diagram.editable_codes == {"none", "lateral_calf", "buttock", "medial_shin"}
    assert 'data-layer="sensory"' in diagram.html
    unknown = diagram_for(snapshot(numb="sensory"), {}, field="missing", regions=regions)
    assert (unknown.field, unknown.editable_codes) == ("", set())
