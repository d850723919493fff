"""The state every page of an assessment shares: results remembered per (snapshot, answers)."""

from __future__ import annotations

import dataclasses

from pathway.assessments import Evaluations
from pathway.engine import evaluate, validate
from tests.helpers import regression_cases, seeded_pathway


def answers(code: str) -> dict:
    found = next(c for c in regression_cases() if c["code"] == code)["answers"]
    snapshot = seeded_pathway()
    return validate(snapshot, found)  # as a page holds them (a multi answer is a tuple)


def test_a_remembered_result_is_the_engines_result_for_those_answers():
    snapshot, remembered = seeded_pathway(), Evaluations(size=8)
    for code in ("V01", "V17", "R2-06"):
        given = answers(code)
        assert remembered.get(snapshot, given) == evaluate(snapshot, given, what_would_change=False)


def test_the_same_answers_are_evaluated_once_and_other_answers_again():
    snapshot, remembered = seeded_pathway(), Evaluations(size=8)
    first = remembered.get(snapshot, answers("V17"))
    assert remembered.get(snapshot, dict(answers("V17"))) is first
    changed = {**answers("V17"), "ces_bladder": "yes"}
    other = remembered.get(snapshot, changed)
    assert other is not first
    assert other.tier != first.tier  # the emergency answer is never served the old result


def test_another_snapshot_never_gets_a_result_made_for_a_different_one():
    snapshot = seeded_pathway()
    # Equal content, a different object (a new revision of a draft is built afresh).
    copy = dataclasses.replace(snapshot, version=snapshot.version + 1)
    remembered = Evaluations(size=8)
    given = answers("V17")
    assert remembered.get(snapshot, given).version == snapshot.version
    assert remembered.get(copy, given).version == snapshot.version + 1


def test_it_holds_at_most_its_size_dropping_the_least_recently_used():
    snapshot, remembered = seeded_pathway(), Evaluations(size=2)
    v01, v17, r206 = answers("V01"), answers("V17"), answers("R2-06")
    kept = remembered.get(snapshot, v01)
    remembered.get(snapshot, v17)
    assert remembered.get(snapshot, v01) is kept  # used again: now the most recent
    remembered.get(snapshot, r206)  # drops V17
    assert len(remembered.results) == 2
    assert remembered.get(snapshot, v01) is kept
    assert remembered.get(snapshot, v17) is not None  # evaluated again, not an error


def test_unhashable_answers_are_evaluated_not_remembered():
    snapshot, remembered = seeded_pathway(), Evaluations(size=8)
    raw = next(c for c in regression_cases() if c["code"] == "V17")["answers"]
    listed = {code: list(v) if isinstance(v, tuple) else v for code, v in raw.items()}
    assert any(isinstance(v, list) for v in listed.values())
    assert remembered.get(snapshot, listed) == evaluate(snapshot, listed, what_would_change=False)
    assert remembered.results == {}
