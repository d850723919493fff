"""Published and retired content is immutable below the ORM.

Triggers on SQLite and PostgreSQL refuse any insert, update or delete of a published or retired
version's rows (the version itself, its steps, questions, options, tiers, levels, rules,
criteria, handout items, cases, case approvals and the rule and handout-item source links),
whatever the code path: a queryset update or delete, a bulk create, a cascade from deleting a
knowledge-base entry or source, a script. A version may still change its lifecycle (published
to retired, retired to published again, never back to a draft), and its revision counter moves.

The triggers act while `pathway_contentlock` holds its row (inserted here); `manage.py flush`
removes it on purpose, and the post-migrate signal puts it back.
"""

from django.db import migrations

FROZEN = "('published', 'retired')"
MESSAGE = "published or retired pathway content is read-only: make a new draft to change it"

# table -> how to find the owning version from a row (OLD or NEW)
OWNERS = {
    "pathway_step": "direct",
    "pathway_question": "direct",
    "pathway_tier": "direct",
    "pathway_level": "direct",
    "pathway_rule": "direct",
    "pathway_handoutitem": "direct",
    "pathway_regressioncase": "direct",
    "pathway_caseapproval": "direct",
    "pathway_option": "question",
    "pathway_criterion": "criterion",
    "pathway_rule_sources": "rule",
    "pathway_handoutitem_sources": "handoutitem",
}
# Columns of pathway_pathway that never change once a version is published or retired.
PATHWAY_COLUMNS = [
    "id", "slug", "version", "title", "intended_use", "population", "exclusions", "review_by",
    "default_tier", "localisation_threshold", "localisation_margin", "patient_intended_use",
    "safety_net_emergency", "safety_net_urgent", "change_note", "created_at",
]


# --- SQLite ---------------------------------------------------------------------------------


def sqlite_owner(kind: str, row: str) -> str:
    if kind == "direct":
        return f"{row}.pathway_id"
    if kind == "question":
        return f"(SELECT pathway_id FROM pathway_question WHERE id = {row}.question_id)"
    if kind == "rule":
        return f"(SELECT pathway_id FROM pathway_rule WHERE id = {row}.rule_id)"
    if kind == "handoutitem":
        return f"(SELECT pathway_id FROM pathway_handoutitem WHERE id = {row}.handoutitem_id)"
    return (f"COALESCE((SELECT pathway_id FROM pathway_rule WHERE id = {row}.rule_id), "
            f"(SELECT pathway_id FROM pathway_question WHERE id = {row}.enables_id), "
            f"(SELECT pathway_id FROM pathway_handoutitem WHERE id = {row}.shows_id))")


def sqlite_frozen(kind: str, row: str) -> str:
    return (f"(SELECT status FROM pathway_pathway WHERE id = {sqlite_owner(kind, row)}) "
            f"IN {FROZEN}")


def sqlite_statements() -> list[str]:
    locked = "EXISTS (SELECT 1 FROM pathway_contentlock)"
    abort = f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    statements = []
    for table, kind in OWNERS.items():
        for event, rows in (("INSERT", ["NEW"]), ("UPDATE", ["OLD", "NEW"]),
                            ("DELETE", ["OLD"])):
            frozen = " OR ".join(sqlite_frozen(kind, row) for row in rows)
            statements.append(
                f"CREATE TRIGGER {table}_frozen_{event.lower()} BEFORE {event} ON {table} "
                f"WHEN {locked} AND ({frozen}) {abort};")
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in PATHWAY_COLUMNS)
    statements.append(
        "CREATE TRIGGER pathway_pathway_frozen_update BEFORE UPDATE ON pathway_pathway "
        f"WHEN {locked} AND OLD.status IN {FROZEN} AND ({changed} OR NEW.status = 'draft') "
        f"{abort};")
    statements.append(
        "CREATE TRIGGER pathway_pathway_frozen_delete BEFORE DELETE ON pathway_pathway "
        f"WHEN {locked} AND OLD.status IN {FROZEN} {abort};")
    return statements


