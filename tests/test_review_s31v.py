"""Review s31v of the day's product changes: each defect found, written failing before its fix."""

from __future__ import annotations

import ipaddress
import time

import pytest
from django.utils import timezone

from checks import https, spf
from checks.findings import Finding, Status
from mailsec.domains.models import CheckRun, Domain
from tests.conftest import BaseTestCase
from tests.test_mtasts import POLICY, evaluate
from tests.test_mx import statuses

# ------------------------------------------- cff61aa: SPF ranges read in evaluation order


def _long_ipv6_record(listed: int, wide: int) -> str:
    """A record listing `listed` single IPv6 hosts, then `wide` /12 ranges (the first holding
    those hosts), then `listed` hosts more: a long record, as a domain publishing every sender
    one by one has (TXT over TCP carries tens of KB)."""
    before = [f"ip6:2001:db8::{i:x}" for i in range(listed)]
    ranges = [f"ip6:{0x2000 + (i << 8):x}::/12" for i in range(wide)]
    after = [f"ip6:3001:db9::{i:x}" for i in range(listed)]
    return "v=spf1 " + " ".join(before + ranges + after) + " -all"


def test_a_long_record_of_ranges_is_read_in_linear_time() -> None:
    # Parsing runs on the event loop, where no timeout can stop it: every check in the worker
    # waits for it. cff61aa's _first_matches cut each range out of the ones before it block by
    # block (address_exclude): a /12 after 500 single hosts became some 58,000 blocks, each
    # later term compared with them all, and SPF-19 asks it again for every wide range. This
    # 17 KB record took about 7 s to parse (0.03 s before cff61aa); 60 ranges in 36 KB, 68 s.
    # The 36 KB record, then: linear time reads it in about 0.07 s, so a bound of 10 s holds
    # on a loaded CI machine (1.5 s on the 17 KB record once failed under load) and still
    # catches the quadratic cut by a wide margin.
    record = _long_ipv6_record(1000, 60)
    started = time.monotonic()
    parsed = spf.parse_spf(record)
    took = time.monotonic() - started
    assert [p for p in parsed.problems if p.check_id == "SPF-19"]  # the wide ranges still warn
    assert took < 10, f"parse_spf took {took:.1f} s"


def _first_matches_by_address(ranges: list[str | None], bits: int) -> list[int]:
    """How many addresses each range is the first to match, counted address by address in
    an address space of `bits` bits (the IPv4 space's last `bits` bits)."""
    seen: set[int] = set()
    counts = []
    for text in ranges:
        if text is None:
            counts.append(0)
            continue
        net = ipaddress.ip_network(text)
        first = int(net.network_address) - (1 << 32) + (1 << bits)
        mine = {a for a in range(first, first + net.num_addresses) if a not in seen}
        seen |= mine
        counts.append(len(mine))
    return counts


def test_first_matches_counts_each_address_once_for_the_first_range_holding_it() -> None:
    # Nested, overlapping in either order, adjacent, repeated, and a term with no range.
    ranges = [
        "255.255.255.16/28",
        "255.255.255.0/24",
        None,
        "255.255.255.20/30",
        "255.255.255.128/25",
        "255.255.254.0/24",
        "255.255.255.0/24",
        "255.255.252.0/22",
        "255.255.255.7/32",
    ]
    nets = [None if r is None else ipaddress.ip_network(r) for r in ranges]
    counts, full = spf._first_matches(nets, spf.FAMILIES[0])
    assert counts == _first_matches_by_address(ranges, 10)
    assert counts == [16, 240, 0, 0, 0, 256, 0, 512, 0]
    assert full == [False] * len(ranges)
    # Once every address is decided, the terms after it decide none and are marked so.
    counts, full = spf._first_matches(
        [ipaddress.ip_network("0.0.0.0/1"), ipaddress.ip_network("0.0.0.0/0"), None],
        spf.FAMILIES[0],
    )
    assert counts == [2**31, 2**31, 0]
    assert full == [False, False, True]


# ------------------------------ 5c0c00d: MTASTS-09 reads a stored digest from the kept text


def _served(body: bytes) -> https.HttpsResult:
    """The policy fetch as https.fetch gives it, with `body` as served."""
    result = https.HttpsResult(url=POLICY_URL, host=POLICY_URL.split("/")[2], elapsed_ms=5.0)
    result.status = 200
    result.headers = {"content-type": "text/plain; charset=utf-8"}
    result.body = body
    result.per_address = [https.AddressOutcome("192.0.2.13", True, status=200)]
    return result


POLICY_URL = "https://mta-sts.example.org/.well-known/mta-sts.txt"


class KeptPolicyTextTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        now = timezone.now()
        self.domain = Domain.objects.create(
            team=self.team, name="example.org", verified_at=now, next_check_at=now
        )

    def checked(self, body: bytes) -> list[Finding]:
        """An MTA-STS check of the policy `body`, compared with the last run, stored as the
        scheduler stores a run (the findings as dicts, the record id and digest beside)."""
        with pytest.MonkeyPatch.context() as patch:
            findings = evaluate(
                patch, fetched=_served(body), previous=self.domain.mtasts_previous()
            )
        stored = [f.to_dict() for f in findings]
        (history,) = {
            (f["evidence"]["record_id"], f["evidence"]["policy_sha256"])
            for f in stored
            if "policy_sha256" in (f.get("evidence") or {})
        }
        CheckRun.objects.create(
            domain=self.domain,
            status=CheckRun.Status.DONE,
            findings=stored,
            mtasts_id=history[0],
            mtasts_policy_sha256=history[1],
        )
        return findings

    def test_a_policy_the_engine_reads_otherwise_than_its_kept_lines_is_no_change(self) -> None:
        # A policy saved as UTF-16 (MTASTS-28): senders read no field of it, and its digest
        # is of that meaning (no mode, no mx); the lines kept are the text decoded from UTF-16,
        # which read again give mode enforce and an mx. Since 5c0c00d the next run compared
        # that reading with the policy served, the same bytes under the same id, and MTASTS-09
        # warned 'The policy changed but the record's id did not' at every check.
        body = POLICY.encode("utf-16")
        first = self.checked(body)
        assert "MTASTS-28" in {f.id for f in first}
        again = self.checked(body)
        assert Status.WARN not in statuses(again, "MTASTS-09")

    def test_the_same_policy_served_again_is_no_change(self) -> None:
        # The control: a plain policy, the same bytes twice.
        self.checked(POLICY.encode())
        again = self.checked(POLICY.encode())
        assert Status.WARN not in statuses(again, "MTASTS-09")
