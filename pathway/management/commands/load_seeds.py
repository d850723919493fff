from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from pathway import seeding


class Command(BaseCommand):
    help = (
        "Load the seed files (kb items, sources, pathways) into the database. Idempotent: "
        "unchanged content is left alone; a changed pathway becomes a new draft version."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "directory", nargs="?", default=None, help="Seeds directory (default: seeds/)."
        )

    def handle(self, *args, directory=None, **options):
        seeds_dir = Path(directory) if directory else Path(settings.SEEDS_DIR)
        try:
            report = seeding.load(seeds_dir)
        except seeding.SeedError as exc:
            count = len(exc.problems)
            # Exit status 2, as for any bad input: one line for each problem.
            raise CommandError(
                f"{count} problem{'s' if count != 1 else ''} in the seed files; nothing was "
                "changed:\n  " + "\n  ".join(" ".join(p.split()) for p in exc.problems),
                returncode=2,
            ) from exc
        for line in report.lines:
            self.stdout.write(line)
