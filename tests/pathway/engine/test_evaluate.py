"""Engine semantics on small hand-built snapshots. No database."""

import dataclasses

import pytest

from pathway.engine import AnswerError, evaluate, validate
from pathway.engine.conditions import parse_condition as when
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

TRI = tuple(OptionSpec(c, c) for c in ("yes", "no", "not_assessed"))


def snapshot(rules=(), *, threshold=2.0, margin=1.0, extra_questions=(), items=()):
    return Snapshot(
        pathway="test",
        version=3,
        steps=(StepSpec("flags", "Flags"), StepSpec("exam", "Exam")),
        questions=(
            QuestionSpec("alarm", "flags", "tri", red_flag=True, options=TRI),
            QuestionSpec(
                "alarm_onset",
                "flags",
                "choice",
                options=(OptionSpec("new", "New"), OptionSpec("old", "Old")),
                enable_when=when("alarm = yes"),
            ),
            QuestionSpec(
                "alarm_detail",
                "flags",
                "tri",
                red_flag=True,
                options=TRI,
                enable_when=when("alarm_onset = new"),
            ),
            QuestionSpec("fever", "flags", "tri", red_flag=True, options=TRI),
            QuestionSpec("age", "exam", "number", minimum=16, maximum=110),
            QuestionSpec("power", "exam", "mrc"),
            QuestionSpec(
                "side",
                "exam",
                "choice",
                options=(OptionSpec("left", "Left"), OptionSpec("right", "Right")),
            ),
            QuestionSpec(
                "regions",
                "exam",
                "multi",
                options=(
                    OptionSpec("none", "None"),
                    OptionSpec("calf", "Calf"),
                    OptionSpec("foot", "Foot"),
                    OptionSpec("not_tested", "Not tested"),
                ),
            ),
            QuestionSpec("grip", "exam", "mrc", key_exam=True),
            QuestionSpec(
                "jerk",
                "exam",
                "choice",
                key_exam=True,
                options=(
                    OptionSpec("normal", "Normal"),
                    OptionSpec("reduced", "Reduced"),
                    OptionSpec("not_tested", "Not tested"),
                ),
            ),
            *extra_questions,
        ),
        rules=tuple(rules),
        tiers=(TierSpec("emergency", 1), TierSpec("urgent", 2), TierSpec("conservative", 5)),
        levels=(LevelSpec("L4"), LevelSpec("L5"), LevelSpec("S1"), LevelSpec("indeterminate")),
        default_tier="conservative",
        threshold=threshold,
        margin=margin,
        handout_items=tuple(items),
    )


def tier_rule(code, target, condition):
    return RuleSpec(code, "tier", target, when(condition), title=code)


def score_rule(code, target, weight, condition):
    return RuleSpec(code, "score", target, when(condition), weight=weight, title=code)


# --- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "code", "message"),
    [
        ({"nonsense": 1}, "nonsense", "unknown question code"),
        ({"age": "38"}, "age", "whole number"),
        ({"age": True}, "age", "whole number"),
        ({"age": 12}, "age", "out of range 16-110"),
        ({"power": 6}, "power", "out of range 0-5"),
        ({"side": "middle"}, "side", "unknown option"),
        ({"side": ["left"]}, "side", "one option code"),
        ({"regions": "calf"}, "regions", "list of option codes"),
        ({"regions": ["calf", "knee"]}, "regions", "unknown option"),
        ({"regions": ["none", "calf"]}, "regions", "cannot be combined"),
        ({"regions": ["not_tested", "foot"]}, "regions", "'not_tested' cannot be combined"),
        ({"regions": ["not_tested", "none"]}, "regions", "cannot be combined"),
        ({"alarm": "maybe"}, "alarm", "unknown option"),
    ],
)
def test_invalid_answers_raise_a_clear_error_naming_the_code(answers, code, message):
    with pytest.raises(AnswerError) as caught:
        evaluate(snapshot(), answers)
    assert caught.value.code == code
    assert message in str(caught.value)


def test_answers_must_be_an_object():
    with pytest.raises(AnswerError, match="expected an object"):
        validate(snapshot(), ["age", 30])


def test_valid_answers_are_normalised():
    clean = validate(snapshot(), {"age": 40.0, "regions": ["foot", "calf"], "side": None})
    assert clean == {"age": 40, "regions": ("calf", "foot")}
    assert validate(snapshot(), {"regions": []}) == {"regions": ("none",)}
    assert validate(snapshot(), {"regions": ["none"]}) == {"regions": ("none",)}


