"""Task s36g, the product faults blind round 2 (tests/test_ssrf_s36g_blind.py) found.

1. 192.88.99.0/24, the 6to4 relay anycast prefix (deprecated by RFC 7526; IANA's special-purpose
   registry: not globally reachable), passed the guard (Python counts it global): an MX host
   there was connected to on port 25. Refused now, as 'reserved', and its 6to4 form with it.
2. A zone id on a public IPv6 address ('2620:fe::fe%eth0') passed the guard: a zone picks one
   of our interfaces (RFC 4007 §11), which no published address may do. Refused now.
3. A TLS-RPT https report host written with percent-escapes (%31%32%37.0.0.1) or in characters
   UTS #46 maps to digits and dots (full-width １２７。０。０。１) was looked up as a name:
   TLSRPT-10 warned 'does not resolve' and asked for an A record for it, where a reporter's
   URL parser posts to 127.0.0.1. Judged now as that address, as s34n judges 127.1.
4. A BIMI logo or mark certificate URL at a port other than 443, which mailsec never connects
   to, was BIMI-09's (BIMI-10's) fail 'could not be fetched': could not check now (error).
"""

from __future__ import annotations

from typing import Any

import pytest

from checks import bimi, net, starttls, tlsrpt
from checks.config import CheckConfig
from tests.blind_engine import run_engine
from tests.test_ssrf_s34g_blind import watched

D = "shop.s36g-fix.org"
PUBLIC = "9.9.9.9"
PRODUCTION = CheckConfig()
LAB = CheckConfig(allow_private_targets=True)


@pytest.mark.parametrize("address", ["192.88.99.1", "192.88.99.0", "2002:c058:6301::1"])
def test_the_6to4_relay_anycast_prefix_is_refused_as_reserved(address: str) -> None:
    with pytest.raises(net.TargetRefused, match=r"\(reserved\)"):
        net.guard(address, PRODUCTION)
    net.guard(address, LAB)


def test_its_neighbours_stay_public() -> None:
    for address in ("192.88.98.255", "192.88.100.1"):
        net.guard(address, PRODUCTION)


@pytest.mark.parametrize("address", ["2620:fe::fe%eth0", "2606:4700:4700::1111%1"])
def test_a_zone_id_on_a_public_address_is_refused(address: str) -> None:
    assert not net.is_public_address(address)
    with pytest.raises(net.TargetRefused) as refused:
        net.guard(address, PRODUCTION)
    assert str(refused.value) == f"{address} is not a public address (zone-scoped); refused"


def test_a_zone_id_on_a_non_public_address_names_its_own_kind() -> None:
    assert net.non_public_kind("fe80::1%eth0") == "link-local"
    assert net.non_public_kind("::ffff:127.0.0.1%1") == "loopback"
    assert net.non_public_kind("fd00::1%eth0") == "private"


def test_an_mx_at_the_relay_anycast_prefix_is_never_connected_to() -> None:
    zone: dict[Any, Any] = {(D, "MX"): [f"10 mx.{D}."], (f"mx.{D}", "A"): ["192.88.99.25"]}
    with watched() as (asked, sockets):
        starttls.clear_cache()
        findings = run_engine(starttls, D, zone).findings
    assert asked == [] and sockets == []
    (smtp01,) = [f for f in findings if f.id == "SMTP-01"]
    assert smtp01.status == "fail"
    assert "only the reserved address 192.88.99.25" in smtp01.summary


def _tlsrpt10(uri: str) -> list[Any]:
    zone: dict[Any, Any] = {
        (D, "MX"): [f"10 mx.{D}."],
        (f"mx.{D}", "A"): [PUBLIC],
        (f"_smtp._tls.{D}", "TXT"): [f"v=TLSRPTv1; rua={uri}"],
    }
    with watched() as (asked, _):
        starttls.clear_cache()
        run = run_engine(tlsrpt, D, zone)
    assert [a for a in asked if a[0] != PUBLIC] == []
    # Nothing to look up: the address is written in the URL, however it is spelled.
    assert not [q for q in run.asked if "0.0" in q[0] or "\u3002" in q[0]], run.asked
    return [f for f in run.findings if f.id == "TLSRPT-10"]


