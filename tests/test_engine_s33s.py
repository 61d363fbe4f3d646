"""Defects blind round s33s found (tests/test_engine_s33s_blind.py), each decided with the RFC
or the checklist and pinned here: written failing, before the fix."""

from __future__ import annotations

from checks import mtasts, tlsrpt
from checks.findings import Finding
from tests.test_engine_s33s_blind import CASES, run_case
from tests.test_spf import published


def _case(name: str) -> list[Finding]:
    return run_case(next(c for c in CASES if c.name == name))


def _one(findings: list[Finding], check: str) -> Finding:
    found = [f for f in findings if f.id == check]
    assert len(found) == 1, [(f.id, f.summary) for f in findings]
    return found[0]


# ---- TLS-RPT: two report URIs run together (RFC 8460 §3)


def test_tlsrpt_names_two_uris_run_together_and_keeps_both() -> None:
    # '"v=TLSRPTv1; rua=mailto:tls@…com" "https://tlsrpt.reportwatch.io/…"': the strings
    # join with nothing between (RFC 8460 §3), so the mailto's domain runs into the https URL.
    # The owner's two addresses are plain; the fix keeps both with the ',' senders need,
    # not an invented tls-reports@ mailbox in place of both.
    finding = _one(_case("tlsrpt03-strings-fused-without-comma"), "TLSRPT-06")
    said = finding.summary
    assert "'mailto:tls@helmsdale-fisheries.com'" in said, said
    assert "'https://tlsrpt.reportwatch.io/v1/helmsdale'" in said, said
    assert "','" in said, said
    _, record = published(finding.fix)
    assert record == (
        "v=TLSRPTv1; rua=mailto:tls@helmsdale-fisheries.com,"
        "https://tlsrpt.reportwatch.io/v1/helmsdale"
    ), finding.fix
    assert "tls-reports@" not in finding.fix


def test_tlsrpt_one_broken_address_is_not_split() -> None:
    # 'mailto:' inside what is no address of its own is not two URIs: nothing is guessed.
    assert tlsrpt.usable_rua("v=TLSRPTv1; rua=mailto:tls@mailto:example.org") == []


# ---- MTA-STS: why an extension field is invalid (RFC 8461 §3.1)


def test_mtasts_empty_extension_value_is_named_as_empty() -> None:
    said = _one(_case("mtasts07-empty-value"), "MTASTS-07").summary
    assert "value is empty" in said, said
    assert "no spaces" not in said, said


def test_mtasts_extension_faults_in_words() -> None:
    def why(record: str) -> str:
        return next(p.message for p in mtasts.parse_sts_record(record).problems)

    assert "blank" in why("v=STSv1; id=20260601; comment=rotated by ops")
    assert "holds '='" in why("v=STSv1; id=20260601; sig=YWJjZA==")
    assert "name '_x'" in why("v=STSv1; id=20260601; _x=1")


# ---- MTA-STS: the id in a TXT record of its own (RFC 8461 §3.1)


def test_mtasts_names_the_id_published_as_a_record_of_its_own() -> None:
    # '"v=STSv1;"' and '"id=20260601"' as two TXT records: strings of one record are joined,
    # two records are not, and the second does not begin with "v=STSv1;" so senders discard
    # it. "The record has no id field" alone leaves the owner looking at the id they see.
    said = _one(_case("mtasts03-two-records-not-two-strings"), "MTASTS-05").summary
    assert "'id=20260601'" in said, said
    assert "TXT record of its own" in said, said
    assert "one TXT record" in said, said
