"""Task s40b, item 1: the "could not check" fold groups findings of one check that say the
same thing about different subjects, not every finding of one check ID.

Past OPEN_ERRORS_OF_ONE_CHECK "could not check" findings, a card (free check) or panel (domain
page) shows the first and folds the others (s39c, s39j). It grouped them by check ID alone, so
four MX hosts of SMTP-01 that could not be checked for four different reasons (no TCP answer,
a 421, a refusal of our checker, a hang-up) showed the first open and folded the other three
under "3 more SMTP-01 findings": three different problems a reader had to open a fold to see,
each with its own fix. A group is now one check ID and one reason: the summary with what
names its subject (host names, addresses, quoted selectors, numbers) left out. The same
reason at many hosts or selectors still folds (the s39c page: a selector per finding).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from checks.findings import Finding, Mechanism, Status
from mailsec.domains.models import Domain
from mailsec.freecheck.models import MechanismView
from mailsec.scoring.explain import OPEN_ERRORS_OF_ONE_CHECK, repeated_errors
from tests import test_webapp_s39j_domain_fold as s39j
from tests.conftest import BaseTestCase
from tests.test_webapp_s39j_domain_fold import FOLD, _folds, _open_ids, _panel

# Four MX hosts, four reasons, in the engine's words (checks/starttls.py).
DIFFERENT = [
    "mx1.example.org at 192.0.2.1 did not answer on port 25 (no TCP connection to port 25 "
    "within 8s).",
    "mx2.example.org at 2001:db8::2 is temporarily refusing connections (the server answered "
    "421 mx2.example.org busy (try again later)); STARTTLS could not be checked this time.",
    "mx3.example.org at 192.0.2.3 turned our checker away (EHLO was answered 554 5.7.1 no), so "
    "STARTTLS could not be checked.",
    "Could not check STARTTLS on mx4.example.org at 192.0.2.4 this time: the server stopped "
    "answering (8s).",
]


def same_reason(n: int, address: str) -> str:
    return (
        f"mx{n}.example.org at {address} did not answer on port 25 (no TCP connection to port "
        "25 within 8s)."
    )


# The same reason at five hosts (IPv4 and IPv6 addresses, names of different lengths), and
# one other reason.
SAME = [
    same_reason(1, "192.0.2.1"),
    same_reason(2, "2001:db8::2"),
    same_reason(13, "198.51.100.13"),
    same_reason(4, "[2001:db8:0:1::4]"),
    same_reason(25, "203.0.113.250"),
]
OTHER = DIFFERENT[3]


def smtp_errors(summaries: list[str]) -> list[Finding]:
    return [
        Finding(
            "SMTP-01",
            Status.ERROR,
            Mechanism.SMTP,
            summary,
            subject=summary.split(" at ")[0].split()[-1],
        )
        for summary in summaries
    ]


def dicts(findings: list[Finding]) -> list[dict[str, Any]]:
    return [f.to_dict() for f in findings]


def test_different_reasons_of_one_check_are_not_folded() -> None:
    assert len(DIFFERENT) > OPEN_ERRORS_OF_ONE_CHECK
    assert repeated_errors(dicts(smtp_errors(DIFFERENT))) == set()


def test_one_reason_at_many_subjects_is_folded_after_the_first() -> None:
    found = dicts(smtp_errors([*SAME, OTHER]))
    folded = repeated_errors(found)
    assert folded == {id(f) for f in found[1 : len(SAME)]}


def test_dkim_selectors_that_could_not_be_looked_up_fold_as_one_reason() -> None:
    """The s39c page's shape: one finding a selector, the selector quoted, the query named."""
    selectors = ["default", "google", "selector1", "s1024", "k2", "mail-2024"]
    found = [
        {
            "id": "DKIM-01",
            "status": "error",
            "summary": f"Could not look up the DKIM selector '{s}' (TIMEOUT for "
            f"{s}._domainkey.example.org TXT (no answer within 8s)); it was not checked.",
            "subject": f"{s}._domainkey.example.org",
        }
        for s in selectors
    ]
    servfail = {**found[0], "summary": found[0]["summary"].replace("TIMEOUT", "SERVFAIL")}
    assert repeated_errors([*found, servfail]) == {id(f) for f in found[1:]}


def _card(findings: list[Finding]) -> MechanismView:
    found = [
        {**f, "status_label": "could not check" if f["status"] == "error" else f["status"]}
        for f in dicts(findings)
    ]
    return MechanismView(Mechanism.SMTP, "STARTTLS", True, status="error", findings=found)


def test_the_free_checks_card_shows_each_reason() -> None:
    card = _card(smtp_errors(DIFFERENT))
    assert [f["summary"] for f in card.shown] == DIFFERENT
    assert card.folded == []
    card = _card(smtp_errors([*SAME, OTHER]))
    assert [f["summary"] for f in card.shown] == [SAME[0], OTHER]
    assert [f["summary"] for f in card.folded] == SAME[1:]
    assert card.folded_summary == f"{len(SAME) - 1} could not check"


class DomainPageFoldReasonsTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.domain = Domain.objects.create(
            team=self.team, name="example.org", verified_at=timezone.now()
        )
        self.url = f"/domains/{self.domain.code}/"

    _page = s39j.DomainPageFoldTests._page

    def test_it_shows_each_reason_of_one_check_open(self) -> None:
        mx = Finding("MX-01", Status.PASS, Mechanism.MX, "MX ok")
        panel = _panel(self._page([mx, *smtp_errors(DIFFERENT)]), "smtp")
        self.assertEqual(_open_ids(panel).count("SMTP-01"), len(DIFFERENT), panel)
        self.assertNotIn(FOLD, panel)

    def test_it_folds_one_reason_at_many_hosts_apart_from_another(self) -> None:
        mx = Finding("MX-01", Status.PASS, Mechanism.MX, "MX ok")
        panel = _panel(self._page([mx, *smtp_errors([*SAME, OTHER])]), "smtp")
        self.assertEqual(_open_ids(panel).count("SMTP-01"), 2, panel)
        self.assertEqual(
            _folds(panel),
            [(f"{len(SAME) - 1} more SMTP-01 findings: could not check", ["SMTP-01"] * 4)],
        )
        # The fold follows the first of its reason; the other reason is open after it.
        first, fold, other = (
            panel.index(s)
            for s in ("mx1.example.org", FOLD, "mx4.example.org at 192.0.2.4 this time")
        )
        self.assertLess(first, fold)
        self.assertLess(fold, other)