@pytest.mark.parametrize(
    ("host", "words"),
    [
        ("%31%32%37.0.0.1", "%31%32%37.0.0.1 is 127.0.0.1 percent-encoded"),
        ("127.0.0.%31", "127.0.0.%31 is 127.0.0.1 percent-encoded"),
        # The full-width spelling (１２７。０。０。１) is no URI since s36f (non-ASCII, RFC 3986
        # §2): TLSRPT-06's, tests/test_engine_s36f_uri.py.
    ],
)
def test_a_report_host_spelled_otherwise_is_the_address_it_reads_as(host: str, words: str) -> None:
    (finding,) = _tlsrpt10(f"https://{host}/r")
    assert finding.status == "error", finding.summary
    assert "127.0.0.1 is not a public address (loopback); refused" in finding.summary
    assert words in finding.summary
    assert "does not resolve" not in finding.summary
    assert "Publish an address" not in finding.fix
    assert f"in place of {host}" in finding.fix


def test_a_percent_escape_in_a_report_host_name_is_still_a_name() -> None:
    """Control: only what reads as numbers is an address; a host name stays a name."""
    (finding,) = _tlsrpt10("https://r%65ports.s36g-elsewhere.org/r")
    assert "is not a public address" not in finding.summary


@pytest.mark.parametrize(
    ("record", "check_id"),
    [
        (f"v=BIMI1; l=https://logo.{D}:8443/logo.svg", "BIMI-09"),
        (f"v=BIMI1; l=https://logo.{D}/logo.svg; a=https://logo.{D}:8443/vmc.pem", "BIMI-10"),
    ],
)
def test_a_bimi_document_at_another_port_could_not_be_checked(record: str, check_id: str) -> None:
    zone: dict[Any, Any] = {
        (D, "MX"): [f"10 mx.{D}."],
        (f"mx.{D}", "A"): [PUBLIC],
        (f"_dmarc.{D}", "TXT"): ["v=DMARC1; p=reject"],
        (f"default._bimi.{D}", "TXT"): [record],
        (f"logo.{D}", "A"): [PUBLIC],
    }
    with watched() as (asked, _):
        findings = run_engine(bimi, D, zone).findings
    assert all(port == 443 for _, port in asked), asked
    found = [f for f in findings if f.id == check_id]
    assert [f.status for f in found] == ["error"], [(f.status, f.summary) for f in found]
    assert "names port 8443; mailsec fetches only from port 443" in found[0].summary


# 5. Found by the second batch (tests/test_ssrf_s36g_pages_blind.py): an address typed in
# full-width digits was refused as 'not a valid domain name' (１２７。０。０。１) or as a single
# label, 'a computer's name on a local network' (２１３０７０６４３３); UTS #46 maps both to the
# address a browser reads (127.0.0.1), refused as an IP address like its ASCII spelling.
@pytest.mark.parametrize(
    "typed",
    [
        "\uff11\uff12\uff17\u3002\uff10\u3002\uff10\u3002\uff11",
        "\uff11\uff12\uff17\uff0e\uff10\uff0e\uff10\uff0e\uff11",
        "\uff12\uff11\uff13\uff10\uff17\uff10\uff16\uff14\uff13\uff13",
        "https://\uff11\uff12\uff17\u3002\uff11/",
    ],
)
def test_an_address_in_full_width_digits_is_an_ip_address(typed: str) -> None:
    from checks.domainname import DomainNameError, to_ascii_domain

    with pytest.raises(DomainNameError) as refused:
        to_ascii_domain(typed, allow_special_use=False)
    assert "is an IP address (127.0.0.1, as a browser reads it)" in str(refused.value)


def test_a_full_width_name_is_still_a_name() -> None:
    """Control: full-width letters are a name, mapped to ASCII as before."""
    from checks.domainname import to_ascii_domain

    assert to_ascii_domain("\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.org") == "example.org"


# 6. BIMI-04/05 (fail either way, wording only): an IPv6 literal host and a host that is an IPv4
# address percent-encoded were 'no host name: its last label is all digits (RFC 3696 §2)'.
@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("https://[::ffff:127.0.0.1]/logo.svg", "::ffff:127.0.0.1 is an IP address; "),
        ("https://[2001:db8::1]/logo.svg", "2001:db8::1 is an IP address; "),
        (
            "https://%31%30.0.0.1/logo.svg",
            "%31%30.0.0.1 is an IP address (%31%30.0.0.1 is 10.0.0.1 percent-encoded; URL "
            "parsers read it so); ",
        ),
    ],
)
def test_a_bimi_url_at_an_address_says_so(url: str, words: str) -> None:
    problem = bimi.check_https_uri(url, svg=True)
    assert problem.startswith(words), problem
    assert "last label is all digits" not in problem
    assert problem.endswith("it must be a fully qualified domain name")
