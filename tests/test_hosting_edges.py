"""Hosted MTA-STS on situations from real mail moves: policy ids across quick changes, MX
migrations between providers, departed hosts the owner also lists, and two MX syncs of one
policy at once (see tests/test_hosting.py for the basics and its fake DNS)."""

from __future__ import annotations

from datetime import timedelta

from mailsec.hosting import service
from mailsec.hosting.models import HostedPolicy
from tests.test_hosting import T0, WEEK, HostingCase, fake_dns


class PolicyIdTestCase(HostingCase):
    def test_a_text_back_within_the_same_second_gets_a_new_id(self) -> None:
        # Stop hosting, then Keep hosting a moment later: the enforce text is served again.
        # Its first id again would leave a sender that read that id while mode none was served
        # (and cached mode none under it) on mode none until max_age.
        policy = self.host(["mx1.example.org"])
        second = T0 + timedelta(minutes=1)
        service.set_mode(policy, "enforce", now=second)
        ids = [policy.policy_id]
        with fake_dns(["mx1.example.org"]):
            service.disable(policy, now=second + timedelta(milliseconds=300))
            ids.append(policy.policy_id)
            policy = service.enable(self.domain, now=second + timedelta(milliseconds=600))
        ids.append(policy.policy_id)
        assert policy.state == HostedPolicy.State.ACTIVE and "mode: enforce\r\n" in policy.text
        assert len(set(ids)) == 3, ids
        assert all(i.isalnum() and 1 <= len(i) <= 32 for i in ids)


class ConcurrentSyncTestCase(HostingCase):
    def test_an_older_lookup_finishing_last_changes_nothing(self) -> None:
        # The beat's sync (started first, its resolver still had the old MX set) finishes
        # after "Compare with MX now" (started later, saw mx2 added). Applying the older
        # answer last told the team mx2 had left, and the next turn that it was back.
        from django.core import mail

        policy = self.host(["mx1.example.org"])
        beat_copy = HostedPolicy.objects.get(pk=policy.pk)
        with fake_dns(["mx1.example.org", "mx2.example.org"]):
            assert service.sync(policy, now=T0 + timedelta(minutes=5, seconds=2))
        policy.refresh_from_db()
        after_newer = (policy.policy_id, policy.text, policy.mx_live)
        mail.outbox.clear()
        with fake_dns(["mx1.example.org"]):
            assert not service.sync(beat_copy, now=T0 + timedelta(minutes=5))
        policy.refresh_from_db()
        assert (policy.policy_id, policy.text, policy.mx_live) == after_newer
        assert policy.pending_removals == {}
        assert not policy.events.filter(kind="mx-leaving").exists()
        assert mail.outbox == []
        # the next turn (a later start) is applied as usual
        with fake_dns(["mx1.example.org"]):
            service.sync(policy, now=T0 + timedelta(minutes=10))
        policy.refresh_from_db()
        assert "mx2.example.org" in policy.pending_removals


GOOGLE = ["alt1.aspmx.l.google.com", "alt2.aspmx.l.google.com", "aspmx.l.google.com"]
MICROSOFT = ["example-org.mail.protection.outlook.com"]


class MigrationTestCase(HostingCase):
    def test_a_move_from_google_to_microsoft_is_one_email_per_step(self) -> None:
        # One MX change (the domain moved to Microsoft 365) is one email to each member, not
        # one per MX host (Google Workspace has up to five), each with the whole policy.
        from django.core import mail

        from mailsec.hosting import policy as rules
        from tests.test_hosting import to_alice

        policy = self.host(GOOGLE, mode="enforce", max_age=WEEK)
        first = policy.policy_id
        mail.outbox.clear()
        with fake_dns(MICROSOFT):
            assert service.sync(policy, now=T0 + timedelta(minutes=5))
        policy.refresh_from_db()
        second = policy.policy_id
        assert policy.mx_live == MICROSOFT and sorted(policy.pending_removals) == GOOGLE
        assert policy.text.count("mx: ") == 4 and second != first
        # the page keeps a line per host; the email says it all at once
        assert policy.events.filter(kind="mx-added").count() == 1
        assert policy.events.filter(kind="mx-leaving").count() == 3
        [message] = to_alice()
        assert "New MX example-org.mail.protection.outlook.com" in message.subject
        body = " ".join(message.body.split())
        for host in GOOGLE:
            assert f"{host} left the MX records" in body
        assert body.count(f"New policy id {second}") == 1
        # the provider's pattern is offered, and covers the new host (one label)
        [offer] = rules.suggestions(policy.mx_live, policy.patterns())
        assert offer.pattern == "*.mail.protection.outlook.com" and offer.covers == tuple(MICROSOFT)
        # a week later the Google hosts go, under one new id and in one email
        mail.outbox.clear()
        with fake_dns(MICROSOFT):
            assert service.sync(policy, now=T0 + timedelta(weeks=1, minutes=6))
        policy.refresh_from_db()
        assert policy.patterns() == MICROSOFT and policy.policy_id not in (first, second)
        assert policy.events.filter(kind="mx-removed").count() == 3
        [message] = to_alice()
        assert "removed from the policy" in message.subject


