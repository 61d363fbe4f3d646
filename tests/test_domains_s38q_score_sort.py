"""The domain list sorted by score, worst first (task s38q, item 3). The rows without a number
were one group sorted by name (forms.DomainListForm.order_key gave them all NULL): a null MX's
"n/a receives no mail", a real and settled result with nothing to do, stood between domains
waiting for their record or their first check and checks that could not score the domain.
For an MSP reading the list worst first, after the scores now come the checked domains with no
score to show (could not be checked, not enough checked, does not exist), then those not
checked yet (not verified, or verified and waiting for the first check), then the domains that
receive no mail; each group by name."""

from __future__ import annotations

from django.utils import timezone

from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase
from tests.test_domains_s14_list_filter import make, names


class ScoreSortGroupsTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.client.force_login(self.alice)

    def test_no_mail_comes_after_the_domains_not_checked_yet(self) -> None:
        make(self.team, "f-good.example", score=90)
        make(self.team, "e-fail.example", score=20, worst="fail")
        make(self.team, "c-new.example")  # verified, first check not made yet
        make(self.team, "b-unverified.example", verified=False)
        # None of the scored checks could be made: checked, no score.
        nocheck = make(self.team, "d-nocheck.example", score=0, worst="error")
        Domain.objects.filter(pk=nocheck.pk).update(
            last_score=None, last_worst=dict(nocheck.last_worst or {}, none_checked=True)
        )
        # A null MX: n/a, receives no mail (its number is not shown).
        null_mx = make(self.team, "a-nomail.example", score=10)
        Domain.objects.filter(pk=null_mx.pk).update(
            last_worst=dict(null_mx.last_worst or {}, no_mail=True)
        )
        page = self.client.get("/domains/?sort=score")
        self.assertEqual(
            names(page),
            [
                "e-fail.example",
                "f-good.example",
                "d-nocheck.example",
                "b-unverified.example",
                "c-new.example",
                "a-nomail.example",
            ],
        )
        # The rows say what put them there.
        body = page.content.decode()
        self.assertIn("could not be checked", body)
        self.assertIn("receives no mail", body)

    def test_the_groups_hold_across_pages(self) -> None:
        # 50 rows a page (listing.PAGE_SIZE): the groups' order holds where a page ends in one.
        now = timezone.now()
        for i in range(55):
            Domain.objects.create(team=self.team, name=f"wait{i:02d}.example", verified_at=now)
        null_mx = make(self.team, "a-nomail.example", score=10)
        Domain.objects.filter(pk=null_mx.pk).update(
            last_worst=dict(null_mx.last_worst or {}, no_mail=True)
        )
        first = names(self.client.get("/domains/?sort=score&page=1"))
        second = names(self.client.get("/domains/?sort=score&page=2"))
        self.assertEqual(
            first + second, [f"wait{i:02d}.example" for i in range(55)] + ["a-nomail.example"]
        )
