"""s24j: every line of the CLI's human output that names an internationalised domain names it
both ways, as the header does since acfc5e9 (checks.findings.both_ways)."""

from __future__ import annotations

import io

from checks.cli import render_text
from checks.findings import DomainReport, Finding, Mechanism, Status
from checks.scoring import TRANSPORT

IDN = "xn--mller-bckerei-hfb76a.de"
SHOWN = "müller-bäckerei.de"


def _text(report: DomainReport) -> str:
    out = io.StringIO()
    render_text(report, out, colour=False)
    return out.getvalue()


def test_could_not_check_names_the_idn_both_ways() -> None:
    text = _text(DomainReport(domain=IDN, error="the resolver did not answer"))
    assert text.startswith(f"{SHOWN} ({IDN}): could not check: the resolver did not answer")


def test_the_host_name_note_names_the_idn_both_ways() -> None:
    text = _text(DomainReport(domain=f"mta-sts.{IDN}", score=90, score_version=7))
    note = next(line for line in text.splitlines() if "note:" in line)
    assert note == (
        f"  note: mta-sts.{SHOWN} (mta-sts.{IDN}) looks like a host name, not the domain after "
        f"the @ in email addresses: for mail to …@{SHOWN}, check {SHOWN} instead"
    )


def test_receives_no_mail_names_the_idn_both_ways() -> None:
    detail = {"categories": {str(m): {"reason": "does not apply"} for m in TRANSPORT}}
    null_mx = Finding(id="MX-03", status=Status.INFO, mechanism=Mechanism.MX, summary="Null MX.")
    report = DomainReport(
        domain=IDN, score=None, score_version=7, score_detail=detail, findings=[null_mx]
    )
    text = _text(report)
    assert f"  {SHOWN} ({IDN}) receives no mail (null MX, RFC 7505)" in text


def test_an_ascii_name_reads_as_before() -> None:
    assert _text(DomainReport(domain="example.org", error="x")).startswith(
        "example.org: could not check: x"
    )
    text = _text(DomainReport(domain="mta-sts.example.org", score=90, score_version=7))
    assert "note: mta-sts.example.org looks like a host name, not the domain after" in text
