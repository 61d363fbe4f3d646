"""Engine wording follow-ups (s24g): texts that named the wrong thing, statuses unchanged.

MTASTS-17 of a policy host address the SSRF guard refused; the quotes of a DMARC rua, of a DKIM
record and of a TLS-RPT record named as the quotes they are; an internationalised domain named
in its U-label form in summaries.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from checks import dkim, dmarc, engine, https, mx, net, spf, tlsrpt
from checks.config import CheckConfig
from checks.findings import Finding, Mechanism, Status, for_people
from tests.test_fix_texts import BASE, SERVED, D, findings_for
from tests.test_mtasts import _failed, _outcome, _served, evaluate
from tests.test_spf import make_ctx


def _refused(address: str) -> https.AddressOutcome:
    """What https.fetch records for an address the SSRF guard refuses (no connection made)."""
    with pytest.raises(net.TargetRefused) as refused:
        net.guard(address, CheckConfig())
    return _failed(address, "refused-target", str(refused.value))


def _one(findings: list[Finding], check_id: str) -> Finding:
    (found,) = [f for f in findings if f.id == check_id]
    return found


# --- 1. MTASTS-17: an address the guard refused was never tried -----------------------------


def test_mtasts17_says_a_refused_private_address_was_not_connected_to(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    per = [_outcome("192.0.2.13", 200), _refused("10.1.2.3")]
    finding = _one(evaluate(monkeypatch, fetched=_served(per)), "MTASTS-17")
    assert finding.status == Status.ERROR  # as before: could not check
    assert "not on every address" not in finding.summary
    assert "senders using the failing address" not in finding.summary
    assert "the private address 10.1.2.3" in finding.summary
    assert "it is not a public address, so mailsec did not connect to it" in finding.summary
    assert "no sender on the internet can reach it either" in finding.summary
    assert "Remove 10.1.2.3 from the A/AAAA records of mta-sts.example.org" in finding.fix


def test_mtasts17_keeps_the_failing_address_apart_from_the_refused_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    per = [_outcome("192.0.2.13", 200), _outcome("2001:db8::13", 404), _refused("::1")]
    finding = _one(evaluate(monkeypatch, fetched=_served(per)), "MTASTS-17")
    assert finding.status == Status.WARN  # as before: the 404 is a definite failure
    # s29m: the failing address is the only IPv6 one tried, so the family is named
    assert "not over IPv6 (2001:db8::13: HTTP 404 instead of 200)" in finding.summary
    assert "It also resolves to the loopback address ::1" in finding.summary
    assert "Make 2001:db8::13 serve the policy file" in finding.fix
    assert "Remove ::1 from the A/AAAA records" in finding.fix


# --- 2. an internationalised domain named as its owner knows it -----------------------------

IDN = "xn--mller-bckerei-hfb76a.de"
IDN_ZONE = {
    (IDN, "MX"): [f"10 mx1.{IDN}."],
    (f"mx1.{IDN}", "A"): ["192.0.2.11"],
    (IDN, "TXT"): [f"v=spf1 include:_spf.{IDN} -all"],
    (f"_spf.{IDN}", "TXT"): ["v=spf1 ip4:192.0.2.11 -all"],
    (f"_dmarc.{IDN}", "TXT"): ["v=DMARC1; p=none"],
    (f"s1._domainkey.{IDN}", "TXT"): ["v=DKIM1; k=rsa; p"],
}


def _engine_findings(domain: str, zone: dict[Any, Any]) -> list[Finding]:
    """The findings of MX, SPF, DKIM and DMARC as checks.engine passes them on (to the
    progress callback and the report), on the in-memory DNS of tests/test_spf.py."""
    shown: list[Finding] = []

    def progress(mechanism: Any, findings: list[Finding]) -> None:
        shown.extend(findings)

    async def go() -> list[Finding]:
        ctx = make_ctx(domain, zone, dkim_selectors=("s1",))
        found: list[Finding] = []
        for module in (mx, spf, dkim, dmarc):
            found += await engine._run_one(module, ctx, progress, None)
        return found

    found = asyncio.run(go())
    assert found == shown  # the same texts are shown while the check runs and stored
    return found


def test_an_idn_is_named_in_u_labels_in_summaries() -> None:
    findings = _engine_findings(IDN, IDN_ZONE)
    assert _one(findings, "DMARC-01").summary == "müller-bäckerei.de has a DMARC policy."
    assert _one(findings, "MX-01").summary == (
        "müller-bäckerei.de publishes 1 MX host: mx1.müller-bäckerei.de."
    )
    assert not [f.summary for f in findings if IDN in f.summary]
    # Subjects stay the DNS names: alerts key findings by them and build records from them.
    assert _one(findings, "DMARC-01").subject == f"_dmarc.{IDN}"


def test_an_idn_fix_names_both_and_keeps_its_records_as_published() -> None:
    findings = _engine_findings(IDN, IDN_ZONE)
    dkim_fix = next(f.fix for f in findings if f.id == "DKIM-03")
    assert f"at s1._domainkey.müller-bäckerei.de (s1._domainkey.{IDN})" in dkim_fix
    (report,) = [f for f in findings if f.id == "DMARC-06" and f.fix]
    # The record a zone file or DNS panel takes, A-labels in its name and its address.
    assert report.fix == (f'_dmarc.{IDN}. TXT "v=DMARC1; p=none; rua=mailto:dmarc-reports@{IDN}"')
    assert "it neither protects müller-bäckerei.de nor" in report.summary


def test_an_ascii_domain_is_left_as_it_is() -> None:
    zone = {(k[0].replace(IDN, "example.org"), k[1]): v for k, v in IDN_ZONE.items()}
    zone = {k: [x.replace(IDN, "example.org") for x in v] for k, v in zone.items()}
    findings = _engine_findings("example.org", zone)
    assert _one(findings, "DMARC-01").summary == "example.org has a DMARC policy."
    assert for_people(findings, "example.org") is findings


def test_names_written_both_ways_are_not_written_again() -> None:
    finding = Finding("SMTP-09", Status.FAIL, Mechanism.SMTP, "", fix="")
    host = f"mx1.{IDN}"
    finding.summary = f"The certificate is not valid for {host} (mx1.müller-bäckerei.de)."
    finding.fix = f"Get a certificate for mx1.müller-bäckerei.de ({host})."
    (again,) = for_people([finding], IDN)
    assert again.summary == finding.summary and again.fix == finding.fix
    # Values inside records and addresses keep the A-labels.
    finding.summary = f"rua=mailto:d@{IDN} and include:_spf.{IDN} and https://mta-sts.{IDN}/"
    (kept,) = for_people([finding], IDN)
    assert kept.summary == finding.summary


# --- 3. DMARC-12: the quotes around a report address named --------------------------------


def _dmarc_findings(record: str) -> list[Finding]:
    zone = {**BASE, (f"_dmarc.{D}", "TXT"): [record]}
    return findings_for(D, zone, SERVED, modules=(dmarc,))


@pytest.mark.parametrize(
    ("rua", "named"),
    [
        (
            "mailto:\u201cd@example.org\u201d",
            "a left double quotation mark (U+201C) after 'mailto:' and a right double "
            "quotation mark (U+201D) after 'd@example.org'",
        ),
        ('mailto:"d@example.org"', "two double quotes ('\"')"),
        ("\u201cmailto:d@example.org\u201d", "a left double quotation mark (U+201C) at the start"),
    ],
)
def test_dmarc12_names_the_quotes_of_the_only_report_address(rua: str, named: str) -> None:
    finding = _one(_dmarc_findings(f"v=DMARC1; p=reject; rua={rua}"), "DMARC-12")
    assert finding.status == Status.FAIL  # as before
    assert named in finding.summary
    assert "write it as 'mailto:d@example.org'" in finding.summary
    assert "Use 'mailto:' followed by an address" not in finding.summary
    assert "has no scheme" not in finding.summary  # it has one, inside the quotes
    assert finding.fix == f'_dmarc.{D}. TXT "v=DMARC1; p=reject; rua=mailto:d@example.org"'


def test_dmarc12_a_quoted_address_beside_a_good_one_is_named_too() -> None:
    record = "v=DMARC1; p=reject; rua=mailto:a@example.org,\u201cmailto:d@example.org\u201d"
    finding = _one(_dmarc_findings(record), "DMARC-12")
    assert finding.status == Status.WARN  # as before
    assert "a left double quotation mark (U+201C) at the start" in finding.summary
    assert "mailto:\u201cmailto:" not in finding.summary  # was: "write it as 'mailto:“mailto:…'"


def test_dmarc12_keeps_its_words_for_an_address_without_quotes() -> None:
    finding = _one(_dmarc_findings("v=DMARC1; p=reject; rua=d-at-example.org"), "DMARC-12")
    assert "Use 'mailto:' followed by an address" in finding.summary


# --- 4. DKIM-03: a key record between ASCII quotes --------------------------------------------

ED25519 = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="


def _dkim_findings(record: str) -> list[Finding]:
    zone = {**BASE, (f"s1._domainkey.{D}", "TXT"): [record]}
    return findings_for(D, zone, SERVED, selectors=("s1",), modules=(dkim,))


@pytest.mark.parametrize(
    ("record", "quotes"),
    [
        (f'"v=DKIM1; k=ed25519; p={ED25519}"', "('\"' at the start and '\"' at the end)"),
        (f'\\"v=DKIM1; k=ed25519; p={ED25519}\\"', "('\\\"' at the start and '\\\"' at the end)"),
    ],
)
def test_dkim03_names_the_ascii_quotes_around_the_record(record: str, quotes: str) -> None:
    (finding,) = [f for f in _dkim_findings(record) if f.id == "DKIM-03"]
    assert finding.status == Status.FAIL  # as before
    assert f"The key record is written between quotes {quotes}" in finding.summary
    assert "which the DNS panel kept as part of its text" in finding.summary
    assert "is not a 'tag=value' pair" not in finding.summary
    # The record without them, as typographic quotes get.
    assert finding.fix == f's1._domainkey.{D}. TXT "v=DKIM1; k=ed25519; p={ED25519}"'


def test_dkim03_curly_quotes_are_named_as_before() -> None:
    findings = _dkim_findings(f"\u201cv=DKIM1; k=ed25519; p={ED25519}\u201d")
    summaries = " ".join(f.summary for f in findings if f.id == "DKIM-03")
    assert "a left double quotation mark (U+201C) at the start" in summaries


# --- 5. TLS-RPT: a quoted record with a no-break space keeps its report address --------------


@pytest.mark.parametrize(
    "record",
    [
        "\u201cv=TLSRPTv1;\u00a0rua=mailto:tls@example.org\u201d",
        '"v=TLSRPTv1;\u00a0rua=mailto:tls@example.org"',
        '"v=TLSRPTv1;\u00a0rua=mailto:tls@example.org,\u00a0mailto:b@example.org"',
    ],
)
def test_tlsrpt_quoted_record_with_a_no_break_space_keeps_the_owners_address(
    record: str,
) -> None:
    zone = {**BASE, (f"_smtp._tls.{D}", "TXT"): [record]}
    findings = findings_for(D, zone, SERVED, modules=(tlsrpt,))
    assert {(f.id, f.status) for f in findings if f.status != Status.PASS} == {
        ("TLSRPT-04", Status.FAIL)  # as before
    }
    finding = _one(findings, "TLSRPT-04")
    assert "tls-reports@" not in finding.fix  # no invented mailbox
    assert "rua=mailto:tls@example.org" in finding.fix
    assert "mailto:b@example.org" in finding.fix or "b@example.org" not in record
    # Named once, and never retyped with the quotes still around it.
    assert "a no-break space (U+00A0) after 'v=TLSRPTv1;'" in finding.summary
    assert "retype it by hand: '\"" not in finding.summary
