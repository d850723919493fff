"""The loader's writes and its version policy: seeds never destroy."""

import copy

import pytest

from kb.models import Entry, Muscle, Source
from pathway import models as pm
from pathway.seeds import exporter, writer
from pathway.seeds.schema import SeedError
from tests.pathway.seeds.mini_seeds import KB, RULES, counts, write_seeds

pytestmark = pytest.mark.usefixtures("empty_db")


def test_it_loads_everything_and_publishes_the_first_version(db, seeds):
    report = writer.load(seeds)
    pathway = pm.Pathway.objects.get(slug="mini")
    assert pathway.status == "published" and pathway.version == 1
    assert pathway.rules.get(code="weak").condition_text() == (
        "(power <= 3 or sure = yes) and level != indeterminate"
    )
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
    db, tmp_path, seeds
):
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


# --- malformed and unsafe input ---------------------------------------------------------------


def load_command(seeds_dir, database_dir):
    """`manage.py load_seeds DIR` as an operator runs it, on a database of its own: exit status
    and output."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    env = {
        **os.environ,
        "DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "pathway.settings",
        "DATABASE_URL": f"sqlite:///{database_dir}/db.sqlite3",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=root,
        env=env,
        check=True,
        capture_output=True,
    )
    return subprocess.run(
        [sys.executable, "manage.py", "load_seeds", str(seeds_dir)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    "content",
    [
        "rules: " + "[" * 100_000 + "]" * 100_000,
        "rules: " + "[" * 200 + "]" * 200,
        "rules:\n  - code: " + "9" * 5_000,
        "",
        "rules: []\n",
    ],
    ids=["very deep", "deep", "huge integer", "empty file", "no rules"],
)
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


def test_a_diagram_layer_and_a_banner_are_loaded_and_exported(db, tmp_path):
    from tests.pathway.seeds.mini_seeds import PATHWAY, QUESTIONS

    questions = copy.deepcopy(QUESTIONS)
    questions["questions"].append(
        {
            "code": "hurts",
            "step": "history",
            "type": "multi",
            "prompt": "Where?",
            "required": False,
            "diagram_layer": "pain",
            "options": [{"code": "none", "label": "None"}, {"code": "calf", "label": "Calf"}],
        }
    )
    pathway = copy.deepcopy(PATHWAY)
    pathway["tiers"][0]["banner"] = "urgent"
    writer.load(write_seeds(tmp_path, questions=questions, pathway=pathway))
    version = pm.Pathway.objects.get(slug="mini")
    assert version.tiers.get(code="urgent").banner == "urgent"
    assert version.questions.get(code="hurts").diagram_layer == "pain"
    exported = exporter.export_pathway(version)
    assert [t.get("banner") for t in exported["tiers"]] == ["urgent", ""]
