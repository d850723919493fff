"""Knowledge-base pages: index and search, a page per kind, cross-links, safe Markdown."""

import pytest
from django.urls import reverse

from tests.kb import factories as f

pytestmark = pytest.mark.usefixtures("empty_db")


@pytest.fixture
def l5(db):
    root = f.NerveRootFactory(code="L5", body="The L5 root exits at L5-S1 [@source-a].")
    ehl = f.MuscleFactory(slug="extensor-hallucis-longus", title="Extensor hallucis longus")
    f.RootContributionFactory(muscle=ehl, root=root)
    region = f.SensoryRegionFactory(slug="lateral-calf", title="Lateral calf", code="lateral_calf")
    region.roots.add(root)
    reflex = f.ReflexFactory(slug="medial-hamstring-reflex", title="Medial hamstring reflex")
    reflex.roots.add(root)
    test = f.ClinicalTestFactory(slug="straight-leg-raise", title="Straight leg raise")
    test.roots.add(root)
    return {"root": root, "muscle": ehl, "region": region, "reflex": reflex, "test": test}


def test_the_index_lists_entries_grouped_by_kind(client, l5):
    response = client.get(reverse("kb:index"))
    assert response.status_code == 200
    labels = [group["label"] for group in response.context_data["groups"]]
    assert labels == ["Nerve roots", "Muscles", "Sensory regions", "Reflexes", "Clinical tests"]
    assert "Extensor hallucis longus" in response.text


def test_search_finds_entries_by_word_and_says_when_nothing_matches(client, l5):
    response = client.get(reverse("kb:index"), {"q": "hamstring"})
    assert response.context_data["count"] == 1
    assert "Medial hamstring reflex" in response.text
    response = client.get(reverse("kb:index"), {"q": "zebra"})
    assert response.context_data["count"] == 0
    assert "Nothing matches" in response.text


def test_a_root_page_links_its_muscles_regions_reflex_and_tests(client, l5):
    response = client.get(l5["root"].get_absolute_url())
    assert response.status_code == 200
    for item in ("muscle", "region", "reflex", "test"):
        assert f'href="{l5[item].get_absolute_url()}"' in response.text, item


def test_a_muscle_page_links_its_roots(client, l5):
    response = client.get(l5["muscle"].get_absolute_url())
    assert f'href="{l5["root"].get_absolute_url()}"' in response.text


def test_every_kind_has_a_page(client, db):
    for factory in (
        f.NerveRootFactory,
        f.MuscleFactory,
        f.SensoryRegionFactory,
        f.ReflexFactory,
        f.ClinicalTestFactory,
        f.ConditionFactory,
        f.TreatmentFactory,
    ):
        entry = factory()
        response = client.get(entry.get_absolute_url())
        assert response.status_code == 200, factory
        assert entry.title in response.text


def test_citations_are_numbered_and_link_to_the_reference_list(client, l5):
    response = client.get(l5["root"].get_absolute_url())
    assert '<a href="#ref-source-a" title="Source: source-a" rel="noopener noreferrer">[1]</a>' in (
        response.text
    )
    assert 'id="ref-source-a"' in response.text
    assert reverse("kb:source", args=["source-a"]) in response.text


def test_script_in_markdown_comes_out_inert(client, db):
    entry = f.ConditionFactory(
        body='<script>alert("x")</script>\n\n<img src=x onerror="alert(1)">\n\n'
        "[click](javascript:alert(1)) **bold**",
        key_features="<script>steal()</script> ok",
    )
    response = client.get(entry.get_absolute_url())
    assert "<script>alert" not in response.text
    assert "<script>steal" not in response.text
    assert "onerror" not in response.text
    assert "javascript:" not in response.text
    assert "<strong>bold</strong>" in response.text


def test_unpublished_and_unknown_entries_are_not_found(client, db):
    hidden = f.ConditionFactory(published=False)
    assert client.get(hidden.get_absolute_url()).status_code == 404
    assert client.get(reverse("kb:entry", args=["no-such-entry"])).status_code == 404
    assert hidden.title not in client.get(reverse("kb:index")).text


def test_source_pages_list_what_cites_them(client, l5):
    response = client.get(reverse("kb:source", args=["source-a"]))
    assert response.status_code == 200
    assert l5["root"].title in response.text
    assert client.get(reverse("kb:sources")).status_code == 200
    assert client.get(reverse("kb:source", args=["unknown"])).status_code == 404


def test_kb_pages_refuse_posts(client, l5):
    assert client.post(reverse("kb:index")).status_code == 405
    assert client.post(l5["root"].get_absolute_url()).status_code == 405
