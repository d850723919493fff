from pathlib import Path

from django.core.management.base import BaseCommand

from pathway.seeds import exporter


class Command(BaseCommand):
    help = (
        "Write the content in the database to DIR in the seed-file format (a lossless round trip)."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="Where to write (created if missing).")
        parser.add_argument(
            "--pathway",
            action="append",
            dest="slugs",
            help="Only this pathway slug (repeatable). Default: all.",
        )

    def handle(self, *args, directory, slugs=None, **options):
        written = exporter.export(Path(directory), slugs=slugs)
        self.stdout.write(f"wrote {len(written)} files to {directory}")
