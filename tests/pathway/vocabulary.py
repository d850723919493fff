"""The finding vocabulary (docs/vocabulary.md): codes, types and option codes that are a contract.

The project's own copy, so the integrity tests do not depend on files outside the repository.
"""

TRI = ["yes", "no", "not_assessed"]
REFLEX = ["normal", "reduced", "absent", "absent_both_sides", "not_tested"]
TENSION = ["negative", "positive", "not_tested"]

QUESTIONS: dict[str, tuple[str, str, object]] = {
    # code: (step, type, options or (min, max))
    "age": ("history", "number", (16, 110)),
    "affected_side": ("history", "choice", ["left", "right", "both"]),
    "duration_weeks": ("history", "number", (0, 520)),
    "leg_pain_severity": ("history", "number", (0, 10)),
    "leg_pain_dominant": ("history", "choice", ["yes", "no"]),
    "pain_regions": (
        "history",
        "multi",
        [
            "none",
            "buttock",
            "posterior_thigh",
            "anterior_thigh",
            "groin",
            "medial_shin",
            "lateral_calf",
            "posterior_calf",
            "dorsum_foot",
            "big_toe",
            "sole_lateral_foot",
            "whole_leg_diffuse",
            "lateral_hip",
        ],
    ),
    "trend": ("history", "choice", ["improving", "unchanged", "worsening"]),
    "disabling": ("history", "choice", ["yes", "no"]),
    "conservative_care_weeks": ("history", "number", (0, 520)),
    "injection_history": (
        "history",
        "choice",
        ["none", "helped_lasting", "short_lived_or_no_benefit", "declined"],
    ),
    "imaging": ("history", "choice", ["none", "concordant", "discordant"]),
    "compression_history": ("history", "choice", ["yes", "no"]),
    "weakness_reported": ("history", "choice", ["yes", "no"]),  # revision 2
    "mrc_hip_abduction": ("exam", "mrc", (0, 5)),
    "mrc_knee_extension": ("exam", "mrc", (0, 5)),
    "mrc_ankle_dorsiflexion": ("exam", "mrc", (0, 5)),
    "mrc_great_toe_extension": ("exam", "mrc", (0, 5)),
    "mrc_ankle_inversion": ("exam", "mrc", (0, 5)),
    "mrc_ankle_eversion": ("exam", "mrc", (0, 5)),
    "mrc_ankle_plantarflexion": ("exam", "mrc", (0, 5)),
    "weakness_progressing": ("exam", "choice", ["yes", "no", "not_assessed"]),
    "contralateral_weakness": (
        "exam",
        "choice",
        ["none", "mild_stable", "severe_or_progressive", "not_tested"],
    ),
    "reflex_knee": ("exam", "choice", REFLEX),
    "reflex_ankle": ("exam", "choice", REFLEX),
    "reflex_medial_hamstring": ("exam", "choice", ["normal", "reduced", "not_tested"]),
    "sensory_loss": (
        "exam",
        "multi",
        [
            "none",
            "anterior_thigh",
            "medial_shin",
            "lateral_calf",
            "dorsum_foot",
            "first_web_space",
            "sole_lateral_foot",
            "stocking_both_feet",
            "not_tested",
        ],
    ),
    "slr": ("exam", "choice", TENSION),
    "crossed_slr": ("exam", "choice", TENSION),
    "femoral_stretch": ("exam", "choice", TENSION),
    "fibular_head_tinel": ("exam", "choice", TENSION),
    "hip_exam": ("exam", "choice", ["normal", "painful_restricted", "not_tested"]),
    "trendelenburg": ("exam", "choice", TENSION),
    "ces_bladder": ("red_flags", "tri", TRI),
    "ces_saddle": ("red_flags", "tri", TRI),
    "ces_bowel": ("red_flags", "tri", TRI),
    "ces_sexual": ("red_flags", "tri", TRI),
    "bilateral_leg_symptoms": ("red_flags", "tri", TRI),
    "ces_onset": ("red_flags", "choice", ["new_or_worsening", "longstanding_stable"]),
    "cancer_history": ("red_flags", "tri", TRI),
    "weight_loss": ("red_flags", "tri", TRI),
    "night_pain": ("red_flags", "tri", TRI),
    "fever": ("red_flags", "tri", TRI),
    "infection_risk": ("red_flags", "tri", TRI),
    "trauma": ("red_flags", "choice", ["none", "major", "minor_with_bone_fragility"]),
    "umn_signs": ("red_flags", "tri", TRI),
}

# The red-flag questions answered yes / no / not assessed, in the order the form asks them.
RED_FLAG_TRI = [
    code for code, (step, kind, _) in QUESTIONS.items() if step == "red_flags" and kind == "tri"
]

# The key examination items: unanswered or not tested, they are listed as `exam_incomplete`.
KEY_EXAM = [
    "mrc_hip_abduction",
    "mrc_knee_extension",
    "mrc_ankle_dorsiflexion",
    "mrc_great_toe_extension",
    "mrc_ankle_inversion",
    "mrc_ankle_eversion",
    "mrc_ankle_plantarflexion",
    "reflex_knee",
    "reflex_ankle",
    "slr",
]

TIERS = ["emergency", "urgent", "surgical_referral", "injection", "conservative"]
LEVELS = ["L4", "L5", "S1", "peroneal", "hip", "indeterminate"]
