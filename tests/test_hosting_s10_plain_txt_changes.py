"""A customer who publishes a plain `_mta-sts` TXT (not the CNAME into our zone) must publish
the new id whenever the policy text changes: senders holding the policy keep applying it until
the record's id changes (RFC 8461 §3.1, §5.1). The MX sync says so (test_hosting_s9_plain_txt);
so must every change the owner makes that gives the policy a new id: the mode (Switch to
enforce included), max_age, extra patterns, a provider pattern, Stop hosting and Keep hosting.
Each is told once, at the change, with the exact record, to every member by email; the next
sync, finding the record stale as it was told, says nothing more."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest import mock

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from mailsec.hosting import service
from mailsec.hosting.models import HostedPolicy
from tests.test_hosting import DAY, T0, WEEK, HostingCase, fake_dns


def record_line(policy: HostedPolicy) -> str:
    return f'_mta-sts.example.org TXT "v=STSv1; id={policy.policy_id};"'


class PlainTxtChangeTests(HostingCase):
    def url(self, name: str) -> str:
        return reverse(f"hosting:{name}", args=[self.domain.code])

    def plain_txt_policy(self, record: str = "txt", **kw: Any) -> HostedPolicy:
        """Hosted, and synced once with `_mta-sts` found as `record`; the outbox emptied."""
        policy = self.host(["mx1.example.org"], **kw)
        with fake_dns(["mx1.example.org"], record=record):
            service.sync(policy, now=T0 + timedelta(minutes=5))
        policy.refresh_from_db()
        assert policy.record_state == record
        mail.outbox.clear()
        return policy

    def post(self, name: str, data: dict[str, Any] | None = None, minutes: int = 10) -> None:
        self.client.force_login(self.alice)
        when = T0 + timedelta(minutes=minutes)
        with mock.patch.object(timezone, "now", return_value=when), fake_dns():
            assert self.client.post(self.url(name), data or {}).status_code == 302

    def assert_told_once(self, policy: HostedPolicy, before_id: str) -> None:
        policy.refresh_from_db()
        assert policy.policy_id != before_id
        line = record_line(policy)
        # every member, one email each, carrying the record with the new id
        assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "bob@example.org"]
        assert all(line in m.body for m in mail.outbox)
        assert policy.events.filter(kind="record", message__contains=line).count() == 1
        assert policy.record_state == "stale"
        # the next sync finds the record stale, as it was told: nothing more
        mail.outbox.clear()
        with fake_dns(["mx1.example.org"], record="stale"):
            service.sync(policy, now=T0 + timedelta(minutes=20))
        assert mail.outbox == []
        assert policy.events.filter(kind="record").count() == 1

    def test_a_mode_change_tells_the_record(self) -> None:
        policy = self.plain_txt_policy()
        before = policy.policy_id
        self.post("update", {"mode": "none", "max_age": WEEK, "extra": ""})
        self.assert_told_once(policy, before)

    def test_the_email_says_what_changed_beside_the_record(self) -> None:
        policy = self.plain_txt_policy()
        self.post("update", {"mode": "testing", "max_age": DAY, "extra": ""})
        policy.refresh_from_db()
        assert mail.outbox and all(f"max_age {WEEK} → {DAY}." in m.body for m in mail.outbox)
        assert all(record_line(policy) in m.body for m in mail.outbox)

    def test_a_max_age_change_tells_the_record(self) -> None:
        policy = self.plain_txt_policy()
        before = policy.policy_id
        self.post("update", {"mode": "testing", "max_age": DAY, "extra": ""})
        self.assert_told_once(policy, before)

    def test_an_extra_pattern_tells_the_record(self) -> None:
        policy = self.plain_txt_policy()
        before = policy.policy_id
        self.post("update", {"mode": "testing", "max_age": WEEK, "extra": "mx9.example.net"})
        self.assert_told_once(policy, before)

    def test_a_provider_pattern_tells_the_record(self) -> None:
        policy = self.host(["tenant.mail.protection.outlook.com"])
        with fake_dns(["tenant.mail.protection.outlook.com"], record="txt"):
            service.sync(policy, now=T0 + timedelta(minutes=5))
        mail.outbox.clear()
        before = HostedPolicy.objects.get(pk=policy.pk).policy_id
        self.client.force_login(self.alice)
        with fake_dns(["tenant.mail.protection.outlook.com"], record="txt"):
            self.client.post(self.url("suggest"), {"pattern": "*.mail.protection.outlook.com"})
        policy.refresh_from_db()
        assert policy.policy_id != before and policy.mx_extra
        assert mail.outbox and all(record_line(policy) in m.body for m in mail.outbox)
        assert policy.record_state == "stale"

    def test_switch_to_enforce_tells_the_record(self) -> None:
        policy = self.plain_txt_policy()
        before = policy.policy_id
        service.set_mode(policy, HostedPolicy.Mode.ENFORCE, now=T0 + timedelta(minutes=10))
        self.assert_told_once(policy, before)

    def test_a_stale_record_is_told_the_newest_id(self) -> None:
        # Already stale (told at the last change, not yet updated): a second change has yet
        # another id, and the owner must hear that one.
        policy = self.plain_txt_policy(record="stale")
        self.post("update", {"mode": "testing", "max_age": DAY, "extra": ""})
        policy.refresh_from_db()
        first = record_line(policy)
        self.post("update", {"mode": "testing", "max_age": WEEK, "extra": ""}, minutes=15)
        policy.refresh_from_db()
        assert record_line(policy) != first
        assert policy.events.filter(kind="record", message__contains=record_line(policy))

    def test_stop_hosting_tells_the_record(self) -> None:
        # mode none must reach senders before the release: with the old id they would keep
        # the testing/enforce copy for its whole max_age.
        policy = self.plain_txt_policy()
        before = policy.policy_id
        self.post("disable")
        policy.refresh_from_db()
        assert policy.state == "disabling"
        self.assert_told_once(policy, before)

    def test_keep_hosting_tells_the_record(self) -> None:
        policy = self.plain_txt_policy()
        service.disable(policy, now=T0 + timedelta(minutes=10))
        policy.refresh_from_db()
        # the owner published the disabling id meanwhile
        with fake_dns(["mx1.example.org"], record="txt"):
            service.sync(policy, now=T0 + timedelta(minutes=15))
        policy.refresh_from_db()
        assert policy.record_state == "txt"
        mail.outbox.clear()
        before = policy.policy_id
        with fake_dns(["mx1.example.org"], record="txt"):
            service.enable(self.domain, now=T0 + timedelta(minutes=20))
        policy.refresh_from_db()
        assert policy.state == "active" and policy.policy_id != before
        assert mail.outbox and all(record_line(policy) in m.body for m in mail.outbox)
        assert policy.record_state == "stale"

    def test_a_cname_into_our_zone_is_told_nothing_of_the_kind(self) -> None:
        policy = self.plain_txt_policy(record="cname")
        self.post("update", {"mode": "testing", "max_age": DAY, "extra": ""})
        policy.refresh_from_db()
        assert not policy.events.filter(kind="record").exists()
        assert all("_mta-sts.example.org TXT" not in m.body for m in mail.outbox)
        assert policy.record_state == "cname"

    def test_nothing_saved_nothing_told(self) -> None:
        policy = self.plain_txt_policy()
        self.post("update", {"mode": "testing", "max_age": WEEK, "extra": ""})
        policy.refresh_from_db()
        assert mail.outbox == [] and policy.record_state == "txt"
