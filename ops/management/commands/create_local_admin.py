import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create the local development admin login once and print its password."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--email", default="admin@localhost")

    def handle(self, *args, username, email, **options):
        if not settings.DEBUG:
            raise CommandError(
                "create_local_admin is for local development (DEBUG on); "
                "in production use: manage.py createsuperuser"
            )
        users = get_user_model()
        if users.objects.filter(username=username).exists():
            self.stdout.write(
                f"Admin login '{username}' exists; its password was printed when it was "
                f"created. Forgot it? manage.py changepassword {username}"
            )
            return
        password = secrets.token_urlsafe(12)
        users.objects.create_superuser(username=username, email=email, password=password)
        self.stdout.write(
            self.style.SUCCESS(
                "\n  Local admin login created (shown only this once):\n"
                f"    URL:      http://127.0.0.1:8000/admin/\n"
                f"    username: {username}\n"
                f"    password: {password}\n"
            )
        )
