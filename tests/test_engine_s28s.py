"""Engine fixes found by the blind lab round s28s (tests/test_lab_s28s_blind.py)."""

from __future__ import annotations

import asyncio

import pytest

from checks import tlsrpt
from checks.findings import Status
from checks.mtasts import parse_sts_record
from tests.test_mtasts import ZONE, evaluate
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


# s28s-deepwild and s28s-wildbelow: an MX a wildcard pattern seems to cover but does not read
# only "match no mx pattern", leaving the owner to find out why. RFC 8461 §4.1: '*.example.org'
# matches one label below example.org, not 'a.b.example.org' nor 'example.org' itself.
def test_mtasts30_says_a_wildcard_covers_one_label_only(monkeypatch: pytest.MonkeyPatch) -> None:
    zone = {
        **ZONE,
        ("example.org", "MX"): ["10 mx1.example.org.", "20 a.b.example.org."],
        ("a.b.example.org", "A"): ["192.0.2.12"],
    }
    body = "version: STSv1\r\nmode: enforce\r\nmx: *.example.org\r\nmax_age: 604800\r\n"
    (found,) = [f for f in evaluate(monkeypatch, zone, body=body) if f.id == "MTASTS-30"]
    assert found.status == Status.WARN
    assert (
        "The pattern *.example.org covers names one label below example.org only, so not "
        "a.b.example.org (RFC 8461 §4.1)." in found.summary
    )


def test_mtasts30_says_a_wildcard_does_not_cover_its_own_base(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    zone = {**ZONE, ("example.org", "MX"): ["10 mail.example.org."]}
    zone[("mail.example.org", "A")] = ["192.0.2.11"]
    body = "version: STSv1\r\nmode: enforce\r\nmx: *.mail.example.org\r\nmax_age: 604800\r\n"
    (found,) = [f for f in evaluate(monkeypatch, zone, body=body) if f.id == "MTASTS-30"]
    assert found.status == Status.FAIL
    assert (
        "The pattern *.mail.example.org covers names one label below mail.example.org only, "
        "so not mail.example.org (RFC 8461 §4.1)." in found.summary
    )


def test_mtasts30_adds_nothing_for_a_host_no_wildcard_is_near(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.org\r\nmax_age: 604800\r\n"
    (found,) = [f for f in evaluate(monkeypatch, ZONE, body=body) if f.id == "MTASTS-30"]
    assert "one label below" not in found.summary
