"""s26e: what blind round s26e (tests/test_lab_s26e_blind.py) found the engine saying wrong.

Its s26e-idn domain (s26e-müller.lab.test) is run by an owner who typed the name as written, in
Unicode (its U-labels), where the DNS and the protocols want its A-labels:

1. SPF 'v=spf1 mx a:mail.müller.example -all' read two fails for the one 'ü': SPF-15 ("the
   record contains non-ASCII characters ... write internationalised names in their xn-- form",
   no record to publish) and SPF-04 ("the character 'ü' is not allowed"). A character pasted
   from a word processor (an en dash, a no-break space) was already named once, by SPF-15, with
   the record retyped. Now a record whose only non-ASCII characters sit in domain names is
   SPF-15 alone, naming the names, and its fix is the record with their A-labels (once it
   passes what SPF-04..09 demand). SPF-04's fail for it is gone (SPF-15 still fails: the
   record is a permanent error either way).
2. MTA-STS 'mx: mx2.müller.example' for the MX mx2.xn--mller-kva.example: MTASTS-25 said to
   write the name "as an A-label (xn--...)" without saying which, and MTASTS-30 that the MX
   host (shown to people as mx2.müller.example) "matches no mx pattern" while the policy shows
   exactly that name. MTASTS-25 now names the A-label, and MTASTS-30 says the policy names the
   host in Unicode form, which senders cannot match. Statuses unchanged.
3. BIMI 'avp=logo' (s26e-bimiavp): BIMI-06 warned "avp=logo is not valid (brand or personal);
   receivers ignore it and use 'brand'" with no record to publish. Its fix is now the record
   without the tag (brand is the default), or with the value in lower case where only its case
   was wrong. Status unchanged (warn).
4. DANE '3 0 1' (s26e-dane301): DANE-06 said "uses 3 0 1; the recommended form is '3 1 1'"
   with no record, while its Full(0) warn gives one. The info now says why (a '3 1 1' record
   names the key, so a certificate renewed with the same key still matches) and its fix is the
   '3 1 1' record of the certificate presented, published beside the old record, which goes
   once two TTLs have passed (RFC 7671 §8.1). Status unchanged (info).
5. A SHA-1 DS beside a SHA-256 one (s26e-dssha1): DNSSEC-04 said "the SHA-1 one can be removed"
   without saying which record; its fix now names the DS records to remove at the registrar,
   as published, and the one that stays. Status unchanged (info).
"""

from __future__ import annotations

import pytest

from checks import certs, spf
from checks.findings import Finding, Status
from tests.test_bimi import CERT, LOGO, bimi_run
from tests.test_bimi import D as BIMI_D
from tests.test_certs import Pki
from tests.test_dane_extra2 import MX1, pki  # noqa: F401 (the module's Pki fixture)
from tests.test_dane_extra2 import _run as dane_run
from tests.test_mtasts import POLICY, ZONE, evaluate
from tests.test_spf import published, run

D = "example.org"
BAD = (Status.FAIL, Status.WARN)


def _only(findings: list[Finding], check_id: str) -> Finding:
    (finding,) = [f for f in findings if f.id == check_id]
    return finding


# --- 1. SPF: a U-label in a domain name is one problem, with the A-label record as the fix ----


def _spf(record: str) -> list[Finding]:
    zone = {
        (D, "MX"): ["10 mx1.example.org."],
        ("mx1.example.org", "A"): ["192.0.2.11"],
        ("mail.xn--mller-kva.example", "A"): ["192.0.2.25"],
        ("_spf.xn--mller-kva.example", "TXT"): ["v=spf1 ip4:192.0.2.0/28 -all"],
        (D, "TXT"): [record],
    }
    return [f for f in run(spf, D, zone) if f.status in BAD]


def test_a_u_label_in_an_spf_term_is_named_once_with_the_a_label_record() -> None:
    (finding,) = _spf("v=spf1 mx a:mail.müller.example -all")  # no SPF-04 beside it
    assert finding.id == "SPF-15" and finding.status == Status.FAIL
    assert "'mail.müller.example'" in finding.summary
    assert "in Unicode form" in finding.summary
    assert "'v=spf1 mx a:mail.xn--mller-kva.example -all'" in finding.summary
    assert published(finding.fix) == (D, "v=spf1 mx a:mail.xn--mller-kva.example -all")


def test_each_name_and_a_cidr_keep_their_place() -> None:
    (finding,) = _spf("v=spf1 include:_spf.müller.example a:mail.müller.example/28 -all")
    assert finding.id == "SPF-15"
    assert "'_spf.müller.example' and 'mail.müller.example'" in finding.summary
    assert published(finding.fix)[1] == (
        "v=spf1 include:_spf.xn--mller-kva.example a:mail.xn--mller-kva.example/28 -all"
    )


def test_the_a_label_record_is_offered_only_once_it_passes() -> None:
    # The include names a domain without SPF once written as its A-label: no fix, and why.
    (finding,) = _spf("v=spf1 include:_spf.bücher.example -all")
    assert finding.id == "SPF-15" and finding.fix == ""
    assert finding.summary.endswith(
        " With the names as A-labels, it would include _spf.xn--bcher-kva.example, which has no "
        "usable SPF record, and still fail: check the name."
    )


