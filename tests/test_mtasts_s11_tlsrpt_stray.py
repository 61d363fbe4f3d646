"""A `_smtp._tls` TXT record senders discard, next to the one valid record (lab: s11-rptorder).

RFC 8460 §3: with several TXT records, those not beginning with "v=TLSRPTv1;" are discarded and
exactly one must remain. When one valid record remains, TLS-RPT works: the discarded record is a
warning (TLSRPT-04), whose fix deletes it and keeps its addresses in the one record; a corrected
copy kept beside the valid record would make two records and no TLS-RPT at all (TLSRPT-02).
"""

from __future__ import annotations

import asyncio

from checks import tlsrpt
from checks.findings import Finding, Status
from tests.test_mx import bad, make_ctx, statuses

NAME = ("_smtp._tls.example.org", "TXT")
ZONE: dict[tuple[str, str], list[str] | str] = {
    ("example.org", "MX"): ["10 mx1.example.org."],
    ("mx1.example.org", "A"): ["192.0.2.11"],
    ("rpt.example.net", "A"): ["198.51.100.1"],
}
VALID = '"v=TLSRPTv1; rua=mailto:tls@example.org"'
VERSION_LAST = '"rua=https://rpt.example.net/v1; v=TLSRPTv1"'


def run(records: list[str]) -> list[Finding]:
    return asyncio.run(tlsrpt.evaluate(make_ctx("example.org", {**ZONE, NAME: records})))


def test_version_last_beside_a_valid_record_is_a_warning_not_a_failure() -> None:
    findings = run([VALID, VERSION_LAST])
    assert bad(findings) == {("TLSRPT-04", "warn")}
    assert statuses(findings, "TLSRPT-02") == [Status.PASS]
    (stray,) = [f for f in findings if f.id == "TLSRPT-04"]
    assert "rua=https://rpt.example.net/v1; v=TLSRPTv1" in stray.summary
    # Delete it, and keep its https endpoint in the one valid record.
    assert stray.fix.startswith(
        'Delete this record: _smtp._tls.example.org. TXT "rua=https://rpt.example.net/v1; '
        'v=TLSRPTv1"'
    )
    assert stray.fix.endswith(
        '_smtp._tls.example.org. TXT "v=TLSRPTv1; '
        'rua=mailto:tls@example.org,https://rpt.example.net/v1"'
    )


def test_stray_naming_the_same_address_is_only_deleted() -> None:
    findings = run([VALID, '"v=tlsrptv1; rua=mailto:tls@example.org"'])
    assert bad(findings) == {("TLSRPT-04", "warn")}
    (stray,) = [f for f in findings if f.id == "TLSRPT-04"]
    assert stray.fix.startswith("Delete this record:")
    assert "Keep the valid record" in stray.fix


def test_lone_record_with_the_version_last_still_fails() -> None:
    # F36b: alone, it is discarded and senders find no TLS-RPT record.
    assert bad(run([VERSION_LAST])) == {("TLSRPT-04", "fail")}


def test_two_valid_records_and_a_stray_stay_a_failure() -> None:
    # Two records count: no TLS-RPT (TLSRPT-02 fail); the stray is not demoted then.
    findings = run([VALID, '"v=TLSRPTv1; rua=https://rpt.example.net/v2"', VERSION_LAST])
    assert bad(findings) == {("TLSRPT-02", "fail"), ("TLSRPT-04", "fail")}


def test_stray_beside_an_invalid_counted_record_stays_a_failure() -> None:
    # The counted record lists no rua: TLS-RPT does not work, so nothing is demoted.
    findings = run(['"v=TLSRPTv1; ext=1"', VERSION_LAST])
    assert ("TLSRPT-04", "fail") in bad(findings)
    assert ("TLSRPT-05", "fail") in bad(findings)
