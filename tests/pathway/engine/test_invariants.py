"""The invariant checkers themselves: each one detects the fault it is for, and the answer
generator of the publish gate covers what it promises. No database.

The seeded content never breaks an invariant, so the property tests in test_seeded_pathway.py
cannot tell a checker that works from one that never reports anything. Here each checker is
given content (or a result) that is broken on purpose, and must report exactly the problem.
"""

import dataclasses
import itertools
from collections import Counter

import pytest

from pathway.engine import evaluate, invariants
from pathway.engine.conditions import parse_condition as when
from pathway.engine.model import (
    EXCLUSIVE_OPTIONS,
    LevelSpec,
    OptionSpec,
    QuestionSpec,
    RuleSpec,
    StepSpec,
    TierSpec,
)
from pathway.engine.model import Snapshot as SnapshotSpec
from tests.helpers import regression_cases, seeded_pathway

SEEDED = seeded_pathway()
MUSCLES = invariants.KEY_MUSCLES
RED_FLAGS = [q.code for q in SEEDED.questions if q.red_flag]
TRI = tuple(OptionSpec(c, c) for c in ("yes", "no", "not_assessed"))


def tier_rule(code, target, condition):
    return RuleSpec(code, "tier", target, when(condition), title=code)


def changed(remove=(), add=(), replace=()):
    """The seeded snapshot with rules removed, added or replaced (by code)."""
    codes = {rule.code for rule in SEEDED.rules}
    assert set(remove) <= codes
    swapped = {rule.code: rule for rule in replace}
    assert set(swapped) <= codes
    rules = tuple(swapped.get(rule.code, rule) for rule in SEEDED.rules if rule.code not in remove)
    return dataclasses.replace(SEEDED, rules=rules + tuple(add))


def result(facts=None, **fields):
    """A result of the seeded snapshot with its answers, tier or level set by hand: what a
    broken content could produce."""
    base = evaluate(SEEDED, {}, what_would_change=False)
    return dataclasses.replace(base, answers=dict(facts or {}), **fields)


def small(questions, rules=(), score_rules=()):
    return SnapshotSpec(
        pathway="small",
        version=1,
        steps=(StepSpec("s", "S"),),
        questions=tuple(questions),
        rules=tuple(rules) + tuple(score_rules),
        tiers=(
            TierSpec("emergency", 1),
            TierSpec("urgent", 2),
            TierSpec("injection", 4),
            TierSpec("conservative", 5),
        ),
        levels=(LevelSpec("L5"), LevelSpec("indeterminate")),
        default_tier="conservative",
        threshold=1.0,
        margin=1.0,
    )


# --- the helper predicates ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tier", "rank"),
    [
        ("emergency", 0),
        ("urgent", 1),
        ("surgical_referral", 2),
        ("injection", 3),
        ("conservative", 4),
        ("unknown_tier", 5),
        ("indeterminate", 5),
    ],
)
def test_rank_orders_the_tiers_and_puts_an_unknown_tier_last(tier, rank):
    assert invariants._rank(tier) == rank


@pytest.mark.parametrize("muscle", MUSCLES)
@pytest.mark.parametrize(
    ("grade", "objective", "severe"),
    [
        (0, True, True),
        (1, True, True),
        (2, True, True),
        (3, True, True),
        (4, True, False),
        (5, False, False),
    ],
)
def test_a_key_muscle_grade_is_objective_at_4_or_less_and_severe_at_3_or_less(
    muscle, grade, objective, severe
):
    facts = {muscle: grade}
    assert invariants.objective_radicular_finding(facts) is objective
    assert invariants.severe_muscles(facts) == ({muscle} if severe else set())


def test_severe_muscles_lists_every_weak_key_muscle_and_ignores_others():
    facts = {
        "mrc_hip_abduction": 2,
        "mrc_ankle_eversion": 0,
        "mrc_knee_extension": 4,
        "mrc_ankle_plantarflexion": 5,
        "grip": 1,
        "age": 2,
    }
    assert invariants.severe_muscles(facts) == {"mrc_hip_abduction", "mrc_ankle_eversion"}
    assert invariants.severe_muscles({}) == set()
    assert not invariants.objective_radicular_finding({"grip": 1, "age": 2})


