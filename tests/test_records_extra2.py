"""Realistic DKIM, TLS-RPT and BIMI records the fixtures do not list, and the fixes suggested
for them (checks/dkim.py, checks/tlsrpt.py, checks/bimi.py)."""

from __future__ import annotations

import dns.rdata
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from checks import tlsrpt
from checks.findings import Status
from tests.test_tlsrpt_record import BASE, run

# --- TLS-RPT: the suggested record keeps the owner's addresses ------------------------------


@pytest.mark.parametrize(
    "published",
    [
        "V=TLSRPTv1; rua=mailto:tls@example.org",  # version miscased: discarded by senders
        "rua=mailto:tls@example.org; v=TLSRPTv1",  # version last (fixture F36b)
        "v=TLSRPTv1, rua=mailto:tls@example.org",  # comma instead of ';'
        "v=TLSRPTv1; RUA=mailto:tls@example.org",  # rua is case-sensitive: no rua field
        "v=TLSRPTv1; rua = mailto:tls@example.org",  # no space allowed before '='
    ],
)
def test_the_fix_for_a_misspelt_record_keeps_its_report_address(published: str) -> None:
    zone = {**BASE, ("_smtp._tls.example.org", "TXT"): [f'"{published}"']}
    findings = run(zone)
    failed = [f for f in findings if f.status == Status.FAIL and f.fix]
    assert failed
    for finding in failed:
        # The owner's mailbox, not the invented tls-reports@ one.
        assert finding.fix == '_smtp._tls.example.org. TXT "v=TLSRPTv1; rua=mailto:tls@example.org"'


def test_a_suggested_record_from_a_misspelt_one_is_valid() -> None:
    published = tlsrpt.parse_tlsrpt_record("rua=mailto:a@example.org, tls@example.org; v=TLSRPTv1")
    fix = tlsrpt.record_fix("example.org", [published])
    text = fix.split(" TXT ", 1)[1].strip('"')
    suggested = tlsrpt.parse_tlsrpt_record(text)
    assert suggested.valid and suggested.strict_prefix
    assert [u.uri for u in suggested.uris] == ["mailto:a@example.org", "mailto:tls@example.org"]


def test_the_fix_for_a_record_stored_with_its_quotes_keeps_its_report_address() -> None:
    # A DNS panel that kept the quotes typed around the value: the TXT data itself begins
    # with '"', so senders discard it; the owner's address is still the one to keep.
    published = tlsrpt.parse_tlsrpt_record('"v=TLSRPTv1; rua=mailto:tls@example.org"')
    assert not published.valid
    assert tlsrpt.record_fix("example.org", [published]) == (
        '_smtp._tls.example.org. TXT "v=TLSRPTv1; rua=mailto:tls@example.org"'
    )


# --- BIMI ------------------------------------------------------------------------------------


def test_an_avatar_preference_in_capitals_is_not_valid() -> None:
    from tests.test_bimi import CERT, LOGO, bimi_run, flagged

    # %s"personal" in the draft's ABNF, and receivers must not fix capitalisation: the owner's
    # preference for personal avatars is ignored.
    found = bimi_run(f"v=BIMI1; l={LOGO}; a={CERT}; avp=Personal")
    assert flagged(found)["warn"] == {"BIMI-06"}
    assert "avp=personal" in next(f.summary for f in found if f.id == "BIMI-06")
    assert flagged(bimi_run(f"v=BIMI1; l={LOGO}; a={CERT}; avp=personal"))["warn"] == set()


# --- TLS-RPT: every suggested record passes the engine's own checks ---------------------------


@pytest.mark.parametrize(
    ("rua", "kept"),
    [
        # A '!' in the local part is the address's own: encoded, not cut off at the '!'.
        ("mailto:a!b@example.org", "mailto:a%21b@example.org"),
        ("mailto:a!b@example.org!10m", "mailto:a%21b@example.org"),
        # DMARC's size suffix, in any unit case, is dropped.
        ("mailto:tls@example.org!10M", "mailto:tls@example.org"),
        # The size suffix ends the address, before any query.
        ("mailto:tls@example.org!10m?subject=x", "mailto:tls@example.org?subject=x"),
        # A zone-file style trailing dot: the address is certain, the dot a slip.
        ("mailto:tls@example.org.", "mailto:tls@example.org"),
    ],
)
def test_the_suggested_record_keeps_the_address_and_is_valid(rua: str, kept: str) -> None:
    published = tlsrpt.parse_tlsrpt_record(f"v=TLSRPTv1; rua={rua}")
    fix = tlsrpt.record_fix("example.org", [published])
    assert fix == f'_smtp._tls.example.org. TXT "v=TLSRPTv1; rua={kept}"'
    suggested = tlsrpt.parse_tlsrpt_record(fix.split(" TXT ", 1)[1].strip('"'))
    assert suggested.valid and not suggested.problems


def test_a_bang_in_a_local_part_is_not_called_a_size_limit() -> None:
    (problem,) = tlsrpt.parse_tlsrpt_record("v=TLSRPTv1; rua=mailto:a!b@example.org").problems
    assert problem.check_id == "TLSRPT-07" and "%21" in problem.message
    assert "size limit" not in problem.message


_PIECES = st.sampled_from(
    ["mailto:", "https://", "http://", "tls", "a!b", "@", "example.org", ".", "!10m", "%21",
     "?", "subject=x", "/", "r.example.net", " ", '"', "<", ">", "MAILTO:", "-", "_", ":", "#"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(_PIECES, min_size=1, max_size=8).map("".join), min_size=1, max_size=3),
    st.sampled_from(["v=TLSRPTv1; rua=", "V=TLSRPTv1; rua=", "v=TLSRPTv1; RUA="]),
)
@example(["mailto:tls@example.org!x"], "v=TLSRPTv1; rua=")
@example(["mailto:tls@example.org!10m?subject=x"], "v=TLSRPTv1; rua=")
def test_every_suggested_record_passes_the_record_checks(uris: list[str], prefix: str) -> None:
    fix = tlsrpt.record_fix("example.org", [tlsrpt.parse_tlsrpt_record(prefix + ",".join(uris))])
    rdata = dns.rdata.from_text("IN", "TXT", fix.split(" TXT ", 1)[1])
    suggested = tlsrpt.parse_tlsrpt_record(b"".join(rdata.strings))  # type: ignore[attr-defined]
    assert suggested.valid and suggested.strict_prefix
    assert all(u.usable for u in suggested.uris)
    assert not [p for p in suggested.problems if p.status in (Status.WARN, Status.FAIL)]


# --- DKIM ------------------------------------------------------------------------------------


def test_an_ed25519_key_without_its_key_type_says_what_is_missing() -> None:
    from checks.dkim import parse_key_record
    from tests.test_dkim import ed_b64

    parsed = parse_key_record(f"v=DKIM1; p={ed_b64()}")
    assert not parsed.usable
    assert [(p.check_id, p.status) for p in parsed.problems] == [("DKIM-08", Status.FAIL)]
    assert "k=ed25519" in parsed.problems[0].message
    assert parse_key_record(f"v=DKIM1; k=ed25519; p={ed_b64()}").usable
