"""The shipped seed files: complete vocabulary, resolving references, complete kb content."""

import pytest

from kb import markdown
from kb.models import (
    ClinicalTest,
    Condition,
    Entry,
    Muscle,
    NerveRoot,
    Reflex,
    SensoryRegion,
    Treatment,
)
from pathway import models as pm
from tests.pathway import vocabulary

pytestmark = pytest.mark.usefixtures("seeded")


@pytest.fixture
def pathway(seeded):
    return pm.Pathway.objects.published().get(slug="lumbar-radicular")


def test_every_vocabulary_question_exists_with_its_type_step_and_options(pathway):
    questions = {
        q.code: q for q in pathway.questions.select_related("step").prefetch_related("options")
    }
    for code, (step, kind, spec) in vocabulary.QUESTIONS.items():
        question = questions.get(code)
        assert question is not None, f"missing question {code}"
        assert (question.step.code, question.type) == (step, kind), code
        if kind in {"number", "mrc"}:
            assert (question.subject_spec().minimum, question.subject_spec().maximum) == spec
        else:
            codes = [o.code for o in question.options.all()]
            assert set(spec) <= set(codes), f"{code}: missing {set(spec) - set(codes)}"


def test_exactly_the_key_examination_items_are_marked(pathway):
    marked = set(pathway.questions.filter(key_exam=True).values_list("code", flat=True))
    assert marked == set(vocabulary.KEY_EXAM)


def test_the_five_tiers_and_six_levels_exist_in_order(pathway):
    assert list(pathway.tiers.values_list("code", flat=True)) == vocabulary.TIERS
    assert set(pathway.levels.values_list("code", flat=True)) == set(vocabulary.LEVELS)
    assert pathway.default_tier == "conservative"


def test_every_question_prompt_is_written_and_red_flags_are_marked(pathway):
    for question in pathway.questions.all():
        assert question.prompt.strip(), question.code
        if question.step.code == "red_flags" and question.code != "ces_onset":
            assert question.red_flag, question.code
    assert not pathway.questions.filter(step__code__in=["history", "exam"], red_flag=True).exists()


def test_ces_onset_is_asked_only_after_a_ces_item_is_yes(pathway):
    onset = pathway.questions.get(code="ces_onset")
    assert pm.conditions.format_condition(pm.condition_of(onset.enable_when.all())) == (
        "(ces_bladder = yes or ces_saddle = yes or ces_bowel = yes or ces_sexual = yes)"
    )


def test_every_kb_link_and_level_link_resolves_to_a_published_entry(pathway):
    for question in pathway.questions.exclude(kb_entry=None).select_related("kb_entry"):
        assert question.kb_entry.published, question.code
    for level in pathway.levels.exclude(code="indeterminate"):
        assert level.kb_entry is not None and level.kb_entry.published, level.code


def test_every_exam_muscle_has_a_kb_page_with_its_roots():
    expected = {
        "gluteus-medius-minimus": {"L5"},
        "quadriceps": {"L4"},
        "tibialis-anterior": {"L4", "L5"},
        "extensor-hallucis-longus": {"L5"},
        "tibialis-posterior": {"L5"},
        "peroneus-longus-brevis": {"L5", "S1"},
        "gastrocnemius-soleus": {"S1"},
        "gluteus-maximus": {"S1"},
    }
    for slug, roots in expected.items():
        muscle = Muscle.objects.get(slug=slug)
        assert {c.root.code for c in muscle.contributions.all()} == roots, slug


def test_the_two_anatomical_errors_of_the_source_texts_are_corrected():
    l5 = NerveRoot.objects.get(code="L5")
    text = " ".join(l5.texts())
    assert "L4-5" in text or "L4-L5" in text
    assert "far-lateral" in text.lower() or "far lateral" in text.lower()
    # The garbled "L5-L1" disc may be named only to say it does not exist.
    assert "no such disc" in text.lower() or 'there is no "l5-l1"' in text.lower()
    gmax = Muscle.objects.get(slug="gluteus-maximus")
    assert [c.root.code for c in gmax.contributions.all()] == ["S1"]
    gmed = Muscle.objects.get(slug="gluteus-medius-minimus")
    assert "abduction" in gmed.action.lower()


