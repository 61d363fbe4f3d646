"""The free check, round 19 (s19w).

a) A host name's report (www.example.org, mta-sts.example.org) offers to monitor the mail
   domain its notice suggests, with the button that checks that domain, not the host name.
b) A domain whose MTA-STS mailsec hosts, hosting on: the free check tells its engine that
   hosting is on, not since when (CheckConfig.hosting_on, s19f: the time is account data), so
   the engine's own advice says hosting is on and to check again in a few minutes, never to
   turn it on, and the page shows that advice without saying when or by whom. The lab case
   runs the real engine on tests/lab/scenarios/s16h_norecord.toml.
"""

from __future__ import annotations

import re
from datetime import UTC, timedelta
from typing import Any
from unittest.mock import patch

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from checks.mtasts import CERT_ISSUE_MINUTES
from mailsec.freecheck.models import FreeCheck, signup_url
from tests.test_freecheck import DELAY, FreeCheckTestCase, done_check


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def offer(page: str) -> str:
    found = re.search(r'<aside class="fc-cta".*?</aside>', page)
    assert found is not None, page
    return found.group(0)


class HostNameOfferTestCase(FreeCheckTestCase):
    def test_a_host_name_offers_to_monitor_its_mail_domain(self) -> None:
        for name, parent in (
            ("www.example.org", "example.org"),
            ("mta-sts.example.org", "example.org"),
        ):
            with self.subTest(name=name):
                check = done_check(name)
                cta = offer(text(self.client.get(check.get_absolute_url())))
                self.assertIn(f"Keep watching {parent}</h2>", cta)
                href = signup_url(parent).replace("&", "&amp;")
                self.assertIn(f'href="{href}">Monitor {parent} — sign up free</a>', cta)
                self.assertNotIn(f"Monitor {name}", cta)
                self.assertNotIn(f"add%3D{name}", cta)
                # The same "check that instead" as the notice above: a POST of the parent.
                form = re.search(
                    r'<form class="fc-cta-check" method="post" action="/check">'
                    r"(.*?)</form>",
                    cta,
                )
                assert form is not None, cta
                self.assertIn("csrfmiddlewaretoken", form.group(1))
                self.assertIn(f'name="domain" value="{parent}"', form.group(1))
                self.assertIn(f"Check {parent} first</button>", form.group(1))

    def test_the_offer_s_button_checks_the_mail_domain(self) -> None:
        check = done_check("www.example.org")
        self.client.get(check.get_absolute_url())
        with patch(DELAY) as delay:
            r = self.client.post("/check", {"domain": "example.org"})
        run = FreeCheck.objects.get(domain="example.org")
        delay.assert_called_once_with(str(run.code))
        self.assertEqual(r["Location"], run.get_absolute_url())

    def test_an_idn_host_name_offers_its_domain_as_people_write_it(self) -> None:
        check = done_check("www.xn--bcher-kva.de")
        cta = offer(text(self.client.get(check.get_absolute_url())))
        self.assertIn("Monitor bücher.de — sign up free", cta)
        self.assertIn("add%3Dxn--bcher-kva.de", cta)
        self.assertIn('name="domain" value="xn--bcher-kva.de"', cta)

    def test_other_names_offer_themselves_with_no_check_button(self) -> None:
        for name in ("mail.example.org", "example.org", "www.co.uk"):
            with self.subTest(name=name):
                check = done_check(name)
                cta = offer(text(self.client.get(check.get_absolute_url())))
                self.assertIn(f"Monitor {name} — sign up free", cta)
                self.assertNotIn("fc-cta-check", cta)

    def test_signing_up_from_the_offer_prefills_the_mail_domain(self) -> None:
        check = done_check("www.example.org")
        self.client.force_login(self.alice)
        r = self.client.get(f"/domains/?add={check.monitor_domain}")
        self.assertContains(r, 'value="example.org"')


OURS = "mta-sts-host.s16hedge.test"
NAME = "s16h-norecord.lab.test"


def mtasts01_fix(check: FreeCheck) -> str:
    check.run()
    check.refresh_from_db()
    assert check.status == FreeCheck.State.DONE, check.error
    return next(f["fix"] for f in check.report["findings"] if f["id"] == "MTASTS-01")


