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

import subprocess
from pathlib import Path

import pytest

from tests.test_s43d_env_at_startup import start as start_with

SHOW = (
    "import django; django.setup(); from django.conf import settings; "
    "print(repr(settings.MAILSEC_POLICY_HOST)); print(repr(settings.MAILSEC_POLICY_ZONE)); "
    "print(repr(settings.MAILSEC_ENGINE['extra_public_suffixes']))"
)


def start(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    """django.setup() in a fresh interpreter with `variables` set, printing the three settings."""
    return start_with(tmp_path, SHOW, **variables)


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
