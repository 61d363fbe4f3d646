"""MAILSEC_POLICY_HOST, MAILSEC_POLICY_ZONE and MAILSEC_EXTRA_PUBLIC_SUFFIXES are domain names:
one that is none stops start-up naming the variable and the value (docs/configuration.md: "A
value that cannot be used stops start-up with a message naming the variable and the value"), as
MAILSEC_ACME_CAA_IDENTITY and TLSRPT_INBOUND_DOMAIN do since s43d. Before s43n each took any text
('-5', 'a..b', 'mta sts.example'): a policy host that is no name was then offered to customers
as the target of their mta-sts CNAME, a zone as the target of their _mta-sts CNAME, and a suffix
that is no name matched no domain.

Start-up is Django's own: a fresh interpreter runs django.setup() with the variable set, as
gunicorn, celery and manage.py do."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SHOW = (
    "import django; django.setup(); from django.conf import settings; "
    "print(repr(settings.MAILSEC_POLICY_HOST)); print(repr(settings.MAILSEC_POLICY_ZONE)); "
    "print(repr(settings.MAILSEC_ENGINE['extra_public_suffixes']))"
)


def start(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    """django.setup() in a fresh interpreter, development settings, with `variables` set."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TLSRPT_", "MAILSEC_", "DJANGO_"))
        and key not in ("DEBUG", "SITE_ROOT", "SECRET_KEY", "SECRET_KEY_FILE", "EMAIL_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="mailsec.settings",
        DEBUG="1",
        SECRET_KEY=secrets.token_urlsafe(50),
        MAILSEC_DATA_DIR=str(tmp_path),
        **variables,
    )
    return subprocess.run(
        [sys.executable, "-c", SHOW],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


NOT_NAMES = [
    ("MAILSEC_POLICY_HOST", "-5"),
    ("MAILSEC_POLICY_HOST", "mta sts.mailsec.example"),
    ("MAILSEC_POLICY_HOST", "mta-sts-host..mailsec.example"),
    ("MAILSEC_POLICY_HOST", "https://mta-sts-host.mailsec.example/"),
    ("MAILSEC_POLICY_ZONE", "-5"),
    ("MAILSEC_POLICY_ZONE", "policy_zone!"),
    ("MAILSEC_POLICY_ZONE", "policy.-mailsec.example"),
    ("MAILSEC_EXTRA_PUBLIC_SUFFIXES", "-5"),
    ("MAILSEC_EXTRA_PUBLIC_SUFFIXES", "test,-5"),
    ("MAILSEC_EXTRA_PUBLIC_SUFFIXES", "test lab.test"),
]


@pytest.mark.parametrize(("name", "value"), NOT_NAMES)
def test_a_value_that_is_no_domain_name_stops_start_up(
    tmp_path: Path, name: str, value: str
) -> None:
    done = start(tmp_path, **{name: value})
    assert done.returncode != 0, done.stdout
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("django.core.exceptions.ImproperlyConfigured: "), done.stderr[-2000:]
    assert f"{name}={value!r} is not valid: expected " in last
    assert "domain name" in last


def test_the_entry_that_is_no_name_is_named(tmp_path: Path) -> None:
    done = start(tmp_path, MAILSEC_EXTRA_PUBLIC_SUFFIXES="test, lab.test ,-5")
    assert done.returncode != 0, done.stdout
    assert "('-5' is none)" in done.stderr.strip().splitlines()[-1]


def test_names_start_and_are_read_as_the_engine_reads_them(tmp_path: Path) -> None:
    """Lower case, no final dot; a suffix also without a leading one, as
    checks.config.CheckConfig.from_env reads the same variable."""
    done = start(
        tmp_path,
        MAILSEC_POLICY_HOST=" MTA-STS-Host.Mailsec.Example. ",
        MAILSEC_POLICY_ZONE="Policy.Mailsec.Example.",
        MAILSEC_EXTRA_PUBLIC_SUFFIXES=" Test , .lab.test. ,,",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines() == [
        "'mta-sts-host.mailsec.example'",
        "'policy.mailsec.example'",
        "['test', 'lab.test']",
    ]


def test_the_defaults_start(tmp_path: Path) -> None:
    done = start(tmp_path, SITE_ROOT="https://mailsec.example")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines() == ["'mta-sts-host.mailsec.example'", "''", "[]"]
