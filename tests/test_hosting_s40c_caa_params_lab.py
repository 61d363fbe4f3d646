"""Task s40c: RFC 8657's CAA parameters read from a real signed zone through the lab's Unbound.

s39k-caanone.lab.test (no CAA anywhere, tests/lab/scenarios/s39k_caanone.toml) gets one apex CAA
record at a time by UPDATE, and the CAA reading of mta-sts.s39k-caanone.lab.test (a CNAME to
our policy host, which holds none) climbs to it; the zone has no CAA again afterwards.
Expected (no MAILSEC_ACME_ACCOUNT_URI unless said):
- `issue "letsencrypt.org; validationmethods=dns-01"`: blocked, the record to add names our
  methods (http-01, tls-alpn-01);
- `issue "letsencrypt.org; validationmethods=dns-01,tls-alpn-01"`: allowed;
- `issue "letsencrypt.org; accounturi=<another>"`: could not tell (unknown), nothing to add;
  with our account URI configured as that one: allowed; as another: blocked, the record to add
  names ours;
- `issue "letsencrypt.org; validationmethods=http-01;"` (a trailing ";"): blocked, as naming no
  CA (RFC 8659 §4.2)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from mailsec.hosting import caa, lookups
from tests import test_hosting_lab as base
from tests.lab.control import Lab

hosting = base.hosting

pytestmark = pytest.mark.lab

LE = "letsencrypt.org"
ZONE = "s39k-caanone.lab.test"
ACCT = "https://acme.lab.test/acct/40"
OTHER = "https://acme.lab.test/acct/41"
METHODS_FIX = f'{ZONE}. CAA 0 issue "{LE}; validationmethods=http-01,tls-alpn-01"'

# fmt: off
EXPECT = [
    # apex issue value, our account URI, state, record to add
    (f"{LE}; validationmethods=dns-01",             "",    caa.BLOCKED, METHODS_FIX),
    (f"{LE}; validationmethods=dns-01,tls-alpn-01", "",    caa.ALLOWED, ""),
    (f"{LE}; accounturi={ACCT}",                    "",    caa.UNKNOWN, ""),
    (f"{LE}; accounturi={ACCT}",                    ACCT,  caa.ALLOWED, ""),
    (f"{LE}; accounturi={ACCT}",                    OTHER, caa.BLOCKED,
     f'{ZONE}. CAA 0 issue "{LE}; accounturi={OTHER}"'),
    (f"{LE}; validationmethods=http-01;",           "",    caa.BLOCKED, f'{ZONE}. CAA 0 issue "{LE}"'),
]
# fmt: on


@pytest.fixture
def apex_caa(hosting: Lab) -> Iterator[Lab]:
    yield hosting
    hosting.update(ZONE, delete=[("@", "CAA")])
    hosting.flush(ZONE)


@pytest.mark.parametrize(("value", "account", "state", "fix"), EXPECT)
def test_it_reads_rfc_8657_parameters_from_the_lab_zone(
    apex_caa: Lab, value: str, account: str, state: str, fix: str
) -> None:
    apex_caa.update(ZONE, replace=[("@", 300, "CAA", f'0 issue "{value}"')])
    apex_caa.flush(ZONE)
    reading = asyncio.run(caa.read(lookups.client(), f"mta-sts.{ZONE}", LE, account))
    assert (reading.state, reading.holder, reading.fix) == (state, ZONE, fix), reading.detail
    assert value.split(";")[1].strip() in " ".join(reading.records)