def test_every_region_option_has_a_region_entry():
    codes = set(SensoryRegion.objects.values_list("code", flat=True))
    wanted = set(vocabulary.QUESTIONS["pain_regions"][2]) | set(
        vocabulary.QUESTIONS["sensory_loss"][2]
    )
    assert wanted - {"none", "not_tested"} <= codes


def test_reflexes_tests_conditions_and_treatments_are_complete():
    assert {r.slug for r in Reflex.objects.all()} >= {
        "knee-jerk",
        "ankle-jerk",
        "medial-hamstring-reflex",
    }
    assert {t.slug for t in ClinicalTest.objects.all()} >= {
        "straight-leg-raise",
        "crossed-straight-leg-raise",
        "femoral-nerve-stretch",
        "tinel-fibular-head",
        "hip-examination",
        "trendelenburg-sign",
        "mrc-power-grading",
        "saddle-sensation",
    }
    assert {c.slug for c in Condition.objects.all()} >= {
        "lumbar-disc-herniation",
        "foraminal-stenosis",
        "spondylolisthesis",
        "cauda-equina-syndrome",
        "peroneal-neuropathy",
        "hip-osteoarthritis",
        "gluteal-tendinopathy",
        "spinal-infection",
        "spinal-metastases",
        "spinal-fracture",
    }
    treatments = {t.slug: t.tier for t in Treatment.objects.all()}
    assert treatments == {
        "advice-and-activity": "conservative",
        "exercise-therapy": "conservative",
        "medicines-for-sciatica": "conservative",
        "epidural-steroid-injection": "injection",
        "microdiscectomy": "surgical_referral",
        "spinal-decompression": "surgical_referral",
    } | {
        k: v
        for k, v in treatments.items()
        if k
        not in {
            "advice-and-activity",
            "exercise-therapy",
            "medicines-for-sciatica",
            "epidural-steroid-injection",
            "microdiscectomy",
            "spinal-decompression",
        }
    }


def test_every_kb_entry_cites_listed_sources_and_has_a_review_date():
    for entry in Entry.objects.all():
        item = entry.specific
        listed = {s.key for s in item.sources.all()}
        assert listed, f"{entry.slug} cites no source"
        assert set(markdown.cited_keys(*item.texts())) <= listed, entry.slug
        assert item.review_by, entry.slug


def test_the_medicines_advice_follows_nice_ng59_2020(pathway):
    medicines = Treatment.objects.get(slug="medicines-for-sciatica")
    handout = pathway.handout_items.get(code="sciatica-medicines")
    text = " ".join([*medicines.texts(), handout.involves]).lower()
    for term in ("gabapentin", "pregabalin", "benzodiazepine", "opioid"):
        assert term in text, term
    assert "nice-ng59-medicines-2020" in {s.key for s in medicines.sources.all()}
    assert "nice-ng59-medicines-2020" in {s.key for s in handout.sources.all()}


def test_the_polyneuropathy_handout_never_says_neuropathic_medicines_are_not_offered(pathway):
    """NG59's 'do not offer gabapentinoids' is for sciatica: a painful polyneuropathy is a
    different condition, so its handout must not carry the sciatica medicines advice."""
    from pathway.engine import evaluate
    from pathway.snapshot import snapshot_for
    from tests.pathway.vocabulary import KEY_EXAM

    answers = {
        **dict.fromkeys(KEY_EXAM[:7], 5),
        "sensory_loss": ["stocking_both_feet"],
        "reflex_ankle": "absent_both_sides",
        "pain_regions": ["dorsum_foot"],
    }
    result = evaluate(snapshot_for(pathway), answers)
    assert "neuropathy-tests" in result.handout_items
    assert "sciatica-medicines" not in result.handout_items


def test_the_shipped_seeds_survive_an_export_and_reload_unchanged(tmp_path, pathway):
    from django.conf import settings

    from pathway.seeds import exporter, reader, writer

    exporter.export(tmp_path)
    original, exported = reader.read(settings.SEEDS_DIR), reader.read(tmp_path)
    assert exporter.canonical_pathway(exported.pathways[0]) == exporter.canonical_pathway(
        original.pathways[0]
    )
    report = writer.load(tmp_path)
    assert any(line.startswith("knowledge base: 0 created, 0 updated,") for line in report.lines)
    assert "pathway lumbar-radicular: unchanged (the seeds match v1, published)" in report.lines
