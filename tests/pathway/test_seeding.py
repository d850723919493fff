"""The seed loader and exporter, on small seed directories the tests write themselves."""

import copy
import textwrap

import pytest
import yaml

from kb.models import Entry, Muscle, Source
from pathway import models as pm
from pathway.seeds import exporter, reader, writer
from pathway.seeds.schema import KB_KINDS, SeedError

pytestmark = pytest.mark.usefixtures("empty_db")

KB = {
    "sources": [{"key": "src-a", "citation": "Source A (2020)", "year": 2020}],
    "roots": [{"slug": "l5-root", "title": "L5 root", "summary": "The L5 root.",
               "review_by": "2030-01-01", "sources": ["src-a"], "code": "L5",
               "exit_foramen": "L5-S1", "compressed_by": "An L4-5 disc [@src-a].",
               "dermatome": "Lateral calf."}],
    "muscles": [{"slug": "ehl", "title": "EHL", "summary": "Big toe extensor.",
                 "review_by": "2030-01-01", "sources": ["src-a"], "action": "Toe extension",
                 "peripheral_nerve": "Deep peroneal", "roots": {"L5": "main"},
                 "body": "It is **L5** [@src-a]."}],
}
PATHWAY = {
    "slug": "mini",
    "title": "Mini pathway",
    "intended_use": "Testing the loader.",
    "population": "Adults.",
    "exclusions": "Children.",
    "patient_intended_use": "This sheet sums up your visit.",
    "safety_net_emergency": "You cannot feel pee coming out.\nYou leak poo.",
    "safety_net_urgent": "Your foot gets weaker.",
    "review_by": "2030-01-01",
    "default_tier": "conservative",
    "localisation": {"threshold": 2, "margin": 1},
    "steps": [{"code": "history", "title": "History"}],
    "tiers": [
        {"code": "urgent", "rank": 1, "title": "Urgent", "timeframe": "Today",
         "clinician_summary": "Refer.", "patient_summary": "See someone today.",
         "review_interval_days": 1},
        {"code": "conservative", "rank": 2, "title": "Conservative", "timeframe": "Weeks",
         "clinician_summary": "Advise.", "patient_summary": "Keep active.",
         "review_interval_days": 21},
    ],
    "levels": [{"code": "L5", "title": "L5", "kb": "l5-root", "patient_explanation": "A nerve."},
               {"code": "indeterminate", "title": "None", "patient_explanation": "Unclear."}],
}
QUESTIONS = {"questions": [
    {"code": "power", "step": "history", "type": "mrc", "prompt": "Power?", "kb": "ehl"},
    {"code": "sure", "step": "history", "type": "tri", "prompt": "Sure?", "red_flag": True,
     "options": [{"code": "yes", "label": "Yes"}, {"code": "no", "label": "No"},
                 {"code": "not_assessed", "label": "Not assessed"}]},
    {"code": "why", "step": "history", "type": "choice", "prompt": "Why?",
     "enable_when": "sure = yes", "options": [{"code": "a", "label": "A"}]},
]}
RULES = {"rules": [
    {"code": "weak", "title": "Weak", "effect": "tier", "target": "urgent",
     "when": "(power <= 3 or sure = yes) and level != indeterminate", "rationale": "Because.",
     "sources": ["src-a"]},
    {"code": "l5_weak", "title": "L5", "effect": "score", "target": "L5", "weight": 2.5,
     "when": "power <= 4", "rationale": "EHL is L5.", "sources": ["src-a"]},
]}
CASES = {"cases": [{"code": "C1", "title": "A case", "answers": {"power": 2, "sure": "no"},
                    "expect_tiers": ["urgent"], "expect_levels": ["L5"]}]}


def write_seeds(root, *, kb=None, pathway=None, questions=None, rules=None, cases=None):
    seeds = root / "seeds"
    (seeds / "kb").mkdir(parents=True)
    directory = seeds / "pathways" / "mini"
    directory.mkdir(parents=True)
    for kind, entries in (kb or KB).items():
        (seeds / "kb" / f"{kind}.yaml").write_text(yaml.safe_dump({kind: entries}))
    for name, content in (("pathway", pathway or PATHWAY), ("questions", questions or QUESTIONS),
                          ("rules", rules or RULES), ("cases", cases or CASES)):
        (directory / f"{name}.yaml").write_text(yaml.safe_dump(content))
    return seeds


def counts():
    return (Source.objects.count(), Entry.objects.count(), pm.Pathway.objects.count(),
            pm.Question.objects.count(), pm.Rule.objects.count(), pm.Criterion.objects.count())


@pytest.fixture
def seeds(tmp_path):
    return write_seeds(tmp_path)


