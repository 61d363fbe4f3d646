"""Django settings for mailsec, read from environment variables.

With nothing set this is the embedded default used by `make run`: DEBUG on, SQLite,
a filesystem Celery broker and a file cache, all under MAILSEC_DATA_DIR (./var). Production
(DEBUG=0, written out) names its database, Redis and a strong key, or start-up stops.
docs/configuration.md lists every variable.
"""

from __future__ import annotations

import socket
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from checks.config import ConfigError, ca_bundle_problem
from checks.vantage import VantageTargets
from mailsec.env import (
    SECRET_KEY_HOW_TO_MAKE,
    SECRET_KEY_MIN_LENGTH,
    env_acme_account_uri,
    env_admins,
    env_bool,
    env_debug,
    env_domain_name,
    env_domain_names,
    env_float,
    env_host_ports,
    env_int,
    env_ip_list,
    env_list,
    env_path,
    env_secret,
    env_str,
    env_url,
    parse_database_url,
    parse_email_url,
    secret_key_weakness,
    sqlite_database,
    stored_secret_key,
    tsig_key_problem,
)

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = env_path("MAILSEC_DATA_DIR", BASE_DIR / "var")
DATA_DIR.mkdir(parents=True, exist_ok=True)

# On when unset (`make run`), unless the environment looks like production: then it must be
# written out (mailsec/env.py env_debug).
DEBUG = env_debug()

# --- Secrets and hosts ----------------------------------------------------------------------

_secret_key = env_secret("SECRET_KEY")
if _secret_key is None:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY (or SECRET_KEY_FILE) must be set when DEBUG is off. "
            f"Make one with: {SECRET_KEY_HOW_TO_MAKE}"
        )
    # Development only: a random key generated once and kept in the data directory.
    _secret_key = stored_secret_key(DATA_DIR / "secret_key")
elif not DEBUG and (_weakness := secret_key_weakness(_secret_key)):
    # Sessions, password resets and signed values are only as strong as this key.
    _key_source = "SECRET_KEY_FILE" if env_str("SECRET_KEY_FILE") else "SECRET_KEY"
    raise ImproperlyConfigured(
        f"{_key_source} is too weak for DEBUG off: the key {_weakness}. It needs at least "
        f"{SECRET_KEY_MIN_LENGTH} random characters; make one with: {SECRET_KEY_HOW_TO_MAKE}"
    )
SECRET_KEY = _secret_key

SITE_ROOT = env_url("SITE_ROOT", schemes=("http", "https"))
if SITE_ROOT is None:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SITE_ROOT (e.g. https://mailsec.example) must be set when DEBUG is off."
        )
    SITE_ROOT = "http://127.0.0.1:8000"
_site = urlsplit(SITE_ROOT)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS") or [_site.hostname or "localhost"]
if DEBUG:
    ALLOWED_HOSTS += ["localhost", "127.0.0.1", "[::1]"]
CSRF_TRUSTED_ORIGINS = [f"{_site.scheme}://{_site.netloc}"]

# --- Applications ---------------------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "mailsec",
    "mailsec.accounts",
    "mailsec.domains",
    "mailsec.scoring",
    "mailsec.freecheck",
    "mailsec.alerts",
    "mailsec.hosting",
    "mailsec.api",
    "reports",
]

