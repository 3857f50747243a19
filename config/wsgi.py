"""WSGI entry point (gunicorn config.wsgi).

Django's handler, with requests that survive an undecodable Content-Type (core/http.py).
"""

import os

from core.http import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()