def test_it_loads_everything_and_publishes_the_first_version(db, seeds):
    report = writer.load(seeds)
    pathway = pm.Pathway.objects.get(slug="mini")
    assert pathway.status == "published" and pathway.version == 1
    assert pathway.rules.get(code="weak").condition_text() == (
        "(power <= 3 or sure = yes) and level != indeterminate")
    assert pathway.questions.get(code="why").enable_when.get().subject == "sure"
    assert Muscle.objects.get(slug="ehl").contributions.get().root.code == "L5"
    assert pathway.cases.get().answers == {"power": 2, "sure": "no"}
    assert any("v1 created from the seeds and published" in line for line in report.lines)


def test_loading_twice_changes_nothing(db, seeds):
    writer.load(seeds)
    before = [(e.slug, e.updated_at) for e in Entry.objects.order_by("slug")]
    exported = exporter.export_pathway(pm.Pathway.objects.get())
    report = writer.load(seeds)
    assert [(e.slug, e.updated_at) for e in Entry.objects.order_by("slug")] == before
    assert pm.Pathway.objects.count() == 1
    assert exporter.export_pathway(pm.Pathway.objects.get()) == exported
    assert "knowledge base: 0 created, 0 updated, 2 unchanged" in report.lines
    assert "pathway mini: unchanged (the seeds match v1, published)" in report.lines


def test_a_changed_pathway_becomes_a_new_draft_and_the_published_one_is_untouched(
        db, tmp_path, seeds):
    writer.load(seeds)
    rules = copy.deepcopy(RULES)
    rules["rules"][0]["when"] = "power <= 2"
    changed = write_seeds(tmp_path / "changed", rules=rules)
    report = writer.load(changed)
    v1, v2 = pm.Pathway.objects.order_by("version")
    assert (v1.status, v2.status) == ("published", "draft")
    assert v1.rules.get(code="weak").condition_text().startswith("(power <= 3")
    assert v2.rules.get(code="weak").condition_text() == "power <= 2"
    assert any("loaded them as draft v2" in line for line in report.lines)
    # Loading the same change again finds it in v2: no third version.
    report = writer.load(changed)
    assert pm.Pathway.objects.count() == 2
    assert "pathway mini: unchanged (the seeds match v2, draft)" in report.lines


def test_a_kb_entry_the_seeds_wrote_is_updated_from_changed_seeds(db, tmp_path, seeds):
    writer.load(seeds)
    kb = copy.deepcopy(KB)
    kb["muscles"][0]["summary"] = "Lifts the big toe."
    report = writer.load(write_seeds(tmp_path / "changed", kb=kb))
    assert Muscle.objects.get(slug="ehl").summary == "Lifts the big toe."
    assert Entry.objects.count() == 2
    assert "knowledge base: 0 created, 1 updated, 1 unchanged" in report.lines


def test_an_editors_kb_edit_is_never_reverted_by_the_seeds(db, tmp_path, seeds):
    """Before: every `make serve` reloaded the seeds over the editors' kb edits."""
    writer.load(seeds)
    muscle = Muscle.objects.get(slug="ehl")
    muscle.summary = "Edited by the clinical lead."
    muscle.save()
    source = Source.objects.get(key="src-a")
    source.citation = "Corrected citation"
    source.save()
    report = writer.load(seeds)  # the same seeds again
    assert Muscle.objects.get(slug="ehl").summary == "Edited by the clinical lead."
    assert Source.objects.get(key="src-a").citation == "Corrected citation"
    assert any("kept 1 edited in the admin" in line and "ehl" in line for line in report.lines)
    kb = copy.deepcopy(KB)
    kb["muscles"][0]["summary"] = "Changed in the seeds too."
    writer.load(write_seeds(tmp_path / "changed", kb=kb))
    assert Muscle.objects.get(slug="ehl").summary == "Edited by the clinical lead."


def test_a_draft_an_editor_is_working_on_is_never_deleted_or_overwritten(db, tmp_path, seeds):
    """Before: changed seeds deleted the latest draft and recreated it from the files."""
    from pathway import versions

    writer.load(seeds)
    draft = versions.new_draft(pm.Pathway.objects.get())
    rule = draft.rules.get(code="weak")
    rule.title = "An editor's work in progress"
    rule.save()
    rules = copy.deepcopy(RULES)
    rules["rules"][0]["when"] = "power <= 2"
    report = writer.load(write_seeds(tmp_path / "changed", rules=rules))
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert draft.rules.get(code="weak").title == "An editor's work in progress"
    v3 = pm.Pathway.objects.get(version=3)
    assert (v3.status, v3.rules.get(code="weak").condition_text()) == ("draft", "power <= 2")
    assert any("Drafts left untouched: v2" in line for line in report.lines)


