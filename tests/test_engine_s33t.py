"""What blind round s33s left (tests/test_engine_s33s_blind.py docstring), decided with the RFCs
and pinned here: written failing, before the fixes."""

from __future__ import annotations

from checks import dmarc, mtasts, tlsrpt
from checks.findings import Finding
from tests.test_engine_s31s_blind import Case, tls_site
from tests.test_engine_s33s_blind import CASES, dmarc_site, run_case
from tests.test_spf import published


def _case(name: str) -> list[Finding]:
    return run_case(next(c for c in CASES if c.name == name))


def _one(findings: list[Finding], check: str) -> Finding:
    found = [f for f in findings if f.id == check]
    assert len(found) == 1, [(f.id, f.summary) for f in findings]
    return found[0]


# ---- TLS-RPT and DMARC: two mailto: addresses run together (RFC 6068 §2, RFC 5322 §3.4.1)


def test_tlsrpt_two_mailto_addresses_run_together_are_named_and_both_kept() -> None:
    # '"v=TLSRPTv1; rua=mailto:tls@…com" "mailto:tls@reports…net"': the strings join with
    # nothing between (RFC 8460 §3). Read as one address its local part would be
    # 'tls@helmsdale-fisheries.commailto:tls', and a local part holds no '@' outside quotes:
    # senders have no address to report to, as with a mailto: run into an https: URL.
    findings = run_case(
        Case(
            "tlsrpt-two-mailto-fused",
            "tlsrpt",
            "helmsdale-fisheries.com",
            tls_site(
                "helmsdale-fisheries.com",
                [["v=TLSRPTv1; rua=mailto:tls@helmsdale-fisheries.com", "mailto:tls@rw.example"]],
            ),
        )
    )
    assert not [f for f in findings if f.id == "TLSRPT-05" and f.status == "pass"]
    finding = _one(findings, "TLSRPT-06")
    assert finding.status == "fail"
    said = finding.summary
    assert "'mailto:tls@helmsdale-fisheries.com'" in said, said
    assert "'mailto:tls@rw.example'" in said, said
    assert "','" in said, said
    _, record = published(finding.fix)
    assert record == "v=TLSRPTv1; rua=mailto:tls@helmsdale-fisheries.com,mailto:tls@rw.example"


def test_tlsrpt_local_part_with_at_is_no_address() -> None:
    # One address with a second '@' outside quotes is not usable, and says why.
    record = tlsrpt.parse_tlsrpt_record("v=TLSRPTv1; rua=mailto:tls@ops@example.org")
    assert not [u for u in record.uris if u.usable]
    said = next(p.message for p in record.problems if p.check_id == "TLSRPT-06")
    assert "'tls@ops'" in said, said
    # A quoted local part may hold one ('"' percent-encoded in a URI, RFC 6068 §2).
    quoted = tlsrpt.parse_tlsrpt_record("v=TLSRPTv1; rua=mailto:%22tls@ops%22@example.org")
    assert [u.usable for u in quoted.uris] == [True]


def test_tlsrpt_usable_rua_keeps_both_fused_mailto_addresses() -> None:
    assert tlsrpt.usable_rua("v=TLSRPTv1; rua=mailto:a@x.orgmailto:b@y.net") == [
        "mailto:a@x.org",
        "mailto:b@y.net",
    ]


def _dmarc(record: str) -> list[Finding]:
    return run_case(
        Case(
            "dmarc-fused",
            "dmarc",
            "ingleton-pharmacy.com",
            dmarc_site("ingleton-pharmacy.com", record),
        )
    )


def test_dmarc_two_mailto_addresses_run_together_are_named_and_both_kept() -> None:
    # RFC 7489 §6.2, RFC 9989 §4.8: the URIs of rua are separated by ','.
    findings = _dmarc(
        "v=DMARC1; p=reject; rua=mailto:d@ingleton-pharmacy.commailto:x@ingleton-pharmacy.com"
    )
    finding = _one(findings, "DMARC-12")
    assert finding.status == "fail"
    said = finding.summary
    assert "'mailto:d@ingleton-pharmacy.com'" in said, said
    assert "'mailto:x@ingleton-pharmacy.com'" in said, said
    assert "','" in said, said
    _, record = published(finding.fix)
    assert record == (
        "v=DMARC1; p=reject; rua=mailto:d@ingleton-pharmacy.com,mailto:x@ingleton-pharmacy.com"
    ), finding.fix
    assert "dmarc-reports@" not in finding.fix


def test_dmarc_fused_addresses_beside_a_valid_one_are_kept() -> None:
    findings = _dmarc(
        "v=DMARC1; p=reject; rua=mailto:d@ingleton-pharmacy.com,"
        "mailto:e@ingleton-pharmacy.commailto:x@ingleton-pharmacy.com"
    )
    finding = _one(findings, "DMARC-12")
    assert finding.status == "warn"
    assert "need a ','" in finding.summary, finding.summary
    _, record = published(finding.fix)
    assert record == (
        "v=DMARC1; p=reject; rua=mailto:d@ingleton-pharmacy.com,"
        "mailto:e@ingleton-pharmacy.com,mailto:x@ingleton-pharmacy.com"
    ), finding.fix


def test_dmarc_one_broken_address_is_not_split() -> None:
    (uri,) = dmarc.parse_uris("mailto:d@mailto:example.org")
    assert not uri.valid
    assert "need a ','" not in uri.problem


# ---- MTA-STS: the parent's record does not cover a subdomain (RFC 8461 §3.4)


def test_mtasts_subdomain_is_told_the_parents_record_does_not_cover_it() -> None:
    finding = _one(_case("mtasts01-subdomain-under-parent-policy"), "MTASTS-01")
    assert finding.status == "info"
    said = finding.summary
    assert "_mta-sts.wharfedale-boots.com" in said, said
    assert "does not cover" in said, said
    assert "§3.4" in said, said


def test_mtasts_domain_without_parent_record_gets_no_such_words() -> None:
    findings = run_case(
        Case(
            "mtasts-plain-absent",
            "mtasts",
            "shop.fellside-tea.com",
            dict(_site("shop.fellside-tea.com")),
        )
    )
    assert "does not cover" not in _one(findings, "MTASTS-01").summary


def _site(domain: str) -> dict[tuple[str, str], list[str]]:
    from tests.test_engine_s29s_blind import site

    return site(domain)


# ---- MTA-STS: full-width digits in the id (RFC 8461 §3.1)


def test_mtasts_full_width_digits_are_named_with_their_ascii_form() -> None:
    finding = _one(_case("mtasts08-full-width-digits"), "MTASTS-08")
    said = finding.summary
    assert "full-width digits" in said, said
    assert "'２０２６０６'" in said, said
    assert "'202606'" in said, said
    assert "non-ASCII bytes" not in said, said


def test_mtasts_full_width_letters_named_too() -> None:
    record = mtasts.parse_sts_record("v=STSv1; id=ＡＢ12".encode())
    said = next(p.message for p in record.problems if p.check_id == "MTASTS-08")
    assert "full-width letters" in said and "'AB12'" in said, said


# ---- SPF-12: redirect= twice, both naming one domain (RFC 7208 §6)


def test_spf_redirect_twice_to_one_domain_offers_the_record_with_one() -> None:
    finding = _one(_case("spf12-redirect-in-two-cases"), "SPF-12")
    assert finding.status == "fail"
    _, record = published(finding.fix)
    assert record == "v=spf1 REDIRECT=_spf.google.com", finding.fix
    assert "_spf.google.com" in finding.summary, finding.summary