# --- criteria and unanswered -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "answers", "fires"),
    [
        ("age >= 50", {"age": 50}, True),
        ("age > 50", {"age": 50}, False),
        ("age < 50", {"age": 49}, True),
        ("age <= 50", {"age": 51}, False),
        ("side = left", {"side": "left"}, True),
        ("side != left", {"side": "right"}, True),
        ("side != left", {}, False),
        ("side in [left, right]", {"side": "right"}, True),
        ("side not in [left]", {}, False),
        ("regions contains calf", {"regions": ["calf", "foot"]}, True),
        ("regions contains calf", {"regions": []}, False),
        ("regions not contains calf", {"regions": ["foot"]}, True),
        ("regions contains none", {"regions": []}, True),
        ("side is answered", {"side": "left"}, True),
        ("side is unanswered", {}, True),
        ("side is unanswered", {"side": "left"}, False),
        ("power <= 3", {}, False),
    ],
)
def test_each_operator_and_the_unanswered_semantics(condition, answers, fires):
    result = evaluate(snapshot([tier_rule("r", "urgent", condition)]), answers)
    assert (result.tier == "urgent") is fires


def test_grouping_is_a_or_b_and_c():
    snap = snapshot([tier_rule("r", "urgent", "(power <= 3 or fever = yes) and side = left")])
    assert evaluate(snap, {"power": 2, "side": "left"}).tier == "urgent"
    assert evaluate(snap, {"fever": "yes", "side": "left"}).tier == "urgent"
    assert evaluate(snap, {"power": 2, "fever": "yes"}).tier == "conservative"
    assert evaluate(snap, {"power": 4, "fever": "no", "side": "left"}).tier == "conservative"


def test_the_explanation_names_every_answer_that_made_the_rule_fire():
    snap = snapshot([tier_rule("r", "urgent", "(power <= 3 or fever = yes) and side = left")])
    result = evaluate(snap, {"power": 2, "fever": "yes", "side": "left"})
    (fired,) = result.tier_rules_fired
    assert [str(b) for b in fired.because] == [
        "power <= 3 (answer: 2)",
        "fever = yes",
        "side = left",
    ]


# --- enable-when -------------------------------------------------------------------------------


def test_answers_to_questions_not_asked_are_dropped_and_chains_follow():
    snap = snapshot([tier_rule("r", "urgent", "alarm_onset = new")])
    result = evaluate(snap, {"alarm": "no", "alarm_onset": "new", "alarm_detail": "yes"})
    assert result.tier == "conservative"
    assert set(result.dropped) == {"alarm_onset", "alarm_detail"}
    assert "alarm_onset" not in result.answers
    result = evaluate(snap, {"alarm": "yes", "alarm_onset": "new", "alarm_detail": "yes"})
    assert result.tier == "urgent" and result.dropped == ()


# --- localisation ------------------------------------------------------------------------------


def scoring(l5=0.0, s1=0.0, **kwargs):
    rules = []
    if l5:
        rules.append(score_rule("l5", "L5", l5, "power <= 4"))
    if s1:
        rules.append(score_rule("s1", "S1", s1, "power <= 4"))
    return evaluate(snapshot(rules, **kwargs), {"power": 4})


def test_the_top_level_is_named_when_it_reaches_the_threshold_and_leads_by_the_margin():
    assert scoring(l5=2.0).level == "L5"
    assert scoring(l5=3.0, s1=2.0).level == "L5"  # leads by exactly the margin


def test_below_the_threshold_or_within_the_margin_is_indeterminate():
    assert scoring(l5=1.99).level == "indeterminate"
    assert scoring(l5=3.0, s1=2.5).level == "indeterminate"
    assert scoring(l5=2.0, s1=2.0).level == "indeterminate"
    assert evaluate(snapshot(), {}).level == "indeterminate"


def test_threshold_and_margin_come_from_the_content():
    assert scoring(l5=1.0, threshold=1.0, margin=0.5).level == "L5"
    assert scoring(l5=3.0, s1=2.5, margin=0.5).level == "L5"


