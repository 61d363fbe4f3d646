"""CAA (RFC 8659) for hosted MTA-STS (task s39k): may our ACME CA issue for mta-sts.<domain>?

The decision is a pure function of the Relevant RRset (RFC 8659 §3: the first non-empty CAA
RRset climbing from mta-sts.<domain> toward the root, the lookup following CNAMEs) and our
CA's identity (MAILSEC_ACME_CAA_IDENTITY). Expectations from RFC 8659 §4: for a non-wildcard
name only `issue` counts (issuewild is ignored, §4.3); an issue value with no issuer domain name
(`;`) authorizes nobody; several issue properties authorize each their issuer; a property with
the issuer critical flag (128, bit 0) and a tag the CA does not know forbids issuance (§4.1);
so does flag 1 (bit 7, reserved), as Let's Encrypt's Boulder reads it (task s40k); tags match
case-insensitively; iodef alone restricts nothing.
The climb is tested over answers given to a real DnsClient subclass (the DNS below the
client is what is replaced, not the decision)."""

from __future__ import annotations

import asyncio

import dns.rdata
import dns.rdataclass
import dns.rdatatype
import pytest

from checks.config import CheckConfig
from checks.dns import DnsAnswer, DnsClient
from mailsec.hosting import caa

pytestmark = pytest.mark.real_caa

LE = "letsencrypt.org"


def rec(text: str) -> dns.rdata.Rdata:
    return dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.CAA, text)


@pytest.mark.parametrize(
    ("records", "allowed"),
    [
        ([], True),  # no CAA at all: unrestricted
        (['0 iodef "mailto:sec@example.org"'], True),  # no issue property restricts nothing
        (['0 issue "letsencrypt.org"'], True),
        (['0 issue "LetsEncrypt.org"'], True),  # domain names compare case-insensitively
        (['0 ISSUE "letsencrypt.org"'], True),  # tags too
        (['0 issue "letsencrypt.org; validationmethods=http-01"'], True),
        (['0 issue "digicert.com"'], False),
        (['0 issue ";"'], False),  # nobody
        (['0 issue ""'], False),  # an empty value: no issuer domain name either
        (['0 issue ";"', '0 issue "letsencrypt.org"'], True),  # issuers add up
        (['0 issue "digicert.com"', '0 issue "letsencrypt.org"'], True),
        (['0 issuewild "letsencrypt.org"', '0 issue "digicert.com"'], False),  # wild ignored
        (['0 issuewild "digicert.com"'], True),  # only issuewild: no restriction for mta-sts.
        (['0 issuewild ";"'], True),
        (['128 tbs "unknown"'], False),  # critical, unknown: forbids
        (['128 tbs "x"', '0 issue "letsencrypt.org"'], False),  # even beside our issue
        (['1 tbs "x"'], False),  # flag 1 is bit 7, yet Boulder reads it as critical (s40k)
        (['0 tbs "x"', '0 issue "letsencrypt.org"'], True),  # unknown, not critical: ignored
        (['128 issue "letsencrypt.org"'], True),  # critical but known
        (['128 iodef "mailto:a@example.org"'], True),
        (['0 issue "letsencrypt.org.evil.example"'], False),
        (['0 issue "evil-letsencrypt.org"'], False),
    ],
)
def test_it_decides_from_the_relevant_rrset(records: list[str], allowed: bool) -> None:
    decision = caa.decide([rec(r) for r in records], LE)
    assert decision.allowed is allowed, decision.reason


def test_it_honours_another_identity() -> None:
    assert caa.decide([rec('0 issue "pebble.example"')], "pebble.example").allowed
    assert not caa.decide([rec('0 issue "letsencrypt.org"')], "pebble.example").allowed


