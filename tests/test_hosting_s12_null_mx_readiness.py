"""Enforce readiness of a domain that publishes a null MX (RFC 7505, `MX 0 .`): it receives no
mail, so MTA-STS protects nothing there and enforce changes nothing. The card said "Cannot tell
yet" (the last check has no TLS result for the MX hosts the policy lists); it now says so
plainly, and what to do, as the domain page shows such a domain as n/a (receives_no_mail).

The latest check is a real engine report of a null-MX domain (tests/test_lessons_s11_nomail)."""

from __future__ import annotations

import re

from django.urls import reverse
from django.utils import timezone

from mailsec.domains.models import Domain
from mailsec.hosting.models import HostedPolicy
from mailsec.hosting.readiness import SeenPolicy, enforce_readiness, self_hosted_readiness
from tests import test_hosting
from tests.test_freecheck_s9_results import NULL_MX, engine_report, signed
from tests.test_hosting import HostingCase, checked, fake_dns
from tests.test_lessons_s11_nomail import store
from tests.test_mx import FakeDns


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


class NullMxReadinessTestCase(HostingCase):
    def setUp(self) -> None:
        super().setUp()
        # Hosted while it had an MX, with reports that would make enforce look safe...
        self.policy = self.host(["mx1.example.org"])
        test_hosting.PageTestCase.add_reports(self, self.policy)  # type: ignore[arg-type]
        checked(self.domain, {"mx1.example.org": "pass"})
        assert enforce_readiness(self.fresh(), timezone.now()).ready
        # ... then the domain published a null MX, and the latest check says so.
        report = signed(engine_report("example.org", FakeDns(remap(NULL_MX))))
        store(self.domain, report)
        self.domain.refresh_from_db()
        assert self.domain.receives_no_mail

    def fresh(self) -> HostedPolicy:
        return HostedPolicy.objects.get(pk=self.policy.pk)

    def test_the_verdict_says_the_domain_receives_no_mail(self) -> None:
        readiness = enforce_readiness(self.fresh(), timezone.now())
        assert not readiness.ready
        assert readiness.verdict == "no-mail"
        assert readiness.headline == "Nothing to protect"
        [reason] = readiness.reasons
        assert "null MX" in reason and "receives no mail" in reason
        assert "Stop hosting" in reason and "mode none" in reason
        assert readiness.per_mx == []  # no MX to judge, no failure table

    def test_the_hosting_page_says_so_not_cannot_tell_yet(self) -> None:
        self.client.force_login(self.alice)
        with fake_dns():
            r = self.client.get(reverse("hosting:page", args=[self.domain.code]))
        text = text_of(r.content.decode())
        assert "Cannot tell yet" not in text and "Switch to enforce" not in text
        assert "Nothing to protect:" in text
        assert "example.org publishes a null MX (RFC 7505): it receives no mail" in text
        assert "Too few reports" not in text

    def test_enforce_is_refused_in_the_same_words(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post(reverse("hosting:enforce", args=[self.domain.code]), follow=True)
        assert self.fresh().mode == "testing"
        [message] = [str(m) for m in r.context["messages"]]
        assert message.startswith("Nothing to protect: example.org publishes a null MX")

    def test_mx_back_and_checked_reads_as_before(self) -> None:
        checked(self.domain, {"mx1.example.org": "pass"})
        assert enforce_readiness(self.fresh(), timezone.now()).ready


class SelfHostedNullMxTestCase(HostingCase):
    def test_a_self_hosted_policy_gets_the_same_verdict_and_its_own_advice(self) -> None:
        store(self.domain, signed(engine_report("example.org", FakeDns(remap(NULL_MX)))))
        domain = Domain.objects.get(pk=self.domain.pk)
        seen = SeenPolicy(mode="testing", patterns=["mx1.example.org"])
        readiness = self_hosted_readiness(domain, seen, timezone.now())
        assert readiness.verdict == "no-mail"
        [reason] = readiness.reasons
        assert "receives no mail" in reason
        assert "remove the MTA-STS policy" in reason and "mode none" in reason


def remap(zone: dict[tuple[str, str], list[str]]) -> dict[tuple[str, str], list[str]]:
    """NULL_MX's records, for example.org (the hosting tests' domain)."""
    return {
        (name.replace("nomail.example.org", "example.org"), rdtype): values
        for (name, rdtype), values in zone.items()
    }


class DashboardNullMxTestCase(HostingCase):
    def test_the_dashboard_of_a_null_mx_domain_shows_no_enforce_card(self) -> None:
        # The engine reads no MTA-STS policy behind a null MX (MTASTS-01 "does not apply"):
        # no policy seen, no card asking whether enforce is safe.
        from reports.dashboard import readiness_card
        from reports.models import ReportAddress

        store(self.domain, signed(engine_report("example.org", FakeDns(remap(NULL_MX)))))
        address = ReportAddress.for_domain(Domain.objects.get(pk=self.domain.pk))
        assert readiness_card(address, timezone.now()) is None
