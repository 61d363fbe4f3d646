"""Review of the hosting notice for the owner's invalid or stale `_mta-sts` TXT (task s41n,
of 6d37a37e, 31f5b225, 1061a841, b673b4ab, cee1116e).

(1) The invalid record's notice repeated itself: the engine's reason ends "..., so senders
discard it." and the notice went on "Senders discard an invalid record: ...", and a record
with no ';' was quoted twice ('has "v=STSv1". The record 'v=STSv1' has no ';' ...'). The
engine's own instructions ('Remove the extra ';'', 'Keep only the first id', 'Write it ...')
told another record than the one the notice gives. (2) A sync that found the record stale,
or two v=STSv1 records, and also changed the policy id told the id from lookup time: "the
policy's id is <old>", "Keep one: v=STSv1; id=<old>;" beside "New policy id <new>"."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail

from mailsec.hosting import lookups, service
from mailsec.hosting.models import HostedPolicy
from mailsec.hosting.service import record_told
from tests.test_hosting import T0, HostingCase, fake_dns
from tests.test_hosting_s41c import CURRENT, NAME, Txt, read

MX1 = ["mx1.example.org"]
MX2 = ["mx1.example.org", "mx2.example.org"]


@pytest.mark.parametrize(
    "record",
    [
        "v=STSv1 ",  # no ';' at all: the engine quoted the record again
        f"v=STSv1 id={CURRENT}",
        f"v=STSv1; id={CURRENT};;",
        f"v=STSv1; id = {CURRENT};",
        f"v=STSv1; id={CURRENT}\u200b;",
        f"v=STSv1; id={CURRENT}; note=hello world",
        "v=STSv1; id=2026-12-01",
    ],
)
def test_s41n_the_invalid_notice_says_each_thing_once(record: str) -> None:
    found = read([record])
    assert found.state == "invalid", found
    told = record_told(HostedPolicy(name="example.org", policy_id=CURRENT), found, "")
    assert told.startswith(f'{NAME} has "{record}". ')
    # The record quoted once, senders' discarding said once, one record to publish.
    assert told.count(f'"{record}"') == 1 and repr(record.strip()) not in told, told
    assert told.lower().count("discard") == 1, told
    assert "apply no policy" in told and told.count("apply no policy") == 1, told
    for other in ("Retype", "Remove", "Write it", "Keep only", "new id"):
        assert other not in told, told
    assert told.count("Publish") == 1
    assert told.endswith(f'Publish {NAME} TXT "v=STSv1; id={CURRENT};" in place of it.')


class S41nSameSyncTests(HostingCase):
    def sync_with(self, texts: list[list[str]], minutes: int) -> HostedPolicy:
        real = lookups.sts_record

        async def answered(dns: object, domain: str, policy_id: str, zone: str) -> object:
            return await real(Txt(*texts), domain, policy_id, zone)

        policy = HostedPolicy.objects.get(domain=self.domain)
        with fake_dns(MX2), mock.patch.object(lookups, "sts_record", answered):
            service.sync(policy, now=T0 + timedelta(minutes=minutes))
        policy.refresh_from_db()
        return policy

    def told(self, policy: HostedPolicy) -> list[str]:
        return [e.message for e in policy.events.filter(kind="record")]

    def test_s41n_stale_found_as_an_mx_joins_names_the_new_id_once(self) -> None:
        old = self.host(MX1).policy_id
        mail.outbox.clear()
        policy = self.sync_with([["v=STSv1; id=old1;"]], 5)
        assert policy.policy_id != old and policy.record_state == "stale"
        (told,) = self.told(policy)
        assert old not in told, told
        assert f"the policy's id is {policy.policy_id}" in told
        assert told.count(f'TXT "v=STSv1; id={policy.policy_id};"') == 1, told
        body = mail.outbox[0].body
        assert old not in body and body.count(f"id={policy.policy_id};") == 1, body

    def test_s41n_two_records_found_as_an_mx_joins_keep_the_new_id(self) -> None:
        old = self.host(MX1).policy_id
        mail.outbox.clear()
        policy = self.sync_with([["v=STSv1; id=a1;"], ["v=STSv1; id=b2;"]], 5)
        assert policy.policy_id != old and policy.record_state == "other"
        (told,) = self.told(policy)
        assert old not in told, told
        assert f"Keep one: v=STSv1; id={policy.policy_id};" in told
        assert old not in mail.outbox[0].body

    def test_s41n_control_stale_without_a_new_id_names_the_current_one(self) -> None:
        policy = self.host(MX2)
        current = policy.policy_id
        policy = self.sync_with([["v=STSv1; id=old1;"]], 5)
        assert policy.policy_id == current
        (told,) = self.told(policy)
        assert f"the policy's id is {current}" in told
        assert told.count(f'TXT "v=STSv1; id={current};"') == 1, told
