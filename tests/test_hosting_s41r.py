"""Review s41r of 6d37a37e (the owner's plain `_mta-sts` TXT that senders discard as invalid).

That commit tells an invalid record once, with the record to publish. But the id it gives is
the one the policy had when the record was looked up: a sync that finds the record invalid
and also changes the policy (an MX added) told the old id beside "New policy id <new>". And
once the record is known invalid, no later change (an MX added, a new mode) gave the record
with the new id, which docs/hosting.md promises for every change: plain_txt_told knew only
"txt" and "stale". The owner who fixed the record as told would publish an id senders never
refetch for."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail

from mailsec.hosting import lookups, service
from mailsec.hosting.models import HostedPolicy
from mailsec.hosting.service import record_told
from tests.test_hosting import T0, HostingCase, fake_dns
from tests.test_hosting_s41c import CURRENT, Txt, read

MX1 = ["mx1.example.org"]
MX2 = ["mx1.example.org", "mx2.example.org"]
MX3 = ["mx1.example.org", "mx2.example.org", "mx3.example.org"]


def txt_for(policy_id: str) -> str:
    return f'_mta-sts.example.org TXT "v=STSv1; id={policy_id};"'


class S41rInvalidRecordTests(HostingCase):
    def synced(self, mx: list[str], record: str, minutes: int) -> HostedPolicy:
        policy = HostedPolicy.objects.get(domain=self.domain)
        with fake_dns(mx, record=record):
            service.sync(policy, now=T0 + timedelta(minutes=minutes))
        policy.refresh_from_db()
        return policy

    def one_email(self) -> str:
        assert len({m.subject for m in mail.outbox}) == 1, [m.subject for m in mail.outbox]
        return mail.outbox[0].body

    def test_s41r_found_invalid_as_an_mx_joins_the_record_names_the_new_id(self) -> None:
        old = self.host(MX1).policy_id
        self.synced(MX1, "txt", 5)
        mail.outbox.clear()
        policy = self.synced(MX2, "invalid", 10)
        assert policy.policy_id != old and policy.record_state == "invalid"
        body = self.one_email()
        assert "stub invalid" in body
        assert txt_for(policy.policy_id) in body
        assert old not in body

    def test_s41r_a_later_mx_change_gives_the_record_with_the_new_id_once(self) -> None:
        self.host(MX1)
        self.synced(MX1, "invalid", 5)
        mail.outbox.clear()
        policy = self.synced(MX2, "invalid", 10)
        assert txt_for(policy.policy_id) in self.one_email()
        # Still invalid at the next sync: nothing told again.
        assert policy.record_state == "invalid"
        mail.outbox.clear()
        events = policy.events.filter(kind="record").count()
        policy = self.synced(MX2, "invalid", 15)
        assert mail.outbox == []
        assert policy.events.filter(kind="record").count() == events

    def test_s41r_a_nul_byte_in_the_record_does_not_stop_the_sync(self) -> None:
        """The notice quotes the record as published; a NUL byte in it ('\\000' in a zone
        file) cannot be stored in PostgreSQL text, and the sync failing on it every turn would
        follow no MX change. Shown as U+2400, as findings show it (checks.findings)."""
        self.host(MX1)
        real = lookups.sts_record

        async def nul_record(dns: object, domain: str, policy_id: str, zone: str) -> object:
            return await real(
                Txt([f"v=STSv1; id={policy_id}; x=a\\000b;"]), domain, policy_id, zone
            )

        with fake_dns(MX2), mock.patch.object(lookups, "sts_record", nul_record):
            policy = HostedPolicy.objects.get(domain=self.domain)
            service.sync(policy, now=T0 + timedelta(minutes=5))
        policy.refresh_from_db()
        assert policy.mx_live == MX2 and policy.record_state == "invalid"
        told = policy.events.filter(kind="record").get().message
        assert "x=a\u2400b" in told and "\x00" not in told

    def test_s41r_a_new_mode_gives_the_record_with_the_new_id(self) -> None:
        self.host(MX1)
        policy = self.synced(MX1, "invalid", 5)
        told = service.set_mode(policy, "enforce", now=T0 + timedelta(minutes=10))
        policy.refresh_from_db()
        assert "mode: enforce" in policy.text
        assert txt_for(policy.policy_id) in service.record_to_publish(told)
        assert policy.record_state == "invalid"


@pytest.mark.parametrize(
    "record",
    [
        f"v=STSv1; id={CURRENT}\u200b;",  # a zero-width space pasted from a document
        f"v=STSv1; id\uff1d{CURRENT};",  # a full-width '='
    ],
)
def test_s41r_an_invalid_record_is_told_one_record_to_publish(record: str) -> None:
    """The engine's reason for a pasted character ends 'Retype the record ..., with a new
    id': under hosting the id is ours, and the notice's own fix gives the record with the
    current id. Both in one notice told the owner two different records; one made-up id is
    a stale record the next sync tells again."""
    found = read([record])
    assert found.state == "invalid"
    assert "RFC 8461 §3.1 requires US-ASCII" in found.detail
    told = record_told(HostedPolicy(name="example.org", policy_id=CURRENT), found, "")
    assert "new id" not in told and "Retype" not in told
    assert told.endswith(f"Publish {txt_for(CURRENT)} in place of it.")
