"""The shipped rules: every regression case passes, and the clinical invariants of the brief
(section 10, revision 2) hold for any answers.

The snapshot is read straight from the seed files, so none of this touches a database. The
invariants are checked by generating answer sets over the whole answer space: every question
unanswered or given any valid answer, "not assessed" and "not tested" included.
"""

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathway.engine import evaluate, invariants
from pathway.engine.model import EXCLUSIVE_OPTIONS
from tests.helpers import regression_cases, seeded_pathway
from tests.pathway import vocabulary

CES_ITEMS = ["ces_bladder", "ces_saddle", "ces_bowel", "ces_sexual"]
RED_FLAG_TRI = [
    code
    for code, (step, kind, _) in vocabulary.QUESTIONS.items()
    if step == "red_flags" and kind == "tri"
]
RANK = {code: rank for rank, code in enumerate(vocabulary.TIERS, 1)}
MUSCLES = list(invariants.KEY_MUSCLES)
VISIBLE = [
    "V01",
    "V05",
    "V06",
    "V08",
    "V09",
    "V11",
    "V13",
    "V15",
    "V17",
    "V18",
    "V22",
    "V26",
    "V31",
    "V32",
    "V33",
    "V34",
    "V35",
    "V36",
]


@pytest.mark.parametrize("case", regression_cases(), ids=lambda case: case["code"])
def test_every_regression_case_gives_an_acceptable_tier_and_level(seeded_snapshot, case):
    result = evaluate(seeded_snapshot, case["answers"])
    assert result.tier in case["expect_tiers"], [f.code for f in result.tier_rules_fired]
    assert result.level in case["expect_levels"], [(s.code, s.score) for s in result.differential]


def test_the_regression_cases_include_every_visible_vignette():
    codes = {case["code"] for case in regression_cases()}
    assert set(VISIBLE) <= codes


# --- generated answers ------------------------------------------------------------------------


def answer_strategy(snapshot):
    """Any valid answer set: each question either unanswered or given any valid answer."""
    optional = {}
    for question in snapshot.questions:
        if question.type in {"number", "mrc"}:
            optional[question.code] = st.integers(question.minimum, question.maximum)
        elif question.type in {"choice", "tri"}:
            optional[question.code] = st.sampled_from(question.option_codes)
        else:
            alone = [c for c in question.option_codes if c in EXCLUSIVE_OPTIONS]
            others = [c for c in question.option_codes if c not in EXCLUSIVE_OPTIONS]
            optional[question.code] = st.one_of(
                st.just([]),
                st.sampled_from(alone).map(lambda c: [c]),
                st.lists(st.sampled_from(others), unique=True, min_size=1),
            )
    anything = st.fixed_dictionaries({}, optional=optional)
    codes = [question.code for question in snapshot.questions]
    quiet = {q.code: invariants.quiet_answer(q) for q in snapshot.questions}

    def near_quiet(drawn):
        """A quiet picture (no red flag, full power) with a few answers changed or removed:
        single findings acting on their own, which fully random answers rarely isolate."""
        random_answers, changed = drawn
        answers = {
            code: quiet[code] if quiet[code] is not None else random_answers.get(code)
            for code in codes
        }
        for code in changed:
            answers[code] = random_answers.get(code)
        return {code: value for code, value in answers.items() if value is not None}

    changes = st.lists(st.sampled_from(codes), unique=True, max_size=4)
    return st.one_of(anything, st.tuples(anything, changes).map(near_quiet))


