"""`manage.py assess FILE.json`: evaluate answers, print JSON results."""

import json
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from pathway.engine import AnswerError, evaluate
from pathway.models import Pathway
from pathway.snapshot import snapshot_for

# Answers are at most four levels deep (a list of objects of answers of lists); anything deeper
# is not an answer, and a deep enough document exhausts the parser's or the engine's recursion.
MAX_DEPTH = 16


def fail(message: str) -> CommandError:
    # Exit status 2, one line on stderr, nothing on stdout. Lone surrogates from the input are
    # escaped, or writing the message would itself fail.
    line = " ".join(message.split()).encode("utf-8", "backslashreplace").decode("utf-8")
    return CommandError(line, returncode=2)


def refuse_constant(name: str):
    raise ValueError(f"{name} is not a number")


def depth(document) -> int:
    deepest, stack = 0, [(document, 1)]
    while stack:
        value, level = stack.pop()
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            break
        children = (
            value.values()
            if isinstance(value, dict)
            else (value if isinstance(value, list) else ())
        )
        stack.extend((child, level + 1) for child in children)
    return deepest


class Command(BaseCommand):
    help = (
        "Evaluate answers against the published pathway and print the results as JSON. "
        'Input: {"answers": {...}} or a list of such objects (each may carry an "id"). '
        "Bad input exits with status 2 and one line on stderr."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        # The contract's --version N (a pathway version) replaces Django's --version flag.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("file", help="A JSON file, or - to read standard input.")
        parser.add_argument(
            "--pathway", default=None, help="Pathway slug (default: the default pathway)."
        )
        parser.add_argument(
            "--version",
            type=int,
            default=None,
            dest="pathway_version",
            help="Evaluate against this version (default: the published one).",
        )

    def handle(self, *args, file, pathway=None, pathway_version=None, **options):
        snapshot = snapshot_for(
            self.pathway(pathway or settings.PATHWAY_DEFAULT_SLUG, pathway_version)
        )
        document = self.read(file)
        items = document if isinstance(document, list) else [document]
        results = []
        for index, item in enumerate(items, 1):
            where = f"item {index}" if isinstance(document, list) else "input"
            if not isinstance(item, dict):
                raise fail(
                    f'{where}: expected an object with "answers", found {type(item).__name__}'
                )
            if "id" in item:
                where = f"{where} (id {item['id']!r})"
            if "answers" not in item:
                raise fail(f'{where}: missing "answers"')
            try:
                result = evaluate(snapshot, item["answers"])
            except AnswerError as exc:
                raise fail(f"{where}: {exc}") from None
            results.append({"id": item.get("id"), **result.to_dict()})
        output = results if isinstance(document, list) else results[0]
        self.stdout.write(json.dumps(output, indent=2))

    def pathway(self, slug: str, version: int | None) -> Pathway:
        versions = Pathway.objects.for_slug(slug)
        found = (
            versions.filter(version=version) if version is not None else versions.published()
        ).first()
        if found is None:
            what = f"version {version}" if version is not None else "published version"
            raise fail(f"pathway {slug!r} has no {what}")
        return found

    def read(self, file: str):
        try:
            text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise fail(f"cannot read {file}: {exc}") from None
        try:
            document = json.loads(text, parse_constant=refuse_constant)
        except RecursionError:
            raise fail(f"{file} is nested too deeply (at most {MAX_DEPTH} levels)") from None
        except ValueError as exc:  # JSONDecodeError, NaN, or an integer too long to convert
            raise fail(f"{file} is not valid JSON: {exc}") from None
        if depth(document) > MAX_DEPTH:
            raise fail(f"{file} is nested too deeply (at most {MAX_DEPTH} levels)")
        return document
