"""`manage.py assess`: JSON in, JSON out, exit 2 on bad input."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError

from pathway import versions
from pathway.models import Pathway
from tests.helpers import assess, regression_cases

ROOT = Path(__file__).resolve().parents[2]


def test_every_regression_case_passes_through_assess(seeded, tmp_path):
    cases = regression_cases()
    path = tmp_path / "cases.json"
    path.write_text(json.dumps([{"id": c["code"], "answers": c["answers"]} for c in cases]))
    results = assess(str(path))
    assert [r["id"] for r in results] == [c["code"] for c in cases]
    for case, result in zip(cases, results, strict=True):
        assert result["tier"] in case["expect_tiers"], case["code"]
        assert result["level"] in case["expect_levels"], case["code"]
        assert result["pathway"] == "lumbar-radicular" and result["version"] == 1


def test_an_object_gives_an_object_with_every_contract_field(seeded):
    result = assess("-", stdin_text=json.dumps({"answers": {"ces_bowel": "yes"}}))
    assert {
        "id",
        "pathway",
        "version",
        "tier",
        "level",
        "differential",
        "fired",
        "red_flags_incomplete",
        "exam_incomplete",
        "what_would_change",
    } <= set(result)
    assert result["id"] is None
    assert result["tier"] == "emergency"
    assert {
        "rule": "ces_red_flag_new",
        "effect": "tier",
        "target": "emergency",
        "because": ["ces_bowel = yes", "ces_onset is unanswered"],
    } in result["fired"]
    assert "ces_bladder" in result["red_flags_incomplete"]


def test_it_reports_an_incomplete_examination(seeded):
    answers = {
        "mrc_ankle_dorsiflexion": 4,
        "reflex_knee": "normal",
        "reflex_ankle": "not_tested",
        "slr": "positive",
    }
    result = assess("-", stdin_text=json.dumps({"answers": answers}))
    assert result["exam_incomplete"] == [
        "mrc_hip_abduction",
        "mrc_knee_extension",
        "mrc_great_toe_extension",
        "mrc_ankle_inversion",
        "mrc_ankle_eversion",
        "mrc_ankle_plantarflexion",
        "reflex_ankle",
    ]
    complete = {
        **dict.fromkeys(
            [
                "mrc_hip_abduction",
                "mrc_knee_extension",
                "mrc_ankle_dorsiflexion",
                "mrc_great_toe_extension",
                "mrc_ankle_inversion",
                "mrc_ankle_eversion",
                "mrc_ankle_plantarflexion",
            ],
            5,
        ),
        "reflex_knee": "normal",
        "reflex_ankle": "normal",
        "slr": "negative",
    }
    result = assess("-", stdin_text=json.dumps({"answers": complete}))
    assert result["exam_incomplete"] == []


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ('{"answers": {"age": 400}}', "input: age: out of range 16-110 (got 400)"),
        ('{"answers": {"shoe_size": 9}}', "input: shoe_size: unknown question code"),
        (
            '[{"id": "x", "answers": {}}, {"id": "y", "answers": {"slr": "maybe"}}]',
            "item 2 (id 'y'): slr: unknown option",
        ),
        ('{"answer": {}}', 'input: missing "answers"'),
        ("[1]", "item 1: expected an object"),
        ("{not json", "- is not valid JSON"),
    ],
)
def test_bad_input_is_a_one_line_error_with_status_2(seeded, document, message):
    with pytest.raises(CommandError) as caught:
        assess("-", stdin_text=document)
    assert caught.value.returncode == 2
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_an_unknown_version_or_pathway_is_refused(seeded):
    with pytest.raises(CommandError, match="has no version 9"):
        assess("-", "--version", "9", stdin_text="{}")
    with pytest.raises(CommandError, match="pathway 'elbow' has no published version"):
        assess("-", "--pathway", "elbow", stdin_text="{}")


def test_a_chosen_version_is_used(seeded):
    versions.new_draft(Pathway.objects.published().get())
    assert assess("-", "--version", "2", stdin_text='{"answers": {}}')["version"] == 2
    assert assess("-", "--version", "1", stdin_text='{"answers": {}}')["version"] == 1
    assert assess("-", stdin_text='{"answers": {}}')["version"] == 1  # the published one


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    """A real SQLite file with the seeds loaded, for running assess as its own process."""
    path = tmp_path_factory.mktemp("assess") / "db.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{path}",
        "DJANGO_SETTINGS_MODULE": "pathway.settings",
    }
    for command in (["migrate", "-v0"], ["load_seeds"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    return env


def run(env, document):
    return subprocess.run(
        [sys.executable, "manage.py", "assess", "-"],
        cwd=ROOT,
        env=env,
        input=document,
        capture_output=True,
        text=True,
        check=False,
    )


def test_as_a_process_bad_input_exits_2_with_one_stderr_line_and_empty_stdout(database):
    result = run(database, '{"answers": {"mrc_ankle_dorsiflexion": "weak"}}')
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "mrc_ankle_dorsiflexion" in lines[0] and "'weak'" in lines[0]


def test_as_a_process_good_input_prints_json(database):
    result = run(database, '[{"id": "V-x", "answers": {"umn_signs": "yes"}}]')
    assert result.returncode == 0, result.stderr
    (item,) = json.loads(result.stdout)
    assert (item["id"], item["tier"]) == ("V-x", "urgent")


MALFORMED = {
    "deep arrays": "[" * 100_000 + "]" * 100_000,
    "deep objects": '{"a":' * 100_000 + "1" + "}" * 100_000,
    "deep answers": '{"answers": {"age": ' + "[" * 5_000 + "]" * 5_000 + "}}",
    "moderately deep answers": '{"answers": {"pain_regions": ' + "[" * 40 + "]" * 40 + "}}",
    "a huge integer": '{"answers": {"age": ' + "9" * 5_000 + "}}",
    "NaN": '{"answers": {"age": NaN}}',
    "Infinity": '{"answers": {"age": -Infinity}}',
    "a lone surrogate": '{"answers": {"\\ud800": 1}}',
    "a deep id": '{"id": ' + "[" * 3_000 + "]" * 3_000 + ', "answers": {}}',
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_input_is_one_line_and_exit_2(seeded, name):
    with pytest.raises(CommandError) as caught:
        assess("-", stdin_text=MALFORMED[name])
    assert caught.value.returncode == 2
    assert "\n" not in str(caught.value)
    str(caught.value).encode("utf-8")  # printable as it stands


def test_deeply_nested_json_exits_2_without_a_traceback(database):
    result = run(database, MALFORMED["deep arrays"])
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
