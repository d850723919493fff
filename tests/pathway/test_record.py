"""The note for the clinical record: plain text that says what was found, what is suggested
and why, what was not assessed, and which content and reference produced it."""

import datetime as dt

import pytest

from pathway import models as pm
from pathway import services
from pathway.assessments import explain, load
from pathway.engine import evaluate
from pathway.record import record_note
from pathway.snapshot import snapshot_for
from tests.helpers import regression_cases

TODAY = dt.date(2026, 12, 3)


@pytest.fixture
def note_for(seeded, rf):
    def make(answers):
        assessment = services.assessment_start(pathway=pm.Pathway.objects.published().get())
        services.answers_record(assessment=assessment, values=answers)
        request = rf.get("/")
        request.user = type("Anonymous", (), {"is_active": False, "is_staff": False})()
        ctx = load(request, assessment.pk)
        result = evaluate(ctx.snapshot, ctx.answers)
        return assessment, record_note(ctx, result, explain(ctx.snapshot, result), TODAY)

    return make


def case(code):
    return next(c for c in regression_cases() if c["code"] == code)["answers"]


def asked_as(assessment, code):
    """A question's prompt as the published content words it, without its question mark."""
    return snapshot_for(assessment.pathway).question_by_code[code].prompt.rstrip("?")


def tier_line(assessment, code):
    tier = snapshot_for(assessment.pathway).tier_by_code[code]
    return f"{tier.title}. When: {tier.timeframe}."


def test_it_states_findings_suggestion_basis_gaps_version_and_reference(note_for):
    assessment, note = note_for(case("V17"))
    content = snapshot_for(assessment.pathway)
    assert note.splitlines()[0] == f"{assessment.pathway.title}: decision support, 3 Dec 2026."
    for heading in ("FINDINGS", "SUGGESTION", "BASIS", "GAPS"):
        assert f"\n{heading}\n" in note
    assert "Red flags: no to 12 items." in note
    assert "Power (MRC grade), affected leg: 5/5 except Big toe extension power 4/5" in note
    assert "Reflexes, affected side: all normal" in note
    assert f"\nSUGGESTION\n{tier_line(assessment, 'injection')}\n" in note
    l5, s1 = (content.level_by_code[code].title for code in ("L5", "S1"))
    assert f"Most likely level: {l5} (score 4; next {s1} 1.5)." in note
    rule = content.rule_by_code["persistent_radicular_pain_6_to_11_weeks"]
    assert f"\n- {rule.title}: " in note
    assert "None: every red-flag and key examination item was recorded." in note
    assert note.rstrip().endswith(
        f"Content: lumbar-radicular version 1. Reference "
        f"{assessment.reference}. Decision support only: it does "
        "not replace clinical judgement."
    )


def test_it_names_what_was_not_assessed(note_for):
    assessment, note = note_for(
        {
            **case("V17"),
            "fever": "not_assessed",
            "reflex_ankle": "not_tested",
            "cancer_history": "yes",
        }
    )
    cancer, fever, ankle = (
        asked_as(assessment, code) for code in ("cancer_history", "fever", "reflex_ankle")
    )
    assert f"PRESENT: {cancer}: Yes. no to 10 other items. not assessed: {fever}." in note
    assert f"Red-flag screen incomplete, not read as 'no': {fever}." in note
    assert f"Examination incomplete, not read as normal: {ankle}." in note


def test_an_emergency_note_says_which_steps_did_not_wait(note_for):
    assessment, note = note_for({"ces_bladder": "yes"})
    assert f"\nSUGGESTION\n{tier_line(assessment, 'emergency')}\n" in note
    steps = ", ".join(step.title for step in snapshot_for(assessment.pathway).steps)
    assert f"Not completed (the emergency did not wait): {steps}." in note
    assert "History: not done." in note
