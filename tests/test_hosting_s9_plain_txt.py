"""A customer who publishes a plain `_mta-sts` TXT instead of the CNAME into our zone: every
change of the policy text (an MX added or removed by the sync) leaves their record naming the
old id, and senders that hold the old policy keep applying it until the record carries the new
id (RFC 8461 §3.1, §5.1). The sync's email must say so at once, with the exact record to
publish, not one sync later."""

from __future__ import annotations

from datetime import timedelta

from django.core import mail

from mailsec.hosting import service
from tests.test_hosting import T0, HostingCase, fake_dns


class PlainTxtTests(HostingCase):
    def test_an_mx_change_tells_at_once_the_txt_record_with_the_new_id(self) -> None:
        policy = self.host(["mx1.example.org"])
        with fake_dns(["mx1.example.org"], record="txt"):
            service.sync(policy, now=T0 + timedelta(minutes=5))
        mail.outbox.clear()
        with fake_dns(["mx2.example.org"], record="txt"):
            assert service.sync(policy, now=T0 + timedelta(minutes=10))
        policy.refresh_from_db()
        record = f'_mta-sts.example.org TXT "v=STSv1; id={policy.policy_id};"'
        # one email per member for the whole sync, and it carries the record to publish
        assert mail.outbox and all(record in m.body for m in mail.outbox)
        assert policy.events.filter(kind="record", message__contains=record).count() == 1
        assert policy.record_state == "stale"
        # the next sync finds the record stale, as it was told: no second email about it
        mail.outbox.clear()
        with fake_dns(["mx2.example.org"], record="stale"):
            assert not service.sync(policy, now=T0 + timedelta(minutes=15))
        assert mail.outbox == []

    def test_a_cname_into_our_zone_needs_no_such_line(self) -> None:
        policy = self.host(["mx1.example.org"])
        with fake_dns(["mx1.example.org", "mx2.example.org"], record="cname"):
            assert service.sync(policy, now=T0 + timedelta(minutes=5))
        assert not policy.events.filter(kind="record").exists()
        assert mail.outbox and "_mta-sts.example.org TXT" not in mail.outbox[-1].body
