"""The seed schema: what each file may hold, and one line per refusal naming file, entry, field."""

import datetime as dt
from decimal import Decimal

import pytest
from pydantic import ValidationError

from pathway.seeds import schema

RULES_FILE = "seeds/pathways/mini/rules.yaml"


def rule(**changes):
    values = {
        "code": "weak",
        "title": "Weak",
        "effect": "tier",
        "target": "urgent",
        "when": "power <= 3",
        "rationale": "Because.",
        "sources": ["src-a"],
    }
    return {k: v for k, v in {**values, **changes}.items() if v is not ...}


def problems_of(model, content, file=RULES_FILE):
    with pytest.raises(ValidationError) as caught:
        model.model_validate(content)
    found = schema.problems(caught.value, file=file, content=content, model=model)
    assert all("\n" not in line for line in found)
    return found


def test_it_refuses_an_unknown_key():
    assert problems_of(schema.RulesFile, {"rules": [rule(colour="red")]}) == [
        f"{RULES_FILE}: rule 'weak', field 'colour': unknown field (known: code, title, "
        "effect, target, weight, when, rationale, action, patient_line, sources)"
    ]


def test_it_refuses_an_unknown_top_level_key():
    assert problems_of(schema.RulesFile, {"rules": [rule()], "rulez": []}) == [
        f"{RULES_FILE}, field 'rulez': unknown field (known: groups, rules)"
    ]


def test_it_refuses_a_value_of_the_wrong_type():
    content = {"steps": [], "tiers": [{"code": "urgent", "rank": "one"}]}
    found = problems_of(schema.PathwayFile, content, file="seeds/pathways/mini/pathway.yaml")
    assert (
        "seeds/pathways/mini/pathway.yaml: tier 'urgent', field 'rank': expected a whole "
        "number, found 'one'"
    ) in found


def test_it_refuses_a_value_outside_its_enum():
    assert problems_of(schema.RulesFile, {"rules": [rule(effect="maybe")]}) == [
        f"{RULES_FILE}: rule 'weak', field 'effect': 'maybe' must be 'tier' or 'score'"
    ]


def test_it_refuses_a_missing_required_field_and_an_empty_one_alike():
    assert problems_of(schema.RulesFile, {"rules": [rule(when=...), rule(code="b", when="")]}) == [
        f"{RULES_FILE}: rule 'weak', field 'when': required, but missing or empty",
        f"{RULES_FILE}: rule 'b', field 'when': required, but missing or empty",
    ]


def test_an_entry_without_its_code_is_named_by_its_position():
    assert problems_of(schema.RulesFile, {"rules": [rule(), rule(code=...)]}) == [
        f"{RULES_FILE}: rule '#2', field 'code': required, but missing or empty"
    ]


def test_it_refuses_an_unquoted_yes():
    found = problems_of(schema.RulesFile, {"rules": [rule(title=True)]})
    assert found == [
        f"{RULES_FILE}: rule 'weak', field 'title': YAML read this as true/false: "
        'put yes, no, on or off in quotes, e.g. "yes"'
    ]


def test_it_refuses_a_condition_that_does_not_parse():
    found = problems_of(schema.RulesFile, {"rules": [rule(when="power <=")]})
    assert found == [f"{RULES_FILE}: rule 'weak', field 'when': 'power <=': '<=' needs a value"]


def test_it_refuses_an_entry_that_is_not_a_mapping_and_a_file_that_is_not_one():
    assert problems_of(schema.RulesFile, {"rules": ["weak"]}) == [
        f"{RULES_FILE}: rule '#1': expected a mapping of fields, found str"
    ]
    assert problems_of(schema.RulesFile, ["weak"]) == [
        f"{RULES_FILE}: expected a mapping at the top level"
    ]


def test_a_kb_entry_is_named_by_its_kind_and_slug():
    content = {
        "muscles": [
            {
                "slug": "ehl",
                "title": "EHL",
                "summary": "s",
                "review_by": "2030-01-01",
                "action": "a",
                "peripheral_nerve": "p",
                "roots": {"L5": "most"},
            }
        ]
    }
    assert problems_of(schema.KbFile, content, file="seeds/kb/muscles.yaml") == [
        "seeds/kb/muscles.yaml: muscles entry 'ehl', field 'roots.L5': 'most' must be 'main' "
        "or 'part'"
    ]


@pytest.mark.parametrize(
    ("range_", "expected"),
    [
        ([0, 4], "an MRC grade is always 0-5"),
        (None, None),
        ([0, 5], None),
    ],
)
def test_an_mrc_grade_is_always_0_to_5(range_, expected):
    question = {"code": "power", "step": "exam", "type": "mrc", "prompt": "Power?", "range": range_}
    if expected is None:
        parsed = schema.QuestionsFile.model_validate({"questions": [question]}).questions[0]
        assert (parsed.range, parsed.bounds) == (None, (0, 5))
    else:
        found = problems_of(schema.QuestionsFile, {"questions": [question]}, file="q.yaml")
        assert found == [f"q.yaml: question 'power', field 'range': {expected}"]


def test_a_number_question_needs_two_whole_numbers_and_other_types_no_range():
    number = {"code": "age", "step": "history", "type": "number", "prompt": "Age?"}
    assert problems_of(
        schema.QuestionsFile, {"questions": [{**number, "range": [16]}]}, file="q.yaml"
    ) == [
        "q.yaml: question 'age', field 'range': a number question needs range: [min, max], "
        "found [16]"
    ]
    choice = {**number, "type": "choice", "range": [0, 1]}
    assert problems_of(schema.QuestionsFile, {"questions": [choice]}, file="q.yaml") == [
        "q.yaml: question 'age', field 'range': only number and mrc questions have a range"
    ]


def test_values_are_normalised_as_the_database_stores_them():
    parsed = schema.RulesFile.model_validate(
        {
            "rules": [
                rule(title="  Weak  ", weight=2.5, when=["power <= 3 or power = 5", "level != L4"])
            ]
        }
    )
    weak = parsed.rules[0]
    assert weak.title == "Weak"
    assert weak.weight == Decimal("2.50")
    assert weak.when == "(power <= 3 or power = 5) and level != L4"
    source = schema.SourceSeed.model_validate({"key": "k", "citation": "c", "year": None})
    assert (source.year, source.certainty, source.url) == (None, "V", "")
    entry = schema.RootSeed.model_validate(
        {
            "slug": "l5",
            "title": "L5",
            "summary": "s",
            "review_by": "2030-01-01",
            "code": "L5",
            "exit_foramen": "L5-S1",
            "compressed_by": "disc",
            "dermatome": "calf",
        }
    )
    assert entry.review_by == dt.date(2030, 1, 1)
