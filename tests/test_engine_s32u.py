"""Follow-ups from review s32v (task s32u), pinned without the lab."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from checks import mx
from checks.findings import Finding, Status
from mailsec.accounts.models import Membership
from mailsec.alerts.models import AlertDefault, AlertRecipient, AlertSetting
from mailsec.domains.models import Domain
from mailsec.domains.notices import tell_verified
from mailsec.hosting import deleted
from tests.conftest import BaseTestCase
from tests.test_mx import make_ctx, run_eval


def _mx07(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.id == "MX-07"]


# ----------------------------------------------------- MX-07: an XN-label that decodes
EMOJI = {
    ("ex.com", "MX"): ["10 mx1.ex.com.", "20 xn--ls8h.ex.com."],
    ("mx1.ex.com", "A"): ["192.0.2.10"],
    ("xn--ls8h.ex.com", "A"): ["192.0.2.11"],
}


def test_mx07_does_not_rename_an_xn_label_that_decodes_as_punycode() -> None:
    # s32u-emoji: 'xn--ls8h' is the encoded form of an emoji (IDNA2003 and UTS #46 decode it),
    # written on purpose. It is still no IDNA2008 A-label (the emoji is DISALLOWED, RFC 5892),
    # so RFC 5890 §2.3.2.1 calls it a fake A-label and public CAs that check IDNA2008 refuse
    # it: MX-07 stays info. But it was said to be undecodable and the fix stripped 'xn--',
    # offering 'ls8h.ex.com', a name that means nothing.
    (finding,) = _mx07(run_eval(mx, make_ctx("ex.com", EMOJI)))
    assert finding.status == Status.INFO
    assert finding.subject == "xn--ls8h.ex.com"
    assert "'xn--ls8h'" in finding.summary and "IDNA2008" in finding.summary
    assert "refuses to decode" not in finding.summary
    assert "ls8h.ex.com." not in finding.fix.replace("xn--ls8h.ex.com.", "")
    assert "in place of the record ex.com. MX 20 xn--ls8h.ex.com." in finding.fix


def test_mx07_still_renames_a_label_that_does_not_decode() -> None:
    # Control (s32l-mxfakealabel): 'xn--backup' decodes under no IDNA version.
    zone = {
        ("ex.com", "MX"): ["10 mx1.ex.com.", "20 xn--backup.ex.com."],
        ("mx1.ex.com", "A"): ["192.0.2.10"],
        ("xn--backup.ex.com", "A"): ["192.0.2.11"],
    }
    (finding,) = _mx07(run_eval(mx, make_ctx("ex.com", zone)))
    assert "refuses to decode" in finding.summary
    assert "ex.com. MX 20 backup.ex.com." in finding.fix


# ----------------------------------------------------- the modes of a team's members, at once
class MembersModesTestCase(BaseTestCase):
    """deleted.readers (the Remove request) and notices.tell_verified read every member's
    alert modes: three queries however many members, not three a member."""

    def add_members(self, n: int) -> list[User]:
        people = []
        for i in range(n):
            person = User.objects.create_user(f"m{n}x{i}", f"m{n}x{i}@example.org")
            Membership.objects.create(team=self.team, user=person, role=Membership.Role.MEMBER)
            people.append(person)
        return people

    def test_readers_of_a_deleted_domain_take_the_same_queries_for_more_members(self) -> None:
        domain = Domain.objects.create(team=self.team, name="ex.com", verified_at=timezone.now())
        with CaptureQueriesContext(connection) as few:
            self.assertEqual(len(deleted.readers(domain)), 2)  # alice and bob
        people = self.add_members(4)
        # Behaviour kept: one turned the domain off, one unsubscribed from all, one chose
        # no emails for domains of the team, which a domain's own row overrides.
        AlertSetting.objects.create(user=people[0], domain=domain, mode=AlertSetting.Mode.OFF)
        AlertRecipient.objects.create(user=people[1], unsubscribed_all=True)
        AlertDefault.objects.create(user=people[2], team=self.team, mode=AlertSetting.Mode.OFF)
        AlertDefault.objects.create(user=people[3], team=self.team, mode=AlertSetting.Mode.OFF)
        AlertSetting.objects.create(user=people[3], domain=domain, mode="digest")
        with self.assertNumQueries(len(few.captured_queries)):
            readers = deleted.readers(domain)
        self.assertEqual(readers, [self.alice, self.bob, people[3]])

    def test_tell_verified_reads_the_modes_in_the_same_queries_for_more_members(self) -> None:
        def modes_queries(domain: Domain) -> int:
            with CaptureQueriesContext(connection) as seen:
                tell_verified([domain])
            return len(
                [
                    q
                    for q in seen.captured_queries
                    if "alertsetting" in q["sql"]
                    or "alertdefault" in q["sql"]
                    # unsubscribe-from-all read as a condition; the unsubscribe link of
                    # each email reads the person's row (AlertRecipient.public_id_for)
                    or "unsubscribed_all" in q["sql"].partition(" WHERE ")[2]
                ]
            )

        now = timezone.now()
        first = Domain.objects.create(team=self.team, name="a.ex.com", verified_at=now)
        few = modes_queries(first)
        self.assertEqual(len(mail.outbox), 2)
        people = self.add_members(4)
        AlertRecipient.objects.create(user=people[0], unsubscribed_all=True)
        second = Domain.objects.create(team=self.team, name="b.ex.com", verified_at=now)
        AlertSetting.objects.create(user=people[1], domain=second, mode=AlertSetting.Mode.OFF)
        mail.outbox.clear()
        self.assertEqual(modes_queries(second), few)
        told = sorted(m.to[0] for m in mail.outbox)
        self.assertEqual(
            told,
            sorted(u.email for u in [self.alice, self.bob, people[2], people[3]]),
        )