MIDDLEWARE = [
    # First: on mta-sts.<customer> hosts only the policy is served (mailsec/hosting).
    "mailsec.hosting.middleware.PolicyHostMiddleware",
    # Every answer of the site with its security headers, those that left the stack before
    # the middleware below could set them included (the 400 for a Host we do not serve).
    "mailsec.middleware.SecurityHeadersMiddleware",
    # Cache-Control: private, no-store on every answer to someone signed in (a view's own
    # never_cache kept): no browser or proxy keeps a team's pages or downloads.
    "mailsec.middleware.PrivateAnswersMiddleware",
    # Around all the rest: a server error under /api/v1/ answers JSON, not the HTML page.
    "mailsec.api.middleware.ApiServerErrorMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "mailsec.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A form sent after the session ended: signing in leads back to the form's page.
    "mailsec.middleware.BackAfterSignInMiddleware",
    # The signed-in person's time zone for the pages (Profile.time_zone).
    "mailsec.middleware.TimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

# --- Accounts (django-allauth): email only, codes instead of links -------------------------
# A mail scanner that fetches every link in a message cannot sign anyone in: there are no
# sign-in links at all, only codes a person types. Passwords are optional (set on the
# account page). Rate limits live in the shared cache below.

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "domains:index"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
# allauth's defaults, said because they must stay: a sign-up with an address that has an account
# waits in the same email verification as a new one, for that account (mailsec.accounts.forms).
# "Change the address" there would change the account's address, and "send a new code" would
# mail a "finish signing up" code to its owner. The code page offers neither.
ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_CHANGE = False
ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_RESEND = False
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[mailsec] "
# Security notices: the account is emailed when its password is changed, set or reset, an
# address is removed (to the main address and, verified, to the one removed:
# mailsec.accounts.signals) or becomes the main one (to the address it moved from), and
# two-factor sign-in is turned on or off or new recovery codes are made; each says what to do
# if it was not them (templates/account/email/base_notification.txt). allauth 65.22 has no
# notice for an address added: the new address gets its code. A notice that cannot be sent is
# logged, the change stands (mailsec.accounts.adapter). Authenticators deleted in the admin
# or a shell, someone else's or the operator's own, get their account a notice too
# (mailsec.accounts.signals).
ACCOUNT_EMAIL_NOTIFICATIONS = True
# Adding, removing or making main an address and setting a first password ask to confirm it's
# you first (the password, or a code to a verified address); signing in counts as that for
# ACCOUNT_REAUTHENTICATION_TIMEOUT (mailsec.accounts.signals), a session that did not sign in
# itself (a stolen cookie) is asked: it alone cannot add its own address, make it the main
# one and remove the owner's. Changing a password asks for the current one anyway. (Two-factor pages always ask.)
ACCOUNT_REAUTHENTICATION_REQUIRED = True
# Per address ("key") by the hour too, not only by the minute: anyone may ask us to mail any
# address, registered or not (a stranger's gets "No account for this address"), and 3 or 5 a
# minute were thousands of mails a day to one victim. The invitations form stops at 3 an hour.
# Adding an address on the account page mails it a code too: allauth's 1 per 10 s per address
# and 10 a minute per account let one free account mail a stranger 360 times an hour, or 600
# strangers an hour. The same 10 an hour and 20 a day as the other codes (a sign-up with a
# known address consumes both, and must meet its limits as a new address does).
# And by the day: each code takes 3 guesses at 6 digits, so 10 codes an hour in each flow were
# 1,440 guesses a day at one account from rotating addresses; 20 a day in each are 120.
ACCOUNT_RATE_LIMITS = {
    "request_login_code": "20/m/ip,3/m/key,10/h/key,20/d/key",
    "reset_password": "20/m/ip,3/m/key,10/h/key,20/d/key",
    "signup": "10/m/ip",
    "confirm_email": "1/10s/key,10/h/key,20/d/key",
    "manage_email": "10/m/user,20/h/user",
}
# Signing up with an address that has an account sends that account a sign-in code.
# The sign-in form keeps an optional password field (a code when it is left empty).
# The password forms say their fields in the site's words (allauth's are title case).
ACCOUNT_FORMS = {
    "signup": "mailsec.accounts.forms.SignupForm",
    "login": "mailsec.accounts.forms.LoginForm",
    "request_login_code": "mailsec.accounts.forms.RequestLoginCodeForm",
    "change_password": "mailsec.accounts.forms.ChangePasswordForm",
    "set_password": "mailsec.accounts.forms.SetPasswordForm",
    "reset_password_from_key": "mailsec.accounts.forms.ResetPasswordKeyForm",
}
# ...and lands on the same code page, at the same URL, as a new sign-up.
ACCOUNT_ADAPTER = "mailsec.accounts.adapter.AccountAdapter"
ALLAUTH_USER_CODE_FORMAT = {"length": 6, "numeric": True, "dashed": False}
# Two-factor sign-in (allauth.mfa): an authenticator app's code, or one of the recovery codes
# made when it is turned on. Asked after the password or the emailed code, whichever signed
# in (allauth's AuthenticateStage runs after both). No security keys (WebAuthn): fido2 is
# installed only because allauth.mfa imports it in any case. Wrong codes count
# against allauth's "login_failed" limit for the account (5 in 5 minutes, 10 a minute an IP).
# The recovery codes are shown once, on the page that follows turning it on or making new
# ones (templates/mfa/recovery_codes/index.html offers them as a text file there), then never
# again: lost, they are replaced. Changing any of it asks to confirm who you are first
# (allauth's reauthentication). The issuer is the name the app lists the account under.
# Confirming it's you takes the password or an emailed code as well, which a stolen session
# and the mailbox can give: turning it off and making new recovery codes also ask for the
# app's code or an unused recovery code (mailsec.accounts.mfa_forms).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_FORMS = {
    "deactivate_totp": "mailsec.accounts.mfa_forms.DeactivateTOTPWithCodeForm",
    "generate_recovery_codes": "mailsec.accounts.mfa_forms.GenerateRecoveryCodesWithCodeForm",
}
MFA_TOTP_ISSUER = "mailsec"
MFA_RECOVERY_CODES_SHOW_ONCE = True

