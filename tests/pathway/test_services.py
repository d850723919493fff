"""What a post to a step stores: services.step_answers_save and its pieces, on content built
with factories (the mechanics, not the shipped clinical wording)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import QueryDict
from django.test import RequestFactory

from pathway import models as pm
from pathway import services
from pathway.assessments import load
from pathway.forms import StepForm, step_questions
from pathway.snapshot import snapshot_for
from tests.pathway import factories as f

pytestmark = pytest.mark.usefixtures("empty_db")


@pytest.fixture
def pathway(db):
    pathway = f.PathwayFactory(slug="demo")
    f.TierFactory(pathway=pathway)
    first = f.StepFactory(pathway=pathway, code="first", order=1)
    f.StepFactory(pathway=pathway, code="second", order=2)
    f.QuestionFactory(step=first, code="colour", type="choice", options=["red", "blue"])
    f.QuestionFactory(
        step=first, code="count", type="number", min_value=0, max_value=10, required=False
    )
    f.QuestionFactory(step=first, code="areas", type="multi", required=False)
    f.QuestionFactory(step=first, code="grip_left", type="mrc", required=False)
    f.QuestionFactory(step=first, code="grip_right", type="mrc", required=False)
    detail = f.QuestionFactory(step=first, code="detail", type="choice", required=True)
    f.CriterionFactory(rule=None, enables=detail, subject="colour", op="eq", value="red")
    pathway.touch()
    return pathway


@pytest.fixture
def assessment(pathway):
    return services.assessment_start(pathway=pathway)


def context(assessment):
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    return load(request, assessment.pk)


def save(assessment, body: str, *, partial=False, step="first"):
    ctx = context(assessment)
    post = QueryDict(body)
    form = StepForm(post, questions=step_questions(ctx.snapshot, step), enforce_required=False)
    saved = services.step_answers_save(ctx=ctx, step=step, form=form, post=post, partial=partial)
    return ctx, saved


def stored(assessment):
    return dict(pm.Answer.objects.filter(assessment=assessment).values_list("question", "value"))


def test_it_stores_every_valid_answer_a_whole_page_changed(assessment):
    ctx, saved = save(assessment, "colour=blue&count=3&areas=a&areas=b")
    assert stored(assessment) == {"colour": "blue", "count": 3, "areas": ["a", "b"]}
    assert saved.values == {"colour": "blue", "count": 3, "areas": ["a", "b"]}
    assert ctx.answers == {"colour": "blue", "count": 3, "areas": ("a", "b")}


def test_it_stores_nothing_of_a_whole_page_with_an_invalid_answer(assessment):
    ctx, saved = save(assessment, "colour=blue&count=eleven")
    assert saved.refused
    assert "count" in saved.form.errors
    assert stored(assessment) == {}
    assert ctx.answers == {}


def test_it_keeps_the_valid_answers_of_a_partial_save_and_drops_the_invalid(assessment):
    _, saved = save(
        assessment, "changed=colour&changed=count&colour=blue&count=eleven", partial=True
    )
    assert not saved.refused
    assert stored(assessment) == {"colour": "blue"}
    assert set(saved.form.errors) == {"count"}


def test_a_partial_save_stores_only_the_questions_it_names(assessment):
    save(assessment, "changed=colour&colour=blue&count=4", partial=True)
    assert stored(assessment) == {"colour": "blue"}


def test_a_partial_save_naming_nothing_stores_what_the_whole_form_changed(assessment):
    services.answers_record(assessment=assessment, values={"count": 2})
    _, saved = save(assessment, "colour=blue&was_colour=&count=2&was_count=2", partial=True)
    assert saved.changed == ["colour"]
    assert stored(assessment) == {"colour": "blue", "count": 2}


def test_a_post_with_no_answers_changes_nothing(assessment):
    services.answers_record(assessment=assessment, values={"colour": "blue", "count": 5})
    for partial in (False, True):
        _, saved = save(assessment, "nav=continue", partial=partial)
        assert saved.values == {}
        assert stored(assessment) == {"colour": "blue", "count": 5}
    assert pm.AnswerChange.objects.filter(assessment=assessment).count() == 2


def test_an_answer_given_meanwhile_elsewhere_is_left_alone(assessment):
    """Compare-and-set: the page was drawn with no colour; another tab then stored blue. The
    page posts its field unchanged (still blank), so blue stays."""
    services.answers_record(assessment=assessment, values={"colour": "blue"})
    save(assessment, "colour=&was_colour=&count=1&was_count=")
    assert stored(assessment) == {"colour": "blue", "count": 1}


def test_an_answer_the_page_changed_replaces_the_stored_one(assessment):
    services.answers_record(assessment=assessment, values={"colour": "blue"})
    save(assessment, "colour=red&was_colour=blue")
    assert stored(assessment)["colour"] == "red"


def test_a_blanked_answer_is_cleared(assessment):
    services.answers_record(assessment=assessment, values={"count": 4})
    save(assessment, "count=&was_count=4")
    assert "count" not in stored(assessment)


def test_it_reports_a_question_the_answers_raised_and_what_is_still_missing(assessment):
    _, saved = save(assessment, "colour=red")
    assert [q.code for q in saved.appeared] == ["detail"]
    assert [q.code for q in saved.missing] == ["detail"]
    _, saved = save(assessment, "colour=blue&was_colour=red")
    assert saved.appeared == [] and saved.missing == []


def test_an_answer_to_a_question_not_asked_is_not_stored(assessment):
    save(assessment, "colour=blue&detail=a")
    assert "detail" not in stored(assessment)


def test_a_grid_shortcut_fills_only_the_unanswered_rows(assessment):
    services.answers_record(assessment=assessment, values={"grip_left": 3})
    _, saved = save(assessment, "fill=power:5&grip_left=3&was_grip_left=3")
    assert saved.filled == {"grip_right": 5}
    assert stored(assessment) == {"grip_left": 3, "grip_right": 5}


def test_a_grid_shortcut_leaves_a_row_just_marked_not_tested(assessment):
    _, saved = save(assessment, "fill=power:5&grip_left=&was_grip_left=", partial=True)
    assert saved.filled == {"grip_right": 5}
    assert stored(assessment) == {"grip_right": 5}


def test_an_unknown_grid_shortcut_fills_nothing(assessment):
    for fill in ("power:9", "nothing:5", "power", ""):
        _, saved = save(assessment, f"fill={fill}")
        assert saved.filled == {}
    assert stored(assessment) == {}


def test_a_partial_save_keeps_the_result_it_started_from(pathway, assessment):
    f.TierFactory(pathway=pathway, code="urgent", rank=2)
    rule = f.RuleFactory(pathway=pathway, code="blue", target="urgent")
    f.CriterionFactory(rule=rule, subject="colour", op="eq", value="blue")
    pathway.touch()
    ctx, saved = save(assessment, "changed=colour&colour=blue", partial=True)
    assert (saved.result_before.tier, ctx.result.tier) == ("conservative", "urgent")


def test_merged_answers_lays_only_valid_edited_answers_over_the_stored(pathway):
    questions = [
        q for q in step_questions(snapshot_for(pathway), "first") if q.code in {"colour", "count"}
    ]
    form = StepForm(QueryDict("colour=red&count=99"), questions=questions, enforce_required=False)
    form.is_valid()
    merged = services.merged_answers(
        {"colour": "blue", "count": 1}, form, questions, {"colour", "count"}
    )
    assert merged == {"colour": "red", "count": 1}
    assert services.merged_answers({"colour": "blue"}, form, questions, set()) == {"colour": "blue"}


def test_starting_a_preview_marks_it_so(pathway):
    assert services.assessment_start(pathway=pathway, preview=True).is_preview
    assert not services.assessment_start(pathway=pathway).is_preview
