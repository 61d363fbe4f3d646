"""Defects blind round s31r found (tests/test_reports_s31r_blind.py).

* R14: a report whose member names are Title-Cased ('Organization-Name', 'Policies', as a
  .NET writer with a PascalCase naming policy writes them) was rejected as
  "organization-name is missing". The rejection is right (RFC 8259 §8.3: names compare code
  unit by code unit, so those members are not RFC 8460's), but the reason told the sender a
  member is missing that is there in other letters. The reason now names the member it has
  and says names are case-sensitive.
"""

from __future__ import annotations

import json

import pytest

from tests.test_reports_s12_blind import both_readers


def _report(**rename: str) -> bytes:
    r = {
        "organization-name": "Sender Example Mail Ltd.",
        "date-range": {
            "start-datetime": "2026-06-01T00:00:00Z",
            "end-datetime": "2026-06-01T23:59:59Z",
        },
        "contact-info": "smtp-tls-reporting@sender.example",
        "report-id": "2026-06-01T00:00:00Z_example.com",
        "policies": [
            {
                "policy": {"policy-type": "sts", "policy-domain": "example.com"},
                "summary": {
                    "total-successful-session-count": 120,
                    "total-failure-session-count": 0,
                },
            }
        ],
    }
    out = {rename.get(k.replace("-", "_"), k): v for k, v in r.items()}
    return json.dumps(out, indent=2).encode()


@pytest.mark.parametrize(
    ("rename", "said"),
    [
        ({"organization_name": "Organization-Name"}, "organization-name is missing"),
        ({"report_id": "Report-ID"}, "report-id is missing"),
        ({"date_range": "Date-Range"}, "date-range is missing"),
        ({"policies": "Policies"}, "policies is missing"),
    ],
)
def test_a_required_member_in_other_letters_is_named_in_the_reason(
    rename: dict[str, str], said: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    status, reason = both_readers(_report(**rename), monkeypatch)
    assert status == "rejected"
    (written,) = rename.values()
    assert said in reason
    assert f"the report has '{written}'" in reason
    assert "member names are case-sensitive (RFC 8259 §8.3)" in reason


def test_a_missing_member_is_still_only_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    data = json.loads(_report())
    del data["report-id"]
    status, reason = both_readers(json.dumps(data).encode(), monkeypatch)
    assert status == "rejected"
    assert reason == "report-id is missing (RFC 8460 §4.4)"
