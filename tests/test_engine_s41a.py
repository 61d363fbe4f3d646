"""Engine faults the s41a blind lab round found (tests/test_lab_s41a_blind.py), each shown here
without the lab, on tests/test_dmarc.py's fake DNS:

- A report authorisation record that is there but does not authorise (s41a-dmarcauthlower:
  'v=dmarc1' in lower case at <domain>._report._dmarc.<vendor>): DMARC-13 fails as it should
  (RFC 7489 §7.1: the record must start with v=DMARC1, a case-sensitive value), but its summary
  said the vendor 'has not published the authorisation record', which the owner, looking, finds
  published: it now quotes what is there and why receivers do not take it.
"""

from __future__ import annotations

from checks.findings import Finding, Status
from tests.test_dmarc import dmarc_run

RECORD = "v=DMARC1; p=reject; rua=mailto:agg@reports.vendor.example"
AUTH = "example.com._report._dmarc.reports.vendor.example"


def _dmarc13(texts: list[str] | None) -> Finding:
    extra = {} if texts is None else {(AUTH, "TXT"): texts}
    (finding,) = [f for f in dmarc_run(RECORD, extra=extra) if f.id == "DMARC-13"]
    assert finding.status == Status.FAIL
    assert finding.fix == f'{AUTH}. TXT "v=DMARC1"'
    return finding


def test_dmarc13_a_lower_case_authorisation_record_is_quoted_not_called_missing() -> None:
    summary = _dmarc13(["v=dmarc1"]).summary
    assert "has not published" not in summary
    assert f"has not authorised them: at {AUTH} it publishes 'v=dmarc1', not" in summary
    assert "begins with v=DMARC1, in capitals as the value is case-sensitive" in summary
    assert "publish the record below in its place" in summary


def test_dmarc13_another_record_at_the_name_is_quoted_without_the_case_note() -> None:
    summary = _dmarc13(["v=DMARC10"]).summary
    assert "has not published" not in summary
    assert f"at {AUTH} it publishes 'v=DMARC10', not" in summary
    assert "capitals" not in summary


def test_dmarc13_no_record_at_the_name_reads_as_before() -> None:
    summary = _dmarc13(None).summary
    assert summary == (
        "Reports go to mailto:agg@reports.vendor.example, outside your domain, but "
        f"reports.vendor.example has not published the authorisation record {AUTH}, so "
        "receivers will not send the reports. Ask the operator of reports.vendor.example to "
        "publish it."
    )
