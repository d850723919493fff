"""The shipped rules: every regression case passes, and safety properties hold for any answers.

The snapshot is read straight from the seed files, so none of this touches a database.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pathway import seeding
from pathway.engine import evaluate
from pathway.snapshot import from_seed
from tests.engine.conftest import SEEDED, regression_cases
from tests.pathway import vocabulary

CES_ITEMS = ["ces_bladder", "ces_saddle", "ces_bowel", "ces_sexual"]
RED_FLAG_TRI = [code for code, (step, kind, _) in vocabulary.QUESTIONS.items()
                if step == "red_flags" and kind == "tri"]
RANK = {code: rank for rank, code in enumerate(vocabulary.TIERS, 1)}


@pytest.mark.parametrize("case", regression_cases(), ids=lambda case: case["code"])
def test_every_regression_case_gives_an_acceptable_tier_and_level(seeded_snapshot, case):
    result = evaluate(seeded_snapshot, case["answers"])
    assert result.tier in case["expect_tiers"], [f.code for f in result.tier_rules_fired]
    assert result.level in case["expect_levels"], [(s.code, s.score) for s in
                                                   result.differential]


def test_the_regression_cases_include_every_visible_vignette():
    codes = {case["code"] for case in regression_cases()}
    assert {"V01", "V05", "V06", "V08", "V09", "V11", "V13", "V15", "V17", "V18", "V22",
            "V26"} <= codes


def answer_strategy(snapshot):
    """Any valid answer set: each question either unanswered or given a valid answer."""
    optional = {}
    for question in snapshot.questions:
        if question.type in {"number", "mrc"}:
            optional[question.code] = st.integers(question.minimum, question.maximum)
        elif question.type in {"choice", "tri"}:
            optional[question.code] = st.sampled_from(question.option_codes)
        else:
            present = [c for c in question.option_codes if c != "none"]
            optional[question.code] = st.one_of(
                st.just(["none"]), st.just([]),
                st.lists(st.sampled_from(present), unique=True, min_size=1),
            )
    return st.fixed_dictionaries({}, optional=optional)


SNAPSHOT = from_seed(seeding.read_pathway(SEEDED))
ANSWERS = answer_strategy(SNAPSHOT)
PROPERTY = settings(max_examples=300, deadline=None)


@PROPERTY
@given(ANSWERS)
def test_evaluation_never_raises_and_names_a_known_tier_and_level(answers):
    result = evaluate(SNAPSHOT, answers)
    assert result.tier in vocabulary.TIERS
    assert result.level in vocabulary.LEVELS


@PROPERTY
@given(ANSWERS, st.sampled_from(CES_ITEMS), st.sampled_from(["new_or_worsening", None]))
def test_a_new_ces_item_is_an_emergency_whatever_else(answers, item, onset):
    answers = {**answers, item: "yes", "ces_onset": onset}
    assert evaluate(SNAPSHOT, answers, what_would_change=False).tier == "emergency"


@PROPERTY
@given(ANSWERS, st.sampled_from([*RED_FLAG_TRI, "trauma"]),
       st.sampled_from(["major", "minor_with_bone_fragility"]))
def test_a_red_flag_turning_yes_never_makes_the_tier_less_urgent(answers, item, trauma):
    no, yes = ("none", trauma) if item == "trauma" else ("no", "yes")
    before = evaluate(SNAPSHOT, {**answers, item: no}, what_would_change=False)
    after = evaluate(SNAPSHOT, {**answers, item: yes}, what_would_change=False)
    assert RANK[after.tier] <= RANK[before.tier]


@PROPERTY
@given(ANSWERS, st.lists(st.sampled_from(RED_FLAG_TRI), unique=True, min_size=1))
def test_not_assessed_red_flags_are_always_listed_as_gaps(answers, items):
    answers = {**answers, **dict.fromkeys(items, "not_assessed")}
    result = evaluate(SNAPSHOT, answers, what_would_change=False)
    assert set(items) <= set(result.red_flags_incomplete)


@PROPERTY
@given(ANSWERS)
def test_unanswered_red_flags_are_always_listed_as_gaps(answers):
    result = evaluate(SNAPSHOT, answers, what_would_change=False)
    for code in RED_FLAG_TRI:
        assert (code in result.red_flags_incomplete) == (
            code not in answers or answers[code] == "not_assessed")


# --- the brief's decision rules, one clinical picture each -------------------------------------

BASE = {
    "age": 40, "affected_side": "left", "duration_weeks": 3, "leg_pain_severity": 6,
    "leg_pain_dominant": "yes", "pain_regions": ["buttock", "lateral_calf", "dorsum_foot"],
    "trend": "unchanged", "disabling": "no", "conservative_care_weeks": 2,
    "injection_history": "none", "imaging": "none", "compression_history": "no",
    "mrc_hip_abduction": 5, "mrc_knee_extension": 5, "mrc_ankle_dorsiflexion": 5,
    "mrc_great_toe_extension": 5, "mrc_ankle_inversion": 5, "mrc_ankle_eversion": 5,
    "mrc_ankle_plantarflexion": 5, "weakness_progressing": "no", "contralateral_weakness": "none",
    "reflex_knee": "normal", "reflex_ankle": "normal", "reflex_medial_hamstring": "normal",
    "sensory_loss": ["none"], "slr": "positive", "crossed_slr": "not_tested",
    "femoral_stretch": "not_tested", "fibular_head_tinel": "not_tested",
    "hip_exam": "not_tested", "trendelenburg": "not_tested",
    **dict.fromkeys(RED_FLAG_TRI, "no"), "trauma": "none",
}


@pytest.mark.parametrize(
    ("change", "tier", "level"),
    [
        ({}, "conservative", "L5"),
        ({"ces_sexual": "yes"}, "emergency", "L5"),
        ({"ces_bladder": "yes", "ces_onset": "longstanding_stable"}, "urgent", "L5"),
        ({"contralateral_weakness": "severe_or_progressive"}, "emergency", "L5"),
        ({"bilateral_leg_symptoms": "yes", "affected_side": "both"}, "emergency",
         "indeterminate"),
        ({"mrc_great_toe_extension": 3}, "urgent", "L5"),
        ({"mrc_great_toe_extension": 4}, "conservative", "L5"),
        ({"mrc_great_toe_extension": 4, "weakness_progressing": "yes"}, "urgent", "L5"),
        ({"mrc_great_toe_extension": 4, "reflex_ankle": "absent"}, "urgent", "L5"),
        ({"mrc_ankle_dorsiflexion": 4, "mrc_ankle_eversion": 4}, "conservative", "L5"),
        ({"reflex_ankle": "absent_both_sides"}, "conservative", "L5"),
        ({"cancer_history": "yes"}, "urgent", "L5"),
        ({"age": 55}, "conservative", "L5"),
        ({"age": 55, "night_pain": "yes"}, "urgent", "L5"),
        ({"weight_loss": "yes", "night_pain": "yes"}, "urgent", "L5"),
        ({"fever": "yes"}, "urgent", "L5"),
        ({"infection_risk": "yes"}, "conservative", "L5"),
        ({"infection_risk": "yes", "night_pain": "yes"}, "urgent", "L5"),
        ({"trauma": "minor_with_bone_fragility"}, "urgent", "L5"),
        ({"umn_signs": "yes"}, "urgent", "L5"),
        ({"duration_weeks": 8, "disabling": "yes", "conservative_care_weeks": 5}, "injection",
         "L5"),
        ({"duration_weeks": 8, "disabling": "yes", "conservative_care_weeks": 5,
          "trend": "improving"}, "conservative", "L5"),
        ({"duration_weeks": 3, "leg_pain_severity": 9, "disabling": "yes"}, "injection", "L5"),
        ({"duration_weeks": 16, "disabling": "yes", "conservative_care_weeks": 12},
         "surgical_referral", "L5"),
        ({"duration_weeks": 16, "disabling": "yes", "conservative_care_weeks": 12,
          "injection_history": "declined", "imaging": "concordant"}, "surgical_referral", "L5"),
        ({"duration_weeks": 16, "disabling": "yes", "conservative_care_weeks": 12,
          "imaging": "discordant"}, "conservative", "L5"),
        ({"duration_weeks": 20, "disabling": "yes", "conservative_care_weeks": 4},
         "surgical_referral", "L5"),
        ({"duration_weeks": 20, "disabling": "yes", "conservative_care_weeks": 3},
         "conservative", "L5"),
        ({"duration_weeks": 16, "disabling": "yes", "conservative_care_weeks": 12,
          "trend": "improving"}, "conservative", "L5"),
    ],
)
def test_section_10_rules(seeded_snapshot, change, tier, level):
    result = evaluate(seeded_snapshot, {**BASE, **change})
    assert (result.tier, result.level) == (tier, level), [f.code for f in result.fired]


PAINLESS_FOOT_DROP = {
    **BASE, "leg_pain_severity": 0, "pain_regions": ["none"], "slr": "negative",
    "mrc_ankle_dorsiflexion": 2, "mrc_great_toe_extension": 2, "compression_history": "yes",
    "sensory_loss": ["dorsum_foot"],
}


def test_a_painless_peroneal_foot_drop_is_not_escalated(seeded_snapshot):
    result = evaluate(seeded_snapshot, PAINLESS_FOOT_DROP)
    assert (result.level, result.tier) == ("peroneal", "conservative")


def test_weak_inversion_or_hip_abduction_excludes_peroneal(seeded_snapshot):
    for muscle in ("mrc_ankle_inversion", "mrc_hip_abduction"):
        result = evaluate(seeded_snapshot, {**PAINLESS_FOOT_DROP, muscle: 4})
        assert result.level != "peroneal", muscle
        assert result.tier == "urgent", muscle


def test_an_untested_inversion_does_not_permit_peroneal(seeded_snapshot):
    answers = {k: v for k, v in PAINLESS_FOOT_DROP.items() if k != "mrc_ankle_inversion"}
    result = evaluate(seeded_snapshot, answers)
    assert result.level != "peroneal"
    assert result.tier == "urgent"


def test_a_painful_foot_drop_with_positive_slr_points_to_the_root(seeded_snapshot):
    answers = {**BASE, "mrc_ankle_dorsiflexion": 2, "mrc_great_toe_extension": 2}
    result = evaluate(seeded_snapshot, answers)
    assert (result.level, result.tier) == ("L5", "urgent")


def test_groin_pain_with_a_painful_hip_and_normal_neurology_points_to_the_hip(seeded_snapshot):
    answers = {**BASE, "pain_regions": ["groin", "anterior_thigh"], "slr": "negative",
               "hip_exam": "painful_restricted"}
    result = evaluate(seeded_snapshot, answers)
    assert (result.level, result.tier) == ("hip", "conservative")


def test_diffuse_pain_with_a_normal_examination_is_indeterminate(seeded_snapshot):
    answers = {**BASE, "pain_regions": ["whole_leg_diffuse"], "slr": "negative"}
    result = evaluate(seeded_snapshot, answers)
    assert (result.level, result.tier) == ("indeterminate", "conservative")
    assert "non_dermatomal_pain" in [f.code for f in result.tier_rules_fired]


def test_one_region_alone_does_not_localise_but_a_full_pattern_does(seeded_snapshot):
    quiet = {**BASE, "slr": "not_tested"}
    assert evaluate(seeded_snapshot, {**quiet, "pain_regions": ["lateral_calf"]}).level == (
        "indeterminate")
    assert evaluate(seeded_snapshot, {**quiet, "pain_regions": ["lateral_calf", "big_toe"]}
                    ).level == "indeterminate"
    assert evaluate(seeded_snapshot, {**quiet, "pain_regions": [
        "lateral_calf", "dorsum_foot", "big_toe"]}).level == "L5"
    assert evaluate(seeded_snapshot, {**quiet, "pain_regions": ["lateral_calf"],
                                      "mrc_great_toe_extension": 4}).level == "L5"
