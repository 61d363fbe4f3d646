"""Round s19m (2): a domain that sends mail is not told to publish a null MX.

93736a6 told a domain with no MX whose own address takes no mail to publish a null MX,
`v=spf1 -all` and DMARC p=reject, even when it sends mail (SPF authorising senders, a DKIM
key): RFC 7505 §4.2, receivers may reject mail from a null-MX domain. Such a domain is now told
to publish the MX of a server for its replies and bounces, and why a null MX does not suit it.
Port 25 refuses for real (a port nobody listens on); in-memory DNS.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from checks import starttls
from checks.findings import Status
from tests.test_engine_s19z_nomail import check, free_port, one

D = "parked.example.org"
ADDRESS = "127.0.0.1"


@pytest.fixture(autouse=True)
def _fresh_probe_cache() -> Iterator[None]:
    # SMTP probes are cached per process by address: each test's answers are its own.
    starttls.clear_cache()
    yield
    starttls.clear_cache()


def _sending_zone(*, dkim: bool = True) -> dict[tuple[str, str], list[str] | str]:
    """A website that sends mail through SendGrid: no MX, SPF authorising senders, a DKIM key."""
    zone: dict[tuple[str, str], list[str] | str] = {
        (D, "A"): [ADDRESS],
        (D, "TXT"): ['"v=spf1 include:sendgrid.net -all"'],
        ("sendgrid.net", "TXT"): ['"v=spf1 ip4:167.89.0.0/17 -all"'],
    }
    if dkim:
        zone[(f"s1._domainkey.{D}", "TXT")] = [
            '"v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"'
        ]
    return zone


def test_it_tells_a_sending_domain_to_publish_a_real_mx_not_a_null_mx() -> None:
    # Port 25 on its address refuses the connection: it looks like it receives no mail.
    mx01 = one(check(D, _sending_zone(), free_port(ADDRESS)), "MX-01")
    assert mx01.status == Status.WARN
    assert "refused the connection" in mx01.summary
    assert "include:sendgrid.net" in mx01.summary and "RFC 7505 §4.2" in mx01.summary
    assert mx01.fix is not None
    # The MX naming a mail server leads; no null MX or refuse-every-sender SPF is proposed.
    assert mx01.fix.splitlines()[1] == f"{D}. MX 10 <your mail server's host name>."
    assert f"{D}. MX 0 .\n" not in mx01.fix and not mx01.fix.startswith(f"{D}. MX 0 .")
    assert '"v=spf1 -all"' not in mx01.fix and "p=reject" not in mx01.fix
    assert f"DKIM key at s1._domainkey.{D}" in mx01.evidence["sending_signs"]


def test_it_counts_an_spf_record_authorising_senders_alone_as_sending() -> None:
    mx01 = one(check(D, _sending_zone(dkim=False), free_port(ADDRESS)), "MX-01")
    assert mx01.fix is not None and '"v=spf1 -all"' not in mx01.fix
    assert mx01.evidence["sending_signs"] == [
        "an SPF record authorising senders (include:sendgrid.net)"
    ]


def test_it_still_offers_the_no_mail_records_when_nothing_says_it_sends() -> None:
    zone: dict[tuple[str, str], list[str] | str] = {
        (D, "A"): [ADDRESS],
        (D, "TXT"): ['"v=spf1 -all"'],
    }
    mx01 = one(check(D, zone, free_port(ADDRESS)), "MX-01")
    assert mx01.fix is not None and f"{D}. MX 0 ." in mx01.fix
    assert "sending_signs" not in mx01.evidence