def test_nothing_found_is_no_objective_finding():
    assert not invariants.objective_radicular_finding({})
    assert not invariants.objective_radicular_finding(
        {
            **dict.fromkeys(MUSCLES, 5),
            "sensory_loss": ("none",),
            "reflex_knee": "normal",
            "reflex_ankle": "normal",
            "reflex_medial_hamstring": "normal",
            "slr": "negative",
            "crossed_slr": "negative",
            "femoral_stretch": "negative",
        }
    )


@pytest.mark.parametrize(
    ("region", "objective"),
    [
        *((region, True) for region in sorted(invariants.DERMATOMAL_SENSORY)),
        ("stocking_both_feet", False),
        ("none", False),
        ("not_tested", False),
    ],
)
def test_only_dermatomal_sensory_loss_is_an_objective_finding(region, objective):
    assert invariants.objective_radicular_finding({"sensory_loss": (region,)}) is objective
    assert (
        invariants.objective_radicular_finding({"sensory_loss": ("stocking_both_feet", region)})
        is objective
    )


@pytest.mark.parametrize(
    ("question", "value", "objective"),
    [
        ("reflex_knee", "reduced", True),
        ("reflex_knee", "absent", True),
        ("reflex_knee", "normal", False),
        ("reflex_knee", "absent_both_sides", False),
        ("reflex_knee", "not_tested", False),
        ("reflex_ankle", "reduced", True),
        ("reflex_ankle", "absent", True),
        ("reflex_ankle", "normal", False),
        ("reflex_ankle", "absent_both_sides", False),
        ("reflex_ankle", "not_tested", False),
        ("reflex_medial_hamstring", "reduced", True),
        ("reflex_medial_hamstring", "normal", False),
        ("reflex_medial_hamstring", "not_tested", False),
        ("slr", "positive", True),
        ("slr", "negative", False),
        ("slr", "not_tested", False),
        ("crossed_slr", "positive", True),
        ("crossed_slr", "negative", False),
        ("crossed_slr", "not_tested", False),
        ("femoral_stretch", "positive", True),
        ("femoral_stretch", "negative", False),
        ("femoral_stretch", "not_tested", False),
        ("fibular_head_tinel", "positive", False),
        ("trendelenburg", "positive", False),
    ],
)
def test_one_sided_reflex_changes_and_positive_tension_signs_are_objective(
    question, value, objective
):
    assert invariants.objective_radicular_finding({question: value}) is objective


@pytest.mark.parametrize(
    ("facts", "serious"),
    [
        ({}, False),
        ({"cancer_history": "yes"}, True),
        ({"cancer_history": "no"}, False),
        ({"cancer_history": "not_assessed"}, False),
        ({"trauma": "major"}, True),
        ({"trauma": "minor_with_bone_fragility"}, True),
        ({"trauma": "none"}, False),
        ({"cancer_history": "no", "trauma": "major"}, True),
        ({"cancer_history": "yes", "trauma": "none"}, True),
        ({"fever": "yes"}, True),
        ({"fever": "yes", "infection_risk": "no", "night_pain": "no"}, True),
        ({"fever": "no"}, False),
        ({"fever": "not_assessed"}, False),
        ({"night_pain": "yes"}, False),
        ({"infection_risk": "yes", "fever": "no", "night_pain": "no"}, False),
        ({"infection_risk": "yes", "fever": "no", "night_pain": "yes"}, True),
        ({"infection_risk": "yes", "fever": "no", "night_pain": "not_assessed"}, True),
        ({"infection_risk": "yes", "fever": "no"}, True),
        ({"infection_risk": "yes", "fever": "not_assessed", "night_pain": "no"}, True),
        ({"infection_risk": "yes", "night_pain": "no"}, True),
        ({"infection_risk": "yes"}, True),
        ({"infection_risk": "no"}, False),
        ({"infection_risk": "not_assessed"}, False),
        ({"infection_risk": "no", "fever": "not_assessed", "night_pain": "yes"}, False),
    ],
)
def test_a_suspected_serious_cause_is_cancer_fracture_or_suspected_infection(facts, serious):
    assert invariants.suspected_serious_cause(facts) is serious


# --- 1. new cauda equina symptoms --------------------------------------------------------------


def test_invariant_1_holds_on_the_seeded_content():
    assert invariants.new_ces_is_emergency(SEEDED, {}, result()) == []


