"""docs/configuration.md: "A value that cannot be used stops start-up with a message naming the
variable and the value." Found by a new user's walk through the docs (task s43d): the TLS-RPT
variables were read only when a report came (a web process with TLSRPT_MAX_BODY_BYTES=abc
started and answered every report 503; a worker with TLSRPT_REQUIRE_DKIM=maybe started and
failed every parse), and MAILSEC_TRUSTED_PROXIES took any word, so an entry that is no address
(a network, a host name, an address with a port) silently matched no proxy.

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

SETUP = (
    "import django; django.setup(); from django.conf import settings; "
    "print(repr(settings.MAILSEC_TRUSTED_PROXIES))"
)


def start(tmp_path: Path, code: str = SETUP, **variables: str) -> subprocess.CompletedProcess[str]:
    """django.setup() in a fresh interpreter, development settings, with `variables` set, then
    `code` (by default: print the trusted proxies). The start-up tests of s43d and s43n share it."""
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
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


BAD_TLSRPT = [
    ("TLSRPT_REQUIRE_DKIM", "maybe"),
    ("TLSRPT_MAX_REPORT_BYTES", "abc"),
    ("TLSRPT_MAX_BODY_BYTES", "abc"),
    ("TLSRPT_MAX_MESSAGE_BYTES", "-5"),
    ("TLSRPT_INBOUND_DOMAIN", "not a domain"),
    ("TLSRPT_DAILY_BYTES_PER_ADDRESS", "lots"),
    ("TLSRPT_DAILY_REPORTS_PER_ADDRESS", "-1"),
    ("TLSRPT_DAILY_BYTES_TOTAL", "10GiB"),
    ("TLSRPT_PENDING_GRACE_SECONDS", "abc"),
    ("TLSRPT_ALERT_FAILURE_RATE", "5"),
    ("TLSRPT_ALERT_MIN_SESSIONS", "0"),
]


def test_a_bad_tlsrpt_variable_stops_start_up(tmp_path: Path) -> None:
    done = start(tmp_path, TLSRPT_MAX_BODY_BYTES="abc")
    assert done.returncode != 0, done.stdout
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("django.core.exceptions.ImproperlyConfigured: "), done.stderr[-2000:]
    assert "TLSRPT_MAX_BODY_BYTES='abc'" in last


@pytest.mark.parametrize(("name", "value"), BAD_TLSRPT)
def test_start_up_reads_every_tlsrpt_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    """What reports.apps runs at start-up (the subprocess above shows it is run there)."""
    from django.core.exceptions import ImproperlyConfigured

    from reports.conf import check_all

    check_all()
    monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured) as raised:
        check_all()
    said = str(raised.value)  # the rate names the number read: TLSRPT_ALERT_FAILURE_RATE=5.0
    assert said.startswith(f"{name}=") and value in said, said


def test_good_tlsrpt_variables_and_proxies_start(tmp_path: Path) -> None:
    """Compared with REMOTE_ADDR as text, the proxies are kept as a socket writes them."""
    done = start(
        tmp_path,
        TLSRPT_REQUIRE_DKIM="off",
        TLSRPT_MAX_REPORT_BYTES="2097152",
        TLSRPT_MAX_BODY_BYTES="1048576",
        TLSRPT_MAX_MESSAGE_BYTES="3145728",
        TLSRPT_INBOUND_DOMAIN="Reports.Example.",
        TLSRPT_DAILY_BYTES_PER_ADDRESS="0",
        TLSRPT_DAILY_REPORTS_PER_ADDRESS="0",
        TLSRPT_DAILY_BYTES_TOTAL="0",
        TLSRPT_PENDING_GRACE_SECONDS="600",
        TLSRPT_ALERT_FAILURE_RATE="0.1",
        TLSRPT_ALERT_MIN_SESSIONS="5",
        MAILSEC_TRUSTED_PROXIES=" 127.0.0.1 , 0:0:0:0:0:0:0:1, 10.0.0.5",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == repr(["127.0.0.1", "::1", "10.0.0.5"])


def test_a_trusted_proxy_that_is_no_address_stops_start_up(tmp_path: Path) -> None:
    done = start(tmp_path, MAILSEC_TRUSTED_PROXIES="127.0.0.1, 10.0.0.0/8")
    assert done.returncode != 0, done.stdout
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("django.core.exceptions.ImproperlyConfigured: "), done.stderr[-2000:]
    assert "MAILSEC_TRUSTED_PROXIES='127.0.0.1, 10.0.0.0/8'" in last
    assert "'10.0.0.0/8' is none" in last


@pytest.mark.parametrize(
    "value", ["proxy.example", "10.0.0.0/8", "127.0.0.1:8000", "[::1]", "127.0.0.1, caddy"]
)
def test_trusted_proxies_are_addresses(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    """A name, a network or an address with a port never equals REMOTE_ADDR: refused."""
    from django.core.exceptions import ImproperlyConfigured

    from mailsec.env import env_ip_list

    monkeypatch.setenv("MAILSEC_TRUSTED_PROXIES", value)
    with pytest.raises(ImproperlyConfigured) as raised:
        env_ip_list("MAILSEC_TRUSTED_PROXIES", ["127.0.0.1"])
    assert f"MAILSEC_TRUSTED_PROXIES={value!r}" in str(raised.value)
    monkeypatch.delenv("MAILSEC_TRUSTED_PROXIES")
    assert env_ip_list("MAILSEC_TRUSTED_PROXIES", ["127.0.0.1", "::1"]) == ["127.0.0.1", "::1"]
