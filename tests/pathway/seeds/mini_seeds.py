"""A small pathway's seed files, written by the tests that need them (not the shipped content)."""

import pytest
import yaml

from kb.models import Entry, Source
from pathway import models as pm
from pathway.seeds import writer
from pathway.seeds.schema import SeedError

KB = {
    "sources": [{"key": "src-a", "citation": "Source A (2020)", "year": 2020}],
    "roots": [
        {
            "slug": "l5-root",
            "title": "L5 root",
            "summary": "The L5 root.",
            "review_by": "2030-01-01",
            "sources": ["src-a"],
            "code": "L5",
            "exit_foramen": "L5-S1",
            "compressed_by": "An L4-5 disc [@src-a].",
            "dermatome": "Lateral calf.",
        }
    ],
    "muscles": [
        {
            "slug": "ehl",
            "title": "EHL",
            "summary": "Big toe extensor.",
            "review_by": "2030-01-01",
            "sources": ["src-a"],
            "action": "Toe extension",
            "peripheral_nerve": "Deep peroneal",
            "roots": {"L5": "main"},
            "body": "It is **L5** [@src-a].",
        }
    ],
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
        {
            "code": "urgent",
            "rank": 1,
            "title": "Urgent",
            "timeframe": "Today",
            "clinician_summary": "Refer.",
            "patient_summary": "See someone today.",
            "review_interval_days": 1,
        },
        {
            "code": "conservative",
            "rank": 2,
            "title": "Conservative",
            "timeframe": "Weeks",
            "clinician_summary": "Advise.",
            "patient_summary": "Keep active.",
            "review_interval_days": 21,
        },
    ],
    "levels": [
        {"code": "L5", "title": "L5", "kb": "l5-root", "patient_explanation": "A nerve."},
        {"code": "indeterminate", "title": "None", "patient_explanation": "Unclear."},
    ],
}
QUESTIONS = {
    "questions": [
        {"code": "power", "step": "history", "type": "mrc", "prompt": "Power?", "kb": "ehl"},
        {
            "code": "sure",
            "step": "history",
            "type": "tri",
            "prompt": "Sure?",
            "red_flag": True,
            "options": [
                {"code": "yes", "label": "Yes"},
                {"code": "no", "label": "No"},
                {"code": "not_assessed", "label": "Not assessed"},
            ],
        },
        {
            "code": "why",
            "step": "history",
            "type": "choice",
            "prompt": "Why?",
            "enable_when": "sure = yes",
            "options": [{"code": "a", "label": "A"}],
        },
    ]
}
RULES = {
    "rules": [
        {
            "code": "weak",
            "title": "Weak",
            "effect": "tier",
            "target": "urgent",
            "when": "(power <= 3 or sure = yes) and level != indeterminate",
            "rationale": "Because.",
            "sources": ["src-a"],
        },
        {
            "code": "l5_weak",
            "title": "L5",
            "effect": "score",
            "target": "L5",
            "weight": 2.5,
            "when": "power <= 4",
            "rationale": "EHL is L5.",
            "sources": ["src-a"],
        },
    ]
}
CASES = {
    "cases": [
        {
            "code": "C1",
            "title": "A case",
            "answers": {"power": 2, "sure": "no"},
            "expect_tiers": ["urgent"],
            "expect_levels": ["L5"],
        }
    ]
}


def write_seeds(root, *, kb=None, pathway=None, questions=None, rules=None, cases=None):
    seeds = root / "seeds"
    (seeds / "kb").mkdir(parents=True)
    directory = seeds / "pathways" / "mini"
    directory.mkdir(parents=True)
    for kind, entries in (kb or KB).items():
        (seeds / "kb" / f"{kind}.yaml").write_text(yaml.safe_dump({kind: entries}))
    for name, content in (
        ("pathway", pathway or PATHWAY),
        ("questions", questions or QUESTIONS),
        ("rules", rules or RULES),
        ("cases", cases or CASES),
    ):
        (directory / f"{name}.yaml").write_text(yaml.safe_dump(content))
    return seeds


def counts():
    return (
        Source.objects.count(),
        Entry.objects.count(),
        pm.Pathway.objects.count(),
        pm.Question.objects.count(),
        pm.Rule.objects.count(),
        pm.Criterion.objects.count(),
    )


def problems_for(tmp_path, **changes):
    with pytest.raises(SeedError) as caught:
        writer.load(write_seeds(tmp_path, **changes))
    return "\n".join(caught.value.problems)