@pytest.mark.lab
@pytest.mark.django_db
def test_a_hosted_domain_s_free_check_says_hosting_is_on_and_not_since_when(
    lab: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mailsec.accounts.models import Team
    from mailsec.domains.models import Domain
    from mailsec.hosting.models import HostedPolicy

    for key, value in lab.env.items():
        monkeypatch.setenv(key, value)
    settings.MAILSEC_ENGINE = {**settings.MAILSEC_ENGINE, "allow_private_targets": True}
    settings.MAILSEC_POLICY_HOST = OURS
    owner = User.objects.create_user("s19w-owner", "s19w-owner@example.net")
    domain = Domain.objects.create(
        team=Team.create_for(owner), name=NAME, verified_at=timezone.now()
    )
    policy = HostedPolicy.objects.create(domain=domain, name=NAME)
    # Turned on three minutes ago: the monitored check says that time, and "check again
    # after" ten minutes later (checks.mtasts.CERT_ISSUE_MINUTES); the free check neither.
    enabled = policy.events.create(kind="enabled")
    since = timezone.now() - timedelta(minutes=3)
    type(enabled).objects.filter(pk=enabled.pk).update(created=since)

    check = FreeCheck.objects.create(domain=NAME)
    fix = mtasts01_fix(check)
    # The engine's own advice: hosting is on, the certificate comes at the first request.
    assert fix.startswith(
        f"Hosting for {NAME} is on in mailsec; mailsec's hosted MTA-STS ({OURS}) has no valid "
        f"certificate for it yet; it is issued automatically at the first request to "
        f"mta-sts.{NAME}: check again in a few minutes. Once the policy is served there, "
    ), fix
    assert "turn on hosting" not in fix.lower()

    page = text(Client().get(check.get_absolute_url()))
    said = f"Hosting for {NAME} is on in mailsec"
    assert said in page and "check again in a few minutes" in page
    assert "Turn on hosting" not in page
    # Also in the partial a page watching the run swaps in when it ends.
    assert said in text(Client().get(f"/check/{check.code}/results"))
    # Nothing of the account: not when hosting was turned on, nor whose it is.
    for moment in (since, since + timedelta(minutes=CERT_ISSUE_MINUTES)):
        assert f"{moment.astimezone(UTC):%H:%M}" not in page
        assert f"{moment.astimezone(UTC):%H:%M}" not in str(check.report)
    assert "since" not in fix
    assert owner.email not in page and domain.team.name not in page

    # Not while hosting is off or winding down, nor once the domain is no longer verified:
    # then the advice is to turn hosting on.
    for state, verified in (
        (HostedPolicy.State.DISABLING, True),
        (HostedPolicy.State.OFF, True),
        (HostedPolicy.State.ACTIVE, False),
    ):
        HostedPolicy.objects.filter(pk=policy.pk).update(state=state)
        Domain.objects.filter(pk=domain.pk).update(verified_at=timezone.now() if verified else None)
        fix = mtasts01_fix(FreeCheck.objects.create(domain=NAME))
        assert f"1. Turn on hosting for {NAME}" in fix, (state, verified, fix)
        assert "is on in mailsec" not in fix, (state, verified)


@pytest.mark.django_db
def test_the_page_says_of_hosting_only_what_the_report_says() -> None:
    """The page adds no words of its own from the hosting state now: a stored report (here
    one without hosted advice) is shown as the engine wrote it, hosting on or not."""
    from mailsec.accounts.models import Team
    from mailsec.domains.models import Domain
    from mailsec.hosting.models import HostedPolicy

    owner = User.objects.create_user("owner", "owner@example.org")
    domain = Domain.objects.create(
        team=Team.create_for(owner), name="example.org", verified_at=timezone.now()
    )
    HostedPolicy.objects.create(domain=domain, name="example.org")
    check = done_check("example.org")
    assert check.hosting_is_on
    page = text(Client().get(check.get_absolute_url())).lower()
    assert "hosting is on" not in page and "is on in mailsec" not in page
