"""The pure linter on hand-built snapshots. No database."""

import dataclasses

import pytest

from pathway.engine.conditions import parse_condition as when
from pathway.engine.lint import ERROR, lint
from pathway.engine.model import (
    HandoutItemSpec,
    LevelSpec,
    OptionSpec,
    QuestionSpec,
    RuleSpec,
    Snapshot,
    StepSpec,
    TierSpec,
)
from tests.helpers import seeded_pathway

TRI = tuple(OptionSpec(c, c) for c in ("yes", "no", "not_assessed"))


def rule(code, target, condition, effect="tier", weight=0.0, sources=("src",), rationale="Why"):
    return RuleSpec(
        code, effect, target, when(condition), weight=weight, sources=sources, rationale=rationale
    )


def snapshot(rules=None, questions=None, items=(), **changes):
    base = Snapshot(
        pathway="test",
        version=1,
        steps=(StepSpec("flags", "Flags"),),
        questions=questions
        or (
            QuestionSpec("alarm", "flags", "tri", red_flag=True, options=TRI),
            QuestionSpec("age", "flags", "number", minimum=16, maximum=110),
            QuestionSpec("power", "flags", "mrc"),
        ),
        rules=rules
        if rules is not None
        else (
            rule("alarm", "urgent", "alarm = yes"),
            rule("weak", "L5", "power <= 4", effect="score", weight=1),
        ),
        tiers=(TierSpec("urgent", 1), TierSpec("conservative", 2)),
        levels=(LevelSpec("L5"), LevelSpec("indeterminate")),
        default_tier="conservative",
        threshold=1.5,
        margin=1.0,
        handout_items=tuple(items),
    )
    return dataclasses.replace(base, **changes) if changes else base


def kinds(snap):
    return {(f.kind, f.where, f.field) for f in lint(snap) if f.severity == ERROR}


def test_well_formed_content_has_no_errors():
    assert kinds(snapshot()) == set()


def test_the_shipped_pathway_lints_clean():
    errors = [f for f in lint(seeded_pathway()) if f.severity == ERROR]
    assert errors == []


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ("temperature >= 38", "'temperature' is not a question code"),
        ("alarm = maybe", "'maybe' is not an option of alarm"),
        ("power <= 9", "outside the range of power"),
        ("alarm contains yes", "does not fit alarm (tri)"),
        ("level = L7", "'L7' is not a level"),
    ],
)
def test_unknown_references_name_what_to_fix(condition, message):
    snap = snapshot(
        rules=(rule("alarm", "urgent", "alarm = yes"), rule("bad", "urgent", condition))
    )
    findings = [f for f in lint(snap) if f.where == "rule bad"]
    assert any(message in f.message and f.field == "when" and f.malformed for f in findings)


def test_a_condition_no_answers_can_make_true_is_found_with_engine_semantics():
    snap = snapshot(
        rules=(
            rule("alarm", "urgent", "alarm = yes"),
            rule("never", "urgent", "age > 60 and age < 20"),
        )
    )
    assert ("rule never true", "rule never", "when") in kinds(snap)
    # `!=` is false on an unanswered question, as in evaluation: still satisfiable.
    snap = snapshot(
        rules=(
            rule("alarm", "urgent", "alarm = yes"),
            rule("fine", "urgent", "alarm != yes and alarm != no"),
        )
    )
    assert not any(k[1] == "rule fine" for k in kinds(snap))


def test_enable_when_cannot_use_the_level_or_itself_or_never_be_true():
    questions = (
        QuestionSpec("alarm", "flags", "tri", red_flag=True, options=TRI),
        QuestionSpec("a", "flags", "tri", options=TRI, enable_when=when("level = L5")),
        QuestionSpec("b", "flags", "tri", options=TRI, enable_when=when("b = yes")),
        QuestionSpec("c", "flags", "mrc", enable_when=when("alarm = yes and alarm = no")),
    )
    found = kinds(snapshot(questions=questions, rules=(rule("alarm", "urgent", "alarm = yes"),)))
    assert ("unknown reference", "question a", "enable_when") in found
    assert ("unknown reference", "question b", "enable_when") in found
    assert ("never asked", "question c", "enable_when") in found


