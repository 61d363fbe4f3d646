"""The free check page, blind round s41h: what people actually paste, written before it ran.

Every expectation below was written from docs/webapp.md ("The free check": Input, Limits, A
host name), docs/configuration.md (MAILSEC_ALLOW_PRIVATE_TARGETS), RFC 1035 §2.3.4 (63 per
label, 253 for a name written without its root dot), RFC 1034 §3.1 (the trailing dot is the
root), RFC 5891 (U-labels and A-labels), RFC 6761 / RFC 6762 / RFC 8375 and ICANN's .internal
(names the public DNS never holds), the WHATWG URL standard (what a browser reads as an IP
address) and the brief ("normalise what is unambiguous, refuse the rest with a plain message,
never probe private or loopback targets unless the lab setting allows, never a 500, rate limits
apply") BEFORE the product ran on them (committed in fbab098b), with three rows planted wrong
(P1: the root's dot refused; P2: _dmarc.example.com checked as example.com; P3:
mta-sts.example.com checked as example.com).

Outcome (SQLite and PostgreSQL + Redis): every honest row held as written (32 pastes, the MX
named localhost. with a 10/8 policy host, the limits), so did the two in chromium; the three
planted rows failed (xfailed) and were then removed. Reading the refusals the round made
found three messages that did not say what was wrong (a name ending in a number, "user@" or
"https://" with nothing after, an invisible direction mark called a symbol), fixed with
failing-first tests in tests/test_freecheck_s41h_input.py (fdd040d9).

Harness: s32c's (the real view, form, task and engine; a stub DNS and a counting listener on
loopback, no lab): tests/test_freecheck_s32c_blind.py. The production setting (private
targets and special-use names refused) unless a row says lab=True.
tests/test_freecheck_s41h_browser.py has two of these in chromium.
"""

from __future__ import annotations

import html
from typing import Any
from unittest.mock import patch

import pytest

from mailsec.freecheck.models import FreeCheck
from tests.test_freecheck_s32c_blind import (
    TARGET_ADDR,
    Accepted,
    Refused,
    ZoneDNS,
    form_error,
    harness_for,
    page_text,
)
from tests.test_freecheck_s37d_blind import finding_labels

# 253 characters: three labels of 63, one of 57, and "com" (RFC 1035 §2.3.4's limit written
# without the root's dot).
NAME_253 = f"{'a' * 63}.{'b' * 63}.{'c' * 63}.{'d' * 57}.com"
assert len(NAME_253) == 253

ROWS: dict[str, tuple[str, Accepted | Refused, bool]] = {
    # (typed, expected, lab setting)
    # --- normalised: one reading only ---
    # A URL from the address bar: the host, lower case; path and scheme dropped.
    "E01-url-mixed-case": ("https://Example.COM/path", Accepted("example.com"), False),
    # An address: its domain.
    "E02-address": ("user@example.com", Accepted("example.com"), False),
    # A mailto: link with a query (RFC 6068): the address's domain.
    "E03-mailto": ("mailto:User@Example.COM?subject=hello", Accepted("example.com"), False),
    # The root's dot (RFC 1034 §3.1): the same name.
    "E04-root-dot": ("example.com.", Accepted("example.com"), False),
    # Blanks around it are not part of it.
    "E05-blanks": ("  example.com  ", Accepted("example.com"), False),
    # An IDN in Unicode (capitals too): the A-label checked, the U-label shown (RFC 5891).
    "E06-idn-unicode": ("Bücher.DE", Accepted("xn--bcher-kva.de", shown="bücher.de"), False),
    # The same IDN in A-labels: the same run's name, the U-label shown.
    "E07-idn-a-label": ("xn--bcher-kva.de", Accepted("xn--bcher-kva.de", shown="bücher.de"), False),
    # The MTA-STS policy host: checked as typed, with the notice offering the domain.
    "E08-policy-host": (
        "mta-sts.example.com",
        Accepted("mta-sts.example.com", host_of="example.com"),
        False,
    ),
    # A port after the name is read past (docs: the checks use the standard ports).
    "E09-url-port": ("HTTPS://example.com:443/", Accepted("example.com"), False),
    # A URL's user info is not its host.
    "E10-url-userinfo": ("https://me:secret@example.com/", Accepted("example.com"), False),
    # A 254-character input that is a 253-character name and the root's dot: accepted.
    "E11-name-253-and-root-dot": (f"{NAME_253}.", Accepted(NAME_253), False),
    # A name under a special-use suffix with the lab setting on: allowed (the lab needs it).
    "E12-test-name-lab": ("shop.s41h.test", Accepted("shop.s41h.test"), True),
    # --- refused, with a plain reason; nothing looked up or stored ---
    # A record's name copied from a DNS panel: the domain it belongs to is named.
    "E13-dmarc-record-name": (
        "_dmarc.example.com",
        Refused(("DNS record", "example.com")),
        False,
    ),
    "E14-ipv4": ("203.0.113.5", Refused(("IP address",)), False),
    "E15-ipv6-url": ("https://[::1]:8443/", Refused(("IP address",)), False),
    # WHATWG URL: 0x7f.1 is 127.0.0.1.
    "E16-ipv4-short-hex": ("http://0x7f.1/", Refused(("IP address",)), False),
    "E17-localhost": ("localhost", Refused(("localhost",)), False),
    # An undelegated top-level domain (a company's private suffix) under the production setting.
    "E18-private-suffix": ("mail.corp", Refused(("not on the internet",)), False),
    "E19-home-arpa": ("nas.home.arpa", Refused(("not on the internet",)), False),
    # The same .test name as E12 without the lab setting: refused.
    "E20-test-name-prod": ("shop.s41h.test", Refused(("not on the internet",)), False),
    # 254 characters without the root's dot: one too many (RFC 1035 §2.3.4).
    "E21-name-254": (f"e{NAME_253}", Refused(("253",)), False),
    # A label of 64 characters: 63 is the most.
    "E22-label-64": (f"{'x' * 64}.example.com", Refused(("63",)), False),
    "E23-empty": ("", Refused(("Enter a domain",)), False),
    "E24-space-inside": ("exam ple.com", Refused(("space",)), False),
    # A pasted list: one domain at a time.
    "E25-two-names": ("example.com example.org", Refused(("one domain at a time",)), False),
    # Odd input nobody listed: each a 400 with a message, never a 500.
    "E26-two-dots": ("example..com", Refused(("two dots",)), False),
    "E27-leading-hyphen": ("-example.com", Refused(("hyphen",)), False),
    "E28-scheme-only": ("https://", Refused(()), False),
    "E29-at-only": ("user@", Refused(()), False),
    "E30-bad-punycode": ("xn--zz.com", Refused(("xn--",)), False),
    "E31-root-only": (".", Refused(()), False),
    "E32-nul-inside": ("exa\x00mple.com", Refused(()), False),
}