def test_invariant_1_reports_every_ces_item_and_onset_when_the_emergency_rule_is_missing():
    broken = changed(remove=["ces_red_flag_new"])
    problems = invariants.new_ces_is_emergency(broken, {}, result())
    assert problems == [
        f"{item}=yes with onset {onset} gave conservative, not emergency"
        for item in invariants.CES_ITEMS
        for onset in ("new_or_worsening", "unanswered")
    ]


def test_invariant_1_reports_an_unanswered_onset_the_rule_forgot():
    rule = next(r for r in SEEDED.rules if r.code == "ces_red_flag_new")
    items, _onset = rule.condition
    narrowed = dataclasses.replace(rule, condition=(items, when("ces_onset = new_or_worsening")[0]))
    problems = invariants.new_ces_is_emergency(changed(replace=[narrowed]), {}, result())
    assert problems == [
        f"{item}=yes with onset unanswered gave conservative, not emergency"
        for item in invariants.CES_ITEMS
    ]


# --- 2. a red flag turning yes -----------------------------------------------------------------


def test_invariant_2_holds_on_the_seeded_content_even_when_the_tier_does_not_change():
    assert invariants.red_flag_yes_never_lowers(SEEDED, {}, result()) == []


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (
            tier_rule("weight_loss_no", "emergency", "weight_loss = no"),
            ["weight_loss no -> yes lowered the tier from emergency to conservative"],
        ),
        (
            tier_rule("umn_no", "emergency", "umn_signs = no"),
            ["umn_signs no -> yes lowered the tier from emergency to urgent"],
        ),
        (
            tier_rule("no_trauma", "emergency", "trauma = none"),
            [
                "trauma none -> major lowered the tier from emergency to urgent",
                "trauma none -> minor_with_bone_fragility lowered the tier from emergency to "
                "urgent",
            ],
        ),
    ],
)
def test_invariant_2_reports_a_red_flag_whose_yes_lowers_the_tier(rule, expected):
    broken = changed(add=[rule])
    assert invariants.red_flag_yes_never_lowers(broken, {}, result()) == expected


def test_invariant_2_checks_every_red_flag_tri_question_and_only_those():
    """A plain (not red-flag) question first, then a red-flag choice question, then a red-flag
    tri question: only the last is checked, and none stops the loop."""
    yes_no = (OptionSpec("yes", "Yes"), OptionSpec("no", "No"))
    questions = [
        QuestionSpec("plain", "s", "tri", options=TRI),
        QuestionSpec("odd", "s", "choice", red_flag=True, options=yes_no),
        QuestionSpec("alarm", "s", "tri", red_flag=True, options=TRI),
    ]
    rules = [
        tier_rule("plain_no", "emergency", "plain = no"),
        tier_rule("odd_no", "emergency", "odd = no"),
        tier_rule("alarm_no", "emergency", "alarm = no"),
    ]
    broken = small(questions, rules)
    base = evaluate(broken, {}, what_would_change=False)
    assert invariants.red_flag_yes_never_lowers(broken, {}, base) == [
        "alarm no -> yes lowered the tier from emergency to conservative"
    ]


# --- 3. severe weakness ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "tier", "level", "expected"),
    [
        ({}, "conservative", "L5", []),
        ({"mrc_hip_abduction": 4}, "conservative", "L5", []),
        ({"mrc_hip_abduction": 3}, "urgent", "L5", []),
        ({"mrc_hip_abduction": 3}, "emergency", "L5", []),
        (
            {"mrc_hip_abduction": 3},
            "surgical_referral",
            "L5",
            ["mrc_hip_abduction at MRC 3 or less gave surgical_referral with level L5"],
        ),
        (
            {"mrc_hip_abduction": 0, "mrc_ankle_inversion": 2},
            "conservative",
            "indeterminate",
            [
                "mrc_ankle_inversion, mrc_hip_abduction at MRC 3 or less gave conservative "
                "with level indeterminate"
            ],
        ),
        # a peroneal level explains dorsiflexion, great-toe extension and eversion, all together
        ({"mrc_ankle_dorsiflexion": 2}, "conservative", "peroneal", []),
        (
            {"mrc_ankle_dorsiflexion": 2, "mrc_great_toe_extension": 1, "mrc_ankle_eversion": 3},
            "conservative",
            "peroneal",
            [],
        ),
        (
            {"mrc_ankle_dorsiflexion": 2, "mrc_hip_abduction": 3},
            "conservative",
            "peroneal",
            [
                "mrc_ankle_dorsiflexion, mrc_hip_abduction at MRC 3 or less gave conservative with "
                "level peroneal"
            ],
        ),
        (
            {"mrc_ankle_dorsiflexion": 2},
            "conservative",
            "L5",
            ["mrc_ankle_dorsiflexion at MRC 3 or less gave conservative with level L5"],
        ),
        # a hip level explains none
        (
            {"mrc_hip_abduction": 3},
            "conservative",
            "hip",
            ["mrc_hip_abduction at MRC 3 or less gave conservative with level hip"],
        ),
    ],
)
def test_invariant_3_reports_severe_weakness_that_does_not_escalate(facts, tier, level, expected):
    found = invariants.severe_weakness_escalates(
        SEEDED, facts, result(facts, tier=tier, level=level)
    )
    assert found == expected


