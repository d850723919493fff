"""The condition language: text form, checks and evaluation. Pure: no database."""

import pytest

from pathway.engine import conditions as c


def test_it_reads_the_issue_example_and_writes_it_back():
    text = "(mrc_ankle_dorsiflexion <= 3 or mrc_great_toe_extension <= 3) and level != peroneal"
    condition = c.parse_condition(text)
    assert condition == (
        (
            c.Criterion("mrc_ankle_dorsiflexion", "lte", 3),
            c.Criterion("mrc_great_toe_extension", "lte", 3),
        ),
        (c.Criterion("level", "ne", "peroneal"),),
    )
    assert c.format_condition(condition) == text


@pytest.mark.parametrize(
    ("text", "criterion"),
    [
        ("age >= 50", c.Criterion("age", "gte", 50)),
        ("level in [L4, L5, S1]", c.Criterion("level", "in", ("L4", "L5", "S1"))),
        ("level not in [peroneal, hip]", c.Criterion("level", "not_in", ("peroneal", "hip"))),
        ("pain_regions contains big_toe", c.Criterion("pain_regions", "contains", "big_toe")),
        ("pain_regions not contains none", c.Criterion("pain_regions", "not_contains", "none")),
        ("ces_onset is unanswered", c.Criterion("ces_onset", "unanswered", None)),
        ("ces_onset is answered", c.Criterion("ces_onset", "answered", None)),
        ("trend = worsening", c.Criterion("trend", "eq", "worsening")),
        ("duration_weeks < 12", c.Criterion("duration_weeks", "lt", 12)),
        ("duration_weeks > 5", c.Criterion("duration_weeks", "gt", 5)),
    ],
)
def test_it_reads_every_operator(text, criterion):
    assert c.parse_criterion(text) == criterion
    assert c.format_criterion(criterion) == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("age >=", "needs a value"),
        ("age ~ 5", "cannot read criterion"),
        ("level in L4", "square brackets"),
        ("ces_onset is unanswered yes", "takes no value"),
        ("a = 1 or b = 2", "parentheses"),
        ("(a = 1 or b = 2", "unbalanced"),
        ("age = 5.5", "cannot read value"),
    ],
)
def test_it_names_what_is_wrong_with_bad_text(text, message):
    with pytest.raises(c.ConditionSyntaxError, match=message):
        c.parse_condition(text)


MRC = c.SubjectSpec(kind="mrc", minimum=0, maximum=5)
CHOICE = c.SubjectSpec(kind="choice", codes=frozenset({"yes", "no"}))
MULTI = c.SubjectSpec(kind="multi", codes=frozenset({"none", "buttock"}))


@pytest.mark.parametrize(
    ("criterion", "spec", "message"),
    [
        (c.Criterion("x", "eq", 1), None, "not a question code"),
        (c.Criterion("x", "contains", 1), MRC, "does not fit"),
        (c.Criterion("x", "lte", "three"), MRC, "whole number"),
        (c.Criterion("x", "lte", 7), MRC, "outside the range"),
        (c.Criterion("x", "eq", "maybe"), CHOICE, "not an option"),
        (c.Criterion("x", "gt", "yes"), CHOICE, "does not fit"),
        (c.Criterion("x", "eq", "buttock"), MULTI, "does not fit"),
        (c.Criterion("x", "in", "yes"), CHOICE, "non-empty list"),
        (c.Criterion("x", "eq", ("yes",)), CHOICE, "one value"),
        (c.Criterion("x", "answered", "yes"), CHOICE, "takes no value"),
    ],
)
def test_it_rejects_criteria_that_do_not_fit_their_subject(criterion, spec, message):
    errors = c.check_criterion(criterion, spec)
    assert errors and message in errors[0]


def test_a_wrong_operator_is_answered_with_exactly_the_operators_that_fit():
    errors = c.check_criterion(c.Criterion("x", "eq", "buttock"), MULTI)
    assert errors == [
        "'=' does not fit x (multi); use one of: contains, not contains, is answered, is unanswered"
    ]


