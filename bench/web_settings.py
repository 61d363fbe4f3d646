"""Settings for bench/web_bench.py: the project's, in production shape where it matters for
speed (DEBUG off: no query log, no debug pages; Redis as the cache), plus one bare view for
the baseline."""

import os

from mailsec.settings import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "bench.web_urls"
ALLOWED_HOSTS = ["127.0.0.77", "testserver", "localhost"]
# No collectstatic in a bench: plain static URLs (whitenoise's manifest needs one).
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The cache production has (Redis), in a database number of its own that web_bench.py empties
# before it starts: it holds the pre-rendered fragments and the sessions.
CACHES = {
    "default": {
        "BACKEND": "mailsec.cache.Redis",
        "LOCATION": os.environ["WEB_BENCH_REDIS_URL"],
        "KEY_PREFIX": "webbench",
    }
}
