from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from pathway.models import Pathway
from pathway.seeds import writer
from pathway.seeds.schema import SeedError


class Command(BaseCommand):
    help = (
        "Load the seed files (kb items, sources, pathways) into the database. Idempotent: "
        "unchanged content is left alone; a changed pathway becomes a new draft version."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "directory", nargs="?", default=None, help="Seeds directory (default: seeds/)."
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Load only into a database with no pathway yet (a first deployment); "
            "otherwise say so and change nothing. `make serve` uses this, so a deploy "
            "never loads seeds over content edited in the admin.",
        )

    def handle(self, *args, directory=None, if_empty=False, **options):
        seeds_dir = Path(directory) if directory else Path(settings.SEEDS_DIR)
        if if_empty and Pathway.objects.exists():
            self.stdout.write(
                "The database already has content: seeds not loaded (run "
                "`manage.py load_seeds` to load changed seeds as a new draft)."
            )
            return
        try:
            report = writer.load(seeds_dir)
        except DatabaseError as exc:
            # A constraint or lock the seeds ran into: one line, and the transaction rolled
            # back, so nothing was changed.
            first = " ".join(str(exc).split()) or type(exc).__name__
            raise CommandError(
                f"the database refused the seeds; nothing was changed: {first}", returncode=2
            ) from exc
        except SeedError as exc:
            count = len(exc.problems)
            # Exit status 2, as for any bad input: one line for each problem.
            raise CommandError(
                f"{count} problem{'s' if count != 1 else ''} in the seed files; nothing was "
                "changed:\n  " + "\n  ".join(" ".join(p.split()) for p in exc.problems),
                returncode=2,
            ) from exc
        for line in report.lines:
            self.stdout.write(line)
