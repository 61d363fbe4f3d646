"""Engine fixes found by the blind lab round s28s (tests/test_lab_s28s_blind.py)."""

from __future__ import annotations

import asyncio

import pytest

from checks import tlsrpt
from checks.findings import Status
from checks.mtasts import parse_sts_record
from tests.test_mx import make_ctx


@pytest.mark.parametrize(
    "raw",
    ["v=STSv1; id = 20261202", "v=STSv1; id =20261202", "v=STSv1; id= 20261202"],
)
def test_an_id_written_with_spaces_around_the_equals_sign_is_one_fault(raw: str) -> None:
    # s28s-spaceid: 'id = 20261202' was two failures, MTASTS-07 (not a valid extension) and
    # MTASTS-05 (no id field), for the one slip. It is the id field with spaces around '='
    # (sts-id = %s"id=" 1*32(ALPHA / DIGIT), RFC 8461 §3.1): senders that follow the grammar
    # (and postfix-mta-sts-resolver, whose key is then 'id ') find no id and discard it.
    record = parse_sts_record(raw)
    assert [(p.check_id, p.status) for p in record.problems] == [("MTASTS-05", Status.FAIL)]
    assert not record.valid
    message = record.problems[0].message
    assert "spaces around '='" in message
    assert "'v=STSv1; id=20261202'" in message


def test_an_id_with_a_space_inside_it_is_not_read_as_spaces_around_the_equals_sign() -> None:
    # Only whitespace around '=' is taken out: '2026 1202' is still an id that is not only
    # letters and digits, as before.
    record = parse_sts_record("v=STSv1; id = 2026 1202")
    assert ("MTASTS-05", Status.FAIL) in [(p.check_id, p.status) for p in record.problems]
    assert not any("spaces around '='" in p.message for p in record.problems)


# s28s-rptdraft: a TLS-RPT record published at a name senders never look up (the early draft's
# _smtp_tlsrpt.<domain>, or the labels swapped, _tls._smtp.<domain>) read only "No TLS-RPT
# record" with a made-up mailbox, so the owner would add a second record and leave the first.
# RFC 8460 §3 names _smtp._tls.<domain> alone; checklist TLSRPT-01 gives both as the classic
# misplacements.
_RPT_ZONE: dict[tuple[str, str], list[str] | str] = {
    ("example.org", "MX"): ["10 mx1.example.org."],
    ("mx1.example.org", "A"): ["192.0.2.11"],
}


@pytest.mark.parametrize("name", ["_smtp_tlsrpt.example.org", "_tls._smtp.example.org"])
def test_tlsrpt01_names_a_record_published_at_a_misplaced_name(name: str) -> None:
    zone = {**_RPT_ZONE, (name, "TXT"): ['"v=TLSRPTv1; rua=mailto:tls@example.net"']}
    ctx = make_ctx("example.org", zone)
    (found,) = [f for f in asyncio.run(tlsrpt.evaluate(ctx)) if f.id == "TLSRPT-01"]
    assert found.status == Status.INFO  # no MTA-STS or DANE here: absence stays info
    assert name in found.summary and "_smtp._tls.example.org" in found.summary
    # The owner's own record, moved: its address kept, the misplaced one deleted.
    assert '_smtp._tls.example.org. TXT "v=TLSRPTv1; rua=mailto:tls@example.net"' in found.fix
    assert f"Delete the record at {name}" in found.fix
    # MTASTS-34 gives the same fix for a domain with MTA-STS (tlsrpt.new_record_fix).
    assert asyncio.run(tlsrpt.new_record_fix(make_ctx("example.org", zone))) == found.fix


def test_tlsrpt01_without_a_misplaced_record_reads_as_before() -> None:
    ctx = make_ctx("example.org", {**_RPT_ZONE, ("_smtp_tlsrpt.example.org", "TXT"): ['"x=1"']})
    (found,) = [f for f in asyncio.run(tlsrpt.evaluate(ctx)) if f.id == "TLSRPT-01"]
    assert found.summary.startswith("No TLS-RPT record: senders do not send you reports")
    assert "_smtp_tlsrpt" not in found.summary + found.fix
