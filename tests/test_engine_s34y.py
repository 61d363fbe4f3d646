"""Engine follow-ups of task s34y, each written failing before its change.

1. TLSRPT-01 at a null-MX domain names a TLS-RPT record published where senders never look
   (the apex, _smtp_tlsrpt, _tls._smtp) to be deleted, never moved: TLS reports are about mail
   delivered to the domain (RFC 8460 §3), and with a null MX none is (RFC 7505 §3), so TLS
   reporting does not apply (still "na"), as MTASTS-01 says of a misplaced MTA-STS record.
2. MTASTS-01's _mta_sts.<domain> lookup reads a CNAME as its mta-sts.<domain> lookup does: a
   record reached through an alias is the alias target's. There is no TXT record to delete at
   _mta_sts; the alias is named, and it is the alias that goes.
3. DMARC report addresses (rua/ruf mailto: URIs) are read percent-decoded, as RFC 6068 §2 and
   TLS-RPT's parser read them: the mail domain DMARC-13 authorizes is the decoded one, and an
   '@' written %40 outside quotes in the local part makes no address."""

from __future__ import annotations

from typing import Any

from checks import dmarc, tlsrpt
from checks.findings import Finding, Status
from tests.blind_engine import run_engine
from tests.test_engine_s29s_blind import Case, site
from tests.test_engine_s33e import DOMAIN, UNDERSCORE, _mtasts01, _run, _zone
from tests.test_engine_s34s_blind import run_case


def _one(findings: list[Finding], check: str) -> Finding:
    found = [f for f in findings if f.id == check]
    assert len(found) == 1, [(f.id, f.status, f.summary) for f in findings]
    return found[0]


# 1. TLSRPT-01 at a null-MX domain.

PARKED = "stanage-edge.com"
TLSRPT = "v=TLSRPTv1; rua=mailto:tls@reports.example.net"


def _null_mx_site(more: dict[Any, Any]) -> dict[Any, Any]:
    zone = site(PARKED, spf_record="v=spf1 -all", mx={(PARKED, "MX"): ["0 ."]})
    zone.update(more)
    return zone


def _tlsrpt01(zone: dict[Any, Any]) -> Finding:
    return _one(run_engine(tlsrpt, PARKED, zone).findings, "TLSRPT-01")


def test_a_null_mx_domain_is_told_to_delete_a_misplaced_tlsrpt_record_not_to_move_it() -> None:
    name = f"_smtp_tlsrpt.{PARKED}"
    finding = _tlsrpt01(_null_mx_site({(name, "TXT"): [TLSRPT]}))
    assert finding.status == Status.NA  # TLS reporting does not apply: unchanged
    assert finding.summary.startswith(f"{PARKED} accepts no mail (null MX), so TLS reporting")
    assert f"published at {name}, where senders never look" in finding.summary, finding.summary
    assert repr(TLSRPT) in finding.summary
    assert "needs none" in finding.summary and "deleted" in finding.summary, finding.summary
    assert "move it" not in finding.summary and "_smtp._tls" not in finding.fix, finding.fix
    assert finding.fix == (
        f'Delete the record at {name}, where senders never look: {name}. TXT "{TLSRPT}"'
    ), finding.fix
    assert finding.evidence["misplaced"] == [{"name": name, "record": TLSRPT}]


def test_a_null_mx_domain_with_a_tlsrpt_record_at_the_apex_deletes_it_beside_spf() -> None:
    zone = _null_mx_site({})
    zone[(PARKED, "TXT")] = ["v=spf1 -all", TLSRPT]
    finding = _tlsrpt01(zone)
    assert finding.status == Status.NA
    assert f"published at {PARKED}, where senders never look" in finding.summary
    assert "v=spf1" not in finding.fix  # the SPF record stays
    assert finding.fix.endswith(f'{PARKED}. TXT "{TLSRPT}"'), finding.fix


def test_a_null_mx_domain_with_a_left_over_record_deletes_the_misplaced_one_too() -> None:
    zone = _null_mx_site(
        {(f"_smtp._tls.{PARKED}", "TXT"): [TLSRPT], (f"_tls._smtp.{PARKED}", "TXT"): [TLSRPT]}
    )
    finding = _tlsrpt01(zone)
    assert finding.status == Status.NA
    assert f"TLS-RPT record (_smtp._tls.{PARKED}) is left over" in finding.summary
    assert f"published at _tls._smtp.{PARKED}, where senders never look" in finding.summary
    assert finding.fix.startswith(f"Delete the TLS-RPT record at _smtp._tls.{PARKED}")
    assert finding.fix.split("\n")[-1].startswith(f"Delete the record at _tls._smtp.{PARKED}")


def test_a_null_mx_domain_with_nothing_misplaced_reads_as_before() -> None:
    finding = _tlsrpt01(_null_mx_site({}))
    assert finding.summary == (
        f"{PARKED} accepts no mail (null MX), so TLS reporting does not apply."
    )
    assert finding.fix == "" and "misplaced" not in finding.evidence


