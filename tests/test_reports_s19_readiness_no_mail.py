"""The dashboard's enforce-readiness card (self-hosted policy) and an MX host that takes no
mail: since 6ed1fc7 readiness marks a host with no address, or greeting 521, "no-mail" (the
engine holds enforce back for neither), and the card must not call it "could not tell"."""

from __future__ import annotations

from mailsec.hosting.readiness import MxEvidence, Readiness, SeenPolicy
from reports.dashboard import ReadinessCard


def _card(*evidence: MxEvidence) -> ReadinessCard:
    readiness = Readiness(
        days=14, reporters=3, successful=900, failed=0, per_mx=list(evidence), why_not=[]
    )
    seen = SeenPolicy(mode="testing", mx=[e.mx for e in evidence])
    return ReadinessCard(hosted=False, readiness=readiness, seen=seen)


def test_a_host_that_takes_no_mail_is_not_untested() -> None:
    card = _card(
        MxEvidence(mx="mx1.example.org", check="pass"),
        MxEvidence(mx="mx2.example.org", check="no-mail", check_text="greets 521"),
    )
    assert card.mx_untested == []
    assert card.mx_failing == []


def test_a_host_the_check_could_not_show_valid_still_is() -> None:
    card = _card(
        MxEvidence(mx="mx1.example.org", check="pass"),
        MxEvidence(mx="mx2.example.org", check="error"),
        MxEvidence(mx="mx3.example.org", check=""),
    )
    assert card.mx_untested == ["mx2.example.org", "mx3.example.org"]