def test_invariant_3_on_content_that_lost_its_severe_weakness_rule():
    broken = changed(remove=["severe_weakness_not_peroneal"])
    answers = {"mrc_knee_extension": 3}
    found = invariants.violations(broken, answers)
    assert [(v.invariant, v.message) for v in found] == [
        (
            "severe weakness escalates unless a named mimic explains it",
            "mrc_knee_extension at MRC 3 or less gave conservative with level indeterminate",
        )
    ]
    assert invariants.violations(SEEDED, answers) == []


# --- 4. a serious cause with a deficit ---------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "tier", "reported"),
    [
        ({"cancer_history": "yes", "mrc_ankle_plantarflexion": 3}, "urgent", True),
        ({"cancer_history": "yes", "mrc_ankle_plantarflexion": 3}, "emergency", False),
        ({"cancer_history": "yes", "mrc_ankle_plantarflexion": 4}, "urgent", False),
        ({"cancer_history": "yes", "weakness_progressing": "yes"}, "urgent", True),
        ({"cancer_history": "yes", "weakness_progressing": "no"}, "urgent", False),
        ({"cancer_history": "yes", "weakness_progressing": "not_assessed"}, "urgent", False),
        ({"trauma": "major", "weakness_progressing": "yes"}, "conservative", True),
        ({"infection_risk": "yes", "mrc_knee_extension": 0}, "urgent", True),
        (
            {"cancer_history": "no", "mrc_knee_extension": 0, "weakness_progressing": "yes"},
            "urgent",
            False,
        ),
    ],
)
def test_invariant_4_reports_a_serious_cause_with_a_deficit_below_emergency(facts, tier, reported):
    found = invariants.serious_cause_with_deficit_is_emergency(
        SEEDED, facts, result(facts, tier=tier)
    )
    expected = [f"a suspected serious cause with a severe or progressing deficit gave {tier}"]
    assert found == (expected if reported else [])


def test_invariant_4_on_content_that_lost_its_emergency_rule():
    broken = changed(remove=["serious_cause_with_deficit"])
    answers = {"cancer_history": "yes", "weakness_progressing": "yes"}
    names = {v.invariant for v in invariants.violations(broken, answers)}
    assert names == {"a serious cause with a severe or progressing deficit is an emergency"}
    assert invariants.violations(SEEDED, answers) == []


# --- 5. upper motor neurone signs --------------------------------------------------------------


def test_invariant_5_judges_the_result_given_when_umn_signs_are_yes():
    named = result({"umn_signs": "yes"}, level="L5")
    assert invariants.umn_signs_name_no_level(SEEDED, {"umn_signs": "yes"}, named) == [
        "umn_signs=yes named level L5"
    ]
    unnamed = result({"umn_signs": "yes"}, level="indeterminate")
    assert invariants.umn_signs_name_no_level(SEEDED, {"umn_signs": "yes"}, unnamed) == []


def test_invariant_5_adds_umn_signs_when_the_answers_lack_them():
    """Without umn_signs = yes the result given is not the one to judge: the checker evaluates
    the answers again with it (and the seeded content then names no level)."""
    for answers in ({}, {"umn_signs": "no"}):
        assert (
            invariants.umn_signs_name_no_level(SEEDED, answers, result(answers, level="L5")) == []
        )


