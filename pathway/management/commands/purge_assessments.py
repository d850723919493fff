import datetime as dt
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from pathway.models import Assessment


class Command(BaseCommand):
    help = (
        "Delete assessments (their answers and change history with them) last changed more "
        "than N days ago, in small batches. Run it daily; N defaults to "
        "ASSESSMENT_RETENTION_DAYS."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Age in days (default: ASSESSMENT_RETENTION_DAYS).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be deleted, delete nothing."
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=None,
            help="Assessments per transaction (default: ASSESSMENT_PURGE_BATCH).",
        )
        parser.add_argument(
            "--pause",
            type=float,
            default=None,
            help="Seconds between batches (default: ASSESSMENT_PURGE_PAUSE).",
        )

    def handle(self, *args, days=None, dry_run=False, batch_size=None, pause=None, **options):
        days = settings.ASSESSMENT_RETENTION_DAYS if days is None else days
        batch_size = settings.ASSESSMENT_PURGE_BATCH if batch_size is None else batch_size
        pause = settings.ASSESSMENT_PURGE_PAUSE if pause is None else pause
        if days < 1:
            raise CommandError("--days must be 1 or more.", returncode=2)
        if batch_size < 1:
            raise CommandError("--batch-size must be 1 or more.", returncode=2)
        if pause < 0:
            raise CommandError("--pause cannot be negative.", returncode=2)
        cutoff = timezone.now() - dt.timedelta(days=days)
        old = Assessment.objects.filter(updated_at__lt=cutoff)
        if dry_run:
            self.stdout.write(
                f"{old.count()} assessment(s) last changed before "
                f"{cutoff:%Y-%m-%d %H:%M} would be deleted (dry run)."
            )
            return
        deleted = 0
        while True:
            # One short transaction per batch, so live writers wait for one batch at most (on
            # SQLite the whole database is locked while a transaction writes), and memory
            # holds one batch of ids whatever the number of old assessments. Answers and their
            # history go with one DELETE each (no signals are connected to them).
            with transaction.atomic():
                ids = list(old.order_by().values_list("pk", flat=True)[:batch_size])
                if not ids:
                    break
                Assessment.objects.filter(pk__in=ids).delete()
            deleted += len(ids)
            if pause:
                time.sleep(pause)  # let waiting writers take the lock before the next batch
        self.stdout.write(
            f"Deleted {deleted} assessment(s) last changed before "
            f"{cutoff:%Y-%m-%d %H:%M} (older than {days} days)."
        )
