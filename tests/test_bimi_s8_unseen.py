"""BIMI assertion records nobody listed in the fixtures: hosts given as IP addresses, records
of another BIMI version, and userinfo in the URLs."""

from __future__ import annotations

from checks import bimi
from checks.findings import Status
from tests.test_bimi import CERT, LOGO, bimi_run
from tests.test_spf import flagged, statuses


def test_an_ip_address_is_not_a_host_name() -> None:
    # Draft "Assertion Record Definition": the a= URI "MUST contain a fully qualified domain
    # name"; a logo URL is fetched over HTTPS from a named host too. RFC 3986 §3.2.2: a host
    # that matches IPv4address is an address, not a reg-name. IPv6 literals were already
    # refused; dotted IPv4 passed as if 192.0.2.1 were a domain name.
    for uri in ("https://192.0.2.1/logo.svg", "https://10.0.0.7:8443/bimi/logo.svg"):
        assert "IP address" in bimi.check_https_uri(uri, svg=True), uri
    assert "IP address" in bimi.check_https_uri("https://192.0.2.1/vmc.pem", svg=False)
    found = bimi_run(f"v=BIMI1; l={LOGO}; a=https://198.51.100.4/vmc.pem")
    assert flagged(found)["fail"] == {"BIMI-05"}
    found = bimi_run(f"v=BIMI1; l=https://198.51.100.4/logo.svg; a={CERT}")
    assert "BIMI-04" in flagged(found)["fail"]
    # Names whose labels are digits are still names when the last label is not all digits.
    assert bimi.check_https_uri("https://123.example.com/logo.svg", svg=True) == ""
    assert bimi.check_https_uri("https://1.2.3.example/logo.svg", svg=True) == ""


def test_a_record_of_another_bimi_version_is_reported_not_taken_for_absent() -> None:
    # Draft "Assertion Record Discovery" steps 4 and 7: a record that does not start with
    # v=BIMI1 is discarded, so receivers show no logo; the owner meant a BIMI record, and
    # "publishes no BIMI record; BIMI is optional" hides why nothing is shown.
    for text in (f"v=BIMI2; l={LOGO}; a={CERT}", f"v=BIMI; l={LOGO}", f"v=Bimi1.0; l={LOGO}"):
        found = bimi_run(text)
        assert statuses(found, "BIMI-02") == [Status.FAIL], text
        assert not any("publishes no BIMI record" in f.summary for f in found), text
    # A stray TXT record of another kind at the name is still no BIMI record at all.
    unrelated = bimi_run("google-site-verification=abc")
    assert statuses(unrelated, "BIMI-02") == [] and statuses(unrelated, "BIMI-01") == [Status.INFO]


def test_userinfo_in_a_bimi_url_is_refused() -> None:
    # RFC 9110 §4.2.4: userinfo in an https URI is deprecated; a recipient "SHOULD parse for
    # userinfo and treat its presence as an error" before using a URI from an untrusted source.
    assert "user" in bimi.check_https_uri("https://u:p@bimi.example.com/logo.svg", svg=True)
    assert "user" in bimi.check_https_uri("https://bimi@bimi.example.com/vmc.pem", svg=False)
    found = bimi_run(f"v=BIMI1; l={LOGO}; a=https://me@bimi.example.com/vmc.pem")
    assert flagged(found)["fail"] == {"BIMI-05"}
