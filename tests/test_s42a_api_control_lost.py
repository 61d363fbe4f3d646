"""Task s42a, item 1: a domain whose team lost control of it (Domain.recheck_control "lost":
it was verified, another team proved control, this team's challenge was gone) keeps its
history for its team on the domain page (tests/test_s41p_control_lost.py); the API says the
same: control lost, since when, and the checks until then, not "unverified" as if it had never
been verified. A domain never verified answers as before; another team's key gets the 404 of a
name that exists nowhere."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from checks.dns import DnsAnswer
from mailsec.domains.models import Domain
from tests.test_api_s20 import PARTIAL, WHOLE, ApiCase, checked

ISO = "%Y-%m-%dT%H:%M:%SZ"


class S42aControlLostApiTestCase(ApiCase):
    """alice's team verified and checked alice-shop.example (80, an hour ago; 70, partial, ten
    days ago); then charlie's team proves control and alice's challenge is gone."""

    def setUp(self) -> None:
        super().setUp()
        self.older = checked(self.shop, 70, PARTIAL, ago=timedelta(days=10))
        self.shop.set_last_run(self.run)  # ApiCase's run (80, an hour ago) is the last
        self.never = Domain.objects.create(team=self.team, name="never.example")
        self.rival = Domain.objects.create(
            team=self.charlies_team, name="alice-shop.example", verified_at=timezone.now()
        )
        gone = DnsAnswer(name=self.shop.challenge_name, rdtype="TXT", rcode="NXDOMAIN")
        shop = Domain.objects.get(pk=self.shop.pk)
        self.assertEqual(shop.recheck_control(answer=gone), "lost")
        self.shop.refresh_from_db()
        self.assertIsNone(self.shop.verified_at)
        assert self.shop.control_lost_at is not None
        self.lost = self.shop.control_lost_at.strftime(ISO)

    def test_s42a_the_domain_says_control_was_lost_and_gives_its_last_kept_check(self) -> None:
        for key in (self.alices_key, self.make_key(self.team, "bob's script")):
            r = self.api("/alice-shop.example", key)
            self.assertEqual(r.status_code, 200)
            body = r.json()
            self.assertIs(body["verified"], False)
            self.assertEqual(body["control_lost"], self.lost)
            # In the page's words (templates/domains/_details.html), for "this team".
            self.assertIn("Not verified for this team since", body["control_lost_note"])
            self.assertIn("another team proved control of", body["control_lost_note"])
            self.assertIn("Its checks until then are kept", body["control_lost_note"])
            kept = body["last_kept_check"]
            self.assertEqual((kept["score"], kept["score_status"]), (80, "scored"))
            self.assertEqual(kept["score_version"], 7)
            self.assertIs(kept["partial"], False)
            self.assertEqual(kept["score_detail"], WHOLE)
            self.assertEqual(
                [(f["id"], f["status"]) for f in kept["findings"]],
                [("SPF-01", "pass"), ("DMARC-06", "fail"), ("DMARC-12", "warn")],
            )
            self.assertNotIn("evidence", kept["findings"][0])
            # How to verify again, as for any unverified domain, without saying the API
            # shows no results.
            self.assertEqual(body["verify"]["value"], self.shop.challenge_value)
            self.assertNotIn("shows no results", body["verify"]["how"])
            # Not the keys of a verified domain's answer: nothing reads as current.
            for current in ("score", "findings", "last_checked", "hosting"):
                self.assertNotIn(current, body)

    def test_s42a_its_history_is_readable_by_its_team(self) -> None:
        body = self.api("/alice-shop.example/history", self.alices_key).json()
        self.assertIs(body["verified"], False)
        self.assertEqual(body["control_lost"], self.lost)
        self.assertEqual(
            [(r["score"], r["score_status"], r["partial"]) for r in body["runs"]],
            [(70, "partial", True), (80, "scored", False)],
        )
        self.assertNotIn("verify", body)
        week = self.api("/alice-shop.example/history?days=1", self.alices_key).json()
        self.assertEqual([r["score"] for r in week["runs"]], [80])

    def test_s42a_the_list_says_control_was_lost(self) -> None:
        entries = {d["name"]: d for d in self.api("", self.alices_key).json()["domains"]}
        shop = entries["alice-shop.example"]
        # No number, as the domain list shows none; the state says why.
        self.assertEqual((shop["score"], shop["score_status"]), (None, "control_lost"))
        self.assertIn("Not verified for this team since", shop["score_note"])
        self.assertEqual(entries["never.example"]["score_status"], "not_verified")

    def test_s42a_a_domain_never_verified_answers_as_before(self) -> None:
        detail = self.api("/never.example", self.alices_key).json()
        self.assertEqual(set(detail), {"name", "display_name", "verified", "url", "verify"})
        self.assertIn("shows no results", detail["verify"]["how"])
        self.assertEqual(self.api("/never.example/history", self.alices_key).json(), detail)

    def test_s42a_outsiders_see_nothing(self) -> None:
        # charlie's team holds the name now: its key reads its own domain, never alice's runs.
        theirs = self.api("/alice-shop.example", self.charlies_key).json()
        self.assertIs(theirs["verified"], True)
        self.assertNotIn("control_lost", theirs)
        self.assertEqual(theirs["findings"], [])
        history = self.api("/alice-shop.example/history", self.charlies_key).json()
        self.assertEqual(history["runs"], [])
        # A team with no such name: the 404 of a name that exists nowhere.
        Domain.objects.filter(pk=self.rival.pk).delete()
        for path in ("/alice-shop.example", "/alice-shop.example/history"):
            r = self.api(path, self.charlies_key)
            self.assertEqual(r.status_code, 404, path)
            self.assertEqual(r.json(), {"error": "This key's team has no domain by that name."})
