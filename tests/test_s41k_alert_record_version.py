"""Task s41k, item 1 follow-up: the "record gone" alert's fix publishes again the record the
last check saw, found among the answers by its version. A TXT beginning "v=STSv10;" (or
"v=TLSRPTv10;") ahead of the real record was taken for it: senders discard such a record
(RFC 8461 §3.1, RFC 8460 §3), and publishing it again brings back nothing."""

from __future__ import annotations

from typing import Any

import pytest

from mailsec.alerts import rules


def _finding(check_id: str, subject: str, status: str, answers: list[str]) -> dict[str, Any]:
    return {
        "id": check_id,
        "status": status,
        "subject": subject,
        "summary": "",
        "fix": "engine's fix",
        "evidence": {"query": f"{subject} TXT", "rcode": "NOERROR", "answers": answers},
    }


@pytest.mark.parametrize(
    ("mech", "check_id", "subject", "other", "record"),
    [
        ("mta-sts", "MTASTS-02", "_mta-sts.a.test", '"v=STSv10; id=9"', '"v=STSv1; id=1"'),
        (
            "tls-rpt",
            "TLSRPT-01",
            "_smtp._tls.a.test",
            '"v=TLSRPTv10; rua=mailto:x@a.test"',
            '"v=TLSRPTv1; rua=mailto:r@a.test"',
        ),
    ],
)
def test_s41k_the_record_published_again_is_the_one_senders_read(
    mech: str, check_id: str, subject: str, other: str, record: str
) -> None:
    old = _finding(check_id, subject, "pass", [other, record])
    observation = rules._record_observation(mech, old, _finding(check_id, subject, "fail", []))
    assert observation.fix.startswith(f"Publish it again: {subject}. TXT {record}"), observation