def test_targets_weights_tiers_and_red_flags():
    snap = snapshot(
        rules=(
            rule("to_nowhere", "later", "power <= 2"),
            rule("weightless", "L5", "power <= 4", effect="score"),
            rule("odd", "L5", "power <= 4", effect="magic"),
        )
    )
    found = kinds(snap)
    assert ("unknown reference", "rule to_nowhere", "target") in found
    assert ("no weight", "rule weightless", "weight") in found
    assert ("unknown effect", "rule odd", "effect") in found
    assert ("unreachable tier", "tier urgent", "") in found
    assert ("red flag without a tier rule", "question alarm", "red_flag") in found


def test_rules_need_a_rationale_and_a_source_but_that_does_not_stop_loading():
    snap = snapshot(rules=(rule("alarm", "urgent", "alarm = yes", sources=(), rationale=""),))
    findings = {f.kind: f for f in lint(snap)}
    assert not findings["missing source"].malformed
    assert not findings["missing rationale"].malformed


def test_questions_must_be_well_formed():
    questions = (
        QuestionSpec(
            "alarm",
            "flags",
            "tri",
            red_flag=True,
            options=tuple(OptionSpec(c, c) for c in ("no", "yes", "not_assessed")),
        ),
        QuestionSpec("n", "flags", "number"),
        QuestionSpec("x", "nowhere", "colour"),
        QuestionSpec("c", "flags", "choice"),
    )
    found = kinds(snapshot(questions=questions, rules=(rule("alarm", "urgent", "alarm = yes"),)))
    assert ("tri options", "question alarm", "options") in found
    assert ("no range", "question n", "range") in found
    assert ("unknown reference", "question x", "step") in found
    assert ("unknown type", "question x", "type") in found
    assert ("no options", "question c", "options") in found


def test_handout_items_are_checked_like_rules():
    items = (
        HandoutItemSpec(
            "never",
            "option",
            "Never",
            when("alarm = yes and alarm = no"),
            involves="x",
            benefit="x",
            risks="x",
            recovery="x",
            sources=("s",),
        ),
        HandoutItemSpec("thin", "option", "Thin", involves="x", sources=()),
        HandoutItemSpec("odd", "leaflet", "Odd", involves="x", sources=("s",)),
    )
    found = kinds(snapshot(items=items))
    assert ("never printed", "handout item never", "when") in found
    assert ("incomplete option", "handout item thin", "benefit") in found
    assert ("missing source", "handout item thin", "sources") in found
    assert ("unknown role", "handout item odd", "role") in found


def test_the_pathway_itself_default_tier_ranks_and_emptiness():
    snap = snapshot(
        default_tier="nothing", tiers=(TierSpec("urgent", 1), TierSpec("x", 1)), rules=()
    )
    found = kinds(snap)
    assert ("unknown reference", "pathway", "default_tier") in found
    assert ("duplicate", "pathway", "tiers") in found
    assert ("empty", "pathway", "rules") in found


def test_mrc_grades_run_from_0_to_5_whatever_the_spec_says():
    snap = snapshot(
        rules=(
            rule("alarm", "urgent", "alarm = yes"),
            rule("flaccid", "urgent", "power = 0"),
            rule("full", "urgent", "power >= 5"),
        )
    )
    assert not any(f.where in {"rule flaccid", "rule full"} for f in lint(snap))
    snap = snapshot(
        rules=(rule("alarm", "urgent", "alarm = yes"), rule("six", "urgent", "power >= 6"))
    )
    assert any("outside the range of power" in f.message for f in lint(snap))


def test_a_one_value_range_is_allowed_and_a_half_range_is_reported():
    questions = (
        QuestionSpec("alarm", "flags", "tri", red_flag=True, options=TRI),
        QuestionSpec("fixed", "flags", "number", minimum=5, maximum=5),
        QuestionSpec("half", "flags", "number", minimum=5),
    )
    snap = snapshot(
        questions=questions,
        rules=(rule("alarm", "urgent", "alarm = yes"), rule("half_rule", "urgent", "half >= 6")),
    )
    found = kinds(snap)
    assert not any(where == "question fixed" for _, where, _ in found)
    assert ("no range", "question half", "range") in found


