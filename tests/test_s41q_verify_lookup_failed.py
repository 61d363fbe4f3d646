"""s41q item 2: when the challenge lookup fails, Verify and Verify all said "Could not look up
_mailsec-challenge.X: TIMEOUT for _mailsec-challenge.X TXT (…)" (blind round s41j): the name
twice and a resolver's words. Now once, plainly: what failed, that it was our lookup (it says
nothing of their record), and when it is tried again. One reason for both (Domain.read_challenge
stores it; Verify all shows the same verify_error)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from checks.dns import DnsAnswer
from mailsec.accounts.models import Team
from mailsec.domains.models import Domain

pytestmark = pytest.mark.django_db


def make(name: str) -> Domain:
    return Domain.objects.create(team=Team.objects.create(name=f"{name} team"), name=name)


def reason(domain: Domain, answer: DnsAnswer) -> str:
    domain.read_challenge(answer, timezone.now())
    return domain.verify_error


def test_s41q_a_timeout_is_said_once_and_plainly() -> None:
    domain = make("epsilon-s41q.com")
    said = reason(domain, DnsAnswer(domain.challenge_name, "TXT", "TIMEOUT", detail="x"))
    assert said == (
        f"Our DNS lookup of {domain.challenge_name} got no answer in time. That is our lookup "
        "failing, not a fault found in your record. We look again every few minutes; or "
        "press Verify in a minute."
    )
    assert said.count(domain.challenge_name) == 1


def test_s41q_a_servfail_keeps_the_resolvers_explanation_short() -> None:
    domain = make("zeta-s41q.com")
    answer = DnsAnswer(domain.challenge_name, "TXT", "SERVFAIL", ede=[(7, "sig expired")])
    said = reason(domain, answer)
    assert said.startswith(
        f"Our DNS lookup of {domain.challenge_name} failed: the DNS answered SERVFAIL "
        "(Signature Expired). That is our lookup failing, not a fault found in your record."
    )
    assert said.count(domain.challenge_name) == 1 and "TXT" not in said


def test_s41q_past_the_background_week_only_the_press_tries_again() -> None:
    domain = make("eta-s41q.com")
    Domain.objects.filter(pk=domain.pk).update(created=timezone.now() - timedelta(days=8))
    domain.refresh_from_db()
    said = reason(domain, DnsAnswer(domain.challenge_name, "TXT", "TIMEOUT"))
    assert said.endswith("not a fault found in your record. Press Verify again in a minute.")
