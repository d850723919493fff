"""The newcomer's documents stay true: every code in docs/vocabulary.md is the seeded content's,
and every seeded code is there; every file the documents name exists."""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SEEDED = ROOT / "seeds" / "pathways" / "lumbar-radicular"


def seeds(name: str):
    return yaml.safe_load((SEEDED / name).read_text(encoding="utf-8"))


def section(text: str, title: str) -> str:
    return text.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def table_rows(text: str) -> list[list[str]]:
    return [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in text.splitlines()
        if line.startswith("| `")
    ]


def test_the_vocabulary_lists_every_question_and_option_of_the_seeded_pathway():
    text = (ROOT / "docs" / "vocabulary.md").read_text(encoding="utf-8")
    documented = {}
    for step in re.split(r"\n### ", section(text, "Questions"))[1:]:
        step_code = re.match(r".*\(`(\w+)`\)", step).group(1)
        for code, kind, _prompt, answers in table_rows(step):
            documented[code.strip("`")] = (
                step_code,
                kind.split()[0],
                re.findall(r"`([\w]+)`", answers),
            )
    seeded = {}
    for question in seeds("questions.yaml")["questions"]:
        options = [o["code"] for o in question.get("options", [])]
        if question["type"] == "mrc":
            options = ["5", "0"]
        elif question["type"] == "number":
            options = []
        seeded[question["code"]] = (question["step"], question["type"], options)
    assert documented == seeded


def test_the_vocabulary_lists_every_tier_and_level():
    text = (ROOT / "docs" / "vocabulary.md").read_text(encoding="utf-8")
    pathway = seeds("pathway.yaml")
    for title, key in (("Tiers", "tiers"), ("Levels", "levels")):
        rows = [(code.strip("`"), name) for code, name in table_rows(section(text, title))]
        assert rows == [(item["code"], item["title"]) for item in pathway[key]], title


@pytest.mark.parametrize("page", ["docs/architecture.md", "docs/editing.md", "README.md"])
def test_the_documents_name_only_files_that_exist(page):
    text = (ROOT / page).read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:pathway|kb|templates|static|tests|seeds|docs)/[\w./-]+)`", text))
    assert named
    assert sorted(path for path in named if not (ROOT / path).exists()) == []


def test_the_readme_links_the_documents():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for page in ("docs/architecture.md", "docs/vocabulary.md"):
        assert f"]({page})" in readme
