"""The note for the clinical record: plain text that says what was found, what is suggested
and why, what was not assessed, and which content and reference produced it."""

import datetime as dt

import pytest

from pathway import models as pm
from pathway import services
from pathway.assessments import explain, load
from pathway.engine import evaluate
from pathway.record import record_note
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


def test_it_states_findings_suggestion_basis_gaps_version_and_reference(note_for):
    assessment, note = note_for(case("V17"))
    assert note.splitlines()[0] == (
        "Leg pain from a suspected lumbar nerve root: decision support, 3 Dec 2026."
    )
    for heading in ("FINDINGS", "SUGGESTION", "BASIS", "GAPS"):
        assert f"\n{heading}\n" in note
    assert "Red flags: no to 12 items." in note
    assert "Power (MRC grade), affected leg: 5/5 except Big toe extension power 4/5" in note
    assert "Reflexes, affected side: all normal" in note
    assert "Image and consider an injection. When: Routine" in note
    assert "Most likely level: L5 nerve root (score 4; next S1 nerve root 1.5)." in note
    assert "- Disabling radicular pain at 6 to 11 weeks, not improving: " in note
    assert "None: every red-flag and key examination item was recorded." in note
    assert note.rstrip().endswith(
        f"Content: lumbar-radicular version 1. Reference "
        f"{assessment.reference}. Decision support only: it does "
        "not replace clinical judgement."
    )


def test_it_names_what_was_not_assessed(note_for):
    _, note = note_for(
        {
            **case("V17"),
            "fever": "not_assessed",
            "reflex_ankle": "not_tested",
            "cancer_history": "yes",
        }
    )
    assert (
        "PRESENT: Previous cancer: Yes. no to 10 other items. not assessed: Fever, rigors "
        "or feeling generally unwell." in note
    )
    assert (
        "Red-flag screen incomplete, not read as 'no': Fever, rigors or feeling generally "
        "unwell." in note
    )
    assert "Examination incomplete, not read as normal: Ankle jerk on the affected side." in note


def test_an_emergency_note_says_which_steps_did_not_wait(note_for):
    _, note = note_for({"ces_bladder": "yes"})
    assert "Emergency assessment now. When: Now" in note
    assert "Not completed (the emergency did not wait): Red flags, History, Examination." in note
    assert "History: not done." in note
