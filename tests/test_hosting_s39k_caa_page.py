"""Task s39k: CAA on the hosting page and in the certificate watch, without the lab. The
blocked case, read from real zones, is tests/test_hosting_s39k_caa_lab.py; here a CAA lookup
that fails (the test resolver refuses: conftest) must read "could not check", never
"forbidden", and CAA that allows our CA shows nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse

from mailsec.hosting import caa, service
from tests.test_hosting import T0, HostingCase, fake_dns

pytestmark = pytest.mark.real_caa

REAL_READ = caa.read


@pytest.mark.usefixtures("unanswered_lookups_end_soon")
class CaaPageTestCase(HostingCase):
    def setUp(self) -> None:
        super().setUp()
        self.policy = self.host()
        self.client.force_login(self.alice)

    def records(self) -> list[Any]:
        r = self.client.get(
            reverse("hosting:records", args=[self.domain.code]), HTTP_HX_REQUEST="true"
        )
        assert r.status_code == 200
        return list(r.context["records"])

    def test_it_shows_no_caa_row_when_caa_allows_our_ca(self) -> None:
        with fake_dns():
            rows = self.records()
        assert [r.rtype for r in rows if r.rtype == "CAA"] == []

    def test_a_failed_caa_lookup_is_a_could_not_check_row(self) -> None:
        with fake_dns(), mock.patch.object(caa, "read", REAL_READ):
            rows = self.records()
        (row,) = [r for r in rows if r.rtype == "CAA"]
        assert row.state == "error"
        assert "could not look up the CAA records of mta-sts.example.org" in row.detail
        assert "forbid " not in row.detail

    def test_the_certificate_notice_keeps_the_cname_advice_when_caa_could_not_be_checked(
        self,
    ) -> None:
        mail.outbox.clear()
        with mock.patch.object(caa, "read", REAL_READ):
            for at in (T0, T0 + timedelta(hours=13)):
                service.tell_cert_state(self.policy, service.CertReading(None, "refused"), at)
        bodies = [m.body for m in mail.outbox]  # one to each member
        assert bodies
        for body in bodies:
            assert "still a CNAME" in body
            assert "could not look up the CAA records" in body
