"""Writes go through these functions: keyword-only, typed, each in one transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from pathway.models import Answer, AnswerChange, Assessment, Pathway


def assessment_start(*, pathway: Pathway) -> Assessment:
    return Assessment.objects.create(pathway=pathway)


def answers_for(assessment: Assessment) -> dict[str, Any]:
    """The stored answers, question code to value (multi answers as lists)."""
    return dict(assessment.answers.values_list("question", "value"))


@transaction.atomic
def answers_record(*, assessment: Assessment, values: Mapping[str, Any]) -> list[str]:
    """Store answers (None clears one). Only changed answers are written, each change is kept.

    One row per question: answers to other questions, written concurrently from another tab,
    are untouched. Returns the codes that changed.
    """
    # What is stored is compared inside the transaction, with the assessment's writers queued
    # (a row lock on PostgreSQL; SQLite's IMMEDIATE transactions hold the write lock already):
    # compared with what the page read before, another tab's answer to the same question,
    # stored in between, would make this one look unchanged, and it would be dropped.
    list(Assessment.objects.select_for_update().filter(pk=assessment.pk).values_list("pk"))
    current = dict(Answer.objects.filter(assessment=assessment, question__in=list(values))
                   .values_list("question", "value"))
    changed = {code: value for code, value in values.items() if current.get(code) != value}
    if not changed:
        return []
    now = timezone.now()
    upserts = [Answer(assessment=assessment, question=code, value=value, updated_at=now)
               for code, value in changed.items() if value is not None]
    if upserts:
        Answer.objects.bulk_create(
            upserts, update_conflicts=True, unique_fields=["assessment", "question"],
            update_fields=["value", "updated_at"],
        )
    cleared = [code for code, value in changed.items() if value is None]
    if cleared:
        Answer.objects.filter(assessment=assessment, question__in=cleared).delete()
    AnswerChange.objects.bulk_create(
        AnswerChange(assessment=assessment, question=code, value=value)
        for code, value in changed.items()
    )
    Assessment.objects.filter(pk=assessment.pk).update(updated_at=now)
    return list(changed)


def assessment_complete(*, assessment: Assessment) -> None:
    """Mark the result as first shown. `updated_at` stays the time of the last answer: the
    handout's date and review date are counted from it, whenever it is printed again."""
    if assessment.completed_at is None:
        assessment.completed_at = timezone.now()
        Assessment.objects.filter(pk=assessment.pk, completed_at__isnull=True).update(
            completed_at=assessment.completed_at)


def assessed_on(assessment: Assessment):
    """The day the answers were last given: the date a handout or note for the record says."""
    return timezone.localdate(assessment.updated_at)
