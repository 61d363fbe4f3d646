"""Task s40u: the operator's warning about an accounturi we cannot weigh (caa.read, while
MAILSEC_ACME_ACCOUNT_URI is unset) is logged at most once per domain per day. The records
panel and the certificate watch read a domain's CAA on every page view and every watch run;
each read logged it again, the same words for the same domain."""

from __future__ import annotations

import asyncio

import pytest
from django.test import SimpleTestCase

from mailsec.hosting import caa
from tests.test_hosting_s39k_caa import Zone

pytestmark = pytest.mark.real_caa

LE = "letsencrypt.org"
THEIRS = "https://acme-v02.api.letsencrypt.org/acme/acct/999"
ZONE = {
    "example.org": ("NOERROR", [f'0 issue "{LE}; accounturi={THEIRS}"'], []),
    "example.net": ("NOERROR", [f'0 issue "{LE}; accounturi={THEIRS}"'], []),
}


def read(name: str) -> caa.CaaReading:
    return asyncio.run(caa.read(Zone(ZONE), name, LE, account=""))


class WarnOnceTestCase(SimpleTestCase):
    def test_two_reads_of_a_domain_log_one_warning(self) -> None:
        with self.assertLogs("mailsec.hosting.caa", "WARNING") as logs:
            first = read("mta-sts.example.org")
            second = read("mta-sts.example.org")
        # Both reads still tell the customer; only the operator's log line is not repeated.
        assert first.state == second.state == caa.UNKNOWN
        assert first.detail == second.detail
        assert len(logs.records) == 1, logs.output
        message = logs.records[0].getMessage()
        assert "MAILSEC_ACME_ACCOUNT_URI is not set" in message
        assert THEIRS in message and "example.org" in message

    def test_another_domain_gets_its_own_warning(self) -> None:
        with self.assertLogs("mailsec.hosting.caa", "WARNING") as logs:
            read("mta-sts.example.org")
            read("mta-sts.example.net")
            read("mta-sts.example.net")
            read("mta-sts.example.org")
        messages = [r.getMessage() for r in logs.records]
        assert len(messages) == 2, messages
        assert "CAA at example.org " in messages[0]
        assert "CAA at example.net " in messages[1]
