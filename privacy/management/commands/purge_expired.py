from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from privacy import services


class Command(BaseCommand):
    help = (
        "Erase the transcripts, the AI's session documents and its inputs and outputs of "
        "interviews finished more than TRANSCRIPT_RETENTION_DAYS days ago (unset: keep "
        "them forever), in batches."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, help="Override TRANSCRIPT_RETENTION_DAYS for this run."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be purged; change nothing."
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=services.PURGE_BATCH_SIZE,
            help=f"Rows rewritten per transaction (default {services.PURGE_BATCH_SIZE}).",
        )

    def handle(self, *args, days, dry_run, batch_size, **options):
        days = settings.TRANSCRIPT_RETENTION_DAYS if days is None else days
        if days is None:
            self.stdout.write(
                "TRANSCRIPT_RETENTION_DAYS is not set: transcripts are kept forever. "
                "Nothing purged."
            )
            return
        if days < 0:
            raise CommandError("The retention period cannot be negative.")
        if batch_size < 1:
            raise CommandError("--batch-size must be 1 or more.")
        cutoff = timezone.now() - timedelta(days=days)
        with services.only_one_purge() as alone:
            if not alone:
                self.stdout.write(
                    "Another purge_expired is running; this one leaves the work to it."
                )
                return
            result = services.purge_expired(
                finished_before=cutoff,
                batch_size=batch_size,
                dry_run=dry_run,
                progress=self.report_progress,
            )
        counts = ", ".join(
            f"{rows} {model._meta.verbose_name_plural}" for model, rows in result.rows.items()
        )
        verb = "Would purge" if dry_run else "Purged"
        self.stdout.write(
            f"{verb} {counts} of {result.interviews} interviews finished before "
            f"{cutoff:%Y-%m-%d %H:%M} UTC (retention: {days} days)."
        )

    def report_progress(self, model, done, total):
        self.stdout.write(f"  {model._meta.verbose_name_plural}: {done} of {total}")