@pytest.mark.parametrize(
    ("records", "allowed"),
    [
        (['0 issuewild "letsencrypt.org"', '0 issue "digicert.com"'], True),
        (['0 issuewild ";"', '0 issue "letsencrypt.org"'], False),
        (['0 issue "letsencrypt.org"'], True),  # no issuewild: issue applies
    ],
)
def test_it_reads_issuewild_for_a_wildcard(records: list[str], allowed: bool) -> None:
    assert caa.decide([rec(r) for r in records], LE, wildcard=True).allowed is allowed


# --- The climb (RFC 8659 §3) -------------------------------------------------------------------


class Zone(DnsClient):
    """A DnsClient whose answers come from a table: {name: DnsAnswer-ish}. Names absent are
    NXDOMAIN."""

    def __init__(self, table: dict[str, tuple[str, list[str], list[str]]]) -> None:
        super().__init__(CheckConfig())
        self.table = table
        self.asked: list[str] = []

    async def query(self, name: str, rdtype: str, **kwargs: object) -> DnsAnswer:  # type: ignore[override]
        assert rdtype == "CAA"
        self.asked.append(name)
        rcode, records, cnames = self.table.get(name, ("NXDOMAIN", [], []))
        return DnsAnswer(name, "CAA", rcode, records=[rec(r) for r in records], cnames=cnames)


def read(table: dict[str, tuple[str, list[str], list[str]]]) -> tuple[caa.CaaReading, list[str]]:
    zone = Zone(table)
    return asyncio.run(caa.read(zone, "mta-sts.example.org", LE)), zone.asked


def test_it_finds_nothing_anywhere() -> None:
    reading, asked = read({"example.org": ("NOERROR", [], [])})
    assert reading.state == caa.ALLOWED
    assert asked == ["mta-sts.example.org", "example.org", "org"]


def test_it_climbs_to_the_domain_holding_a_forbidding_record() -> None:
    reading, _ = read({"example.org": ("NOERROR", ['0 issue "digicert.com"'], [])})
    assert reading.state == caa.BLOCKED
    assert reading.holder == "example.org"
    assert reading.fix == 'example.org. CAA 0 issue "letsencrypt.org"'
    assert '0 issue "digicert.com"' in reading.records


def test_it_stops_at_the_first_non_empty_rrset() -> None:
    reading, asked = read(
        {
            "mta-sts.example.org": ("NOERROR", ['0 issue "letsencrypt.org"'], []),
            "example.org": ("NOERROR", ['0 issue "digicert.com"'], []),
        }
    )
    assert reading.state == caa.ALLOWED
    assert asked == ["mta-sts.example.org"]


def test_it_reads_the_rrset_at_the_alias_target() -> None:
    # mta-sts.example.org CNAME our host, which holds a CAA: that is the relevant RRset.
    reading, asked = read(
        {"mta-sts.example.org": ("NOERROR", ['0 issue ";"'], ["mta-sts-host.mailsec.example"])}
    )
    assert reading.state == caa.BLOCKED
    assert reading.holder == "mta-sts-host.mailsec.example"
    assert asked == ["mta-sts.example.org"]


def test_it_climbs_from_the_alias_not_its_target() -> None:
    reading, asked = read(
        {
            "mta-sts.example.org": ("NOERROR", [], ["mta-sts-host.mailsec.example"]),
            "example.org": ("NOERROR", ['0 issue "digicert.com"'], []),
        }
    )
    assert reading.state == caa.BLOCKED and reading.holder == "example.org"
    assert asked == ["mta-sts.example.org", "example.org"]


@pytest.mark.parametrize("where", ["mta-sts.example.org", "example.org", "org"])
def test_a_failed_lookup_is_could_not_check(where: str) -> None:
    reading, _ = read({where: ("SERVFAIL", [], [])})
    assert reading.state == caa.UNKNOWN
    assert "SERVFAIL" in reading.detail


def test_a_critical_unknown_tag_asks_to_remove_it_not_to_add() -> None:
    reading, _ = read(
        {"example.org": ("NOERROR", ['128 tbs "x"', '0 issue "letsencrypt.org"'], [])}
    )
    assert reading.state == caa.BLOCKED
    assert "tbs" in reading.detail and "128" in reading.detail