def test_weights_add_up_and_negative_weights_count_against():
    rules = [
        score_rule("a", "L5", 1.5, "power <= 4"),
        score_rule("b", "L5", 1.0, "side = left"),
        score_rule("c", "L5", -0.5, "fever = no"),
        score_rule("d", "S1", 1.0, "power <= 4"),
    ]
    result = evaluate(snapshot(rules), {"power": 4, "side": "left", "fever": "no"})
    top, second = result.differential
    assert (top.code, top.score, second.code, second.score) == ("L5", 2.0, "S1", 1.0)
    assert [f.code for f in top.supporting] == ["a", "b"]
    assert [f.code for f in top.conflicting] == ["c"]
    assert result.level == "L5"
    assert result.runner_up.code == "S1"


def test_the_level_is_available_to_tier_rules():
    rules = [
        score_rule("a", "L5", 2, "power <= 4"),
        tier_rule("t", "urgent", "power <= 4 and level not in [L4, indeterminate]"),
    ]
    assert evaluate(snapshot(rules), {"power": 4}).tier == "urgent"
    rules[0] = score_rule("a", "L4", 2, "power <= 4")
    assert evaluate(snapshot(rules), {"power": 4}).tier == "conservative"


# --- disposition -------------------------------------------------------------------------------


def test_the_most_urgent_fired_tier_wins_and_every_fired_rule_is_kept():
    rules = [
        tier_rule("mild", "conservative", "power >= 0"),
        tier_rule("weak", "urgent", "power <= 3"),
        tier_rule("alarm", "emergency", "alarm = yes"),
    ]
    result = evaluate(snapshot(rules), {"power": 2, "alarm": "yes"})
    assert result.tier == "emergency"
    assert [f.code for f in result.tier_rules_fired] == ["mild", "weak", "alarm"]


def test_no_tier_rule_fired_gives_the_default_tier():
    rules = [tier_rule("weak", "urgent", "power <= 3")]
    result = evaluate(snapshot(rules), {"power": 5})
    assert result.tier == "conservative"
    assert result.tier_rules_fired == ()


# --- red-flag gaps -----------------------------------------------------------------------------


def test_unanswered_and_not_assessed_red_flags_are_gaps_and_never_read_as_no():
    rules = [tier_rule("quiet", "urgent", "alarm != yes")]
    result = evaluate(snapshot(rules), {"fever": "not_assessed"})
    assert result.red_flags_incomplete == ("alarm", "fever")
    assert result.tier == "conservative"  # `alarm != yes` is false for an unanswered alarm
    result = evaluate(snapshot(), {"alarm": "no", "fever": "no"})
    assert result.red_flags_incomplete == ()


def test_key_examination_items_unanswered_or_not_tested_are_listed_never_read_as_normal():
    rules = [tier_rule("normal_jerk", "urgent", "jerk != reduced")]
    result = evaluate(snapshot(rules), {"jerk": "not_tested"})
    assert result.exam_incomplete == ("grip", "jerk")
    assert result.tier == "urgent"  # not_tested is an answer: `!= reduced` holds, as it says
    result = evaluate(snapshot(), {"grip": 5, "jerk": "normal"})
    assert result.exam_incomplete == ()
    assert evaluate(snapshot(), {"grip": 0}).exam_incomplete == ("jerk",)


def test_a_multi_answer_of_only_not_tested_counts_as_not_done():
    key_regions = QuestionSpec(
        "feel",
        "exam",
        "multi",
        key_exam=True,
        options=(
            OptionSpec("none", "None"),
            OptionSpec("calf", "Calf"),
            OptionSpec("not_tested", "Not tested"),
        ),
    )
    snap = snapshot(extra_questions=[key_regions])
    assert "feel" in evaluate(snap, {"feel": ["not_tested"]}).exam_incomplete
    assert "feel" not in evaluate(snap, {"feel": ["none"]}).exam_incomplete
    assert "feel" not in evaluate(snap, {"feel": ["calf"]}).exam_incomplete


def test_handout_items_apply_when_their_condition_holds_including_the_level():
    items = [
        HandoutItemSpec("always", "self_care", "Always"),
        HandoutItemSpec("root", "option", "Root", when("level in [L4, L5, S1]")),
        HandoutItemSpec("weak", "option", "Weak", when("power <= 3")),
    ]
    rules = [score_rule("a", "L5", 2, "power <= 4")]
    assert evaluate(snapshot(rules, items=items), {"power": 3}).handout_items == (
        "always",
        "root",
        "weak",
    )
    assert evaluate(snapshot(rules, items=items), {"power": 5}).handout_items == ("always",)