SNAPSHOT = seeded_pathway()
ANSWERS = answer_strategy(SNAPSHOT)
# Thousands of examples per invariant; each example evaluates the pathway up to ~30 times.
# HYPOTHESIS_EXAMPLES lowers the count for `make mutation`, which runs these for every mutant.
EXAMPLES = int(os.environ.get("HYPOTHESIS_EXAMPLES", "1500"))
INVARIANT = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
PROPERTY = settings(
    max_examples=max(1, EXAMPLES // 2), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def check(invariant, answers):
    result = evaluate(SNAPSHOT, answers, what_would_change=False)
    assert invariant(SNAPSHOT, answers, result) == []


@PROPERTY
@given(ANSWERS)
def test_evaluation_never_raises_and_names_a_known_tier_and_level(answers):
    result = evaluate(SNAPSHOT, answers)
    assert result.tier in vocabulary.TIERS
    assert result.level in vocabulary.LEVELS


# --- the seven invariants of section 10 --------------------------------------------------------


@INVARIANT
@given(ANSWERS)
def test_invariant_1_new_or_unknown_onset_ces_is_an_emergency(answers):
    check(invariants.new_ces_is_emergency, answers)


@INVARIANT
@given(ANSWERS)
def test_invariant_2_a_red_flag_turning_yes_never_lowers_the_tier(answers):
    check(invariants.red_flag_yes_never_lowers, answers)


@INVARIANT
@given(ANSWERS)
def test_invariant_3_severe_weakness_escalates_unless_the_named_mimic_explains_it(answers):
    check(invariants.severe_weakness_escalates, answers)


@INVARIANT
@given(
    ANSWERS,
    st.sampled_from(MUSCLES),
    st.integers(0, 3),
    st.sampled_from(["cancer", "fever", "infection", "trauma"]),
)
def test_invariant_4_a_serious_cause_with_a_deficit_is_an_emergency(answers, muscle, grade, cause):
    forced = {
        "cancer": {"cancer_history": "yes"},
        "fever": {"fever": "yes"},
        "infection": {"infection_risk": "yes", "fever": "not_assessed"},
        "trauma": {"trauma": "major"},
    }[cause]
    check(invariants.serious_cause_with_deficit_is_emergency, answers)
    check(invariants.serious_cause_with_deficit_is_emergency, {**answers, **forced, muscle: grade})


@INVARIANT
@given(ANSWERS)
def test_invariant_5_upper_motor_neurone_signs_never_name_a_level(answers):
    check(invariants.umn_signs_name_no_level, answers)


@INVARIANT
@given(ANSWERS)
def test_invariant_6_invasive_tiers_need_a_root_an_objective_finding_and_leg_pain(answers):
    check(invariants.invasive_tiers_need_root_and_findings, answers)


@INVARIANT
@given(ANSWERS)
def test_invariant_7_red_flag_gaps_and_an_ungraded_examination_are_listed(answers):
    check(invariants.gaps_are_listed, answers)


def test_the_invariants_hold_on_the_gates_own_sample():
    tried, found = invariants.check(SNAPSHOT, count=300, seed=11)
    assert tried == 300
    assert found == []


# --- more of revision 2's principles, by generated answers -------------------------------------


@PROPERTY
@given(ANSWERS)
def test_the_examination_gaps_are_exactly_the_key_items_not_done(answers):
    result = evaluate(SNAPSHOT, answers, what_would_change=False)
    not_done = [code for code in vocabulary.KEY_EXAM if answers.get(code) in (None, "not_tested")]
    assert list(result.exam_incomplete) == not_done


@PROPERTY
@given(ANSWERS)
def test_symptoms_in_both_legs_never_name_a_level(answers):
    result = evaluate(SNAPSHOT, {**answers, "affected_side": "both"}, what_would_change=False)
    assert result.level == "indeterminate"


@PROPERTY
@given(ANSWERS)
def test_the_hip_level_needs_a_positive_finding_for_a_mimic(answers):
    result = evaluate(SNAPSHOT, answers, what_would_change=False)
    if result.level != "hip":
        return
    facts = result.answers
    painful_hip = facts.get("hip_exam") == "painful_restricted"
    gluteal = "lateral_hip" in facts.get("pain_regions", ()) and (
        facts.get("mrc_hip_abduction", 5) <= 4 or facts.get("trendelenburg") == "positive"
    )
    polyneuropathy = (
        "stocking_both_feet" in facts.get("sensory_loss", ())
        and facts.get("reflex_ankle") == "absent_both_sides"
    )
    assert painful_hip or gluteal or polyneuropathy


BELOW_KNEE_PAIN = {
    "medial_shin",
    "lateral_calf",
    "posterior_calf",
    "dorsum_foot",
    "big_toe",
    "sole_lateral_foot",
}
BELOW_KNEE_SENSORY = {
    "medial_shin",
    "lateral_calf",
    "dorsum_foot",
    "first_web_space",
    "sole_lateral_foot",
}
BELOW_KNEE_MUSCLES = [
    "mrc_ankle_dorsiflexion",
    "mrc_great_toe_extension",
    "mrc_ankle_inversion",
    "mrc_ankle_eversion",
    "mrc_ankle_plantarflexion",
]


@PROPERTY
@given(ANSWERS)
def test_l5_and_s1_are_named_only_with_a_finding_below_the_knee(answers):
    result = evaluate(SNAPSHOT, answers, what_would_change=False)
    if result.level not in {"L5", "S1"}:
        return
    facts = result.answers
    assert (
        BELOW_KNEE_PAIN & set(facts.get("pain_regions", ()))
        or BELOW_KNEE_SENSORY & set(facts.get("sensory_loss", ()))
        or any(facts.get(m, 5) <= 4 for m in BELOW_KNEE_MUSCLES)
        or facts.get("reflex_ankle") in {"reduced", "absent"}
        or "positive" in {facts.get("slr"), facts.get("crossed_slr")}
    )


@PROPERTY
@given(ANSWERS)
def test_peroneal_is_named_only_with_inversion_and_hip_abduction_graded_normal(answers):
    result = evaluate(SNAPSHOT, answers, what_would_change=False)
    if result.level == "peroneal":
        assert result.answers.get("mrc_ankle_inversion") == 5
        assert result.answers.get("mrc_hip_abduction") == 5


@PROPERTY
@given(ANSWERS)
def test_a_polyneuropathy_pattern_without_a_radicular_sign_names_no_root(answers):
    answers = {
        **answers,
        "sensory_loss": ["stocking_both_feet"],
        "reflex_ankle": "absent_both_sides",
    }
    result = evaluate(SNAPSHOT, answers, what_would_change=False)
    if not invariants.objective_radicular_finding(result.answers):
        assert result.level not in invariants.ROOT_LEVELS
        assert result.tier not in invariants.INVASIVE_TIERS


@PROPERTY
@given(ANSWERS)
def test_reported_weakness_with_no_muscle_graded_is_seen_within_a_day(answers):
    answers = {k: v for k, v in answers.items() if k not in MUSCLES}
    result = evaluate(SNAPSHOT, {**answers, "weakness_reported": "yes"}, what_would_change=False)
    assert result.tier in {"emergency", "urgent"}


@PROPERTY
@given(ANSWERS, st.sampled_from(["fever", "night_pain"]), st.sampled_from(["not_assessed", None]))
def test_an_infection_risk_with_an_unknown_temperature_is_never_routine(answers, item, value):
    answers = {**answers, "infection_risk": "yes", item: value}
    result = evaluate(SNAPSHOT, answers, what_would_change=False)
    assert result.tier in {"emergency", "urgent"}


@PROPERTY
@given(ANSWERS)
def test_sensory_and_reflex_findings_alone_never_make_it_urgent(answers):
    """A normal graded motor examination with no red flag and no reported or worsening
    weakness stays routine, whatever the sensory and reflex findings (multi-level sensory or
    reflex change lowers confidence in the level; it does not escalate)."""
    answers = {
        **answers,
        **dict.fromkeys(MUSCLES, 5),
        **dict.fromkeys(RED_FLAG_TRI, "no"),
        "trauma": "none",
        "weakness_progressing": "no",
        "weakness_reported": "no",
        "contralateral_weakness": "none",
        "age": 40,
    }
    result = evaluate(SNAPSHOT, answers, what_would_change=False)
    assert RANK[result.tier] > RANK["urgent"], [f.code for f in result.tier_rules_fired]


@PROPERTY
@given(ANSWERS)
def test_the_handout_never_offers_spinal_injection_or_surgery_without_a_root_level(answers):
    result = evaluate(SNAPSHOT, answers, what_would_change=False)
    items = {SNAPSHOT.handout_item_by_code[code] for code in result.handout_items}
    options = [item for item in items if item.role == "option"]
    assert options, "every picture has options for the patient"
    spinal = {item.code for item in options if item.kb_slug in SPINAL_TREATMENTS}
    if result.level not in invariants.ROOT_LEVELS:
        assert not spinal, (result.level, spinal)


SPINAL_TREATMENTS = {"epidural-steroid-injection", "microdiscectomy", "spinal-decompression"}


def test_a_decisive_weight_outweighs_everything_findings_can_add():
    """Weights of 50 decide: no level can gather that much from ordinary findings."""
    for level in {rule.target for rule in SNAPSHOT.score_rules}:
        ordinary = sum(
            rule.weight
            for rule in SNAPSHOT.score_rules
            if rule.target == level and 0 < rule.weight < 50
        )
        assert ordinary < 50 - 1, level


# --- the brief's decision rules, one clinical picture each -------------------------------------

BASE = {
    "age": 40,
    "affected_side": "left",
    "duration_weeks": 3,
    "leg_pain_severity": 6,
    "leg_pain_dominant": "yes",
    "pain_regions": ["buttock", "lateral_calf", "dorsum_foot"],
    "trend": "unchanged",
    "disabling": "no",
    "conservative_care_weeks": 2,
    "injection_history": "none",
    "imaging": "none",
    "compression_history": "no",
    "weakness_reported": "no",
    "mrc_hip_abduction": 5,
    "mrc_knee_extension": 5,
    "mrc_ankle_dorsiflexion": 5,
    "mrc_great_toe_extension": 5,
    "mrc_ankle_inversion": 5,
    "mrc_ankle_eversion": 5,
    "mrc_ankle_plantarflexion": 5,
    "weakness_progressing": "no",
    "contralateral_weakness": "none",
    "reflex_knee": "normal",
    "reflex_ankle": "normal",
    "reflex_medial_hamstring": "normal",
    "sensory_loss": ["none"],
    "slr": "positive",
    "crossed_slr": "not_tested",
    "femoral_stretch": "not_tested",
    "fibular_head_tinel": "not_tested",
    "hip_exam": "not_tested",
    "trendelenburg": "not_tested",
    **dict.fromkeys(RED_FLAG_TRI, "no"),
    "trauma": "none",
}
PERSISTENT = {"disabling": "yes", "trend": "unchanged"}


@pytest.mark.parametrize(
    ("change", "tier", "level"),
    [
        ({}, "conservative", "L5"),
        ({"ces_sexual": "yes"}, "emergency", "L5"),
        ({"ces_bladder": "yes", "ces_onset": "longstanding_stable"}, "urgent", "L5"),
        ({"contralateral_weakness": "severe_or_progressive"}, "emergency", "L5"),
        ({"bilateral_leg_symptoms": "yes", "affected_side": "both"}, "emergency", "indeterminate"),
        ({"mrc_great_toe_extension": 3}, "urgent", "L5"),
        ({"mrc_great_toe_extension": 4}, "conservative", "L5"),
        ({"mrc_great_toe_extension": 4, "weakness_progressing": "yes"}, "urgent", "L5"),
        # Sensory loss or a reflex change at a second level does not escalate (r2).
        ({"mrc_great_toe_extension": 4, "reflex_ankle": "absent"}, "conservative", "L5"),
        ({"sensory_loss": ["dorsum_foot"], "reflex_ankle": "reduced"}, "conservative", "L5"),
        # Weakness in the own muscles of two roots does (r2).
        ({"mrc_great_toe_extension": 4, "mrc_ankle_plantarflexion": 4}, "urgent", "L5"),
        ({"mrc_ankle_dorsiflexion": 4, "mrc_ankle_eversion": 4}, "conservative", "L5"),
        ({"reflex_ankle": "absent_both_sides"}, "conservative", "L5"),
        ({"cancer_history": "yes"}, "urgent", "L5"),
        ({"cancer_history": "yes", "mrc_great_toe_extension": 3}, "emergency", "L5"),
        ({"cancer_history": "yes", "weakness_progressing": "yes"}, "emergency", "L5"),
        ({"age": 55}, "conservative", "L5"),
        ({"age": 55, "night_pain": "yes"}, "urgent", "L5"),
        ({"age": 17, "night_pain": "yes"}, "urgent", "L5"),
        ({"age": 17}, "conservative", "L5"),
        ({"weight_loss": "yes", "night_pain": "yes"}, "urgent", "L5"),
        ({"age": 60, "night_pain": "not_assessed"}, "conservative", "L5"),
        ({"fever": "yes"}, "urgent", "L5"),
        ({"fever": "yes", "mrc_ankle_inversion": 2}, "emergency", "L5"),
        ({"infection_risk": "yes"}, "conservative", "L5"),
        ({"infection_risk": "yes", "fever": "not_assessed"}, "urgent", "L5"),
        ({"infection_risk": "yes", "night_pain": "not_assessed"}, "urgent", "L5"),
        ({"infection_risk": "yes", "night_pain": "yes"}, "urgent", "L5"),
        (
            {"infection_risk": "yes", "night_pain": "not_assessed", "weakness_progressing": "yes"},
            "emergency",
            "L5",
        ),
        ({"trauma": "minor_with_bone_fragility"}, "urgent", "L5"),
        ({"umn_signs": "yes"}, "urgent", "indeterminate"),
        ({**PERSISTENT, "duration_weeks": 8, "conservative_care_weeks": 5}, "injection", "L5"),
        ({**PERSISTENT, "duration_weeks": 8, "conservative_care_weeks": 3}, "conservative", "L5"),
        (
            {**PERSISTENT, "duration_weeks": 8, "conservative_care_weeks": 5, "trend": "improving"},
            "conservative",
            "L5",
        ),
        (
            {
                **PERSISTENT,
                "duration_weeks": 8,
                "conservative_care_weeks": 5,
                "leg_pain_dominant": "no",
            },
            "conservative",
            "L5",
        ),
        (
            {
                **PERSISTENT,
                "duration_weeks": 8,
                "conservative_care_weeks": 5,
                "imaging": "discordant",
            },
            "conservative",
            "L5",
        ),
        (
            {**PERSISTENT, "duration_weeks": 8, "conservative_care_weeks": 5, "slr": "negative"},
            "conservative",
            "indeterminate",
        ),
        ({**PERSISTENT, "duration_weeks": 3, "leg_pain_severity": 9}, "injection", "L5"),
        (
            {**PERSISTENT, "duration_weeks": 16, "conservative_care_weeks": 12},
            "surgical_referral",
            "L5",
        ),
        (
            {
                **PERSISTENT,
                "duration_weeks": 16,
                "conservative_care_weeks": 12,
                "injection_history": "declined",
                "imaging": "concordant",
            },
            "surgical_referral",
            "L5",
        ),
        # 12 weeks whatever the structured care so far (a waiting list is not treatment).
        (
            {**PERSISTENT, "duration_weeks": 12, "conservative_care_weeks": 3},
            "surgical_referral",
            "L5",
        ),
        ({**PERSISTENT, "duration_weeks": 11, "conservative_care_weeks": 3}, "conservative", "L5"),
        # A discordant MRI at 12 weeks or more: a specialist opinion, not an injection.
        (
            {
                **PERSISTENT,
                "duration_weeks": 16,
                "conservative_care_weeks": 12,
                "imaging": "discordant",
            },
            "surgical_referral",
            "L5",
        ),
        # A failed injection with a matching MRI is referred at any duration.
        (
            {
                **PERSISTENT,
                "duration_weeks": 9,
                "conservative_care_weeks": 6,
                "injection_history": "short_lived_or_no_benefit",
                "imaging": "concordant",
            },
            "surgical_referral",
            "L5",
        ),
        (
            {
                **PERSISTENT,
                "duration_weeks": 16,
                "conservative_care_weeks": 12,
                "trend": "improving",
            },
            "conservative",
            "L5",
        ),
    ],
)
def test_section_10_rules(seeded_snapshot, change, tier, level):
    result = evaluate(seeded_snapshot, {**BASE, **change})
    assert (result.tier, result.level) == (tier, level), [f.code for f in result.fired]


PAINLESS_FOOT_DROP = {
    **BASE,
    "leg_pain_severity": 0,
    "pain_regions": ["none"],
    "slr": "negative",
    "mrc_ankle_dorsiflexion": 2,
    "mrc_great_toe_extension": 2,
    "compression_history": "yes",
    "sensory_loss": ["dorsum_foot"],
}


def test_a_painless_peroneal_foot_drop_is_not_escalated(seeded_snapshot):
    result = evaluate(seeded_snapshot, PAINLESS_FOOT_DROP)
    assert (result.level, result.tier) == ("peroneal", "conservative")
    assert "severe_peroneal_palsy" in [f.code for f in result.tier_rules_fired]


@pytest.mark.parametrize(
    "muscle",
    ["mrc_knee_extension", "mrc_ankle_plantarflexion", "mrc_ankle_inversion", "mrc_hip_abduction"],
)
def test_a_mimic_never_hides_severe_weakness_it_cannot_cause(seeded_snapshot, muscle):
    result = evaluate(seeded_snapshot, {**PAINLESS_FOOT_DROP, muscle: 2})
    assert result.tier in {"urgent", "emergency"}, muscle


def test_weak_inversion_or_hip_abduction_excludes_peroneal(seeded_snapshot):
    for muscle in ("mrc_ankle_inversion", "mrc_hip_abduction"):
        result = evaluate(seeded_snapshot, {**PAINLESS_FOOT_DROP, muscle: 4})
        assert result.level != "peroneal", muscle
        assert result.tier == "urgent", muscle


def test_an_untested_inversion_with_peroneal_evidence_names_neither_and_escalates(seeded_snapshot):
    answers = {k: v for k, v in PAINLESS_FOOT_DROP.items() if k != "mrc_ankle_inversion"}
    result = evaluate(seeded_snapshot, answers)
    assert result.level == "indeterminate"
    assert result.tier == "urgent"
    assert "l5_peroneal_not_excluded" in [f.code for f in result.score_rules_fired]


def test_a_painful_foot_drop_with_positive_slr_points_to_the_root(seeded_snapshot):
    answers = {**BASE, "mrc_ankle_dorsiflexion": 2, "mrc_great_toe_extension": 2}
    result = evaluate(seeded_snapshot, answers)
    assert (result.level, result.tier) == ("L5", "urgent")


def test_groin_pain_with_a_painful_hip_and_normal_neurology_points_to_the_hip(seeded_snapshot):
    answers = {
        **BASE,
        "pain_regions": ["groin", "anterior_thigh"],
        "slr": "negative",
        "hip_exam": "painful_restricted",
    }
    result = evaluate(seeded_snapshot, answers)
    assert (result.level, result.tier) == ("hip", "conservative")
    assert "hip_joint_care" in [f.code for f in result.tier_rules_fired]


def test_groin_pain_with_a_normal_hip_does_not_name_the_hip(seeded_snapshot):
    answers = {
        **BASE,
        "pain_regions": ["groin", "anterior_thigh"],
        "slr": "negative",
        "hip_exam": "normal",
    }
    assert evaluate(seeded_snapshot, answers).level != "hip"


GLUTEAL = {
    **BASE,
    "pain_regions": ["buttock", "lateral_hip"],
    "slr": "negative",
    "mrc_hip_abduction": 4,
    "trendelenburg": "positive",
    "hip_exam": "normal",
    "duration_weeks": 10,
    "disabling": "yes",
    "conservative_care_weeks": 5,
}


def test_gluteal_tendinopathy_is_not_named_l5_nor_injected(seeded_snapshot):
    result = evaluate(seeded_snapshot, GLUTEAL)
    assert (result.level, result.tier) == ("hip", "conservative")
    assert "gluteal_tendinopathy_care" in [f.code for f in result.tier_rules_fired]


def test_severe_abductor_weakness_with_a_tendon_picture_is_still_urgent(seeded_snapshot):
    result = evaluate(seeded_snapshot, {**GLUTEAL, "mrc_hip_abduction": 3})
    assert result.tier == "urgent"
    assert "severe_abductor_weakness_with_hip_picture" in [f.code for f in result.tier_rules_fired]


def test_a_painful_diabetic_neuropathy_is_not_referred_for_surgery(seeded_snapshot):
    answers = {
        **BASE,
        "pain_regions": ["lateral_calf", "dorsum_foot", "big_toe", "sole_lateral_foot"],
        "sensory_loss": ["stocking_both_feet"],
        "reflex_ankle": "absent_both_sides",
        "slr": "negative",
        "duration_weeks": 20,
        "disabling": "yes",
        "conservative_care_weeks": 12,
        "age": 66,
    }
    result = evaluate(seeded_snapshot, answers)
    assert result.level in {"hip", "indeterminate"}
    assert result.tier == "conservative"
    assert "polyneuropathy_care" in [f.code for f in result.tier_rules_fired]


def test_diffuse_pain_with_a_normal_examination_is_indeterminate(seeded_snapshot):
    answers = {**BASE, "pain_regions": ["whole_leg_diffuse"], "slr": "negative"}
    result = evaluate(seeded_snapshot, answers)
    assert (result.level, result.tier) == ("indeterminate", "conservative")
    assert "non_dermatomal_pain" in [f.code for f in result.tier_rules_fired]


def test_one_region_or_two_do_not_localise_but_a_full_pattern_does(seeded_snapshot):
    quiet = {**BASE, "slr": "not_tested"}
    assert evaluate(seeded_snapshot, {**quiet, "pain_regions": ["lateral_calf"]}).level == (
        "indeterminate"
    )
    assert (
        evaluate(seeded_snapshot, {**quiet, "pain_regions": ["lateral_calf", "big_toe"]}).level
        == "indeterminate"
    )
    assert (
        evaluate(
            seeded_snapshot, {**quiet, "pain_regions": ["lateral_calf", "dorsum_foot", "big_toe"]}
        ).level
        == "L5"
    )
    assert (
        evaluate(
            seeded_snapshot, {**quiet, "pain_regions": ["lateral_calf"], "mrc_ankle_inversion": 4}
        ).level
        == "L5"
    )
    # Weak big-toe extension alone with normal reflexes leaves a peroneal palsy open.
    assert (
        evaluate(
            seeded_snapshot,
            {**quiet, "pain_regions": ["lateral_calf"], "mrc_great_toe_extension": 4},
        ).level
        == "indeterminate"
    )


def test_shared_findings_never_decide_between_l5_and_s1(seeded_snapshot):
    quiet = {
        **BASE,
        "pain_regions": ["buttock", "posterior_thigh"],
        "slr": "positive",
        "crossed_slr": "positive",
    }
    result = evaluate(seeded_snapshot, quiet)
    assert result.level == "indeterminate"
    scores = {s.code: s.score for s in result.differential}
    assert scores["L5"] == scores["S1"]


def test_a_telephone_review_with_no_examination_lists_it_and_never_injects(seeded_snapshot):
    exam = {code for code, (step, _, _) in vocabulary.QUESTIONS.items() if step == "exam"}
    answers = {k: v for k, v in BASE.items() if k not in exam}
    answers.update(duration_weeks=8, conservative_care_weeks=6, disabling="yes")
    result = evaluate(seeded_snapshot, answers)
    assert list(result.exam_incomplete) == vocabulary.KEY_EXAM
    assert result.tier == "conservative"
    result = evaluate(seeded_snapshot, {**answers, "weakness_reported": "yes"})
    assert result.tier == "urgent"
    assert "reported_weakness_not_examined" in [f.code for f in result.tier_rules_fired]


@PROPERTY
@given(ANSWERS)
def test_a_mimic_is_never_named_beside_severe_weakness_it_cannot_cause(answers):
    """The level's explanation must not contradict the tier: a patient with a muscle at grade
    3 or less is never told the cause is their hip (painful abductor weakness aside), nor a
    peroneal palsy when the weak muscle is one the peroneal nerve does not supply."""
    result = evaluate(SNAPSHOT, answers, what_would_change=False)
    severe = invariants.severe_muscles(result.answers)
    if result.level == "hip":
        assert severe <= {"mrc_hip_abduction"}
    if result.level == "peroneal":
        assert severe <= invariants.MIMIC_EXPLAINS["peroneal"]


# --- what would change, computed incrementally --------------------------------------------------


def every_change_evaluated_in_full(answers):
    """The definition of what-would-change: every single-answer change evaluated afresh."""
    from pathway.engine.evaluate import Change, _decide, validate

    valid = validate(SNAPSHOT, answers)
    tier = _decide(SNAPSHOT, valid).tier
    changes = []
    for question in SNAPSHOT.questions:
        current = valid.get(question.code)
        if question.type not in {"choice", "tri"} or (current is None and not question.red_flag):
            continue
        for option in question.option_codes:
            if option != current:
                outcome = _decide(SNAPSHOT, {**valid, question.code: option})
                if outcome.tier != tier and question.code in outcome.answers:
                    changes.append(
                        Change(question.code, current, option, outcome.tier, outcome.level)
                    )
    return tuple(changes)


@pytest.mark.parametrize("case", regression_cases(), ids=lambda case: case["code"])
def test_what_would_change_matches_evaluating_every_change_in_full(case):
    assert evaluate(SNAPSHOT, case["answers"]).what_would_change == every_change_evaluated_in_full(
        case["answers"]
    )


@PROPERTY
@given(ANSWERS)
def test_what_would_change_matches_in_full_for_any_answers(answers):
    assert evaluate(SNAPSHOT, answers).what_would_change == every_change_evaluated_in_full(answers)