# 2. MTASTS-01: a record reached through an alias at _mta_sts is the alias target's.

TARGET = "_mta-sts.sts-host.example"


def _aliased(null_mx: bool = False) -> dict[Any, Any]:
    zone = _zone(None)
    zone[(UNDERSCORE, "CNAME")] = [f"{TARGET}."]
    zone[(TARGET, "TXT")] = ["v=STSv1; id=20261203"]
    if null_mx:
        for key in [k for k in zone if k[1] == "MX"]:
            del zone[key]
        zone[(DOMAIN, "MX")] = ["0 ."]
    return zone


def test_an_alias_at_mta_sts_underscore_is_named_as_an_alias() -> None:
    findings, _ = _run(_aliased(), {})
    finding = _mtasts01(findings)
    assert finding.status == Status.INFO  # no record at _mta-sts, none served: unchanged
    assert f"{UNDERSCORE}, an alias (CNAME) to {TARGET}" in finding.summary, finding.summary
    assert f"{UNDERSCORE} holds" not in finding.summary
    # No TXT record at _mta_sts to delete: the alias goes.
    assert f"{UNDERSCORE}. TXT" not in finding.fix, finding.fix
    delete = finding.fix.split("\n")[-1]
    assert delete.startswith(f"Delete the alias at {UNDERSCORE}"), finding.fix
    assert f"{UNDERSCORE}. CNAME {TARGET}." in delete, delete
    assert finding.evidence["misplaced"] == [
        {"name": UNDERSCORE, "record": "v=STSv1; id=20261203", "alias": TARGET}
    ]


def test_an_alias_at_mta_sts_underscore_of_a_null_mx_domain_is_deleted() -> None:
    findings, _ = _run(_aliased(null_mx=True), {})
    finding = _mtasts01(findings)
    assert finding.status == Status.NA
    assert f"{UNDERSCORE}, an alias (CNAME) to {TARGET}" in finding.summary, finding.summary
    assert finding.fix.startswith(f"Delete the alias at {UNDERSCORE}"), finding.fix
    assert f"{UNDERSCORE}. TXT" not in finding.fix


def test_a_record_at_mta_sts_underscore_itself_is_still_deleted_as_a_txt_record() -> None:
    findings, _ = _run(_zone("v=STSv1; id=20261203"), {})
    finding = _mtasts01(findings)
    assert f"{UNDERSCORE} holds 'v=STSv1; id=20261203'" in finding.summary
    assert finding.fix.split("\n")[-1] == (
        f'Delete the record at {UNDERSCORE}, where senders never look: {UNDERSCORE}. TXT "v=STSv1; '
        'id=20261203"'
    )
    assert "alias" not in finding.evidence["misplaced"][0]


# 3. DMARC report addresses read percent-decoded.


def test_a_percent_encoded_plus_and_dot_read_as_the_address() -> None:
    (plus,) = dmarc.parse_uris("mailto:dmarc%2Breports@example.com")
    assert plus.valid and plus.host == "example.com"
    (dot,) = dmarc.parse_uris("mailto:dmarc@reports%2Eexample%2Enet")
    assert dot.valid and dot.host == "reports.example.net", dot.problem


def test_an_at_sign_percent_encoded_outside_quotes_is_no_address() -> None:
    (stray,) = dmarc.parse_uris("mailto:dmarc%40reports@example.com")
    assert not stray.valid
    assert "'dmarc@reports'" in stray.problem and "'@'" in stray.problem, stray.problem
    (quoted,) = dmarc.parse_uris("mailto:%22dmarc%40reports%22@example.com")
    assert quoted.valid and quoted.host == "example.com"


SENDER = "malham-cove.com"


def _dmarc_findings(record: str, more: dict[Any, Any] | None = None) -> list[Finding]:
    zone = site(SENDER, dmarc_record=record, more=more)
    return run_case(Case("probe", "dmarc", SENDER, zone))[0]


def test_dmarc13_authorizes_the_decoded_mail_domain() -> None:
    record = "v=DMARC1; p=reject; rua=mailto:dmarc%2Breports@reports%2Eexample%2Enet"
    unauthorized = _one(_dmarc_findings(record), "DMARC-13")
    assert unauthorized.status == Status.FAIL, unauthorized.summary
    assert "reports.example.net" in unauthorized.summary, unauthorized.summary
    authorization = (f"{SENDER}._report._dmarc.reports.example.net", "TXT")
    authorized = _one(_dmarc_findings(record, {authorization: ["v=DMARC1"]}), "DMARC-13")
    assert authorized.status == Status.PASS, authorized.summary


def test_dmarc12_names_an_at_sign_written_40_in_the_local_part() -> None:
    record = "v=DMARC1; p=reject; rua=mailto:dmarc%40reports@malham-cove.com"
    findings = _dmarc_findings(record)
    twelve = [f for f in findings if f.id == "DMARC-12" and f.status != Status.PASS]
    assert twelve, [(f.id, f.status, f.summary) for f in findings]
    assert "'dmarc@reports'" in twelve[0].summary, twelve[0].summary
