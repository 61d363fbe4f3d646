"""WSGI entry point: `gunicorn mailsec.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mailsec.settings")

application = get_wsgi_application()