@pytest.mark.parametrize("key", list(ROWS))
def test_s41h_what_people_paste(settings: Any, db: None, key: str) -> None:
    typed, expected, lab = ROWS[key]
    with harness_for(settings, ZoneDNS(default_a=TARGET_ADDR), lab=lab) as h:
        r = h.post(typed)
        assert r.status_code != 500 and b"Traceback" not in r.content
        if isinstance(expected, Refused):
            assert r.status_code == 400, (r.status_code, r.get("Location"))
            message = form_error(r)
            for words in expected.says:
                assert words.lower() in message.lower(), message
            assert not FreeCheck.objects.exists()
            assert h.stub.questions == [] and h.listener.connections == 0
            api = h.client.get("/api/v1/check", {"domain": typed})
            assert (api.status_code, api.json()) == (400, {"error": message})
            return
        assert r.status_code == 302, form_error(r) if r.status_code == 400 else r.status_code
        run = FreeCheck.objects.get()
        assert run.domain == expected.checks
        assert run.status == FreeCheck.State.DONE, run.error
        # Every name resolves to the loopback listener: reached only with the lab setting.
        assert (h.listener.connections > 0) == lab
        page = page_text(h.client.get(run.get_absolute_url()))
        shown = expected.shown or expected.checks
        assert f'<span class="fc-domain">{html.escape(shown)}</span>' in page, page[:2000]
        if expected.host_of:
            assert f"Check {expected.host_of}</button>" in page
        else:
            assert 'class="fc-notice fc-host"' not in page


def test_s41h_an_mx_named_localhost_is_never_connected_to(settings: Any, db: None) -> None:
    """A public name whose MX is 'localhost.' and whose policy host is an address in
    10.0.0.0/8 (SSRF by the DNS): under the production setting nothing is connected to, the
    page names what it did not test, and nothing it did not test passes."""
    records = {
        ("ssrf.example.net", "MX"): ["10 localhost."],
        ("_mta-sts.ssrf.example.net", "TXT"): ['"v=STSv1; id=1"'],
        ("mta-sts.ssrf.example.net", "A"): ["10.0.0.1"],
    }
    with harness_for(settings, ZoneDNS(records, default_a=TARGET_ADDR)) as h:
        r = h.post("ssrf.example.net")
        assert r.status_code == 302
        run = FreeCheck.objects.get()
        assert run.status == FreeCheck.State.DONE, run.error
        assert h.listener.connections == 0
        page = page_text(h.client.get(run.get_absolute_url()))
        assert "pass" not in finding_labels(page, "SMTP-04"), finding_labels(page, "SMTP-04")
        assert "10.0.0.1" in page or "localhost" in page


def test_s41h_refused_input_is_not_counted_but_checks_are(settings: Any, db: None) -> None:
    """docs/webapp.md Limits: input refused as no domain name is not counted (except over
    1,000 characters); every check is. Past the limit: 429 with Retry-After, never a 500."""
    settings.MAILSEC_FREE_CHECK_RATE = 3
    with (
        harness_for(settings, ZoneDNS(default_a=TARGET_ADDR)) as h,
        patch("mailsec.freecheck.views.run_free_check.delay"),
    ):
        for typed in ("203.0.113.5", "localhost", "_dmarc.example.com", "", "exam ple.com") * 2:
            assert h.post(typed).status_code == 400, typed
        for n in range(3):
            assert h.post(f"https://shop{n}.example.com/").status_code == 302
        over = h.post("user@shop9.example.com")
        assert over.status_code == 429 and int(over["Retry-After"]) > 0
        assert "try again in" in form_error(over).lower()
        assert FreeCheck.objects.count() == 3
        # Over the limit, a refused name is still refused for what it is, not a 500.
        assert h.post("x" * 1001).status_code in (400, 429)
