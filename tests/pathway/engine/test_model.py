"""The snapshot's frozen specs: a question's hash is computed once and agrees with equality."""

import dataclasses

from hypothesis import given
from hypothesis import strategies as st

from pathway.engine.model import OptionSpec, QuestionSpec
from tests.helpers import seeded_pathway


def test_equal_questions_hash_alike_and_the_page_only_title_changes_neither():
    for question in seeded_pathway().questions:
        copy = dataclasses.replace(question)
        assert copy == question and hash(copy) == hash(question)
        retitled = dataclasses.replace(question, kb_title="Another page title")
        assert retitled == question and hash(retitled) == hash(question)


@given(
    prompt=st.text(max_size=20),
    required=st.booleans(),
    options=st.lists(st.sampled_from(["yes", "no", "none"]), unique=True, max_size=3),
)
def test_a_question_changed_in_any_compared_field_is_another_key(prompt, required, options):
    base = QuestionSpec("q", "s", "choice", prompt="p", options=(OptionSpec("yes", "Yes"),))
    other = dataclasses.replace(
        base,
        prompt=prompt,
        required=required,
        options=tuple(OptionSpec(code, code) for code in options),
    )
    if other == base:
        assert hash(other) == hash(base)
    cache = {base: "drawn for base"}
    assert cache.get(other) == ("drawn for base" if other == base else None)