def test_invariant_5_on_content_that_lets_umn_signs_name_a_level():
    case = next(
        c
        for c in regression_cases()
        if c["expect_levels"] == ["L5"] and c["answers"].get("umn_signs") != "yes"
    )
    answers = case["answers"]
    broken = changed(remove=["umn_signs_do_not_localise"])
    assert evaluate(broken, {**answers, "umn_signs": "yes"}).level == "L5"
    problems = invariants.umn_signs_name_no_level(broken, answers, _run(broken, answers))
    assert problems == ["umn_signs=yes named level L5"]
    assert invariants.umn_signs_name_no_level(SEEDED, answers, _run(SEEDED, answers)) == []


def _run(snapshot, answers):
    return evaluate(snapshot, answers, what_would_change=False)


# --- 6. invasive tiers -------------------------------------------------------------------------

COMPLETE = {"mrc_ankle_plantarflexion": 5, "slr": "positive", "leg_pain_dominant": "yes"}


@pytest.mark.parametrize("tier", ["injection", "surgical_referral"])
@pytest.mark.parametrize("level", ["L4", "L5", "S1"])
def test_invariant_6_accepts_an_invasive_tier_with_everything_it_needs(tier, level):
    found = invariants.invasive_tiers_need_root_and_findings(
        SEEDED, COMPLETE, result(COMPLETE, tier=tier, level=level)
    )
    assert found == []


@pytest.mark.parametrize(
    ("change", "missing"),
    [
        ({"level": "peroneal"}, "level is peroneal"),
        ({"level": "indeterminate"}, "level is indeterminate"),
        ({"drop": "mrc_ankle_plantarflexion"}, "no key muscle graded"),
        ({"slr": "negative"}, "no objective radicular finding"),
        ({"leg_pain_dominant": "no"}, "leg pain not worse than back pain"),
        ({"drop": "leg_pain_dominant"}, "leg pain not worse than back pain"),
    ],
)
def test_invariant_6_reports_each_missing_requirement(change, missing):
    change = dict(change)
    level = change.pop("level", "L5")
    facts = {**COMPLETE, **change}
    facts.pop(facts.pop("drop", None), None)
    found = invariants.invasive_tiers_need_root_and_findings(
        SEEDED, facts, result(facts, tier="injection", level=level)
    )
    assert found == [f"injection although {missing}"]


def test_invariant_6_lists_every_missing_requirement_and_ignores_other_tiers():
    found = invariants.invasive_tiers_need_root_and_findings(
        SEEDED, {}, result({}, tier="surgical_referral", level="hip")
    )
    assert found == [
        "surgical_referral although level is hip; no key muscle graded; "
        "no objective radicular finding; leg pain not worse than back pain"
    ]
    for tier in ("emergency", "urgent", "conservative"):
        assert (
            invariants.invasive_tiers_need_root_and_findings(
                SEEDED, {}, result({}, tier=tier, level="hip")
            )
            == []
        )


def test_invariant_6_on_content_that_offers_an_injection_to_everyone():
    broken = changed(add=[tier_rule("inject_all", "injection", "leg_pain_dominant = yes")])
    answers = {"leg_pain_dominant": "yes"}
    found = [(v.invariant, v.message) for v in invariants.violations(broken, answers)]
    assert found == [
        (
            "injection and surgery need a root level, an objective finding and leg-dominant pain",
            "injection although level is indeterminate; no key muscle graded; "
            "no objective radicular finding",
        )
    ]


# --- 7. gaps -----------------------------------------------------------------------------------


def test_invariant_7_accepts_the_gaps_the_engine_lists():
    for answers in ({}, {"cancer_history": "no", "mrc_hip_abduction": 5}):
        assert invariants.gaps_are_listed(SEEDED, answers, _run(SEEDED, answers)) == []


def test_invariant_7_reports_an_unlisted_red_flag_gap():
    listed = tuple(code for code in RED_FLAGS if code != "cancer_history")
    found = invariants.gaps_are_listed(
        SEEDED, {}, result({}, red_flags_incomplete=listed, exam_incomplete=MUSCLES)
    )
    assert found == ["red-flag item cancer_history not done but not listed as a gap"]
    # answered "not assessed" is a gap too; answered "no" is not
    for value, gap in (("not_assessed", True), ("no", False), ("yes", False)):
        facts = {"cancer_history": value}
        found = invariants.gaps_are_listed(
            SEEDED, facts, result(facts, red_flags_incomplete=listed, exam_incomplete=MUSCLES)
        )
        assert bool(found) is gap