def sqlite_drop() -> list[str]:
    names = [f"{table}_frozen_{event}" for table in OWNERS
             for event in ("insert", "update", "delete")]
    names += ["pathway_pathway_frozen_update", "pathway_pathway_frozen_delete"]
    return [f"DROP TRIGGER IF EXISTS {name};" for name in names]


# --- PostgreSQL -----------------------------------------------------------------------------

POSTGRES_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION pathway_owner(kind text, r jsonb) RETURNS bigint AS $$
  SELECT CASE kind
    WHEN 'direct' THEN (r->>'pathway_id')::bigint
    WHEN 'question' THEN
      (SELECT pathway_id FROM pathway_question WHERE id = (r->>'question_id')::bigint)
    WHEN 'rule' THEN (SELECT pathway_id FROM pathway_rule WHERE id = (r->>'rule_id')::bigint)
    WHEN 'handoutitem' THEN
      (SELECT pathway_id FROM pathway_handoutitem WHERE id = (r->>'handoutitem_id')::bigint)
    ELSE COALESCE(
      (SELECT pathway_id FROM pathway_rule WHERE id = (r->>'rule_id')::bigint),
      (SELECT pathway_id FROM pathway_question WHERE id = (r->>'enables_id')::bigint),
      (SELECT pathway_id FROM pathway_handoutitem WHERE id = (r->>'shows_id')::bigint))
  END
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION pathway_is_frozen(pathway bigint) RETURNS boolean AS $$
  SELECT EXISTS (SELECT 1 FROM pathway_pathway WHERE id = pathway AND status IN {FROZEN})
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION pathway_content_guard() RETURNS trigger AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM pathway_contentlock) AND (
      (TG_OP IN ('UPDATE', 'DELETE')
       AND pathway_is_frozen(pathway_owner(TG_ARGV[0], to_jsonb(OLD))))
      OR (TG_OP IN ('UPDATE', 'INSERT')
       AND pathway_is_frozen(pathway_owner(TG_ARGV[0], to_jsonb(NEW))))) THEN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION pathway_version_guard() RETURNS trigger AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM pathway_contentlock) AND OLD.status IN {FROZEN} AND (
      TG_OP = 'DELETE' OR NEW.status = 'draft'
      OR (to_jsonb(NEW) - ARRAY['status', 'published_at', 'revision'])
         IS DISTINCT FROM (to_jsonb(OLD) - ARRAY['status', 'published_at', 'revision'])) THEN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END
$$ LANGUAGE plpgsql;
"""


def postgres_statements() -> list[str]:
    statements = [POSTGRES_FUNCTIONS]
    for table, kind in OWNERS.items():
        statements.append(
            f"CREATE TRIGGER {table}_frozen BEFORE INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION pathway_content_guard('{kind}');")
    statements.append(
        "CREATE TRIGGER pathway_pathway_frozen BEFORE UPDATE OR DELETE ON pathway_pathway "
        "FOR EACH ROW EXECUTE FUNCTION pathway_version_guard();")
    return statements


def postgres_drop() -> list[str]:
    statements = [f"DROP TRIGGER IF EXISTS {table}_frozen ON {table};" for table in OWNERS]
    statements.append("DROP TRIGGER IF EXISTS pathway_pathway_frozen ON pathway_pathway;")
    statements += ["DROP FUNCTION IF EXISTS pathway_version_guard();",
                   "DROP FUNCTION IF EXISTS pathway_content_guard();",
                   "DROP FUNCTION IF EXISTS pathway_is_frozen(bigint);",
                   "DROP FUNCTION IF EXISTS pathway_owner(text, jsonb);"]
    return statements


STATEMENTS = {"sqlite": (sqlite_statements, sqlite_drop),
              "postgresql": (postgres_statements, postgres_drop)}


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in STATEMENTS:
        raise RuntimeError(f"no content-lock triggers for the {vendor} database: the aid "
                           "supports SQLite and PostgreSQL")
    for statement in STATEMENTS[vendor][0]():
        schema_editor.execute(statement)
    apps.get_model("pathway", "ContentLock").objects.get_or_create(id=1)


def drop(apps, schema_editor):
    for statement in STATEMENTS[schema_editor.connection.vendor][1]():
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("pathway", "0009_content_lock"),
    ]

    operations = [migrations.RunPython(create, drop)]
