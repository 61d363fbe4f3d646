"""Round s24s: a free check of a domain whose records list hundreds of names stores a report of
bounded size.

Records are anyone's to write: an MX RRset of 1,000 hosts, a DMARC rua and an SPF record of
1,000 entries gave one anonymous free check 7,321 findings, a 4.7 MB report kept 30 days (and
written again with each mechanism's progress, and scanned whole at each view of the page). A
stored report now keeps at most MAX_FINDINGS_PER_CHECK findings of one check ID; one more
finding of that ID counts the rest with the worst status among them, so nothing worse is
hidden. The real engine runs against an in-memory DNS (no network: every address is refused).
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from checks.config import CheckConfig
from checks.findings import Status
from mailsec.freecheck.models import MAX_FINDINGS_PER_CHECK, FreeCheck, bounded_findings
from tests.test_engine_s19z_nomail import in_memory_dns
from tests.test_mx import FakeDns

D = "attacker.example"
HOSTS = 150


def _zone() -> dict[tuple[str, str], list[str] | str]:
    rua = ",".join(f"mailto:r@d{i}.victim.example" for i in range(HOSTS))
    zone: dict[tuple[str, str], list[str] | str] = {
        (D, "MX"): [f"10 h{i}.victim.example." for i in range(HOSTS)],
        (f"_dmarc.{D}", "TXT"): [f'"v=DMARC1; p=reject; rua={rua}"'],
    }
    for i in range(HOSTS):
        zone[(f"h{i}.victim.example", "A")] = ["10.0.0.1"]
    return zone


@pytest.mark.django_db
def test_a_free_check_keeps_a_bounded_report_for_records_listing_hundreds_of_names() -> None:
    check = FreeCheck.objects.create(domain=D)
    with in_memory_dns(FakeDns(_zone())):
        check.run(config=CheckConfig(timeout=0.5))
    check.refresh_from_db()
    assert check.status == FreeCheck.State.DONE
    findings = check.report["findings"]
    counts = Counter(f["id"] for f in findings)
    assert max(counts.values()) <= MAX_FINDINGS_PER_CHECK + 1, counts.most_common(3)
    notes = [f for f in findings if (f.get("evidence") or {}).get("not_shown")]
    mx06 = [f for f in notes if f["id"] == "MX-06"]
    assert mx06 and mx06[0]["evidence"]["not_shown"] == HOSTS - MAX_FINDINGS_PER_CHECK
    assert "are not shown" in mx06[0]["summary"]
    assert len(json.dumps(check.report)) < 200_000
    # The page still reads it.
    assert check.mechanism_views()


def test_the_note_carries_the_worst_status_of_the_findings_it_counts() -> None:
    def finding(status: Status, n: int) -> dict[str, object]:
        return {
            "id": "MX-06",
            "status": str(status),
            "mechanism": "mx",
            "summary": f"host {n}",
            "subject": f"h{n}",
            "evidence": {},
            "fix": "",
        }

    many = [finding(Status.WARN, n) for n in range(MAX_FINDINGS_PER_CHECK + 5)]
    many[-2] = finding(Status.FAIL, 999)
    kept = bounded_findings(many)
    assert len(kept) == MAX_FINDINGS_PER_CHECK + 1
    note = kept[-1]
    assert note["status"] == "fail"
    assert note["evidence"] == {"not_shown": 5}
    assert note["summary"].endswith("The worst of them: host 999")
    few = many[:MAX_FINDINGS_PER_CHECK]
    assert bounded_findings(few) == few