def test_a_previewed_draft_does_not_stop_the_seeds_loading(db, tmp_path, seeds):
    """Before: a preview assessment on the draft made load_seeds fail with a traceback
    (a protected foreign key), so `make serve` could not start."""
    from pathway import versions

    writer.load(seeds)
    draft = versions.new_draft(pm.Pathway.objects.get())
    pm.Assessment.objects.create(pathway=draft, is_preview=True)
    rules = copy.deepcopy(RULES)
    rules["rules"][0]["when"] = "power <= 2"
    writer.load(write_seeds(tmp_path / "changed", rules=rules))
    assert pm.Pathway.objects.filter(pk=draft.pk).exists()
    assert pm.Pathway.objects.count() == 3


def test_if_empty_loads_only_a_first_time(db, seeds, capsys):
    from django.core.management import call_command

    call_command("load_seeds", str(seeds), "--if-empty")
    assert pm.Pathway.objects.published().count() == 1
    muscle = Muscle.objects.get(slug="ehl")
    muscle.summary = "Edited"
    muscle.save()
    call_command("load_seeds", str(seeds), "--if-empty")
    assert "seeds not loaded" in capsys.readouterr().out
    assert Muscle.objects.get(slug="ehl").summary == "Edited"
    assert pm.Pathway.objects.count() == 1


def test_export_then_load_is_a_lossless_round_trip(db, tmp_path, seeds):
    writer.load(seeds)
    original = reader.read(seeds)
    out = tmp_path / "exported"
    exporter.export(out)
    exported = reader.read(out)
    assert exporter.canonical_pathway(exported.pathways[0]) == exporter.canonical_pathway(
        original.pathways[0])
    strip = lambda entries: [e.model_dump() for e in entries]  # noqa: E731
    for kind in KB_KINDS:
        assert strip(exported.kb[kind]) == strip(original.kb[kind]), kind
    assert strip(exported.sources) == strip(original.sources)
    report = writer.load(out)
    assert "pathway mini: unchanged (the seeds match v1, published)" in report.lines


def problems_for(tmp_path, **changes):
    with pytest.raises(SeedError) as caught:
        writer.load(write_seeds(tmp_path, **changes))
    return "\n".join(caught.value.problems)


def test_an_unknown_question_in_a_rule_is_reported_with_file_entry_and_field(db, tmp_path):
    rules = copy.deepcopy(RULES)
    rules["rules"][0]["when"] = "powr <= 3"
    message = problems_for(tmp_path, rules=rules)
    assert ("seeds/pathways/mini/rules.yaml: rule 'weak', field 'when': 'powr' is not a "
            "question code") in message


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("sure = maybe", "'maybe' is not a option of sure"),
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
        """))
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
        message)
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


# --- malformed and unsafe input ---------------------------------------------------------------


def load_command(seeds_dir, database_dir):
    """`manage.py load_seeds DIR` as an operator runs it, on a database of its own: exit status
    and output."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "pathway.settings",
           "DATABASE_URL": f"sqlite:///{database_dir}/db.sqlite3"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=root, env=env,
                   check=True, capture_output=True)
    return subprocess.run([sys.executable, "manage.py", "load_seeds", str(seeds_dir)],
                          cwd=root, env=env, capture_output=True, text=True, check=False)


@pytest.mark.parametrize("content", [
    "rules: " + "[" * 100_000 + "]" * 100_000,
    "rules: " + "[" * 200 + "]" * 200,
    "rules:\n  - code: " + "9" * 5_000,
    "",
    "rules: []\n",
], ids=["very deep", "deep", "huge integer", "empty file", "no rules"])
def test_malformed_rules_are_refused_with_exit_2_and_change_nothing(db, tmp_path, content):
    seeds = write_seeds(tmp_path)
    (seeds / "pathways" / "mini" / "rules.yaml").write_text(content)
    with pytest.raises(SeedError) as caught:
        writer.load(seeds)
    assert all("rules.yaml" in problem for problem in caught.value.problems)
    assert counts() == (0, 0, 0, 0, 0, 0)


def test_load_seeds_given_deeply_nested_yaml_exits_2_without_a_traceback(db, tmp_path):
    seeds = write_seeds(tmp_path)
    (seeds / "pathways" / "mini" / "rules.yaml").write_text("[" * 100_000 + "]" * 100_000)
    result = load_command(seeds, tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "rules.yaml: nested too deeply" in result.stderr


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JavaScript:alert(1)",
                                 "data:text/html,<script>alert(1)</script>",
                                 "file:///etc/passwd", "ftp://example.org/x", "//evil.example"])
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