ROOT_URLCONF = "mailsec.urls"
WSGI_APPLICATION = "mailsec.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mailsec.views.site_context",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------

_database_url = env_str("DATABASE_URL")
if _database_url is None and not DEBUG:
    # Production is PostgreSQL (README, docs/configuration.md, deploy/systemd); a SQLite file
    # is allowed when chosen, not when a forgotten line falls back to it.
    raise ImproperlyConfigured(
        "DATABASE_URL must be set when DEBUG is off: postgres://user:password@host:5432/dbname, "
        "or, to keep SQLite on one machine, sqlite:////absolute/path/mailsec.sqlite3 written out."
    )
if _database_url is None:
    DATABASES = {"default": sqlite_database(DATA_DIR / "mailsec.sqlite3")}
else:
    DATABASES = {"default": parse_database_url("DATABASE_URL", _database_url)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # models.W040: SQLite has no covering indexes, so reports' rawreport_quota index is built
    # without its `include` column there, as its comment says; the warning on every migrate
    # and runserver of the embedded default would only alarm a new developer.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]

# --- Redis: broker, results and cache when set ----------------------------------------------

REDIS_URL = env_url("REDIS_URL", schemes=("redis", "rediss", "unix"))
if REDIS_URL is None and not DEBUG:
    # Without it the cache is per machine (rate limits and sign-in limits counted apart on each
    # web host) and the filesystem broker loses a task whose worker is killed: development only.
    raise ImproperlyConfigured(
        "REDIS_URL (e.g. redis://127.0.0.1:6379/0) must be set when DEBUG is off: it is the "
        "Celery broker and the shared cache; the embedded file broker and cache are for development."
    )

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "mailsec.cache.Redis",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "mailsec",
        }
    }
else:
    # A file cache is shared by every process on the machine (rate limits need that).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": DATA_DIR / "cache",
        }
    }

# Every signed-in page reads the session: from the cache, written through to the database, so
# a cache flush or restart signs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Celery (read by mailsec/celery.py, namespace CELERY_) ------------------------------------

if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    # A task whose worker died is redelivered after this long (it must exceed the longest task).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    # The embedded broker: kombu's filesystem transport, one folder of message files.
    # Folders must be absolute (kombu's default control folder is relative to each process's
    # working directory) and should be on the same filesystem as $TMPDIR, because consumed
    # messages are moved there with a rename, which is only atomic within one filesystem.
    _broker_dir = DATA_DIR / "broker"
    for _sub in ("queue", "control", "results"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    # mailsec/broker.py: kombu's filesystem transport with atomic message writes.
    CELERY_BROKER_URL = "mailsecfs://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
        "polling_interval": 0.1,
    }
    CELERY_RESULT_BACKEND = f"file://{_broker_dir / 'results'}"

CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "checks.tasks.*": {"queue": "probes"},
    # network-bound: probes a stranger's domain
    "mailsec.freecheck.tasks.run_free_check": {"queue": "probes"},
    # the self-check of the probes' vantage point must run where the probes run
    "mailsec.tasks.check_vantage": {"queue": "probes"},
}
# Defaults; tasks that need more or less set soft_time_limit/time_limit on their decorator.
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 150
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # Proves beat → broker → worker → database every minute (Ping row "beat").
    "heartbeat": {"task": "mailsec.tasks.ping", "schedule": 60.0, "args": ["beat"]},
    "prune-pings": {"task": "mailsec.tasks.prune_pings", "schedule": timedelta(hours=6)},
    # Does our resolver validate DNSSEC, can we reach port 25? Result pages say so when not.
    "vantage": {"task": "mailsec.tasks.check_vantage", "schedule": timedelta(minutes=10)},
    # Free checks whose task was lost are given up; spent rate-limit counters deleted.
    "sweep-free-checks": {"task": "mailsec.freecheck.tasks.sweep_free_checks", "schedule": 60.0},
    # Claim due domains and enqueue their checks (on the probes queue).
    "domains-tick": {"task": "mailsec.domains.tasks.tick", "schedule": 60.0},
    "domains-verify-pending": {
        "task": "mailsec.domains.tasks.verify_pending",
        "schedule": timedelta(minutes=5),
    },
    # Runs whose worker died (the embedded broker does not redeliver) are failed and retried.
    "domains-sweep-stuck-runs": {
        "task": "mailsec.domains.tasks.sweep_stuck_runs",
        "schedule": timedelta(minutes=5),
    },
    "domains-thin-runs": {"task": "mailsec.domains.tasks.thin_runs", "schedule": timedelta(days=1)},
    # Team invitations that expired unaccepted are deleted.
    "accounts-prune-invites": {
        "task": "mailsec.accounts.tasks.prune_invites",
        "schedule": timedelta(hours=1),
    },
    # Alerts: re-probe suspected changes and re-send emails whose task was lost (the embedded
    # broker can lose a countdown task); digests go out once a day from ALERT_DIGEST_HOUR.
    "alerts-sweep": {"task": "mailsec.alerts.tasks.sweep", "schedule": 60.0},
    "alerts-digest": {"task": "mailsec.alerts.tasks.send_digests", "schedule": timedelta(hours=1)},
    "alerts-weekly": {
        "task": "mailsec.alerts.tasks.send_weekly_summaries",
        "schedule": timedelta(hours=1),
    },
    # Hosted MTA-STS: follow each customer's MX (and finish safe disables); watch certificates.
    "hosting-sync": {"task": "mailsec.hosting.tasks.sync_all", "schedule": timedelta(minutes=5)},
    "hosting-certificates": {
        "task": "mailsec.hosting.tasks.watch_certificates",
        "schedule": timedelta(hours=12),
    },
    # TLS-RPT: raw reports whose parse task was lost are queued again (nothing is lost).
    "reports-sweep-pending": {
        "task": "reports.tasks.sweep_pending_reports",
        "schedule": timedelta(minutes=2),
    },
}

# --- Email ----------------------------------------------------------------------------------

_email_url = env_str("EMAIL_URL", "console://" if DEBUG else None)
if _email_url is None:
    raise ImproperlyConfigured(
        "EMAIL_URL (e.g. smtp+tls://user:password@host:587) must be set when DEBUG is off."
    )
# EMAIL_BACKEND, and for smtp URLs EMAIL_HOST/PORT/HOST_USER/HOST_PASSWORD/USE_TLS/USE_SSL/TIMEOUT
globals().update(parse_email_url("EMAIL_URL", _email_url))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"mailsec <noreply@{_site.hostname}>")
# Every mail's From, and the domain of its Message-ID (mailsec.mail.sender_host): one mailbox.
_from_local, _, _from_domain = parseaddr(DEFAULT_FROM_EMAIL or "")[1].partition("@")
if not _from_local or not _from_domain or "@" in _from_domain:
    raise ImproperlyConfigured(
        f"DEFAULT_FROM_EMAIL={DEFAULT_FROM_EMAIL!r} is not valid: expected one address, "
        "such as noreply@mailsec.example or 'mailsec <noreply@mailsec.example>'."
    )
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Who is mailed a report of each server error (a 500), through EMAIL_URL, with DEBUG off:
# Django's mail_admins handler on the "django" logger. Unset: nobody (the traceback goes to
# stderr all the same). The report's POST, headers, settings and, in its HTML form, the
# traceback's variables pass through mailsec.debugfilter.SecretFieldsFilter (s47d, s48d).
ADMINS = env_admins("MAILSEC_ADMINS")
EMAIL_SUBJECT_PREFIX = "[mailsec] "

# --- The check engine (checks.config.CheckConfig.from_env() reads the same variables) -------