def test_invariant_7_reads_only_red_flag_questions_and_only_those_asked():
    # ces_onset (not a red flag) and age are unanswered and unlisted: no problem
    assert (
        invariants.gaps_are_listed(
            SEEDED, {}, result({}, red_flags_incomplete=tuple(RED_FLAGS), exam_incomplete=MUSCLES)
        )
        == []
    )
    gated = QuestionSpec(
        "detail", "s", "tri", red_flag=True, options=TRI, enable_when=when("alarm = yes")
    )
    snap = small([QuestionSpec("alarm", "s", "tri", red_flag=True, options=TRI), gated])
    base = dataclasses.replace(_run(snap, {}), exam_incomplete=MUSCLES)
    assert base.red_flags_incomplete == ("alarm",)
    assert invariants.gaps_are_listed(snap, {}, base) == []  # detail is not asked: no gap
    assert invariants.gaps_are_listed(
        snap, {}, dataclasses.replace(base, red_flags_incomplete=())
    ) == ["red-flag item alarm not done but not listed as a gap"]


def test_invariant_7_reports_ungraded_muscles_not_listed_as_examination_incomplete():
    listed = tuple(RED_FLAGS)
    found = invariants.gaps_are_listed(
        SEEDED, {}, result({}, red_flags_incomplete=listed, exam_incomplete=MUSCLES[2:])
    )
    assert found == [
        "no muscle graded, yet mrc_hip_abduction, mrc_knee_extension not listed as "
        "examination incomplete"
    ]
    graded = {"mrc_ankle_eversion": 4}
    assert (
        invariants.gaps_are_listed(
            SEEDED, graded, result(graded, red_flags_incomplete=listed, exam_incomplete=())
        )
        == []
    )


# --- violations and check ----------------------------------------------------------------------


def test_violations_name_the_invariant_and_print_the_answers():
    broken = changed(remove=["ces_red_flag_new"])
    found = invariants.violations(broken, {"age": 40, "trend": "improving"})
    assert {v.invariant for v in found} == {"new cauda equina symptoms give emergency"}
    assert len(found) == 8
    assert str(found[0]) == (
        "new cauda equina symptoms give emergency: ces_bladder=yes with onset new_or_worsening "
        "gave conservative, not emergency (answers: age=40, trend='improving')"
    )


def test_violations_report_answers_the_content_does_not_accept():
    found = invariants.violations(SEEDED, {"nonsense": 1})
    assert len(found) == 1
    assert found[0].invariant == "the content accepts the finding vocabulary"
    assert found[0].message.startswith("the content does not accept these answers: ")
    assert "nonsense" in found[0].message


def test_violations_report_content_that_lacks_the_finding_vocabulary():
    snap = small([QuestionSpec("alarm", "s", "tri", red_flag=True, options=TRI)])
    found = {v.invariant: v.message for v in invariants.violations(snap, {})}
    assert set(found) == {
        "new cauda equina symptoms give emergency",
        "upper motor neurone signs name no level",
        "red-flag gaps and an ungraded examination are listed",
    }
    assert found["new cauda equina symptoms give emergency"].startswith(
        "the content does not accept these answers: "
    )


def wrong_everywhere():
    """Content that breaks six of the seven invariants on most answer sets."""
    score = RuleSpec("always_l5", "score", "L5", (), weight=100.0, title="always L5")
    rules = [
        tier_rule("inject_all", "injection", ""),
        tier_rule("fever_no", "emergency", "fever = no"),
    ]
    tier_rules = [r for r in SEEDED.rules if r.effect == "tier"]
    score_rules = [r for r in SEEDED.rules if r.effect == "score"]
    return changed(remove=[r.code for r in tier_rules + score_rules], add=[*rules, score])


def test_check_stops_at_the_limit_with_one_violation_per_invariant():
    """Seed 10 finds five invariants broken on its first answer set and the sixth on its
    seventh; the seventh invariant (gaps) cannot be broken by content."""
    broken = wrong_everywhere()
    tried, found = invariants.check(broken, seed=10)  # the default limit is five
    assert (tried, len(found)) == (1, 5)
    assert len({v.invariant for v in found}) == 5
    tried, found = invariants.check(broken, count=300, seed=10, limit=6)
    assert (tried, len(found)) == (7, 6)
    assert len({v.invariant for v in found}) == 6
    tried, found = invariants.check(broken, count=300, seed=10, limit=7)
    assert (tried, len(found)) == (300, 6)


