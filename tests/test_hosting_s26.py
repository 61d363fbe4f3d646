"""s26h: what blind round 5 (tests/test_hosting_s26_blind.py) found in hosted MTA-STS.

* The owner's `_mta-sts` record gone, or a CNAME into another provider's zone, was told as
  "_mta-sts.example.org has no MTA-STS record" (or "has id=theirs1 but the policy's id is …:
  update it") without the record to publish; the CNAME case then got a plain TXT to publish
  beside a CNAME at every change, which no zone can hold (RFC 1034 §3.6.2). Now told once
  with the exact record: the CNAME into our zone (or the TXT with the current id without one).
* mta-sts.<domain> pointed at another provider's policy host, with a valid certificate there,
  was never told: senders fetch that policy, and the MX we follow reach none of them. The MX
  sync now looks where the name leads and tells when it leaves us (once), and when it is back.
* Our zone refusing UPDATEs emailed every sync (the sync's own result cleared what said it
  was told) and in an email of its own beside the sync's: now once per outage, in the sync's
  email.
"""

from __future__ import annotations

import asyncio
from typing import Any
from unittest import mock

from django.conf import settings
from django.core import mail

from mailsec.hosting import lookups, service
from mailsec.hosting.models import HostedPolicy
from mailsec.hosting.zone import PolicyZone
from tests import test_hosting_s12_blind as s12
from tests import test_hosting_s18_blind as s18
from tests import test_hosting_s25_blind as s25
from tests import test_hosting_s26_blind as s26
from tests.test_hosting import T0, HostingCase

ZONE_RECORD = "_mta-sts.example.org. CNAME example.org.policy.mailsec.example."


class S26Case(HostingCase):
    zone: s26.FailingZone | None

    def setUp(self) -> None:
        super().setUp()
        self.zone = s26.FailingZone(s25.OUR_ZONE, ("127.0.0.1", 9), "mailsec-policy", "c2VjcmV0")
        self.state: dict[str, Any] = {"mx": ["mx1.example.org."], "sts": "cname"}
        patches = [
            s18.wire(self.state, lambda state: s26.handler({"example.org": state}, self.zone)),
            mock.patch.object(lookups, "sts_record", s25.REAL_STS_RECORD),
            mock.patch.object(PolicyZone, "from_settings", lambda: self.zone),
        ]
        for patch in patches:
            patch.__enter__()
            self.addCleanup(patch.__exit__, None, None, None)

    def hosted(self) -> HostedPolicy:
        policy, _ = service.enable_told(self.domain, now=T0)
        service.sync(policy, now=T0 + s12.offset("5m"))
        mail.outbox.clear()
        return policy

    def sync(self, policy: HostedPolicy, at: str) -> list[str]:
        before = len(mail.outbox)
        service.sync(policy, now=T0 + s12.offset(at))
        policy.refresh_from_db()
        return [m.body for m in mail.outbox[before:] if m.to == [self.alice.email]]


class RecordToPublish(S26Case):
    def test_a_deleted_record_is_told_once_with_the_cname_to_publish(self) -> None:
        policy = self.hosted()
        self.state["sts"] = []
        [body] = self.sync(policy, "1d")
        assert "_mta-sts.example.org has no MTA-STS record" in body
        assert ZONE_RECORD in body
        assert self.sync(policy, "1d+5m") == []

    def test_without_our_zone_it_gives_the_txt_with_the_current_id(self) -> None:
        self.zone = None
        self.state["sts"] = ["v=STSv1; id=old;"]
        policy = self.hosted()
        self.state["sts"] = []
        [body] = self.sync(policy, "1d")
        assert f'Publish _mta-sts.example.org TXT "v=STSv1; id={policy.policy_id};"' in body

    def test_a_cname_into_another_zone_is_told_with_ours_never_a_txt_beside_it(self) -> None:
        policy = self.hosted()
        self.state["sts"] = "other_provider"
        [body] = self.sync(policy, "1d")
        assert "is a CNAME to example.org.sts-zone.otherprov.example (id=theirs1)" in body
        assert ZONE_RECORD in body
        assert policy.record_state == "other"
        self.state["mx"] = ["mx1.example.org.", "mx2.example.org."]
        [body] = self.sync(policy, "2d")
        assert "New MX mx2.example.org" in body
        assert '_mta-sts.example.org TXT "v=STSv1' not in body

    def test_before_hosting_a_cname_to_the_owners_own_record_is_theirs(self) -> None:
        # The records panel before Host MTA-STS: the owner's policy, to keep until hosting.
        self.state["sts"] = "other_provider"
        record = asyncio.run(
            lookups.sts_record(lookups.client(), "example.org", "", "example.org.policy.x")
        )
        assert record.state == "own" and record.found_id == "theirs1"


class PolicyHostLeadsElsewhere(S26Case):
    def test_it_tells_once_when_mta_sts_leaves_us_and_once_when_back(self) -> None:
        self.state["mta_sts"] = "ours"
        policy = self.hosted()
        assert policy.policy_host_state == "ours"
        self.state["mta_sts"] = "elsewhere"
        [body] = self.sync(policy, "1d")
        assert "mta-sts.example.org no longer leads to us" in body
        assert "sts.otherprov.example" in body
        assert f"mta-sts.example.org. CNAME {settings.MAILSEC_POLICY_HOST}." in body
        assert self.sync(policy, "1d+5m") == []
        self.state["mta_sts"] = "ours"
        [body] = self.sync(policy, "2d")
        assert "mta-sts.example.org leads to us again" in body
        assert policy.events.filter(kind="policy-host").count() == 2

    def test_a_name_never_pointed_at_us_is_not_told_by_the_sync(self) -> None:
        self.state["mta_sts"] = "elsewhere"
        policy = self.hosted()
        assert self.sync(policy, "1d") == []
        assert policy.policy_host_state == "elsewhere"

    def test_while_winding_down_it_is_recorded_only(self) -> None:
        self.state["mta_sts"] = "ours"
        policy = self.hosted()
        service.disable(policy, now=T0 + s12.offset("1h"))
        policy.refresh_from_db()
        self.state["mta_sts"] = "elsewhere"
        assert self.sync(policy, "1d") == []
        assert policy.policy_host_state == "elsewhere"


class ZoneOutage(S26Case):
    def test_one_outage_is_one_notice_in_the_syncs_own_email(self) -> None:
        policy = self.hosted()
        assert self.zone is not None
        self.zone.down[0] = True
        self.state["mx"] = ["mx1.example.org.", "mx2.example.org."]
        [body] = self.sync(policy, "1d")
        assert "New MX mx2.example.org" in body and "Could not publish the new id" in body
        for at in ("1d+5m", "1d+10m", "1d+15m"):
            assert self.sync(policy, at) == []
        assert policy.events.filter(kind="zone").count() == 1
        assert policy.published_id != policy.policy_id
        self.zone.down[0] = False
        assert self.sync(policy, "1d+20m") == []
        assert policy.published_id == policy.policy_id and not policy.zone_failing_told
        # A later outage is news again.
        self.zone.down[0] = True
        self.state["mx"] = ["mx1.example.org."]
        self.sync(policy, "2d")  # mx2 leaving: no new id, nothing owed
        assert policy.events.filter(kind="zone").count() == 1
        [body] = self.sync(policy, "9d+5m")  # mx2 removed: a new id our zone refuses
        assert "Could not publish the new id" in body
        assert policy.events.filter(kind="zone").count() == 2