MAILSEC_ENGINE = {
    "resolvers": env_host_ports("MAILSEC_RESOLVER", default_port=53, ip_only=True),
    "ca_bundle": env_str("MAILSEC_CA_BUNDLE"),
    "allow_private_targets": env_bool("MAILSEC_ALLOW_PRIVATE_TARGETS", default=False),
    "extra_public_suffixes": env_domain_names("MAILSEC_EXTRA_PUBLIC_SUFFIXES"),
    # seconds for one network operation (a DNS query, a TCP connect, a TLS handshake)
    "timeout": env_float("MAILSEC_CHECK_TIMEOUT", default=8.0, minimum=0.1),
}
# A file with no certificate in it would trust nothing: every check's certificates "not trusted".
if MAILSEC_ENGINE["ca_bundle"] and (_problem := ca_bundle_problem(MAILSEC_ENGINE["ca_bundle"])):
    raise ImproperlyConfigured(f"MAILSEC_CA_BUNDLE={MAILSEC_ENGINE['ca_bundle']!r}: {_problem}.")
# The self-check of the checker's own vantage point (checks/vantage.py): a signed zone and a
# deliberately bogus one to ask the resolver about, and mail servers known to listen on port 25
# (none: port 25 is not tested).
try:
    MAILSEC_VANTAGE = VantageTargets.parse(
        env_str("MAILSEC_VANTAGE_SIGNED_NAME"),
        env_str("MAILSEC_VANTAGE_BOGUS_NAME"),
        env_list("MAILSEC_VANTAGE_SMTP_HOSTS"),
    )
except ConfigError as exc:
    raise ImproperlyConfigured(str(exc)) from None
# The name each probes machine keeps its self-check result under (mailsec.tasks.keep_vantage):
# the alerts' hold reads the result of the machine that ran the check.
MAILSEC_VANTAGE_ID = (env_str("MAILSEC_VANTAGE_ID") or "").strip() or socket.gethostname()
MAILSEC_CHECK_INTERVAL = timedelta(
    seconds=env_float("MAILSEC_CHECK_INTERVAL", default=6 * 3600, minimum=60)
)
# Domains a team may have added and not verified yet (each is looked up in the background for
# a week, in other people's DNS), and new domains a team may add a day (so that removing
# names and adding others does not get round the first; twice it unless set). Raise them for
# MSPs whose first import is hundreds of names (docs/configuration.md).
MAILSEC_MAX_UNVERIFIED = env_int("MAILSEC_MAX_UNVERIFIED", 50, minimum=1)
MAILSEC_ADDS_PER_DAY = env_int("MAILSEC_ADDS_PER_DAY", 2 * MAILSEC_MAX_UNVERIFIED, minimum=1)

# --- The free check (mailsec/freecheck) -----------------------------------------------------

# Fixed-window limits: checks per client network (IPv4 address, IPv6 /64), and new runs per
# target domain, in each window of MAILSEC_FREE_CHECK_WINDOW seconds.
MAILSEC_FREE_CHECK_RATE = env_int("MAILSEC_FREE_CHECK_RATE", 10, minimum=1)
MAILSEC_FREE_CHECK_DOMAIN_RATE = env_int("MAILSEC_FREE_CHECK_DOMAIN_RATE", 5, minimum=1)
MAILSEC_FREE_CHECK_WINDOW = env_int("MAILSEC_FREE_CHECK_WINDOW", 600, minimum=10)
# New free-check runs per window for everyone together (an IPv6 /48 also has its own
# allowance, 3 times one client's): the probes we send for strangers stay bounded.
MAILSEC_FREE_CHECK_SITE_RATE = env_int("MAILSEC_FREE_CHECK_SITE_RATE", 300, minimum=1)
# Concurrent outbound connections of one free check (a monitored domain's check may use more).
MAILSEC_FREE_CHECK_MAX_CONNECTIONS = env_int("MAILSEC_FREE_CHECK_MAX_CONNECTIONS", 4, minimum=1)
# Checks the JSON API may run (or wait on) in web processes at once, across all of them;
# beyond it the API answers 503 + Retry-After (mailsec/freecheck/concurrency.py).
# Each such request holds a web worker thread for up to ~25 s. This plus
# MAILSEC_VERIFY_CONCURRENCY must stay below the web server's threads (the README and
# deploy/systemd/mailsec-web.service run gunicorn with 4 sync workers: 2 + 1 + 1 free), or
# the API and Verify can take the whole site.
MAILSEC_FREE_CHECK_API_CONCURRENCY = env_int("MAILSEC_FREE_CHECK_API_CONCURRENCY", 2, minimum=1)
# Verify presses whose challenge lookup may run in web processes at once, across all of them
# (its own slots: anonymous API callers must not make customers' Verify busy); beyond it the
# press is asked to try again in a moment (the background task looks for the record anyway).
MAILSEC_VERIFY_CONCURRENCY = env_int("MAILSEC_VERIFY_CONCURRENCY", 1, minimum=1)
# Requests each team API key may make a minute (mailsec/api, docs/api.md; fixed windows
# counted across every web process).
MAILSEC_API_RATE_PER_MINUTE = env_int("MAILSEC_API_RATE_PER_MINUTE", 60, minimum=1)
# Proxies whose X-Forwarded-For names the client (Caddy on the same host in production).
MAILSEC_TRUSTED_PROXIES = env_ip_list("MAILSEC_TRUSTED_PROXIES", ["127.0.0.1", "::1"])

