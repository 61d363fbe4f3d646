"""Task s43m: the TLS reports dashboard's "our last check (… UTC) saw" in the reader's zone.

docs/webapp.md (Time zones): pages show times in the reader's zone, naming it ("2 Dec 2026,
08:05 (Europe/Berlin)", "07:05 UTC" for someone on UTC). The dashboard's join of a reported
result type with our last check (reports.join.sight) gave the check's time in UTC on the page
("our last check (2 Jun 2026, 06:00 UTC) saw: …"); now, as the readiness reasons on the same
page (s43l): "our last check, at 1 Jun 2026, 23:00 (America/Los_Angeles), saw: …". The same
sentence in a new-failure-type alert (its stored text and email, written once for every
reader) keeps UTC as written.

And s43l's readiness reasons read "the last check (3 Dec 2026, 22:30 (America/Los_Angeles))",
brackets in brackets: now "the last check, at 3 Dec 2026, 22:30 (America/Los_Angeles), could
not check …", and "No TLS reports since testing began, at …: …" likewise."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mailsec.accounts.models import Profile
from mailsec.alerts.models import Change
from mailsec.domains.models import Domain
from reports.alerts import KIND_NEW_TYPE
from reports.models import ReportAddress
from tests.test_hosting import checked as hosting_checked
from tests.test_hosting_readiness import ReadinessCase
from tests.test_reports_s12_dashboard import (  # noqa: F401 (fixtures)
    FINDINGS,
    MX2,
    address,
    checked,
    detail,
    domain,
    eager,
    owner,
    page_of,
    policy,
    report,
    send,
    sight_cell,
    yesterday,
)

LA = "America/Los_Angeles"
# tests/test_reports_s12_dashboard.FINISHED, 2 Jun 2026, 06:00 UTC, as each reader reads it.
IN_LA = "1 Jun 2026, 23:00 (America/Los_Angeles)"
IN_UTC = "2 Jun 2026, 06:00 UTC"
SAW = f"saw: The certificate of {MX2} [192.0.2.2] expired on 2026-06-01"


def in_zone(user: User, zone: str) -> None:
    profile = Profile.for_user(user)
    profile.time_zone = zone
    profile.save()


def expired_at_mx2(send: Any) -> None:  # noqa: F811
    send(
        report(
            "Plain Mail",
            "plain-1",
            yesterday(),
            [
                policy(
                    "sts",
                    "example.com",
                    100,
                    1,
                    [detail("certificate-expired", 1, MX2, "192.0.2.2")],
                )
            ],
        )
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("zone", "said"), [(LA, IN_LA), ("UTC", IN_UTC)])
def test_the_dashboard_gives_our_last_checks_time_in_the_readers_zone(
    owner: User,  # noqa: F811
    domain: Domain,  # noqa: F811
    address: ReportAddress,  # noqa: F811
    send: Any,  # noqa: F811
    zone: str,
    said: str,
) -> None:
    checked(domain, FINDINGS)
    expired_at_mx2(send)
    in_zone(owner, zone)
    cell = sight_cell(page_of(owner, address), "certificate-expired")
    assert cell.startswith(
        f"certificate-expired reported for {MX2} — our last check, at {said}, {SAW}"
    ), cell
    assert "our last check (" not in cell, cell  # the alert's clause, UTC as written
    if zone == LA:
        assert "2 Jun 2026, 06:00" not in cell, cell


@pytest.mark.django_db
def test_the_dashboard_says_the_zone_for_a_check_that_saw_no_such_problem(
    owner: User,  # noqa: F811
    domain: Domain,  # noqa: F811
    address: ReportAddress,  # noqa: F811
    send: Any,  # noqa: F811
) -> None:
    checked(domain, FINDINGS)  # mx1's TLSA records match (DANE-04 pass)
    send(
        report(
            "Plain Mail",
            "plain-2",
            yesterday(),
            [
                policy(
                    "tlsa",
                    "mx1.example.com",
                    100,
                    1,
                    [detail("tlsa-invalid", 1, "mx1.example.com", "192.0.2.1")],
                )
            ],
        )
    )
    in_zone(owner, LA)
    cell = sight_cell(page_of(owner, address), "tlsa-invalid")
    assert f"our last check, at {IN_LA}, saw no such problem" in cell, cell
    assert "))" not in cell, cell


@pytest.mark.django_db
def test_the_alert_keeps_the_checks_time_in_utc_as_written(
    owner: User,  # noqa: F811
    domain: Domain,  # noqa: F811
    send: Any,  # noqa: F811
) -> None:
    """The alert's text is written once, for every reader, and kept as written (docs/webapp.md:
    Stay UTC): a reader's zone active while it is written changes nothing."""
    checked(domain, FINDINGS)
    in_zone(owner, LA)
    with timezone.override(LA):
        expired_at_mx2(send)
    change = Change.objects.get(key=f"{KIND_NEW_TYPE}:certificate-expired")
    assert (
        f"certificate-expired reported for {MX2} — our last check (2 Jun 2026, 06:00 UTC) {SAW}"
    ) in change.summary, change.summary


def text_of(content: bytes) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", content.decode())).split())


class ReadinessWordingTestCase(ReadinessCase):
    """The reasons' time reads plainly, not in brackets inside brackets."""

    def page(self, zone: str) -> str:
        Profile.objects.filter(user=self.alice).update(time_zone=zone)
        client = Client()
        client.force_login(self.alice)
        r = client.get(reverse("hosting:page", args=[self.domain.code]))
        assert r.status_code == 200
        return text_of(r.content)

    def test_the_last_check_reads_plainly(self) -> None:
        policy = self.host(["mx1.example.org"])
        policy.testing_since = timezone.now() - timedelta(days=10)
        policy.save()
        for day in range(8):
            for org in ("google.com", "microsoft.com"):
                self.report(policy, org, day, 20)
        hosting_checked(self.domain, {"mx1.example.org": "pass"})
        run = self.domain.runs.latest("created")
        run.findings = [{**f, "status": "error"} for f in run.findings]
        run.finished = datetime(2026, 12, 4, 6, 30, tzinfo=UTC)
        run.save()
        text = self.page(LA)
        said = "mx1.example.org: the last check, at 3 Dec 2026, 22:30 (America/Los_Angeles), could"
        assert said in text, text
        assert "(America/Los_Angeles))" not in text, text
        assert "the last check, at 4 Dec 2026, 06:30 UTC, could" in self.page("UTC")

    def test_since_testing_began_reads_plainly(self) -> None:
        policy = self.host(["mx1.example.org"])
        for day in range(3):
            self.report(policy, "google.com", day, 10)
        policy.testing_since = timezone.now()
        policy.save()
        text = self.page(LA)
        assert "No TLS reports since testing began, at " in text, text
        assert "(America/Los_Angeles): 3 reports came before that" in text, text
        assert "(America/Los_Angeles)):" not in text, text