def test_a_tier_reached_only_by_a_malformed_rule_is_unreachable():
    for condition in ("alarm < 3", "temperature >= 38"):
        snap = snapshot(
            rules=(rule("bad", "urgent", condition), rule("alarm", "conservative", "alarm = yes"))
        )
        assert ("unreachable tier", "tier urgent", "") in kinds(snap), condition


def test_a_group_no_value_of_either_finding_can_satisfy_is_never_true():
    snap = snapshot(
        rules=(
            rule("alarm", "urgent", "alarm = yes"),
            rule("never", "urgent", "(age < 16 or power < 0)"),
        )
    )
    assert ("rule never true", "rule never", "when") in kinds(snap)


# --- content fields: a tier's banner, a question's diagram layer -------------------------------

AREAS = tuple(OptionSpec(c, c) for c in ("none", "front", "back"))


def test_a_banner_on_the_most_urgent_tiers_is_well_formed():
    tiers = (
        TierSpec("now", 1, banner="emergency"),
        TierSpec("urgent", 2, banner="urgent"),
        TierSpec("conservative", 3),
    )
    assert (
        kinds(
            snapshot(
                tiers=tiers,
                rules=(rule("alarm", "urgent", "alarm = yes"), rule("now", "now", "power <= 2")),
            )
        )
        == set()
    )


def test_it_refuses_an_unknown_banner():
    tiers = (TierSpec("urgent", 1, banner="siren"), TierSpec("conservative", 2))
    assert ("unknown reference", "tier urgent", "banner") in kinds(snapshot(tiers=tiers))


def test_it_refuses_a_banner_below_a_tier_without_one():
    tiers = (TierSpec("urgent", 1), TierSpec("conservative", 2, banner="urgent"))
    assert ("banner order", "tier conservative", "banner") in kinds(snapshot(tiers=tiers))


def test_it_refuses_an_emergency_banner_below_an_urgent_one():
    tiers = (
        TierSpec("urgent", 1, banner="urgent"),
        TierSpec("later", 2, banner="emergency"),
        TierSpec("conservative", 3),
    )
    found = kinds(
        snapshot(
            tiers=tiers,
            rules=(rule("alarm", "urgent", "alarm = yes"), rule("later", "later", "power <= 2")),
        )
    )
    assert ("banner order", "tier later", "banner") in found


def test_a_diagram_layer_on_a_multi_question_is_well_formed():
    questions = (
        QuestionSpec("alarm", "flags", "tri", red_flag=True, options=TRI),
        QuestionSpec("power", "flags", "mrc"),
        QuestionSpec("hurts", "flags", "multi", options=AREAS, diagram_layer="pain"),
        QuestionSpec("numb", "flags", "multi", options=AREAS, diagram_layer="sensory"),
    )
    snap = snapshot(questions=questions)
    assert kinds(snap) == set()
    assert snap.diagram_question("pain").code == "hurts"
    assert snap.diagram_question("sensory").code == "numb"


def test_it_refuses_an_unknown_diagram_layer():
    questions = (
        QuestionSpec("alarm", "flags", "tri", red_flag=True, options=TRI),
        QuestionSpec("power", "flags", "mrc"),
        QuestionSpec("hurts", "flags", "multi", options=AREAS, diagram_layer="aches"),
    )
    assert ("unknown reference", "question hurts", "diagram_layer") in kinds(
        snapshot(questions=questions)
    )


def test_it_refuses_a_diagram_layer_on_a_question_that_is_not_multi():
    questions = (
        QuestionSpec("alarm", "flags", "tri", red_flag=True, options=TRI, diagram_layer="pain"),
        QuestionSpec("power", "flags", "mrc"),
    )
    assert ("diagram layer", "question alarm", "diagram_layer") in kinds(
        snapshot(questions=questions)
    )


def test_it_refuses_two_questions_feeding_one_diagram_layer():
    questions = (
        QuestionSpec("alarm", "flags", "tri", red_flag=True, options=TRI),
        QuestionSpec("power", "flags", "mrc"),
        QuestionSpec("hurts", "flags", "multi", options=AREAS, diagram_layer="pain"),
        QuestionSpec("aches", "flags", "multi", options=AREAS, diagram_layer="pain"),
    )
    found = kinds(snapshot(questions=questions))
    assert ("duplicate", "question aches", "diagram_layer") in found
    assert ("duplicate", "question hurts", "diagram_layer") not in found
