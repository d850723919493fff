"""Presentation: the layout of a step's questions, their rows and render cache, the status
pieces and the page context, on hand-built snapshots (no database)."""

from types import SimpleNamespace

from django.urls import reverse

from kb.models import MRC_GRADING_SLUG
from pathway import presenters
from pathway.assessments import Context
from pathway.engine import evaluate
from pathway.engine.conditions import parse_condition as when
from pathway.engine.model import (
    LevelSpec,
    OptionSpec,
    QuestionSpec,
    RuleSpec,
    Snapshot,
    StepSpec,
    TierSpec,
)
from pathway.presenters import Grid, Rendered, Single, blocks, question_rows

REFLEX = tuple(OptionSpec(c, c.title()) for c in ("normal", "reduced", "not_tested"))
TRI = tuple(OptionSpec(c, c) for c in ("yes", "no", "not_assessed"))


def snapshot(*, alarm_banner="emergency", questions=None):
    questions = questions or (
        QuestionSpec("alarm", "flags", "tri", red_flag=True, required=True, options=TRI),
        QuestionSpec("calm", "flags", "tri", options=TRI),
        QuestionSpec("later", "exam", "tri", required=True, options=TRI),
    )
    return Snapshot(
        pathway="p",
        version=1,
        steps=(StepSpec("flags", "Flags"), StepSpec("exam", "Exam")),
        questions=questions,
        rules=(
            RuleSpec("sirens", "tier", "now", when("alarm = yes"), title="Sirens"),
            RuleSpec("absent", "tier", "now", when("calm != yes and alarm = yes"), title="Absent"),
        ),
        tiers=(
            TierSpec("now", 1, "Go now", banner=alarm_banner),
            TierSpec("conservative", 2, "Keep active"),
        ),
        levels=(LevelSpec("L5"),),
        threshold=2,
        margin=1,
    )


def context(snap, answers):
    assessment = SimpleNamespace(
        pk="00000000-0000-0000-0000-000000000000", pathway=SimpleNamespace(version=1)
    )
    ctx = Context(assessment, snap, dict(answers))
    ctx.set_answers(dict(answers))
    return ctx


def test_it_lays_out_two_or_more_muscles_as_a_power_grid_and_a_lone_one_as_a_question():
    two = (
        QuestionSpec("grip", "exam", "mrc"),
        QuestionSpec("pinch", "exam", "mrc"),
        QuestionSpec("jerk", "exam", "choice", options=REFLEX),
    )
    laid = blocks(two)
    assert isinstance(laid[0], Grid) and laid[0].codes == ("grip", "pinch")
    assert isinstance(laid[1], Single) and laid[1].question.code == "jerk"
    assert [type(b) for b in blocks(two[:1])] == [Single]


def test_a_grid_offers_only_the_answers_its_questions_use():
    reflexes = (
        QuestionSpec("knee", "exam", "choice", options=REFLEX),
        QuestionSpec("ankle", "exam", "choice", options=REFLEX[:2]),
    )
    grid = blocks(reflexes)[0]
    assert [c.value for c in grid.columns] == ["normal", "reduced", "not_tested"]
    assert grid.fills == (("normal", "normal"), ("not_tested", "not tested"))


def test_the_power_grids_notes_link_the_mrc_page_from_one_place():
    grid = blocks((QuestionSpec("grip", "exam", "mrc"), QuestionSpec("pinch", "exam", "mrc")))[0]
    head, tail = presenters.grid_frame(grid, ())
    assert reverse("kb:entry", args=[MRC_GRADING_SLUG]) in head + tail
    reflexes = blocks(
        (
            QuestionSpec("knee", "exam", "choice", options=REFLEX),
            QuestionSpec("ankle", "exam", "choice", options=REFLEX),
        )
    )[0]
    head, tail = presenters.grid_frame(reflexes, ())
    assert reverse("kb:entry", args=[MRC_GRADING_SLUG]) not in head + tail


