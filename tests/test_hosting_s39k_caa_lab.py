"""Task s39k: CAA records (RFC 8659) that forbid our ACME CA, read from real Knot zones through
the lab's Unbound (scenarios tests/lab/scenarios/s39k_*.toml), and what the owner is told.

Expected, written before the hosting page and the certificate watch read CAA:
- s39k-caaapex: `@ CAA 0 issue "digicert.com"`, mta-sts a CNAME to our policy host (no CAA
  there): the climb reaches the apex, blocked; the record to add is
  `s39k-caaapex.lab.test. CAA 0 issue "letsencrypt.org"`.
- s39k-caasub: the apex names digicert.com, mta-sts itself allows letsencrypt.org: allowed
  (the first non-empty RRset wins).
- s39k-caanone: no CAA anywhere: allowed.
- s39k-caacrit: a critical unknown tag beside our issue: blocked, no record to add (it must go).
- The records panel (before hosting is on, and after) shows the blocked CAA with the record to
  add; a domain CAA allows shows no CAA row.
- The certificate watch, telling a missing certificate, names CAA as the cause with the record
  to add, not "check your CNAME"."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mailsec.domains.models import Domain
from mailsec.hosting import caa, lookups, service
from tests import test_hosting_lab as base
from tests.lab.control import Lab
from tests.test_hosting_lab import enable_as_owner

hosting = base.hosting
customer = base.customer

pytestmark = pytest.mark.lab

LE = "letsencrypt.org"
APEX = "s39k-caaapex.lab.test"

# fmt: off
EXPECT = {
    APEX:                    (caa.BLOCKED, APEX, f'{APEX}. CAA 0 issue "{LE}"'),
    "s39k-caasub.lab.test":  (caa.ALLOWED, "mta-sts.s39k-caasub.lab.test", ""),
    "s39k-caanone.lab.test": (caa.ALLOWED, "", ""),
    "s39k-caacrit.lab.test": (caa.BLOCKED, "s39k-caacrit.lab.test", ""),
}
# fmt: on


@pytest.fixture
def caa_hosting(hosting: Lab, settings: Any) -> Lab:
    settings.MAILSEC_ACME_CAA_IDENTITY = LE
    return hosting


@pytest.mark.parametrize("domain", sorted(EXPECT))
def test_it_reads_caa_from_the_lab_zones(caa_hosting: Lab, domain: str) -> None:
    state, holder, fix = EXPECT[domain]
    reading = asyncio.run(caa.read(lookups.client(), f"mta-sts.{domain}", LE))
    assert (reading.state, reading.holder, reading.fix) == (state, holder, fix), reading.detail


def records_panel(domain: Domain) -> str:
    client = Client()
    client.force_login(domain.team.memberships.get().user)
    response = client.get(reverse("hosting:records", args=[domain.code]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_records_panel_tells_a_blocking_caa(
    caa_hosting: Lab, customer: Callable[[str], Domain]
) -> None:
    blocked = customer(APEX)
    html = records_panel(blocked)
    assert "CAA" in html and "digicert.com" in html
    assert "0 issue &quot;letsencrypt.org&quot;" in html
    enable_as_owner(blocked)
    assert "0 issue &quot;letsencrypt.org&quot;" in records_panel(blocked)
    assert "CAA" not in records_panel(customer("s39k-caanone.lab.test"))


@pytest.mark.django_db(transaction=True)
def test_the_certificate_watch_names_caa_as_the_cause(
    caa_hosting: Lab, customer: Callable[[str], Domain]
) -> None:
    policy = enable_as_owner(customer(APEX))
    mail.outbox.clear()
    first = timezone.now()
    for at in (first, first + timedelta(hours=13)):
        service.tell_cert_state(policy, service.CertReading(None, "no certificate"), at)
    bodies = [m.body for m in mail.outbox if f"mta-sts.{APEX}" in m.body]
    assert bodies, [m.subject for m in mail.outbox]
    assert f'{APEX}. CAA 0 issue "{LE}"' in bodies[-1]
    assert "still a CNAME" not in bodies[-1]