def test_a_red_flag_that_is_not_asked_is_not_a_gap():
    result = evaluate(snapshot(), {"alarm": "yes", "alarm_onset": "old", "fever": "no"})
    assert result.red_flags_incomplete == ()
    result = evaluate(snapshot(), {"alarm": "yes", "alarm_onset": "new", "fever": "no"})
    assert result.red_flags_incomplete == ("alarm_detail",)


# --- what would change -------------------------------------------------------------------------


def test_single_answer_changes_that_move_the_tier_are_reported():
    rules = [
        tier_rule("alarm", "emergency", "alarm = yes"),
        tier_rule("lefty", "urgent", "side = left"),
    ]
    result = evaluate(snapshot(rules), {"alarm": "no", "fever": "no", "side": "right"})
    changes = {(c.question, c.before, c.after, c.tier) for c in result.what_would_change}
    assert changes == {("alarm", "no", "yes", "emergency"), ("side", "right", "left", "urgent")}


def test_unanswered_red_flags_are_tried_but_other_unanswered_questions_are_not():
    rules = [
        tier_rule("alarm", "emergency", "alarm = yes"),
        tier_rule("lefty", "urgent", "side = left"),
    ]
    result = evaluate(snapshot(rules), {})
    assert {(c.question, c.after) for c in result.what_would_change} == {("alarm", "yes")}


def test_what_would_change_can_be_skipped():
    rules = [tier_rule("alarm", "emergency", "alarm = yes")]
    assert evaluate(snapshot(rules), {}, what_would_change=False).what_would_change == ()


def test_the_json_form_carries_the_contract_fields():
    rules = [score_rule("a", "L5", 2, "power <= 4"), tier_rule("t", "urgent", "power <= 3")]
    data = evaluate(snapshot(rules), {"power": 3, "alarm": "no"}).to_dict()
    assert {
        "pathway",
        "version",
        "tier",
        "level",
        "differential",
        "fired",
        "red_flags_incomplete",
        "exam_incomplete",
        "what_would_change",
    } <= set(data)
    assert data["exam_incomplete"] == ["grip", "jerk"]
    assert data["pathway"] == "test" and data["version"] == 3
    assert data["differential"][0] == {
        "code": "L5",
        "score": 2.0,
        "because": ["a (+2): power <= 4 (answer: 3)"],
    }
    assert data["fired"][1] == {
        "rule": "t",
        "effect": "tier",
        "target": "urgent",
        "because": ["power <= 3 (answer: 3)"],
    }
    assert data["red_flags_incomplete"] == ["fever"]


def test_an_options_label_is_looked_up_by_its_code():
    question = snapshot().question_by_code["side"]
    assert (question.label_for("left"), question.label_for("right")) == ("Left", "Right")
    assert question.label_for("unknown") == "unknown"


def test_each_step_lists_its_own_questions_in_order():
    steps = {
        step.code: [q.code for q in questions]
        for step, questions in snapshot().steps_with_questions()
    }
    assert steps["flags"] == ["alarm", "alarm_onset", "alarm_detail", "fever"]
    assert steps["exam"][:3] == ["age", "power", "side"]


def test_every_engine_value_is_immutable_so_one_snapshot_serves_every_request():
    import dataclasses
    import importlib
    import inspect

    # By name: the package's `evaluate` is the function, which hides the module of that name.
    checked = []
    for name in ("conditions", "model", "evaluate", "lint", "invariants"):
        module = importlib.import_module(f"pathway.engine.{name}")
        for name, obj in inspect.getmembers(module, dataclasses.is_dataclass):
            if inspect.isclass(obj) and obj.__module__ == module.__name__:
                assert obj.__dataclass_params__.frozen, f"{module.__name__}.{name}"
                checked.append(name)
    assert {
        "Result",
        "FiredRule",
        "Because",
        "Change",
        "LevelScore",
        "Snapshot",
        "Criterion",
    } <= set(checked)


# --- boundaries the mutation run found untested ------------------------------------------------


