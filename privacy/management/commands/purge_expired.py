from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from privacy import services


class Command(BaseCommand):
    help = (
        "Erase transcript text and audio links of interviews finished more than "
        "TRANSCRIPT_RETENTION_DAYS days ago (unset: keep them forever)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, help="Override TRANSCRIPT_RETENTION_DAYS for this run."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be purged; change nothing."
        )

    def handle(self, *args, days, dry_run, **options):
        days = settings.TRANSCRIPT_RETENTION_DAYS if days is None else days
        if days is None:
            self.stdout.write(
                "TRANSCRIPT_RETENTION_DAYS is not set: transcripts are kept forever. "
                "Nothing purged."
            )
            return
        if days < 0:
            raise CommandError("The retention period cannot be negative.")
        cutoff = timezone.now() - timedelta(days=days)
        result = services.purge_expired_transcripts(finished_before=cutoff, dry_run=dry_run)
        verb = "Would purge" if dry_run else "Purged"
        self.stdout.write(
            f"{verb} {result.messages} messages of {result.interviews} interviews "
            f"finished before {cutoff:%Y-%m-%d %H:%M} UTC (retention: {days} days)."
        )