# --- Hosted MTA-STS (mailsec/hosting, docs/hosting.md) ------------------------------------

# The name customers CNAME mta-sts.<their domain> to (Caddy's address).
MAILSEC_POLICY_HOST = env_domain_name(
    "MAILSEC_POLICY_HOST",
    f"mta-sts-host.{_site.hostname}".rstrip(".").lower(),
    example="mta-sts-host.mailsec.example",
)
# The CAA identity (RFC 8659 §4.2: the issuer domain name) of the ACME CA our TLS front end
# gets mta-sts.<domain> certificates from: CAA records naming only other CAs forbid it, and the
# hosting page and certificate watch say so (mailsec/hosting/caa.py).
MAILSEC_ACME_CAA_IDENTITY = env_domain_name("MAILSEC_ACME_CAA_IDENTITY", "letsencrypt.org")
# The URI of the ACME account our TLS front end gets those certificates with (RFC 8657 §3:
# a CAA `accounturi` names one): with it, CAA naming another account is told as forbidding our
# CA; without it (the default), as "could not tell".
MAILSEC_ACME_ACCOUNT_URI = env_acme_account_uri("MAILSEC_ACME_ACCOUNT_URI")
# Our zone where customers CNAME _mta-sts.<domain>; empty: customers publish a plain TXT.
MAILSEC_POLICY_ZONE = env_domain_name("MAILSEC_POLICY_ZONE", "", example="policy.mailsec.example")
# The authoritative server (Knot) taking TSIG-signed UPDATEs for that zone, host:port.
_policy_dns = env_host_ports("MAILSEC_POLICY_DNS_SERVER", default_port=53)
MAILSEC_POLICY_DNS_SERVER = _policy_dns[0] if _policy_dns else None
MAILSEC_POLICY_TSIG_NAME = env_str("MAILSEC_POLICY_TSIG_NAME", "mailsec-policy")
MAILSEC_POLICY_TSIG_SECRET = env_secret("MAILSEC_POLICY_TSIG_SECRET") or ""
MAILSEC_POLICY_TSIG_ALGORITHM = env_str("MAILSEC_POLICY_TSIG_ALGORITHM", "hmac-sha256")
if MAILSEC_POLICY_ZONE and MAILSEC_POLICY_DNS_SERVER and not MAILSEC_POLICY_TSIG_SECRET:
    raise ImproperlyConfigured(
        "MAILSEC_POLICY_TSIG_SECRET (or _FILE) must be set with MAILSEC_POLICY_DNS_SERVER."
    )
# A key that cannot sign stops start-up, not every UPDATE of the zone later (s43d).
_tsig_problem = tsig_key_problem(
    MAILSEC_POLICY_TSIG_NAME or "", MAILSEC_POLICY_TSIG_SECRET, MAILSEC_POLICY_TSIG_ALGORITHM or ""
)
if _tsig_problem:
    raise ImproperlyConfigured(_tsig_problem)

# --- Alerts (mailsec/alerts) ----------------------------------------------------------------

# Seconds from a suspected regression to the re-check that must confirm it before anyone is told.
ALERT_CONFIRM_DELAY = env_float("ALERT_CONFIRM_DELAY", default=600, minimum=0)
# Score points below the best comparable score of the last ALERT_SCORE_WINDOW_DAYS that alert.
ALERT_SCORE_DROP = env_int("ALERT_SCORE_DROP", 10, minimum=1)
# The score is compared with the best full score of this many days (a slow slide adds up
# within it; a level held longer is the new normal, and a score alert open as long closes).
ALERT_SCORE_WINDOW_DAYS = env_int("ALERT_SCORE_WINDOW_DAYS", 14, minimum=1)
# Hour of the day from which daily digests are sent, in each person's time zone (weekly
# summaries: on Mondays, in that zone too: mailsec/alerts/weekly.py).
ALERT_DIGEST_HOUR = env_int("ALERT_DIGEST_HOUR", 7, minimum=0)
if ALERT_DIGEST_HOUR > 23:
    raise ImproperlyConfigured(
        f"ALERT_DIGEST_HOUR={ALERT_DIGEST_HOUR} is not valid: expected 0-23."
    )