def test_question_rows_tick_the_values_given_and_keep_the_stored_answer():
    questions = [
        QuestionSpec("calm", "flags", "tri", options=TRI),
        QuestionSpec("count", "flags", "number", minimum=0, maximum=9),
    ]
    rows = question_rows(
        questions,
        {"calm": "no", "count": "4"},
        {"calm"},
        stored={"calm": "yes", "count": 3},
        alarms={"calm": ["Sirens"], "count": ["Never shown"]},
    )
    calm, count = rows
    assert [(v, checked) for v, _, checked in calm.choices] == [
        ("yes", False),
        ("no", True),
        ("not_assessed", False),
    ]
    assert (calm.shown, calm.was, calm.alarm) == (True, "yes", ("Sirens",))
    assert (count.shown, count.value, count.was, count.alarm) == (False, "4", "3", ())


def test_a_row_holding_typed_junk_is_never_cached():
    question = QuestionSpec("count", "flags", "number", minimum=0, maximum=9)
    junk, fine = (
        question_rows([question], {"count": value}, {"count"}, stored={})[0]
        for value in ("4x" * 50, "4")
    )
    assert junk.key(False) is None
    assert fine.key(False) is not None
    assert question_rows([question], {"count": "12"}, {"count"}, stored={})[0].key(False) is None


def test_the_render_cache_keeps_within_its_budget():
    cache = Rendered(max_chars=10)
    cache.put(("a",), "12345")
    cache.put(("b",), "12345")
    assert cache.get(("a",)) == "12345"
    cache.put(("c",), "1")
    assert cache.get(("a",)) is None and cache.get(("c",)) == "1"
    assert cache.chars == 1


def test_the_banner_follows_the_tiers_banner_field_not_its_code():
    for banner, shown in (
        ("emergency", 'data-banner="emergency"'),
        ("urgent", 'data-banner="urgent"'),
    ):
        snap = snapshot(alarm_banner=banner)
        html = presenters.banner(snap, evaluate(snap, {"alarm": "yes"}), page="", oob=False)
        assert shown in html
    snap = snapshot(alarm_banner="")
    html = presenters.banner(snap, evaluate(snap, {"alarm": "yes"}), page="", oob=False)
    assert "data-banner" not in html


def test_alarms_stand_beside_the_answers_that_raised_an_emergency_only():
    snap = snapshot()
    result = evaluate(snap, {"alarm": "yes", "calm": "no"})
    # `calm != yes` holds because something is absent: it never points at an answer.
    assert presenters.alarm_questions(snap, result) == {"alarm": ["Sirens", "Absent"]}
    urgent = snapshot(alarm_banner="urgent")
    assert presenters.alarm_questions(urgent, evaluate(urgent, {"alarm": "yes"})) == {}


def test_an_emergency_banner_opens_the_result_before_the_steps_are_done():
    for banner, opens in (("emergency", True), ("urgent", False), ("", False)):
        ctx = context(snapshot(alarm_banner=banner), {"alarm": "yes"})
        page = presenters.page_context(ctx)
        assert ctx.first_incomplete is not None
        assert (page["result_open"], ctx.result_open) == (opens, opens), banner


def test_the_live_panel_names_a_tier_before_the_screen_only_when_it_raises_a_banner():
    for banner, named in (("urgent", True), ("", False)):
        snap = snapshot(
            alarm_banner=banner,
            questions=(
                QuestionSpec("alarm", "flags", "tri", options=TRI),
                QuestionSpec("other", "flags", "tri", red_flag=True, required=True, options=TRI),
            ),
        )
        page = presenters.page_context(context(snap, {"alarm": "yes"}))
        html = page["status"]["suggestion"]()
        assert ("Go now" in html) is named, banner


def test_still_to_answer_names_three_and_counts_the_rest():
    missing = [QuestionSpec(f"q{n}", "flags", "tri", prompt=f"Question {n}?") for n in range(5)]
    text = presenters.still_to_answer(missing)
    assert text.startswith(
        "Still to answer on this page (5): Question 0; Question 1; Question 2; and 2 more."
    )
    assert "Question 3" not in text