def test_non_ascii_outside_a_name_reads_as_before() -> None:
    # Not a name: nothing to write as an A-label, and the term is as broken as it was.
    ids = {(f.id, f.status) for f in _spf("v=spf1 mx -äll")}
    assert ("SPF-15", Status.FAIL) in ids
    finding = _only(_spf("v=spf1 mx -äll"), "SPF-15")
    assert "write internationalised names in their xn-- form" in finding.summary


def test_the_parser_reads_the_terms_as_meant() -> None:
    parsed = spf.parse_spf("v=spf1 mx a:mail.müller.example -all")
    assert [p.check_id for p in parsed.problems] == ["SPF-15"]
    assert [t.text for t in parsed.terms] == ["mx", "a:mail.xn--mller-kva.example", "-all"]


# --- 2. MTA-STS: an mx line in U-labels ------------------------------------------------------

IDN_ZONE = {
    **ZONE,
    ("example.org", "MX"): ["10 mx1.example.org.", "20 mx2.xn--mller-kva.example."],
    ("mx2.xn--mller-kva.example", "A"): ["192.0.2.12"],
}
IDN_POLICY = POLICY.replace("mx: mx2.example.org", "mx: mx2.müller.example")


def test_the_u_label_mx_line_is_given_its_a_label(monkeypatch: pytest.MonkeyPatch) -> None:
    findings = evaluate(monkeypatch, IDN_ZONE, body=IDN_POLICY)
    line = _only(findings, "MTASTS-25")
    assert line.status == Status.FAIL  # unchanged
    assert "(xn--...)" not in line.summary
    assert "'mx2.xn--mller-kva.example'" in line.summary
    assert "mx: mx2.xn--mller-kva.example" in line.fix


def test_the_uncovered_mx_says_the_policy_names_it_in_unicode(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    findings = evaluate(monkeypatch, IDN_ZONE, body=IDN_POLICY)
    cover = _only(findings, "MTASTS-30")
    assert cover.status == Status.WARN  # unchanged: mx1 is covered
    assert "'mx: mx2.müller.example'" in cover.summary
    assert "Unicode form" in cover.summary and "see MTASTS-25" in cover.summary
    assert "mx: mx2.xn--mller-kva.example" in cover.fix


def test_an_address_is_not_a_name_to_write_as_an_a_label() -> None:
    finding = _only(_spf("v=spf1 ip4:192.0.2.1\u00e4 a:mail.müller.example -all"), "SPF-15")
    assert "write internationalised names in their xn-- form" in finding.summary


# --- 3. BIMI-06: the record to publish ------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "published_record"),
    [
        (
            f"v=BIMI1; l={LOGO}; a={CERT}; avp=logo",
            f"v=BIMI1; l={LOGO}; a={CERT}",
        ),
        (
            f"v=BIMI1; avp=logo; l={LOGO}; a={CERT};",
            f"v=BIMI1; l={LOGO}; a={CERT};",
        ),
        (
            f"v=BIMI1; l={LOGO}; a={CERT}; avp=Personal",
            f"v=BIMI1; l={LOGO}; a={CERT}; avp=personal",
        ),
    ],
)
def test_an_invalid_avp_gets_the_record_to_publish(record: str, published_record: str) -> None:
    finding = _only(bimi_run(record), "BIMI-06")
    assert finding.status == Status.WARN  # unchanged
    assert published(finding.fix) == (f"default._bimi.{BIMI_D}", published_record)


# --- 4. DANE-06: the '3 1 1' record beside another form -------------------------------------


def test_a_3_0_1_record_gets_the_3_1_1_record_to_publish(pki: Pki) -> None:  # noqa: F811
    leaf = pki.leaf([MX1])
    found = dane_run(pki, [certs.tlsa_record_text(leaf.der, 3, 0, 1)], [leaf.der])
    (form,) = [f for f in found if f.id == "DANE-06"]
    assert form.status == Status.INFO  # unchanged
    assert "a certificate renewed with the same key" in form.summary
    record = f"_25._tcp.{MX1}. IN TLSA {certs.tlsa_record_text(leaf.der, 3, 1, 1)}"
    assert form.fix.endswith("\n" + record)
    assert "two TTLs" in form.fix


# --- 5. DNSSEC-04: the DS record to remove ---------------------------------------------------


def test_the_sha1_ds_to_remove_is_named() -> None:
    import dns.dnssec
    from cryptography.hazmat.primitives.asymmetric import ec

    from checks import dnssec
    from checks.dns import DnsAnswer
    from checks.findings import Collector, Mechanism
    from tests.test_dnssec import _ds

    key = dns.dnssec.make_dnskey(ec.generate_private_key(ec.SECP256R1()).public_key(), 13, 257)
    sha1, sha256 = _ds(key, 1), _ds(key, 2)
    out = Collector(Mechanism.DNSSEC)
    answer = DnsAnswer("example.test", "DS", "NOERROR", records=[sha1, sha256])
    dnssec._dnssec04(out, "example.test", answer)
    (finding,) = out.findings
    assert finding.status == Status.INFO  # unchanged
    assert finding.fix.startswith("At your registrar, remove this DS record")
    assert f"example.test. IN DS {sha1.to_text()}" in finding.fix
    assert f"example.test. IN DS {sha256.to_text()}" in finding.fix.split("Keep")[1]