class ExtraPatternTestCase(HostingCase):
    def test_a_departed_mx_the_owner_also_lists_is_not_said_to_leave_the_policy(self) -> None:
        # The owner typed the backup MX in Extra patterns too: when it leaves the MX records
        # the policy keeps listing it, so no email may say it goes (or went) from the policy.
        from django.core import mail

        policy = self.host(["mx1.example.org", "mx2.example.org"], max_age=86400)
        policy.mx_extra = ["mx2.example.org"]
        policy.save()
        mail.outbox.clear()
        with fake_dns(["mx1.example.org"]):
            assert not service.sync(policy, now=T0 + timedelta(minutes=5))
            assert not service.sync(policy, now=T0 + timedelta(days=2))
        policy.refresh_from_db()
        assert "mx: mx2.example.org\r\n" in policy.text
        assert not policy.events.filter(kind="mx-removed").exists()
        [leaving] = policy.events.filter(kind="mx-leaving")
        assert "stays in the policy as one of your extra patterns" in leaving.message
        assert "until" not in leaving.message
        assert not [m for m in mail.outbox if "removed from the policy" in m.body]


class LastListableHostTestCase(HostingCase):
    def test_the_last_host_a_strict_policy_can_list_is_not_said_removed(self) -> None:
        # The MX moved to an IP address (MX 10 192.0.2.1.), which no mx line can name. When
        # the old host was due, the team was told it was removed while the policy kept
        # serving it (a testing/enforce policy needs one mx line), and the page lost it.
        from tests.test_hosting import DAY

        policy = self.host(["mx1.example.org"], mode="enforce", max_age=DAY)
        with fake_dns(["192.0.2.1"]):
            service.sync(policy, now=T0 + timedelta(minutes=5))
            policy.refresh_from_db()
            before = (policy.policy_id, policy.text)
            assert not service.sync(policy, now=T0 + timedelta(days=2))
        policy.refresh_from_db()
        assert (policy.policy_id, policy.text) == before
        assert "mx1.example.org" in policy.patterns() and "mx1.example.org" in policy.text
        assert not policy.events.filter(kind="mx-removed").exists()
        # a host name is back: the old host goes as usual
        with fake_dns(["192.0.2.1", "mx2.example.org"]):
            assert service.sync(policy, now=T0 + timedelta(days=2, minutes=5))
        policy.refresh_from_db()
        assert policy.patterns() == ["192.0.2.1", "mx2.example.org"]
        assert "mx: mx2.example.org\r\n" in policy.text and "mx1" not in policy.text


class FoundFineTestCase(HostingCase):
    """Situations checked during the audit that behave as docs/hosting.md says."""

    def test_mx_names_in_capitals_or_with_a_dot_change_nothing(self) -> None:
        policy = self.host(["mx1.example.org"])
        before = policy.policy_id
        with fake_dns(["MX1.Example.ORG."]):
            assert not service.sync(policy, now=T0 + timedelta(minutes=5))
        policy.refresh_from_db()
        assert policy.policy_id == before and policy.pending_removals == {}

    def test_a_wildcard_covers_one_label_only(self) -> None:
        # Microsoft 365's DNSSEC MX: *.mx.microsoft does not cover tenant.h-v1.mx.microsoft,
        # so it is never offered; the exact host is listed.
        from mailsec.hosting import policy as rules

        host = "example-org.h-v1.mx.microsoft"
        policy = self.host([host])
        assert rules.suggestions(policy.mx_live, policy.patterns()) == []
        assert f"mx: {host}\r\n" in policy.text
        assert rules.uncovered([host], ["*.mx.microsoft"]) == [host]

    def test_an_unverified_domain_gets_no_policy_and_no_certificate(self) -> None:
        from mailsec.domains.models import Domain
        from tests.test_hosting import POLICY_URL

        self.host()
        Domain.objects.filter(pk=self.domain.pk).update(verified_at=None)
        assert self.client.get(POLICY_URL, HTTP_HOST="mta-sts.example.org").status_code == 404
        with fake_dns(points=True):
            ask = self.client.get("/hosting/ask", {"domain": "mta-sts.example.org"})
        assert ask.status_code == 403

    def test_lowering_max_age_keeps_a_departed_hosts_removal_time(self) -> None:
        policy = self.host(["mx1.example.org", "mx2.example.org"], mode="enforce")
        with fake_dns(["mx2.example.org"]):
            service.sync(policy, now=T0 + timedelta(minutes=5))
        policy.refresh_from_db()
        due = policy.pending_removals["mx1.example.org"]
        policy.max_age = 86400
        service.save_changes(policy, [("settings", "max_age 604800 → 86400.")], T0)
        with fake_dns(["mx2.example.org"]):
            service.sync(policy, now=T0 + timedelta(days=2))
        policy.refresh_from_db()
        assert policy.pending_removals == {"mx1.example.org": due}


class StsRecordTestCase(HostingCase):
    def test_two_mta_sts_records_are_told_as_such_not_as_a_stale_id(self) -> None:
        # A new TXT added beside the old one (a DNS panel's "add" instead of "edit"): senders
        # see two records and apply no policy at all (RFC 8461 §3.1), even when one of them
        # has the current id; asking to update the id would not help.
        import asyncio

        import dns.rdata

        from checks.dns import DnsAnswer
        from mailsec.hosting import lookups

        def look(*records: str) -> lookups.RecordState:
            rdatas = [dns.rdata.from_text("IN", "TXT", f'"{r}"') for r in records]
            answer = DnsAnswer("_mta-sts.example.org", "TXT", "NOERROR", rdatas)

            class Dns:
                async def txt(self, name: str) -> DnsAnswer:
                    return answer

            return asyncio.run(lookups.sts_record(Dns(), "example.org", "NEW1", ""))  # type: ignore[arg-type]

        assert look("v=STSv1; id=NEW1;").state == "txt"
        assert look("v=STSv1; id=OLD1;").state == "stale"
        both = look("v=STSv1; id=OLD1;", "v=STSv1; id=NEW1;")
        assert both.state == "other"
        assert "2 MTA-STS records" in both.detail and "apply no policy" in both.detail
        assert "Keep one: v=STSv1; id=NEW1;" in both.detail
