"""The canonical form and the export: a round trip through the seed files is lossless."""

import pytest

from pathway import models as pm
from pathway.seeds import exporter, reader, writer
from pathway.seeds.schema import KB_KINDS

pytestmark = pytest.mark.usefixtures("empty_db")


def test_export_then_load_is_a_lossless_round_trip(db, tmp_path, seeds):
    writer.load(seeds)
    original = reader.read(seeds)
    out = tmp_path / "exported"
    exporter.export(out)
    exported = reader.read(out)
    assert exporter.canonical_pathway(exported.pathways[0]) == exporter.canonical_pathway(
        original.pathways[0]
    )
    strip = lambda entries: [e.model_dump() for e in entries]  # noqa: E731
    for kind in KB_KINDS:
        assert strip(exported.kb[kind]) == strip(original.kb[kind]), kind
    assert strip(exported.sources) == strip(original.sources)
    report = writer.load(out)
    assert "pathway mini: unchanged (the seeds match v1, published)" in report.lines


def test_the_canonical_form_is_the_same_from_the_seeds_and_from_the_version_loaded(db, seeds):
    writer.load(seeds)
    from_files = exporter.canonical_pathway(reader.read_pathway(seeds / "pathways" / "mini"))
    from_database = exporter.export_pathway(pm.Pathway.objects.get())
    assert from_files == from_database
    assert from_database["localisation_threshold"] == 2
    assert from_database["questions"][0]["range"] is None  # an MRC grade has no range to give
    assert from_database["rules"][0]["when"] == (
        "(power <= 3 or sure = yes) and level != indeterminate"
    )


def test_the_export_leaves_out_fields_at_their_default(db, tmp_path, seeds):
    import yaml

    writer.load(seeds)
    exporter.export(tmp_path / "out")
    questions = yaml.safe_load((tmp_path / "out/pathways/mini/questions.yaml").read_text())
    assert questions["questions"][0] == {
        "code": "power",
        "step": "history",
        "type": "mrc",
        "prompt": "Power?",
        "kb": "ehl",
    }
    sources = yaml.safe_load((tmp_path / "out/kb/sources.yaml").read_text())
    assert sources == {"sources": [{"key": "src-a", "citation": "Source A (2020)", "year": 2020}]}
