"""Settings for bench/web_bench.py: the project's, in production shape where it matters for
speed (DEBUG off: no query log, no debug pages), plus one bare view for the baseline."""

from mailsec.settings import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "bench.web_urls"
ALLOWED_HOSTS = ["127.0.0.77", "testserver", "localhost"]
# No collectstatic in a bench: plain static URLs (whitenoise's manifest needs one).
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# A cache of its own (the pre-rendered page fragments), not the one `make run` uses.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": DATA_DIR / "webbench-cache",  # noqa: F405
        # Room for every page's fragments (the default 300 entries would evict most of the
        # 2,000; Redis, as in production, has no such cap).
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
}