def test_a_number_is_held_to_whichever_bounds_its_question_has():
    age = c.SubjectSpec(kind="number", minimum=16, maximum=110)
    assert c.check_criterion(c.Criterion("age", "lt", 15), age) == [
        "15 is outside the range of age (16-110)"
    ]
    assert c.check_criterion(c.Criterion("age", "gt", 111), age) == [
        "111 is outside the range of age (16-110)"
    ]
    assert c.check_criterion(c.Criterion("age", "gte", 16), age) == []
    assert c.check_criterion(c.Criterion("age", "lte", 110), age) == []
    floor_only = c.SubjectSpec(kind="number", minimum=0)
    assert c.check_criterion(c.Criterion("weeks", "gt", 5000), floor_only) == []
    assert c.check_criterion(c.Criterion("weeks", "lt", -1), floor_only) != []
    ceiling_only = c.SubjectSpec(kind="number", maximum=10)
    assert c.check_criterion(c.Criterion("pain", "gt", -5), ceiling_only) == []
    assert c.check_criterion(c.Criterion("pain", "gt", 11), ceiling_only) != []


def test_it_accepts_criteria_that_fit():
    assert c.check_criterion(c.Criterion("x", "lte", 3), MRC) == []
    assert c.check_criterion(c.Criterion("x", "in", ("yes", "no")), CHOICE) == []
    assert c.check_criterion(c.Criterion("x", "contains", "buttock"), MULTI) == []


def test_a_criterion_on_a_missing_answer_is_false_except_unanswered():
    facts = {}
    for op, value in [
        ("eq", 1),
        ("ne", 1),
        ("in", (1,)),
        ("not_in", (1,)),
        ("lt", 1),
        ("lte", 1),
        ("gt", 1),
        ("gte", 1),
        ("contains", "a"),
        ("not_contains", "a"),
        ("answered", None),
    ]:
        assert not c.criterion_holds(c.Criterion("x", op, value), facts), op
    assert c.criterion_holds(c.Criterion("x", "unanswered", None), facts)


def test_groups_are_anded_and_criteria_in_a_group_ored():
    condition = c.parse_condition("(a = 1 or b = 1) and z = 1")
    assert c.true_criteria(condition, {"a": 1, "z": 1}) == [
        c.Criterion("a", "eq", 1),
        c.Criterion("z", "eq", 1),
    ]
    assert c.true_criteria(condition, {"b": 1, "z": 1}) == [
        c.Criterion("b", "eq", 1),
        c.Criterion("z", "eq", 1),
    ]
    assert c.true_criteria(condition, {"a": 1, "b": 1}) is None
    assert c.true_criteria((), {}) == []


@pytest.mark.parametrize("text", ["level in [L4, L5", "level in L4, L5]"])
def test_a_half_bracketed_list_is_refused_with_what_to_write(text):
    with pytest.raises(c.ConditionSyntaxError, match="needs a list in square brackets"):
        c.parse_criterion(text)


def test_or_outside_parentheses_is_refused_with_what_to_write():
    with pytest.raises(c.ConditionSyntaxError, match="put criteria joined by 'or' in paren"):
        c.parse_condition("(a = 1 or b = 2) or c = 3")


def test_criteria_and_subject_specs_are_immutable_so_snapshots_can_be_shared():
    from dataclasses import FrozenInstanceError

    criterion = c.Criterion("age", "gte", 50)
    with pytest.raises(FrozenInstanceError):
        criterion.value = 60  # type: ignore[misc]
    spec = c.SubjectSpec(kind="number", minimum=16, maximum=110)
    with pytest.raises(FrozenInstanceError):
        spec.maximum = 120  # type: ignore[misc]
    assert hash(criterion) == hash(c.Criterion("age", "gte", 50))
