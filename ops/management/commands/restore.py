from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from ops.management.commands._pgclient import restore_archive


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` (pg_restore), replacing current data."

    def add_arguments(self, parser):
        parser.add_argument("backup", help="The .dump file to restore.")
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive",
            help="Do not ask for confirmation.",
        )  # fmt: skip

    def handle(self, *args, backup, interactive, **options):
        source = Path(backup)
        if not source.is_file():
            raise CommandError(f"No backup file at {source}.")
        name = settings.DATABASES["default"]["NAME"]
        if interactive:
            answer = input(f"This replaces the data in {name} with {source}. Type 'yes' to go on: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled.")
        # One transaction: either the whole backup is in place, or nothing changed.
        restore_archive(str(source))
        connections.close_all()
        self.stdout.write(self.style.SUCCESS(f"Restored {name} from {source}."))
