"""WSGI entry point: `gunicorn mailsec.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mailsec.settings")

application = get_wsgi_application()

# After Django's LOGGING: gunicorn's own error and access logs hide a link's token as Django's
# request logs do (s48r2).
from mailsec.logfilter import hide_url_tokens_in_gunicorn_logs  # noqa: E402

hide_url_tokens_in_gunicorn_logs()
