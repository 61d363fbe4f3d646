"""Alert emails from TLS reports: the plain-text and HTML parts say the same things, the
subject names the domain, and the RFC 8058 one-click unsubscribe works as a bare POST for that
recipient and that domain only."""

from __future__ import annotations

import html
import re

import pytest
from django.contrib.auth.models import User
from django.core.mail import EmailMultiAlternatives
from django.test import Client
from django.utils import timezone

from mailsec.accounts.models import Membership, Team
from mailsec.alerts.emails import build_message
from mailsec.alerts.models import AlertSetting, Notification
from mailsec.domains.models import Domain
from reports.alerts import evaluate_report
from reports.models import ReportAddress
from tests.test_reports_alerts import (  # noqa: F401 (the autouse fixture)
    report,
    reports_arrive_the_next_morning,
    store,
)

pytestmark = pytest.mark.django_db


def shown(part: str) -> str:
    """The words an HTML part shows: inline tags dropped, block tags a space, entities read."""
    part = re.sub(r"</?(strong|a|span|em)\b[^>]*>", "", part)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", part)).split())


def text_facts(body: str) -> list[str]:
    """The text part's lines, but the greeting, the signature line and bare links."""
    lines = (" ".join(line.split()).removeprefix("* ") for line in body.splitlines())
    return [line for line in lines if line and line not in ("Hello,", "--") and "http" not in line]


def emailed(message: EmailMultiAlternatives) -> tuple[str, str]:
    return message.body, shown(str(message.alternatives[0][0]))


def test_both_parts_say_the_same_and_one_click_unsubscribes_that_domain_only() -> None:
    owner = User.objects.create_user("owner", "owner@example.org")
    mate = User.objects.create_user("mate", "mate@example.org")
    team = Team.create_for(owner)
    Membership.objects.create(team=team, user=mate, role=Membership.Role.MEMBER)
    domain = Domain.objects.create(team=team, name="example.com", verified_at=timezone.now())
    other = Domain.objects.create(team=team, name="example.net", verified_at=timezone.now())
    address = ReportAddress.for_domain(domain)
    evaluate_report(store(address, report("2026-06-01", failed=3, types=("certificate-expired",))))
    for n in range(2, 9):
        evaluate_report(store(address, report(f"2026-06-0{n}", rid=f"calm-{n}")))
    alert = Notification.objects.get(user=owner, kind=Notification.Kind.ALERT)
    recovery = Notification.objects.get(user=owner, kind=Notification.Kind.RECOVERY)
    for n in (alert, recovery):
        message = build_message(n)
        assert message.subject.startswith("[mailsec] example.com: ")
        text, shown_html = emailed(message)
        facts = text_facts(text)
        assert facts and [f for f in facts if f not in shown_html] == []
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # The mail client's one-click POST: no session, no CSRF token, only the signed link.
    link = build_message(alert).extra_headers["List-Unsubscribe"].strip("<>")
    path = link.removeprefix("http://").split("/", 1)[1]
    response = Client(enforce_csrf_checks=True).post(f"/{path}", {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    modes = {(s.user.username, s.domain.name): s.mode for s in AlertSetting.objects.all()}
    assert modes == {("owner", "example.com"): AlertSetting.Mode.OFF}
    assert AlertSetting.default_mode(owner) != AlertSetting.Mode.OFF
    assert other.name not in str(response.content)
