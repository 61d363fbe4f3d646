"""Engine faults the s41a blind lab round found (tests/test_lab_s41a_blind.py), each shown here
without the lab, on tests/test_dmarc.py's fake DNS:

- A report authorisation record that is there but does not authorise (s41a-dmarcauthlower:
  'v=dmarc1' in lower case at <domain>._report._dmarc.<vendor>): DMARC-13 fails as it should
  (RFC 7489 §7.1: the record must start with v=DMARC1, a case-sensitive value), but its summary
  said the vendor 'has not published the authorisation record', which the owner, looking, finds
  published: it now quotes what is there and why receivers do not take it.
- A key record with a tag other than p= written twice (s41a-dkimdupt: 't=y' near the front,
  't=s' appended): DKIM-03 fails as it should (RFC 6376 §3.2), but its fix spoke only of
  'several p= values' for a record with one p=; it now names the tag written twice.
- An ip4:/ip6: prefix length written with a leading zero (s41a-spfcidrpad: 'ip6:…::/064'):
  SPF-04 fails as it should (RFC 7208 §5.6: ip6-cidr-length = "/" ("0" / %x31-39 0*2DIGIT)),
  but it said 'the prefix length must be a number from 0 to 128', which 64 is: it now says
  the zero is what is wrong and how to write it.
"""

from __future__ import annotations

from checks import dkim, spf
from checks.findings import Finding, Status
from tests.test_dkim import rsa_b64
from tests.test_dmarc import dmarc_run
from tests.test_spf import run

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


def _dkim03_fix(record: str) -> str:
    zone = {("s1._domainkey.example.com", "TXT"): [record]}
    found = run(dkim, "example.com", zone, dkim_selectors=("s1",))
    (fix,) = [f.fix for f in found if f.id == "DKIM-03" and f.status == Status.FAIL]
    return fix


def test_dkim03_fix_names_the_tag_written_twice() -> None:
    fix = _dkim03_fix(f"v=DKIM1; k=rsa; t=y; p={rsa_b64(2048)}; t=s")
    assert "p= values" not in fix
    assert "'t=y' and 't=s'" in fix and "keep the one you mean" in fix


def test_dkim03_fix_for_two_keys_still_names_the_key() -> None:
    fix = _dkim03_fix(f"v=DKIM1; p={rsa_b64(2048)}; p={rsa_b64(1024)}")
    assert "of several p= values, keep the public key your mail service shows" in fix


def _spf04(record: str) -> str:
    (problem,) = [p for p in spf.parse_spf(record).problems if p.check_id == "SPF-04"]
    assert problem.status == Status.FAIL
    return problem.message


def test_spf04_a_zero_padded_prefix_length_is_named_as_such() -> None:
    for record, length in (
        ("v=spf1 mx ip6:2001:db8:41::/064 -all", "/64"),
        ("v=spf1 ip4:192.0.2.0/024 -all", "/24"),
        ("v=spf1 ip6:2001:db8::/00 -all", "/0"),
    ):
        message = _spf04(record)
        assert "must be a number from" not in message, record
        assert "leading zero" in message and f"write {length}" in message, record


def test_spf04_a_prefix_length_out_of_range_reads_as_before() -> None:
    assert _spf04("v=spf1 ip4:192.0.2.0/33 -all") == (
        "'ip4:192.0.2.0/33': the prefix length must be a number from 0 to 32"
    )
    assert "must be a number from 0 to 128" in _spf04("v=spf1 ip6:2001:db8::/0129 -all")
