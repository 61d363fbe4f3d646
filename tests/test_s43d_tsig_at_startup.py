"""The hosted-policy zone's TSIG key stops start-up when it cannot be used (docs/configuration.md:
"A value that cannot be used stops start-up with a message naming the variable"). Found by a
new user's walk through the docs (task s43d): with MAILSEC_POLICY_ZONE and
MAILSEC_POLICY_DNS_SERVER set, a secret that is not base64 ('abc') or an algorithm dnspython
does not know ('hmac-sha999', or 'hmac-md5', whose name is hmac-md5.sig-alg.reg.int) started
all the same, and every UPDATE of our zone then raised binascii.Error or KeyError while the
message was built, before hosting.zone's ZoneError handling (a Host MTA-STS press, the sync).

A fresh interpreter runs django.setup() with the variables set, as gunicorn and celery do."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.test_s43d_env_at_startup import start as start_with

GOOD_SECRET = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA=="

SETUP = (
    "import django; django.setup(); from mailsec.hosting.zone import PolicyZone; "
    "zone = PolicyZone.from_settings(); zone._message(); print('built', zone.tsig_algorithm)"
)


def start(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    """django.setup() in a fresh interpreter with a policy zone set (its DNS server is never
    asked: no UPDATE is sent) and `variables`, then build an UPDATE message."""
    zone = {
        "MAILSEC_POLICY_ZONE": "policy.mailsec.example",
        "MAILSEC_POLICY_DNS_SERVER": "127.0.0.1:53",
    }
    return start_with(tmp_path, SETUP, **(zone | variables))


@pytest.mark.parametrize(
    ("variables", "named", "not_said"),
    [
        ({"MAILSEC_POLICY_TSIG_SECRET": "abc"}, "MAILSEC_POLICY_TSIG_SECRET", "abc"),
        ({"MAILSEC_POLICY_TSIG_SECRET": "not!base64"}, "MAILSEC_POLICY_TSIG_SECRET", "not!base64"),
        (
            {
                "MAILSEC_POLICY_TSIG_SECRET": GOOD_SECRET,
                "MAILSEC_POLICY_TSIG_ALGORITHM": "hmac-sha999",
            },
            "MAILSEC_POLICY_TSIG_ALGORITHM='hmac-sha999'",
            GOOD_SECRET,
        ),
        (
            {
                "MAILSEC_POLICY_TSIG_SECRET": GOOD_SECRET,
                "MAILSEC_POLICY_TSIG_ALGORITHM": "hmac-md5",
            },
            "MAILSEC_POLICY_TSIG_ALGORITHM='hmac-md5'",
            GOOD_SECRET,
        ),
        (
            {"MAILSEC_POLICY_TSIG_SECRET": GOOD_SECRET, "MAILSEC_POLICY_TSIG_NAME": "a..b"},
            "MAILSEC_POLICY_TSIG_NAME='a..b'",
            GOOD_SECRET,
        ),
    ],
)
def test_a_tsig_key_that_cannot_be_used_stops_start_up(
    tmp_path: Path, variables: dict[str, str], named: str, not_said: str
) -> None:
    done = start(tmp_path, **variables)
    assert done.returncode != 0, done.stdout
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("django.core.exceptions.ImproperlyConfigured: "), done.stderr[-2000:]
    assert named in last
    assert not_said not in last  # the secret is never printed


@pytest.mark.parametrize(
    "algorithm", ["", "hmac-sha256", "HMAC-SHA512", "hmac-sha1", "hmac-md5.sig-alg.reg.int"]
)
def test_a_usable_tsig_key_starts(tmp_path: Path, algorithm: str) -> None:
    extra = {"MAILSEC_POLICY_TSIG_ALGORITHM": algorithm} if algorithm else {}
    done = start(tmp_path, MAILSEC_POLICY_TSIG_SECRET=GOOD_SECRET, **extra)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == f"built {algorithm or 'hmac-sha256'}"
