"""Reading and checking seed files: every problem at once, each naming its file, entry and field."""

import copy
import textwrap

import pytest

from kb.models import Source
from pathway.engine import lint
from pathway.engine.conditions import parse_condition
from pathway.seeds import reader, writer
from pathway.seeds.schema import SeedError
from tests.pathway.seeds.mini_seeds import (
    CASES,
    KB,
    PATHWAY,
    QUESTIONS,
    RULES,
    counts,
    problems_for,
    write_seeds,
)

pytestmark = pytest.mark.usefixtures("empty_db")


def test_an_unknown_question_in_a_rule_is_reported_with_file_entry_and_field(db, tmp_path):
    rules = copy.deepcopy(RULES)
    rules["rules"][0]["when"] = "powr <= 3"
    message = problems_for(tmp_path, rules=rules)
    assert (
        "seeds/pathways/mini/rules.yaml: rule 'weak', field 'when': 'powr' is not a question code"
    ) in message


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("sure = maybe", "'maybe' is not an option of sure"),
        ("power <= three", "must be a whole number"),
        ("power <= 9", "outside the range of power"),
        ("sure contains yes", "does not fit sure (tri)"),
        ("level = L7", "'L7' is not a level"),
        ("power <=", "needs a value"),
    ],
)
def test_bad_criteria_are_reported(db, tmp_path, when, expected):
    rules = copy.deepcopy(RULES)
    rules["rules"][0]["when"] = when
    assert expected in problems_for(tmp_path, rules=rules)


def test_malformed_yaml_names_the_file_and_line_and_changes_nothing(db, tmp_path, seeds):
    writer.load(seeds)
    before = counts()
    broken = write_seeds(tmp_path / "broken")
    (broken / "pathways" / "mini" / "rules.yaml").write_text(
        textwrap.dedent("""\
        rules:
          - code: weak
            title: [unclosed
        """)
    )
    with pytest.raises(SeedError) as caught:
        writer.load(broken)
    assert "seeds/pathways/mini/rules.yaml, line" in caught.value.problems[0]
    assert "not valid YAML" in caught.value.problems[0]
    assert counts() == before


def test_every_problem_is_reported_at_once_and_nothing_is_written(db, tmp_path):
    kb = copy.deepcopy(KB)
    kb["muscles"][0]["roots"] = {"L7": "main"}
    kb["muscles"][0]["colour"] = "red"
    kb["roots"][0]["body"] = "Cites [@nowhere]."
    questions = copy.deepcopy(QUESTIONS)
    questions["questions"][0]["kb"] = "missing-entry"
    message = problems_for(tmp_path, kb=kb, questions=questions)
    assert "muscles entry 'ehl', field 'roots': unknown root 'L7'" in message
    assert "muscles entry 'ehl', field 'colour': unknown field" in message
    assert "roots entry 'l5-root', field 'body': cites unknown source 'nowhere'" in message
    assert "question 'power', field 'kb': no knowledge-base entry with slug 'missing-entry'" in (
        message
    )
    assert counts() == (0, 0, 0, 0, 0, 0)


def test_unquoted_yes_is_caught(db, tmp_path):
    questions = copy.deepcopy(QUESTIONS)
    questions["questions"][1]["options"][0]["code"] = True
    assert "put yes, no, on or off in quotes" in problems_for(tmp_path, questions=questions)


def test_an_enable_when_cannot_use_the_level_or_itself(db, tmp_path):
    questions = copy.deepcopy(QUESTIONS)
    questions["questions"][2]["enable_when"] = "level = L5 and why = a"
    message = problems_for(tmp_path, questions=questions)
    assert "an enable-when cannot depend on the level" in message
    assert "a question cannot enable itself" in message


def test_a_case_naming_an_unknown_code_is_reported(db, tmp_path):
    cases = copy.deepcopy(CASES)
    cases["cases"][0]["answers"]["nonsense"] = 1
    cases["cases"][0]["expect_tiers"] = ["soon"]
    message = problems_for(tmp_path, cases=cases)
    assert "case 'C1', field 'answers': unknown question code 'nonsense'" in message
    assert "case 'C1', field 'expect_tiers': unknown tier 'soon'" in message


