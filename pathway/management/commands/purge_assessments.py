import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from pathway.models import Assessment


class Command(BaseCommand):
    help = (
        "Delete assessments (their answers and change history with them) last changed more "
        "than N days ago. Run it daily; N defaults to ASSESSMENT_RETENTION_DAYS."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None,
                            help="Age in days (default: ASSESSMENT_RETENTION_DAYS).")
        parser.add_argument("--dry-run", action="store_true",
                            help="Count what would be deleted, delete nothing.")

    def handle(self, *args, days=None, dry_run=False, **options):
        days = settings.ASSESSMENT_RETENTION_DAYS if days is None else days
        if days < 1:
            raise CommandError("--days must be 1 or more.", returncode=2)
        cutoff = timezone.now() - dt.timedelta(days=days)
        old = Assessment.objects.filter(updated_at__lt=cutoff)
        count = old.count()
        if dry_run:
            self.stdout.write(f"{count} assessment(s) last changed before {cutoff:%Y-%m-%d %H:%M}"
                              " would be deleted (dry run).")
            return
        old.delete()
        self.stdout.write(f"Deleted {count} assessment(s) last changed before "
                          f"{cutoff:%Y-%m-%d %H:%M} (older than {days} days).")
