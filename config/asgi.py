"""ASGI entry point.

Django's handler, with requests that survive an undecodable Content-Type (core/http.py).
"""

import os

from core.http import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_asgi_application()
