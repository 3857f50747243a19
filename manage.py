#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    # Django would set a broken configuration aside and fail later with a traceback
    # about the app registry; say what is wrong, and the fix, instead.
    try:
        settings.INSTALLED_APPS  # noqa: B018 - loads the settings
    except ImproperlyConfigured as error:
        sys.exit(
            f"{error}\n"
            "Set it in the environment or in .env; for local development "
            "`cp .env.example .env` (make run does) turns DEBUG on."
        )
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
