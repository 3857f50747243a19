from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from ops.management.commands._pgclient import run_client


class Command(BaseCommand):
    help = "Back the database up with pg_dump (custom format) into backups/."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", help="The file to write (default: backups/<database>-<UTC time>.dump)."
        )

    def handle(self, *args, output=None, **options):
        name = settings.DATABASES["default"]["NAME"]
        target = (
            Path(output)
            if output
            else (
                Path(settings.BASE_DIR) / "backups" / f"{name}-{timezone.now():%Y%m%d-%H%M%S}.dump"
            )
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        # Owners and privileges stay in the archive (pg_dump ignores --no-owner for this
        # format); restore leaves them out, so a backup restores under another role.
        run_client("pg_dump", "--format=custom", "--file", str(target))
        size = target.stat().st_size
        self.stdout.write(self.style.SUCCESS(f"Backed up {name} to {target} ({size:,} bytes)."))