def test_check_tries_a_thousand_answer_sets_by_default_and_seed_zero():
    snap = small([QuestionSpec("alarm", "s", "tri", red_flag=True, options=TRI)])
    tried, found = invariants.check(snap)
    assert tried == 1000
    assert len(found) == 3
    broken = wrong_everywhere()
    assert invariants.check(broken, count=3, limit=1) == invariants.check(
        broken, count=3, limit=1, seed=0
    )
    assert invariants.check(broken, count=3, limit=1) != invariants.check(
        broken, count=3, limit=1, seed=1
    )


# --- the answer generator ----------------------------------------------------------------------


def options(*codes):
    return tuple(OptionSpec(c, c) for c in codes)


EDGES = SnapshotSpec(
    pathway="edges",
    version=1,
    steps=(StepSpec("s", "S"),),
    questions=(
        QuestionSpec("grade", "s", "mrc", minimum=0, maximum=5),
        QuestionSpec("loose_grade", "s", "mrc"),
        QuestionSpec("years", "s", "number"),
        QuestionSpec("fixed", "s", "number", minimum=7, maximum=7),
        QuestionSpec("pair", "s", "number", minimum=0, maximum=1),
        QuestionSpec("age", "s", "number", minimum=16, maximum=110),
        QuestionSpec("side", "s", "choice", options=options("left", "right", "both")),
        QuestionSpec("trauma", "s", "choice", options=options("none", "major")),
        QuestionSpec("flag", "s", "tri", options=options("yes", "no", "not_assessed")),
        QuestionSpec(
            "regions",
            "s",
            "multi",
            options=options("none", "a", "b", "c", "d", "e", "f", "not_tested"),
        ),
        QuestionSpec("areas", "s", "multi", options=options("a", "b")),
        QuestionSpec("untested", "s", "multi", options=options("not_tested")),
        QuestionSpec("broken", "s", "choice"),
    ),
    rules=(),
    tiers=(TierSpec("conservative", 5),),
    levels=(LevelSpec("indeterminate"),),
    threshold=1.0,
    margin=1.0,
)


@pytest.fixture(scope="module")
def edge_sample():
    return list(invariants.sample_answers(EDGES, 600, seed=3))


def values(sample, code):
    return [answers[code] for answers in sample if code in answers]


def test_every_mrc_grade_is_drawn_and_none_outside_0_to_5(edge_sample):
    for code in ("grade", "loose_grade"):
        assert set(values(edge_sample, code)) == {0, 1, 2, 3, 4, 5}


def test_numbers_hit_both_edges_and_stay_in_range(edge_sample):
    for code, low, high in (("years", 0, 100), ("pair", 0, 1), ("age", 16, 110), ("fixed", 7, 7)):
        drawn = values(edge_sample, code)
        assert all(isinstance(v, int) and low <= v <= high for v in drawn), code
        assert {low, high} <= set(drawn), code
    # not only the favoured edges: values in between are drawn too
    assert set(values(edge_sample, "age")) - {16, 110, 19, 20, 49, 50}


def test_choices_are_single_option_codes_and_each_is_drawn(edge_sample):
    for code, allowed in (
        ("side", {"left", "right", "both"}),
        ("trauma", {"none", "major"}),
        ("flag", {"yes", "no", "not_assessed"}),
    ):
        assert set(values(edge_sample, code)) == allowed
    assert values(edge_sample, "broken") == []  # no options: never answered


def test_multi_answers_keep_exclusive_options_alone(edge_sample):
    drawn = values(edge_sample, "regions")
    assert all(isinstance(v, list) and len(set(v)) == len(v) for v in drawn)
    for answer in drawn:
        if EXCLUSIVE_OPTIONS & set(answer):
            assert len(answer) == 1
    assert ["none"] in drawn
    assert ["not_tested"] in drawn
    others = [a for a in drawn if not EXCLUSIVE_OPTIONS & set(a)]
    assert {len(a) for a in others} == {1, 2, 3, 4}  # a few, never more than four
    assert set(itertools.chain.from_iterable(others)) == set("abcdef")
    # no exclusive option in the question: still answered, never with one
    areas = values(edge_sample, "areas")
    assert areas
    assert set(itertools.chain.from_iterable(areas)) == {"a", "b"}
    assert set(map(tuple, values(edge_sample, "untested"))) == {("not_tested",)}