# --- Static files ---------------------------------------------------------------------------

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"  # filled by `manage.py collectstatic` (production)
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            # production: run `manage.py collectstatic`; whitenoise serves hashed, compressed files
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Security -------------------------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# A refused form (CSRF) in plain words and the site's layout, not Django's page (inline style).
CSRF_FAILURE_VIEW = "mailsec.views.csrf_failure"
# Error reports star the codes and passwords posted to any page, allauth's too (s47d).
# They write our links' tokens as the logs do (s48f).
DEFAULT_EXCEPTION_REPORTER_FILTER = "mailsec.debugfilter.SecretFieldsFilter"
DEFAULT_EXCEPTION_REPORTER = "mailsec.debugfilter.SecretUrlReporter"

# Content-Security-Policy (mailsec/middleware.py), the same with DEBUG on (only Django's own
# debug error pages go without it). Scripts only from our static files ("{static}": their URL
# on the host asked), and none inline: no <script> without src, no on…= attribute, no eval
# (htmx needs none: no hx-on, no js: values, and tests/test_web_s10_csp.py keeps the templates
# that way). Style sheets only from us too, the one <style> element htmx adds (its indicator
# classes, htmx 2.0.11) by its hash; no style attribute (style-src-attr falls back to style-src:
# the templates style through classes, tests/test_web_s14_csp.py keeps them so).
# Images: ours and the data: icon of base.html. Requests (htmx), forms and frames: ours only.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        # The admin's change list and form load its JavaScript catalog (gettext) from a view.
        "script-src {static} {origin}/admin/jsi18n/",
        "style-src 'self' 'sha256-faU7yAF8NxuMTNEwVmBz+VcYeIoBQ2EMHW3WaVxCvnk='",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

if not DEBUG:
    if _site.scheme != "https":
        raise ImproperlyConfigured(
            f"SITE_ROOT={SITE_ROOT!r} must start with https:// when DEBUG is off."
        )
    # Behind Caddy (or another proxy that sets X-Forwarded-Proto); gunicorn must not be
    # reachable from outside except through that proxy.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Misc -----------------------------------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Warnings and errors (including tracebacks of failed requests) go to stderr, DEBUG or not.
# The "django" logger's mail_admins handler mails ADMINS (MAILSEC_ADMINS) the report of a 500
# with DEBUG off (tests/test_s48d_error_reports.py), at most one an hour per page and exception
# type (mailsec/errormail.py, s48r2).
# The loggers naming request paths write the token of a link's URL as "…" (mailsec/logfilter.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "hide_url_tokens": {"()": "mailsec.logfilter.HideUrlTokens"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
        "require_debug_true": {"()": "django.utils.log.RequireDebugTrue"},
    },
    # runserver's access log, as Django's own LOGGING has it (configuring its logger here
    # replaces that logger's handlers).
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        # Django's own two of the "django" logger, the mail at most one an hour per page and
        # exception type (mailsec/errormail.py, s48r2; Django's mails each failed request).
        "django.console": {
            "level": "INFO",
            "filters": ["require_debug_true"],
            "class": "logging.StreamHandler",
        },
        "mail_admins": {
            "level": "ERROR",
            "filters": ["require_debug_false"],
            "class": "mailsec.errormail.AdminEmailHandler",
        },
        "django.server": {
            "level": "INFO",
            "class": "logging.StreamHandler",
            "formatter": "django.server",
        },
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "django": {"handlers": ["django.console", "mail_admins"], "level": "INFO"},
        "django.request": {"filters": ["hide_url_tokens"]},
        # A request a client got wrong on purpose (a Host not served, too many fields: Django's
        # SuspiciousOperation, logged at ERROR) goes to stderr, not to the "django" logger's
        # mail_admins: ADMINS are mailed server errors, not one mail per such request (s48r2).
        "django.security": {"handlers": ["console"], "propagate": False},
        "django.security.csrf": {"filters": ["hide_url_tokens"]},
        "django.server": {
            "handlers": ["django.server"],
            "level": "INFO",
            "propagate": False,
            "filters": ["hide_url_tokens"],
        },
    },
}
