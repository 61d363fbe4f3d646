"""The record a "record disappeared" alert asks to publish again is the mechanism's own, not
another TXT record that shared its name (senders discard those: RFC 8461 §3.1, RFC 8460 §3)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mailsec.alerts import rules

BEFORE = {
    "tls-rpt": (
        "TLSRPT-01",
        "_smtp._tls.a.test",
        ['"google-site-verification=abc"', '"v=TLSRPTv1;" " rua=mailto:r@a.test"'],
    ),
    "mta-sts": (
        "MTASTS-01",
        "_mta-sts.a.test",
        ['"ms=ms12345"', '"v=STSv1; id=20260301"'],
    ),
}


def _snap(mech: str, status: str, answers: list[str]) -> rules.Snapshot:
    check_id, subject, _ = BEFORE[mech]
    finding: dict[str, Any] = {
        "id": check_id,
        "status": status,
        "mechanism": mech,
        "subject": subject,
        "summary": "x.",
        "evidence": {"answers": answers, "query": f"{subject} TXT", "rcode": "NOERROR"},
        "fix": "",
    }
    return rules.Snapshot(
        mechanisms={mech: "pass" if status == "pass" else "info"},
        findings=[finding],
        score=None,
        taken_at=datetime(2026, 3, 2, tzinfo=UTC),
    )


def test_the_record_to_publish_again_is_the_mechanism_s_own() -> None:
    for mech, (_, subject, answers) in BEFORE.items():
        for order in (answers, answers[::-1]):
            (gone,) = rules.detect(_snap(mech, "pass", order), _snap(mech, "info", []), 10)
            assert gone.kind == rules.Kind.RECORD_GONE
            first_line = gone.fix.splitlines()[0]
            # Was the first TXT answer, whichever record it was: a verification string.
            assert first_line == f"Publish it again: {subject}. TXT {answers[1]}", (mech, order)


def test_no_copy_of_the_record_means_no_publish_again_line() -> None:
    # Only other TXT records were seen (an odd earlier answer): no record to copy.
    before = _snap("tls-rpt", "pass", ['"google-site-verification=abc"'])
    (gone,) = rules.detect(before, _snap("tls-rpt", "info", []), 10)
    assert "google-site-verification" not in gone.fix