def test_a_missing_directory_is_reported(db, tmp_path):
    with pytest.raises(SeedError, match="no such directory"):
        writer.load(tmp_path / "nowhere")


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "ftp://example.org/x",
        "//evil.example",
    ],
)
def test_a_source_address_must_be_a_web_page(db, tmp_path, url):
    kb = copy.deepcopy(KB)
    kb["sources"][0]["url"] = url
    message = problems_for(tmp_path, kb=kb)
    assert "sources entry 'src-a', field 'url': expected an http or https address" in message


def test_the_admin_refuses_an_unsafe_source_address():
    from django.core.exceptions import ValidationError

    source = Source(key="src-x", citation="X", url="javascript:alert(1)")
    with pytest.raises(ValidationError, match="url"):
        source.full_clean()
    Source(key="src-y", citation="Y", url="https://example.org/guideline").full_clean()


# --- into the engine's types -------------------------------------------------------------------


def test_it_reads_a_pathway_into_the_engines_snapshot(seeds):
    seed = reader.read_pathway(seeds / "pathways" / "mini")
    snapshot = seed.snapshot
    assert (snapshot.pathway, snapshot.version, snapshot.threshold) == ("mini", 0, 2.0)
    assert [t.code for t in snapshot.tiers] == ["urgent", "conservative"]  # by rank
    power = snapshot.question_by_code["power"]
    assert (power.type, power.minimum, power.maximum, power.kb_slug) == ("mrc", 0, 5, "ehl")
    assert snapshot.question_by_code["why"].enable_when == parse_condition("sure = yes")
    assert snapshot.rule_by_code["l5_weak"].weight == 2.5
    assert [c.code for c in seed.cases] == ["C1"]


def test_the_shipped_seeds_read_and_lint_clean():
    from django.conf import settings

    data = reader.read(settings.SEEDS_DIR)
    assert [p.slug for p in data.pathways] == ["lumbar-radicular"]
    assert not [f for f in lint.lint(data.pathways[0].snapshot) if f.severity == lint.ERROR]


def test_an_entry_with_a_problem_is_reported_once_not_by_what_refers_to_it(db, tmp_path):
    kb = copy.deepcopy(KB)
    kb["muscles"][0]["review_by"] = "soon"
    assert problems_for(tmp_path, kb=kb) == (
        "seeds/kb/muscles.yaml: muscles entry 'ehl', field 'review_by': expected a date as "
        "YYYY-MM-DD, found 'soon'"
    )


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"questions": {"questions": [{**QUESTIONS["questions"][0], "type": "slider"}]}},
            "field 'type': 'slider' must be 'number', 'mrc', 'choice', 'multi' or 'tri'",
        ),
        ({"pathway": {**PATHWAY, "steps": []}}, "no steps: a pathway needs at least one"),
    ],
    ids=["unknown question type", "no steps"],
)
def test_content_that_once_crashed_the_reader_is_reported(db, tmp_path, changes, expected):
    assert expected in problems_for(tmp_path, **changes)


def test_an_unknown_diagram_layer_or_banner_is_reported(db, tmp_path):
    questions = copy.deepcopy(QUESTIONS)
    questions["questions"][0]["diagram_layer"] = "aches"
    pathway = copy.deepcopy(PATHWAY)
    pathway["tiers"][0]["banner"] = "siren"
    message = problems_for(tmp_path, questions=questions, pathway=pathway)
    assert "question 'power', field 'diagram_layer': unknown diagram layer 'aches'" in message
    assert "tier 'urgent', field 'banner': unknown banner 'siren'" in message


def test_a_treatment_must_name_a_tier_of_the_pathway(db, tmp_path):
    kb = copy.deepcopy(KB)
    kb["treatments"] = [
        {
            "slug": "rest",
            "title": "Rest",
            "summary": "Rest.",
            "review_by": "2030-01-01",
            "sources": ["src-a"],
            "tier": "heroic",
            "involves": "Rest.",
            "benefit": "Some.",
            "risks": "Few.",
            "time_to_effect": "Days",
            "body": "Rest [@src-a].",
        }
    ]
    message = problems_for(tmp_path, kb=kb)
    assert "treatments entry 'rest', field 'tier': 'heroic' must be one of" in message
