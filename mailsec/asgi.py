"""ASGI entry point (for an ASGI server; production uses gunicorn with mailsec.wsgi)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mailsec.settings")

application = get_asgi_application()