def test_a_lead_of_exactly_the_margin_names_the_level_whatever_the_float_sums():
    # 0.1 + 0.2 is 0.30000000000000004 in floating point; the lead is still exactly 0.3.
    rules = [
        score_rule("a", "L5", 0.1, "power <= 4"),
        score_rule("b", "L5", 0.2, "power <= 4"),
        score_rule("c", "L5", 2.0, "power <= 4"),
        score_rule("d", "S1", 2.0, "power <= 4"),
    ]
    result = evaluate(snapshot(rules, threshold=2.0, margin=0.3), {"power": 4})
    assert result.level == "L5"
    assert (
        evaluate(snapshot(rules, threshold=2.0, margin=0.31), {"power": 4}).level == "indeterminate"
    )
    assert (
        evaluate(snapshot(rules, threshold=2.31, margin=0.3), {"power": 4}).level == "indeterminate"
    )


def test_a_chain_of_enable_when_listed_in_reverse_is_followed_to_its_end():
    """`late` is gated on `middle`, which is gated on `alarm`, but `late` comes first in the
    content: one pass would keep it, because `middle` is still there when `late` is checked."""
    late = QuestionSpec("late", "flags", "tri", options=TRI, enable_when=when("middle = yes"))
    middle = QuestionSpec("middle", "flags", "tri", options=TRI, enable_when=when("alarm = yes"))
    base = snapshot([tier_rule("r", "urgent", "late = yes")])
    snap = dataclasses.replace(base, questions=(late, middle, *base.questions))
    result = evaluate(snap, {"alarm": "no", "middle": "yes", "late": "yes"})
    assert set(result.dropped) == {"middle", "late"}
    assert result.tier == "conservative"


def test_a_trial_answer_that_hides_its_own_question_is_skipped_and_the_rest_still_tried():
    own = QuestionSpec(
        "own",
        "exam",
        "choice",
        options=(OptionSpec("a", "A"), OptionSpec("hidden", "Hidden"), OptionSpec("c", "C")),
        enable_when=when("own != hidden"),
    )
    snap = snapshot([tier_rule("r", "urgent", "own = c")], extra_questions=(own,))
    result = evaluate(snap, {"own": "a"})
    assert [(c.question, c.after, c.tier) for c in result.what_would_change] == [
        ("own", "c", "urgent")
    ]


def test_supporting_and_conflicting_split_at_zero():
    rules = [
        score_rule("half", "L5", 0.5, "power <= 4"),
        score_rule("nil", "L5", 0.0, "power <= 4"),
        score_rule("less", "L5", -0.5, "power <= 4"),
    ]
    top = evaluate(snapshot(rules), {"power": 4}).differential[0]
    assert [f.code for f in top.supporting] == ["half"]
    assert [f.code for f in top.conflicting] == ["less"]


def test_level_scores_are_reported_to_two_decimals():
    rules = [score_rule("third", "L5", 1 / 3, "power <= 4")]
    assert evaluate(snapshot(rules), {"power": 4}).differential[0].score == 0.33


def test_scores_equal_to_six_decimals_tie_and_content_order_decides():
    rules = [
        score_rule("s1", "S1", 2.0000004, "power <= 4"),
        score_rule("l5", "L5", 2.0, "power <= 4"),
    ]
    result = evaluate(snapshot(rules, threshold=2.0, margin=0.0), {"power": 4})
    # A tie: L5 comes before S1 in the content, and neither leads the other.
    assert [s.code for s in result.differential] == ["L5", "S1"]
    assert (
        evaluate(snapshot(rules, threshold=2.0, margin=0.1), {"power": 4}).level == "indeterminate"
    )


def test_what_would_change_sums_a_trials_scores_from_zero():
    """A trial answer that adds to a level's score below the threshold changes nothing."""
    rules = [
        score_rule("a", "L5", 1.0, "power <= 4"),
        score_rule("b", "L5", 0.5, "side = left"),
        tier_rule("t", "urgent", "level = L5"),
    ]
    result = evaluate(snapshot(rules, threshold=2.0), {"power": 4, "side": "right"})
    assert (result.level, result.tier) == ("indeterminate", "conservative")
    assert result.what_would_change == ()
    nearer = evaluate(snapshot(rules, threshold=1.5), {"power": 4, "side": "right"})
    assert [(c.question, c.after, c.tier) for c in nearer.what_would_change] == [
        ("side", "left", "urgent")
    ]


def test_only_a_tier_with_the_emergency_banner_is_an_emergency():
    assert TierSpec("now", 1, banner="emergency").emergency
    assert not TierSpec("soon", 2, banner="urgent").emergency
    assert not TierSpec("later", 5).emergency
