"""Review s42zD: the sync's policy-host watch (service.policy_host_told) sorted readings of
mta-sts.<domain> by finding "does not exist" in lookups.points_at_us's words, which s42q had
just reworded for a dangling CNAME (kept working only because the new words still held that
phrase). points_at_us now gives its reading's state with its words (lookups.Leads), and the
watch reads the state: a rewording can no longer turn "missing" into "elsewhere" (a false
"no longer leads to us" email)."""

from __future__ import annotations

import asyncio
import copy
import pickle
from datetime import timedelta

from checks.dns import DnsAnswer
from mailsec.hosting import lookups, service
from tests.test_hosting import T0, HostingCase
from tests.test_s42q_dangling_policy_host import GONE, HOP, HOST, Zone, dangling


class Failing(Zone):
    """Our policy host's address lookup times out."""

    async def query(self, name: str, rdtype: str, **kwargs: object) -> DnsAnswer:  # type: ignore[override]
        if name.rstrip(".").lower() != HOST:
            return DnsAnswer(name, rdtype, "TIMEOUT", [], detail="timed out")
        return await super().query(name, rdtype, **kwargs)


def reading(zone: Zone) -> tuple[bool, str, str]:
    ok, detail = asyncio.run(lookups.points_at_us(zone, HOST))
    return ok, detail, lookups.leads_state(ok, detail)


def test_s42zd_every_reading_carries_its_state() -> None:
    assert reading(Zone({HOST: ("NOERROR", ["192.0.2.1"], [])}))[::2] == (True, "ours")
    assert reading(Zone({}))[2] == "missing"
    assert reading(dangling(GONE))[2] == "missing"
    assert reading(dangling(HOP, GONE))[2] == "missing"
    assert reading(Zone({HOST: ("NOERROR", ["198.51.100.4"], [HOP])}))[2] == "elsewhere"
    ok, detail, state = reading(Failing({HOST: ("NOERROR", ["198.51.100.4"], [])}))
    assert detail.startswith(lookups.LOOKUP_FAILED), detail
    assert (ok, state) == (False, "unknown")


def test_s42zd_a_reading_keeps_its_state_when_copied_or_pickled() -> None:
    ok, detail = asyncio.run(lookups.points_at_us(dangling(GONE), HOST))
    for again in (copy.copy(detail), copy.deepcopy(detail), pickle.loads(pickle.dumps(detail))):
        assert (again, lookups.leads_state(ok, again)) == (detail, "missing")


def test_s42zd_a_detail_of_no_reading_is_read_as_before() -> None:
    # Words not from points_at_us (a stand-in): ours, a failed lookup, or elsewhere.
    assert lookups.leads_state(True, "stub") == "ours"
    assert lookups.leads_state(False, f"{lookups.LOOKUP_FAILED} x: timed out") == "unknown"
    assert lookups.leads_state(False, "stub") == "elsewhere"


class S42zdPolicyHostStateTestCase(HostingCase):
    def test_s42zd_the_watch_reads_the_state_not_the_words(self) -> None:
        policy = self.host()
        policy.policy_host_state = "ours"
        # A name gone, in words that do not say "does not exist": still no move elsewhere.
        gone = lookups.Leads(f"{HOST} has gone", "missing")
        assert service.policy_host_told(policy, False, gone, T0 + timedelta(hours=1)) == []
        assert policy.policy_host_state == "ours"
        # Words that say it, read elsewhere: the move is told.
        moved = lookups.Leads(f"{HOST} points elsewhere (does-not-exist.example)", "elsewhere")
        said = service.policy_host_told(policy, False, moved, T0 + timedelta(hours=2))
        assert [kind for kind, _ in said] == ["policy-host"], said
        assert policy.policy_host_state == "elsewhere"

    def test_s42zd_a_failed_lookup_changes_nothing(self) -> None:
        policy = self.host()
        policy.policy_host_state = "ours"
        failed = lookups.Leads(f"{lookups.LOOKUP_FAILED} {HOST}: timed out", "unknown")
        assert service.policy_host_told(policy, False, failed, T0 + timedelta(hours=1)) == []
        assert policy.policy_host_state == "ours"