def test_quiet_answers():
    quiet = {q.code: invariants.quiet_answer(q) for q in EDGES.questions}
    assert quiet == {
        "grade": 5,
        "loose_grade": 5,
        "years": None,
        "fixed": None,
        "pair": None,
        "age": None,
        "side": None,
        "trauma": "none",
        "flag": "no",
        "regions": ["none"],
        "areas": None,
        "untested": None,
        "broken": None,
    }
    four = QuestionSpec("four", "s", "mrc", minimum=0, maximum=4)
    assert invariants.quiet_answer(four) == 4
    seeded = {q.code: invariants.quiet_answer(q) for q in SEEDED.questions}
    assert seeded["sensory_loss"] == ["none"]
    assert seeded["pain_regions"] == ["none"]
    assert seeded["affected_side"] is None
    assert all(seeded[code] == "no" for code in RED_FLAGS if code != "trauma")


SEEDED_QUIET = {q.code: invariants.quiet_answer(q) for q in SEEDED.questions}


def differences(answers):
    """The questions with a quiet answer whose answer differs from it (removed included)."""
    return [
        code
        for code, quiet in SEEDED_QUIET.items()
        if quiet is not None and answers.get(code) != quiet
    ]


@pytest.fixture(scope="module")
def seeded_sample():
    return list(invariants.sample_answers(SEEDED, 400, seed=5))


def test_every_other_set_is_a_quiet_picture_with_at_most_four_changes(seeded_sample):
    quiet_sets = seeded_sample[1::2]
    changes = [differences(answers) for answers in quiet_sets]
    assert max(len(c) for c in changes) == 4
    assert min(len(c) for c in changes) == 0
    removed = changed_to_other = 0
    for answers in quiet_sets:
        for code in differences(answers):
            if code in answers:
                changed_to_other += 1
            else:
                removed += 1
    assert removed and changed_to_other
    # the questions without a quiet answer are answered at random (unless a change removed one)
    counts = Counter(code for answers in quiet_sets for code in answers)
    for code in ("age", "affected_side", "duration_weeks"):
        assert counts[code] > 0.9 * len(quiet_sets)


def test_the_other_sets_are_random_with_about_a_quarter_unanswered(seeded_sample):
    random_sets = seeded_sample[0::2]
    assert min(len(differences(answers)) for answers in random_sets) > 4
    counts = Counter(code for answers in random_sets for code in answers)
    for question in SEEDED.questions:
        # every question answered in some sets and unanswered in others, the last one included
        assert 0 < counts[question.code] < len(random_sets), question.code
    share = sum(counts.values()) / (len(random_sets) * len(SEEDED.questions))
    assert 0.65 < share < 0.85


def test_the_same_seed_gives_the_same_answers_and_another_seed_others():
    first = list(invariants.sample_answers(SEEDED, 20, seed=9))
    assert first == list(invariants.sample_answers(SEEDED, 20, seed=9))
    assert first != list(invariants.sample_answers(SEEDED, 20, seed=10))
    assert list(invariants.sample_answers(SEEDED, 6)) == list(
        invariants.sample_answers(SEEDED, 6, seed=0)
    )
    assert len(list(invariants.sample_answers(SEEDED, 7))) == 7


def test_every_generated_set_is_valid_for_the_content(seeded_sample):
    for answers in seeded_sample:
        evaluate(SEEDED, answers, what_would_change=False)


def test_a_violation_is_a_frozen_value():
    violation = invariants.Violation("an invariant", "a message", {"age": 40})
    assert violation == invariants.Violation("an invariant", "a message", {"age": 40})
    with pytest.raises(dataclasses.FrozenInstanceError):
        violation.message = "changed"  # type: ignore[misc]


def test_the_invariants_evaluate_without_the_what_would_change_search():
    """The gate evaluates each answer set some thirty times: the search for what would change
    the tier (dozens of evaluations more each) is skipped, as nothing here reads it."""
    answers = {"mrc_knee_extension": 3}
    assert evaluate(SEEDED, answers).what_would_change  # the search would find something
    assert invariants._run(SEEDED, answers).what_would_change == ()
