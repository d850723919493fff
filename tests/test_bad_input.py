"""Bad input anywhere: never a 500, never a change to what was stored, always a clear message.

Hypothesis generates field names, types, lengths and codes for every form and htmx endpoint,
for `manage.py assess`, and for the seed files.
"""

import io
import json
import sys
import uuid

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathway import models as pm
from pathway import services
from pathway.seeds import writer
from pathway.seeds.schema import SeedError
from tests.helpers import regression_cases
from tests.pathway import vocabulary

CODES = list(vocabulary.QUESTIONS)
STEP_OF = {code: step for code, (step, _, _) in vocabulary.QUESTIONS.items()}
EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

junk_text = st.one_of(
    st.text(max_size=30),
    st.text(min_size=2000, max_size=5000),
    st.sampled_from(
        [
            "-1",
            "1e9",
            "NaN",
            "3.5",
            "",
            " ",
            "null",
            "yes",
            "none",
            "<script>",
            "' OR 1=1 --",
            "\x00",
            "\uff19",
            "5\n5",
        ]
    ),
    st.integers(-(10**12), 10**12).map(str),
)
field_names = st.one_of(
    st.sampled_from(CODES),
    st.text(min_size=1, max_size=20),
    st.sampled_from(["nav", "changed", "csrfmiddlewaretoken", "was_age"]),
)
form_data = st.dictionaries(
    field_names, st.one_of(junk_text, st.lists(junk_text, max_size=4)), max_size=8
)


@pytest.fixture
def assessment(seeded):
    assessment = services.assessment_start(pathway=pm.Pathway.objects.published().get())
    services.answers_record(assessment=assessment, values=regression_cases()[2]["answers"])
    return assessment


def stored(assessment):
    return services.answers_for(assessment)


@EXAMPLES
@given(step=st.sampled_from(["red_flags", "history", "exam"]), data=form_data)
def test_random_step_posts_never_fail_and_invalid_ones_change_nothing(
    client, assessment, step, data
):
    before = stored(assessment)
    url = reverse("step", kwargs={"pk": assessment.pk, "step": step})
    response = client.post(url, {**data, "nav": data.get("nav", "continue")})
    assert response.status_code in {200, 302}
    if response.status_code == 200:
        assert stored(assessment) == before  # an invalid page stores nothing
        assert "Nothing on this page was saved" in response.text
        assert 'class="field-error"' in response.text


@EXAMPLES
@given(code=st.sampled_from(CODES), value=st.one_of(junk_text, st.lists(junk_text, max_size=3)))
def test_random_htmx_answers_never_fail_and_invalid_ones_change_nothing(
    client, assessment, code, value
):
    before = stored(assessment)
    url = reverse("step", kwargs={"pk": assessment.pk, "step": STEP_OF[code]})
    response = client.post(url, {code: value, "changed": code}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    after = stored(assessment)
    error = f'id="err-{code}" hx-swap-oob="true"><span class="visually-hidden">Error: </span>'
    if error in response.text:
        assert after.get(code) == before.get(code)
    others = {k: v for k, v in after.items() if k != code}
    assert others == {k: v for k, v in before.items() if k != code}


@EXAMPLES
@given(
    path=st.sampled_from(["review", "result", "handout", "handout_pdf", "handout_css", "resume"]),
    query=st.dictionaries(st.sampled_from(["for", "paper", "x"]), junk_text, max_size=2),
    method=st.sampled_from(["get", "post", "put", "delete"]),
)
def test_random_requests_to_other_pages_never_fail(client, assessment, path, query, method):
    url = reverse(path, kwargs={"pk": assessment.pk})
    before = stored(assessment)
    response = getattr(client, method)(url, query)
    assert response.status_code in {200, 302, 400, 405}
    assert stored(assessment) == before


@EXAMPLES
@given(data=st.dictionaries(field_names, junk_text, max_size=4))
def test_random_posts_to_start_never_fail(client, seeded, data):
    """The start view reads no field: whatever is posted, a new assessment starts empty."""
    before = set(pm.Assessment.objects.values_list("pk", flat=True))
    response = client.post(reverse("assessment_start"), data)
    (started,) = pm.Assessment.objects.exclude(pk__in=before)
    assert response.status_code == 302
    assert response.url == reverse("step", kwargs={"pk": started.pk, "step": "red_flags"})
    assert not started.answers.exists()


def test_an_unknown_assessment_or_step_is_a_clear_404(client, seeded):
    assert client.get(f"/a/{uuid.uuid4()}/red_flags/").status_code == 404
    assert client.get("/a/12345/red_flags/").status_code == 404


json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**6), 10**6),
        st.floats(allow_nan=False),
        st.text(max_size=20),
        st.sampled_from(CODES),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(
            st.one_of(st.sampled_from(CODES), st.text(max_size=8)), children, max_size=4
        ),
    ),
    max_leaves=12,
)
assess_documents = st.one_of(
    st.builds(
        lambda answers: {"answers": answers},
        st.dictionaries(st.sampled_from(CODES), json_values, max_size=6),
    ),
    json_values,
)


@EXAMPLES
@given(document=assess_documents)
def test_assess_with_random_input_exits_2_with_one_line_or_gives_json(seeded, document):
    out = io.StringIO()
    stdin, sys.stdin = sys.stdin, io.StringIO(json.dumps(document))
    try:
        call_command("assess", "-", stdout=out)
    except CommandError as exc:
        assert exc.returncode == 2
        assert "\n" not in str(exc) and str(exc)
        assert out.getvalue() == ""
    else:
        output = json.loads(out.getvalue())
        results = output if isinstance(document, list) else [output]
        assert all(result["tier"] in vocabulary.TIERS for result in results)
    finally:
        sys.stdin = stdin


def counts():
    from kb.models import Entry, Source

    return (
        Source.objects.count(),
        Entry.objects.count(),
        pm.Pathway.objects.count(),
        pm.Rule.objects.count(),
        pm.Criterion.objects.count(),
    )


yaml_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.text(max_size=15),
        st.sampled_from(["L5", "yes", "mrc", "power <= 3", "[a, b]", "2030-01-01"]),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(
            st.sampled_from(
                [
                    "slug",
                    "code",
                    "title",
                    "when",
                    "type",
                    "roots",
                    "sources",
                    "options",
                    "answers",
                    "effect",
                    "x",
                ]
            ),
            children,
            max_size=5,
        ),
    ),
    max_leaves=15,
)


@EXAMPLES
@given(
    filename=st.sampled_from(
        [
            "kb/muscles.yaml",
            "kb/sources.yaml",
            "kb/odd.yaml",
            "pathways/lumbar-radicular/rules.yaml",
            "pathways/lumbar-radicular/questions.yaml",
            "pathways/lumbar-radicular/pathway.yaml",
        ]
    ),
    content=st.one_of(yaml_values.map(lambda v: yaml.safe_dump(v)), st.text(max_size=200)),
)
def test_malformed_seed_files_are_reported_and_change_nothing(
    seeded, tmp_path_factory, filename, content
):
    import shutil

    from django.conf import settings as django_settings

    root = tmp_path_factory.mktemp("seeds") / "seeds"
    shutil.copytree(django_settings.SEEDS_DIR, root)
    (root / filename).write_text(content, encoding="utf-8")
    before = counts()
    try:
        writer.load(root)
    except SeedError as exc:
        assert exc.problems and all(isinstance(p, str) and ": " in p for p in exc.problems)
        assert counts() == before
