"""Second look at session 44's commits (task s44z): what the review found and mended."""

from __future__ import annotations

from datetime import timedelta

from django.core import mail

from mailsec.hosting import service
from mailsec.hosting.models import HostedPolicy
from tests.test_hosting import T0, HostingCase, fake_dns

HOUR = timedelta(hours=1)


class S44zToldWhileMxUnusableTestCase(HostingCase):
    def test_another_step_while_the_mx_are_unusable_still_reaches_everyone(self) -> None:
        # ea683569 keeps whom an NXDOMAIN notice went to, for "the MX records are back"; a
        # later sync still without MX that finds the _mta-sts record gone has nothing to do
        # with that notice, and its email must reach whoever hears, not no one.
        policy = self.host(["mx1.example.org"])
        with fake_dns(None, nxdomain=True):
            service.sync(policy, now=T0 + HOUR)
        policy.refresh_from_db()
        assert "mx-unusable" in policy.told_to  # told_to since s44g
        mail.outbox.clear()
        with fake_dns(None, nxdomain=True, record="missing"):
            service.sync(policy, now=T0 + 2 * HOUR)
        assert HostedPolicy.objects.get(pk=policy.pk).record_state == "missing"
        assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "bob@example.org"]
