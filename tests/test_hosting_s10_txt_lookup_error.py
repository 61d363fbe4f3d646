"""A plain `_mta-sts` TXT customer is told the record with the new id in the sync that makes it,
also when that sync's own TXT lookup fails (the state stored by the last good lookup stands)."""

from __future__ import annotations

from datetime import timedelta

from django.core import mail

from mailsec.hosting import service
from tests.test_hosting import T0, HostingCase, fake_dns


class TxtLookupErrorTestCase(HostingCase):
    def test_the_record_is_told_at_once_when_the_changing_syncs_lookup_fails(self) -> None:
        policy = self.host(["mx1.example.org"])
        with fake_dns(["mx1.example.org"], record="txt"):
            service.sync(policy, now=T0 + timedelta(minutes=5))
        policy.refresh_from_db()
        self.assertEqual(policy.record_state, "txt")
        mail.outbox.clear()
        # The _mta-sts TXT lookup times out on the very sync that adds an MX.
        with fake_dns(["mx1.example.org", "mx2.example.org"], record="error"):
            self.assertTrue(service.sync(policy, now=T0 + timedelta(minutes=10)))
        policy.refresh_from_db()
        record = f'_mta-sts.example.org TXT "v=STSv1; id={policy.policy_id};"'
        self.assertTrue(any(record in m.body for m in mail.outbox))
        self.assertEqual(policy.record_state, "stale")
        # ... and the next sync, finding it stale, says nothing again.
        mail.outbox.clear()
        with fake_dns(["mx1.example.org", "mx2.example.org"], record="stale"):
            service.sync(policy, now=T0 + timedelta(minutes=15))
        self.assertFalse(any(record in m.body for m in mail.outbox))
