"""Reads that every page of an assessment makes, with their SQL compiled once per process.

The query compiler's work for a small read costs more than the read itself, and these run on
every page. The statement comes from a queryset, so it follows any migration; only the SQL text
is kept, never rows, so an edit in the admin shows on the next page."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.db.models import QuerySet

_compiled: dict[tuple[str, str], tuple[str, tuple]] = {}


def fetch(name: str, queryset: Callable[[], QuerySet]) -> list[tuple]:
    """The rows of `queryset()` (a values_list of plain columns: no conversions are applied),
    compiled the first time `name` is fetched on this database."""
    key = (name, connection.vendor)
    statement = _compiled.get(key)
    if statement is None:
        statement = _compiled[key] = queryset().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(*statement)
        return cursor.fetchall()
