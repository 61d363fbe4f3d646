"""Follow-ups of review s40r on hosted MTA-STS's CAA reading (task s40k).

- Flag 1 (RFC 8659 §4.1): 128 is the Issuer Critical flag, bit 0 as RFC 1035 numbers bits;
  flag 1 is bit 7, reserved. RFC 6844's numbering was read the other way round by many
  publishers, and Let's Encrypt's Boulder (va/caa.go filterCAA: `Flag & (128 | 1)`) refuses
  for an unknown tag with flag 1 as with 128. We read the RRset as our CA does: such a property
  forbids it, and the row names the record to remove (or to set to flags 0). Other reserved
  bits (2, 4, ...) stay ignored, and a known tag with flag 1 is read as ever.
- An accounturi we cannot weigh (our account's URI not configured): customers were told "its
  URI is not configured (MAILSEC_ACME_ACCOUNT_URI)", an operator setting they cannot act on.
  They read plain words (we cannot tell; ask us for our ACME account URI); the setting is named
  in the log only. The placeholder for that URI is spelled one way (caa.OUR_ACCOUNT_PLACEHOLDER)
  in the row's record and in its words, and in the certificate notice.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from mailsec.hosting import caa, service
from tests.test_hosting import T0, HostingCase, fake_dns
from tests.test_hosting_s39k_caa import Zone, read, rec
from tests.test_hosting_s40c_caa_params import zone_read

pytestmark = pytest.mark.real_caa

LE = "letsencrypt.org"
THEIRS = "https://acme-v02.api.letsencrypt.org/acme/acct/999"


@pytest.mark.parametrize(
    ("records", "state"),
    [
        (['1 tbs "x"'], caa.BLOCKED),  # flag 1, unknown tag: Boulder refuses
        (['1 tbs "x"', '0 issue "letsencrypt.org"'], caa.BLOCKED),  # even beside our issue
        (['129 tbs "x"', '0 issue "letsencrypt.org"'], caa.BLOCKED),
        (['3 tbs "x"', '0 issue "letsencrypt.org"'], caa.BLOCKED),  # bit 7 set among others
        (['2 tbs "x"', '0 issue "letsencrypt.org"'], caa.ALLOWED),  # reserved bit: ignored
        (['64 tbs "x"', '0 issue "letsencrypt.org"'], caa.ALLOWED),
        (['1 issue "letsencrypt.org"'], caa.ALLOWED),  # known tag: read as ever
        (['1 iodef "mailto:a@example.org"'], caa.ALLOWED),
        (['1 issue "digicert.com"'], caa.BLOCKED),  # known tag naming another CA: add ours
    ],
)
def test_flag_1_is_read_as_critical_as_our_ca_reads_it(records: list[str], state: str) -> None:
    decision = caa.decide([rec(r) for r in records], LE)
    assert decision.state == state, decision.reason


def test_a_flag_1_unknown_tag_is_named_with_the_record_to_remove() -> None:
    reading, _ = read({"example.org": ("NOERROR", ['1 tbs "x"', '0 issue "letsencrypt.org"'], [])})
    assert reading.state == caa.BLOCKED
    assert reading.fix == ""  # adding a record cannot help: that one must go
    assert 'Remove example.org. CAA 1 tbs "x"' in reading.detail
    assert "flags to 0" in reading.detail
    assert "Let's Encrypt" in reading.detail  # why flag 1 counts although RFC 8659 reserves it


def test_a_flag_128_unknown_tag_names_the_record_to_remove_too() -> None:
    reading, _ = read(
        {"example.org": ("NOERROR", ['128 tbs "x"', '0 issue "letsencrypt.org"'], [])}
    )
    assert reading.state == caa.BLOCKED
    assert 'Remove example.org. CAA 128 tbs "x"' in reading.detail
    assert "Let's Encrypt" not in reading.detail  # 128 is critical by the RFC itself


def test_an_account_we_cannot_weigh_is_told_in_plain_words_the_setting_in_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    zone = Zone({"example.org": ("NOERROR", [f'0 issue "{LE}; accounturi={THEIRS}"'], [])})
    with caplog.at_level(logging.INFO, logger="mailsec.hosting.caa"):
        reading = asyncio.run(caa.read(zone, "mta-sts.example.org", LE, account=""))
    assert reading.state == caa.UNKNOWN
    assert "MAILSEC_" not in reading.detail and "configured" not in reading.detail
    assert "ask us for our ACME account URI" in reading.detail
    assert (
        f'example.org. CAA 0 issue "{LE}; accounturi={caa.OUR_ACCOUNT_PLACEHOLDER}"'
        in reading.detail
    )
    logged = [r.getMessage() for r in caplog.records if r.name == "mailsec.hosting.caa"]
    assert any("MAILSEC_ACME_ACCOUNT_URI" in m and THEIRS in m for m in logged), logged


@override_settings(MAILSEC_ACME_CAA_IDENTITY=LE, MAILSEC_ACME_ACCOUNT_URI="")
class AccountPlaceholderTestCase(HostingCase):
    def test_the_row_spells_the_placeholder_as_its_words_do(self) -> None:
        self.client.force_login(self.alice)
        with fake_dns(), zone_read([f'0 issue "{LE}; accounturi={THEIRS}"']):
            r = self.client.get(
                reverse("hosting:records", args=[self.domain.code]), HTTP_HX_REQUEST="true"
            )
        rows = [row for row in r.context["records"] if row.rtype == "CAA"]
        assert len(rows) == 1
        row: Any = rows[0]
        assert row.value == f'0 issue "{LE}; accounturi={caa.OUR_ACCOUNT_PLACEHOLDER}"'
        assert row.value in row.detail
        assert "MAILSEC_" not in row.detail
        assert "MAILSEC_" not in r.content.decode()

    def test_the_certificate_notice_names_no_setting(self) -> None:
        policy = self.host()
        mail.outbox.clear()
        with zone_read([f'0 issue "{LE}; accounturi={THEIRS}"']):
            for at in (T0, T0 + timedelta(hours=13)):
                service.tell_cert_state(policy, service.CertReading(None, "refused"), at)
        assert mail.outbox
        body = mail.outbox[-1].body
        assert THEIRS in body and caa.OUR_ACCOUNT_PLACEHOLDER in body
        assert "MAILSEC_" not in body and "not configured" not in body
