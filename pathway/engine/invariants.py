"""The clinical brief's invariants (section 10, revision 2), checkable on any content.

Whatever the rules say, these must hold for every possible set of answers. Each invariant is a
function of a snapshot and one answer set that returns what went wrong (an empty list if
nothing). The property tests drive them with hypothesis over the whole answer space; the
publish gate drives them with `sample_answers`, so a content edit that breaks one cannot be
published. Pure Python: the question codes below are the finding vocabulary (a contract).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pathway.engine.evaluate import AnswerError, Result, evaluate, is_asked, not_done
from pathway.engine.model import EXCLUSIVE_OPTIONS, NOTHING, QuestionSpec, Snapshot

CES_ITEMS = ("ces_bladder", "ces_saddle", "ces_bowel", "ces_sexual")
ROOT_LEVELS = frozenset({"L4", "L5", "S1"})
INDETERMINATE = "indeterminate"
TIER_ORDER = ("emergency", "urgent", "surgical_referral", "injection", "conservative")
INVASIVE_TIERS = frozenset({"injection", "surgical_referral"})
KEY_MUSCLES = (
    "mrc_hip_abduction",
    "mrc_knee_extension",
    "mrc_ankle_dorsiflexion",
    "mrc_great_toe_extension",
    "mrc_ankle_inversion",
    "mrc_ankle_eversion",
    "mrc_ankle_plantarflexion",
)
# Which weak muscles a named mimic can explain (brief section 10, "Key muscles"). A hip or
# other non-root mimic explains none of them.
MIMIC_EXPLAINS: dict[str, frozenset[str]] = {
    "peroneal": frozenset(
        {"mrc_ankle_dorsiflexion", "mrc_great_toe_extension", "mrc_ankle_eversion"}
    ),
    "hip": frozenset(),
}
DERMATOMAL_SENSORY = frozenset(
    {
        "anterior_thigh",
        "medial_shin",
        "lateral_calf",
        "dorsum_foot",
        "first_web_space",
        "sole_lateral_foot",
    }
)
SERIOUS_TRAUMA = frozenset({"major", "minor_with_bone_fragility"})


@dataclass(frozen=True)
class Violation:
    invariant: str
    message: str
    answers: Mapping[str, Any]

    def __str__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in sorted(self.answers.items()))
        return f"{self.invariant}: {self.message} (answers: {shown})"


def _run(snapshot: Snapshot, answers: Mapping[str, Any]) -> Result:
    return evaluate(snapshot, answers, what_would_change=False)


def _rank(tier: str) -> int:
    return TIER_ORDER.index(tier) if tier in TIER_ORDER else len(TIER_ORDER)


def objective_radicular_finding(facts: Mapping[str, Any]) -> bool:
    """Weakness MRC 4 or less in a key muscle; dermatomal sensory loss; a one-sided reflex
    change; a positive straight leg raise, crossed straight leg raise or femoral stretch."""
    if any(isinstance(facts.get(m), int) and facts[m] <= 4 for m in KEY_MUSCLES):
        return True
    if DERMATOMAL_SENSORY & set(facts.get("sensory_loss", ())):
        return True
    if facts.get("reflex_knee") in {"reduced", "absent"}:
        return True
    if facts.get("reflex_ankle") in {"reduced", "absent"}:
        return True
    if facts.get("reflex_medial_hamstring") == "reduced":
        return True
    return any(facts.get(t) == "positive" for t in ("slr", "crossed_slr", "femoral_stretch"))


def suspected_serious_cause(facts: Mapping[str, Any]) -> bool:
    """Known cancer, suspected infection (as the urgent rules define it) or suspected fracture."""
    if facts.get("cancer_history") == "yes" or facts.get("trauma") in SERIOUS_TRAUMA:
        return True
    if facts.get("fever") == "yes":
        return True
    unknown = {None, "yes", "not_assessed"}
    return facts.get("infection_risk") == "yes" and (
        facts.get("fever") in unknown or facts.get("night_pain") in unknown
    )


def severe_muscles(facts: Mapping[str, Any]) -> set[str]:
    return {m for m in KEY_MUSCLES if isinstance(facts.get(m), int) and facts[m] <= 3}


# --- the invariants ----------------------------------------------------------------------------


def new_ces_is_emergency(
    snapshot: Snapshot, answers: Mapping[str, Any], result: Result
) -> list[str]:
    """1. Any CES item 'yes' with new or unknown onset gives emergency."""
    problems = []
    for item in CES_ITEMS:
        for onset in ("new_or_worsening", None):
            trial = _run(snapshot, {**answers, item: "yes", "ces_onset": onset})
            if trial.tier != "emergency":
                problems.append(
                    f"{item}=yes with onset {onset or 'unanswered'} gave "
                    f"{trial.tier}, not emergency"
                )
    return problems


def red_flag_yes_never_lowers(
    snapshot: Snapshot, answers: Mapping[str, Any], result: Result
) -> list[str]:
    """2. Turning any red-flag answer from 'no' to 'yes' never lowers the tier."""
    problems = []
    for question in snapshot.questions:
        if not question.red_flag:
            continue
        if question.type == "tri":
            pairs = [("no", "yes")]
        elif question.code == "trauma":
            pairs = [("none", "major"), ("none", "minor_with_bone_fragility")]
        else:
            continue
        for no, yes in pairs:
            before = _run(snapshot, {**answers, question.code: no})
            after = _run(snapshot, {**answers, question.code: yes})
            if _rank(after.tier) > _rank(before.tier):
                problems.append(
                    f"{question.code} {no} -> {yes} lowered the tier from "
                    f"{before.tier} to {after.tier}"
                )
    return problems


def severe_weakness_escalates(
    snapshot: Snapshot, answers: Mapping[str, Any], result: Result
) -> list[str]:
    """3. A key muscle at MRC 3 or less gives urgent or emergency, unless the level is a mimic
    that explains every such muscle."""
    severe = severe_muscles(result.answers)
    if not severe or _rank(result.tier) <= _rank("urgent"):
        return []
    explained = MIMIC_EXPLAINS.get(result.level)
    if explained is not None and severe <= explained:
        return []
    return [
        f"{', '.join(sorted(severe))} at MRC 3 or less gave {result.tier} with level {result.level}"
    ]


def serious_cause_with_deficit_is_emergency(
    snapshot: Snapshot, answers: Mapping[str, Any], result: Result
) -> list[str]:
    """4. A suspected serious cause with a severe or progressing deficit gives emergency."""
    facts = result.answers
    deficit = severe_muscles(facts) or facts.get("weakness_progressing") == "yes"
    if deficit and suspected_serious_cause(facts) and result.tier != "emergency":
        return [
            f"a suspected serious cause with a severe or progressing deficit gave {result.tier}"
        ]
    return []


def umn_signs_name_no_level(
    snapshot: Snapshot, answers: Mapping[str, Any], result: Result
) -> list[str]:
    """5. Upper motor neurone signs never name a level."""
    if answers.get("umn_signs") != "yes":
        result = _run(snapshot, {**answers, "umn_signs": "yes"})
    if result.level != INDETERMINATE:
        return [f"umn_signs=yes named level {result.level}"]
    return []


def invasive_tiers_need_root_and_findings(
    snapshot: Snapshot, answers: Mapping[str, Any], result: Result
) -> list[str]:
    """6. Injection and surgical referral come only with a root level, a graded motor
    examination, an objective radicular finding and leg pain worse than back pain."""
    if result.tier not in INVASIVE_TIERS:
        return []
    facts = result.answers
    missing = []
    if result.level not in ROOT_LEVELS:
        missing.append(f"level is {result.level}")
    if not any(m in facts for m in KEY_MUSCLES):
        missing.append("no key muscle graded")
    if not objective_radicular_finding(facts):
        missing.append("no objective radicular finding")
    if facts.get("leg_pain_dominant") != "yes":
        missing.append("leg pain not worse than back pain")
    return [f"{result.tier} although {'; '.join(missing)}"] if missing else []


def gaps_are_listed(snapshot: Snapshot, answers: Mapping[str, Any], result: Result) -> list[str]:
    """7. Every red-flag item unanswered or not assessed is a gap, and an examination with no
    graded key muscle is listed as incomplete."""
    facts = result.answers
    problems = []
    for question in snapshot.questions:
        if (
            question.red_flag
            and is_asked(question, facts)
            and not_done(facts.get(question.code))
            and question.code not in result.red_flags_incomplete
        ):
            problems.append(f"red-flag item {question.code} not done but not listed as a gap")
    if not any(m in facts for m in KEY_MUSCLES):
        unlisted = [m for m in KEY_MUSCLES if m not in result.exam_incomplete]
        if unlisted:
            problems.append(
                f"no muscle graded, yet {', '.join(unlisted)} not listed as examination incomplete"
            )
    return problems


Invariant = Callable[[Snapshot, Mapping[str, Any], Result], list[str]]

INVARIANTS: dict[str, Invariant] = {
    "new cauda equina symptoms give emergency": new_ces_is_emergency,
    "a red flag turning yes never lowers the tier": red_flag_yes_never_lowers,
    "severe weakness escalates unless a named mimic explains it": severe_weakness_escalates,
    "a serious cause with a severe or progressing deficit is an emergency": (
        serious_cause_with_deficit_is_emergency
    ),
    "upper motor neurone signs name no level": umn_signs_name_no_level,
    "injection and surgery need a root level, an objective finding and leg-dominant pain": (
        invasive_tiers_need_root_and_findings
    ),
    "red-flag gaps and an ungraded examination are listed": gaps_are_listed,
}


def violations(snapshot: Snapshot, answers: Mapping[str, Any]) -> list[Violation]:
    """Every invariant broken by this answer set (answers that do not fit the content, such
    as a code the content lacks, are reported as such)."""
    try:
        result = _run(snapshot, answers)
    except AnswerError as exc:
        return [
            Violation(
                "the content accepts the finding vocabulary",
                f"the content does not accept these answers: {exc}",
                dict(answers),
            )
        ]
    found: list[Violation] = []
    for name, invariant in INVARIANTS.items():
        try:
            problems = invariant(snapshot, answers, result)
        except AnswerError as exc:
            problems = [f"the content does not accept these answers: {exc}"]
        found.extend(Violation(name, problem, dict(answers)) for problem in problems)
    return found


# --- answers for the gate ----------------------------------------------------------------------


def _random_answer(question: QuestionSpec, rng: random.Random) -> Any | None:
    """One valid answer, biased towards the boundaries that matter (MRC 3-5, none, not tested)."""
    if question.type == "mrc":
        return rng.choice([0, 1, 2, 3, 3, 4, 4, 4, 5, 5, 5, 5])
    if question.type == "number":
        low = question.minimum if question.minimum is not None else 0
        high = question.maximum if question.maximum is not None else low + 100
        edges = [v for v in (low, high, 2, 6, 11, 12, 19, 20, 49, 50, 8) if low <= v <= high]
        return rng.choice(edges) if rng.random() < 0.5 else rng.randint(low, high)
    if not question.option_codes:
        return None  # content too broken to answer: the linter reports it
    if question.type in {"choice", "tri"}:
        return rng.choice(question.option_codes)
    # multi: one exclusive option alone, or a few of the others
    alone = [c for c in question.option_codes if c in EXCLUSIVE_OPTIONS]
    others = [c for c in question.option_codes if c not in EXCLUSIVE_OPTIONS]
    if alone and (not others or rng.random() < 0.3):
        return [rng.choice(alone)]
    if not others:
        return [NOTHING]
    return rng.sample(others, rng.randint(1, min(4, len(others))))


def quiet_answer(question: QuestionSpec) -> Any | None:
    """The unremarkable answer, where there is an obvious one: a red flag 'no', full power."""
    if question.type == "mrc":
        return question.maximum if question.maximum is not None else 5
    if question.type in {"tri", "choice"}:
        for quiet in ("no", NOTHING):
            if quiet in question.option_codes:
                return quiet
    if question.type == "multi" and NOTHING in question.option_codes:
        return [NOTHING]
    return None


def sample_answers(snapshot: Snapshot, count: int, *, seed: int = 0) -> Iterator[dict[str, Any]]:
    """`count` answer sets spread over the whole answer space. Half are fully random (each
    question unanswered about a quarter of the time); half start from a quiet picture (no red
    flag, full power) and change a few answers, which is where single findings must act on
    their own. Reproducible for a seed."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not a secret
    for number in range(count):
        answers: dict[str, Any] = {}
        if number % 2 == 0:
            for question in snapshot.questions:
                if rng.random() < 0.25:
                    continue
                answer = _random_answer(question, rng)
                if answer is not None:
                    answers[question.code] = answer
        else:
            for question in snapshot.questions:
                answer = quiet_answer(question)
                if answer is None:
                    answer = _random_answer(question, rng)
                if answer is not None:
                    answers[question.code] = answer
            for question in rng.sample(snapshot.questions, min(4, len(snapshot.questions))):
                answer = None if rng.random() < 0.2 else _random_answer(question, rng)
                if answer is None:
                    answers.pop(question.code, None)
                else:
                    answers[question.code] = answer
        yield answers


def check(
    snapshot: Snapshot, *, count: int = 1000, seed: int = 0, limit: int = 5
) -> tuple[int, list[Violation]]:
    """Run every invariant over `count` generated answer sets; return how many sets were tried
    and the first `limit` violations found (one per invariant at most)."""
    found: dict[str, Violation] = {}
    tried = 0
    for answers in sample_answers(snapshot, count, seed=seed):
        tried += 1
        for violation in violations(snapshot, answers):
            found.setdefault(violation.invariant, violation)
        if len(found) >= limit:
            break
    return tried, list(found.values())
