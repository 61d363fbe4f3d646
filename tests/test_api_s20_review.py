"""The review of the team API (f0ef833): each test fails without its fix.

alice owns the team (bob is a member), charlie is an outsider with a team of his own.
"""

from __future__ import annotations

import re
from typing import Any
from unittest import mock

from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from django.utils import timezone

from mailsec.accounts.models import Membership
from mailsec.api import views
from mailsec.api.models import FAILED_RATE, ApiKey
from mailsec.domains.models import CheckRun, Domain
from mailsec.freecheck import views as freecheck_views
from tests.test_api_s20 import NOT_ENOUGH, PARTIAL, WHOLE, ApiCase, checked

KEY = re.compile(r"msk_[A-Za-z0-9_-]{43}")
LEFT_MARK = "revoked: its creator left the team"
# A null MX's detail as checks.scoring writes it: the transport categories do not apply.
NULL_MX_DETAIL = {
    "not_checked": [],
    "categories": {
        "spf": {"weight": 60, "counted": True, "lost": 0},
        "mx": {"weight": 40, "counted": True, "lost": 0},
        **{
            m: {"weight": 10, "counted": False, "reason": "does not apply"}
            for m in ("mta-sts", "tls-rpt", "smtp", "dane")
        },
    },
}
NULL_MX_FINDINGS = [{"id": "MX-03", "status": "info", "mechanism": "mx", "summary": "Null MX."}]


class CreatorLeavesTestCase(ApiCase):
    def created_by(self, user: Any) -> str:
        self.client.force_login(user)
        r = self.client.post("/team/api-keys/", {"label": f"{user.username}-laptop"})
        self.client.logout()
        match = KEY.search(r.content.decode())
        assert match is not None
        return match.group(0)

    def test_a_removed_creators_keys_of_that_team_are_revoked(self) -> None:
        alices = self.created_by(self.alice)
        # Support moves ownership to bob; then bob removes alice on the team page.
        Membership.objects.filter(team=self.team, user=self.alice).update(role="member")
        Membership.objects.filter(team=self.team, user=self.bob).update(role="owner")
        bobs = self.created_by(self.bob)
        self.assertEqual(self.api("", alices).status_code, 200)
        code = Membership.objects.get(team=self.team, user=self.alice).code
        self.client.force_login(self.bob)
        self.client.post(f"/team/members/{code}/remove/")
        r = self.api("", alices)
        self.assertEqual(r.status_code, 401)
        self.assertIn("the person who created it left the team", r.json()["error"])
        row = ApiKey.objects.get(label="alice-laptop")
        self.assertEqual(row.revoked_why, ApiKey.Revoked.CREATOR_LEFT)
        self.assertIsNone(row.revoked_by)
        # Keys of someone still in the team, and keys nobody is named creator of, go on.
        self.assertEqual(self.api("", bobs).status_code, 200)
        self.assertEqual(self.api("", self.alices_key).status_code, 200)
        # The card says why, to every member; the owner's Revoke is not offered for it.
        page = self.client.get("/team/").content.decode()
        self.assertIn(LEFT_MARK, page)
        self.assertNotIn(f"/team/api-keys/{row.code}/revoke/", page)

    def test_leaving_another_team_revokes_nothing_here(self) -> None:
        alices = self.created_by(self.alice)
        elsewhere = Membership.objects.create(team=self.charlies_team, user=self.alice)
        elsewhere.delete()
        self.assertEqual(self.api("", alices).status_code, 200)

    def test_a_deleted_creators_keys_are_revoked(self) -> None:
        alices = self.created_by(self.alice)
        self.alice.delete()  # bob inherits the team (accounts.signals.settle_owned_teams)
        r = self.api("", alices)
        self.assertEqual(r.status_code, 401)
        self.assertIn("left the team", r.json()["error"])
        self.assertEqual(self.api("", self.alices_key).status_code, 200)
        self.client.force_login(self.bob)
        page = self.client.get("/team/").content.decode()
        self.assertIn(LEFT_MARK, page)
        self.assertIn("alice-laptop", page)

    def test_a_key_the_owner_revoked_is_not_said_to_be_left(self) -> None:
        row = ApiKey.objects.get(label="grafana-prod")
        self.client.force_login(self.alice)
        self.client.post(f"/team/api-keys/{row.code}/revoke/")
        self.assertNotIn(LEFT_MARK, self.client.get("/team/").content.decode())


class HistoryScoreStatusTestCase(ApiCase):
    def test_each_run_has_the_lists_score_status(self) -> None:
        cases = {
            "whole.example": (80, WHOLE, None, "scored"),
            "partial.example": (70, PARTIAL, None, "partial"),
            "thin.example": (100, NOT_ENOUGH, None, "not_enough_checked"),
            "nomail.example": (95, NULL_MX_DETAIL, NULL_MX_FINDINGS, "receives_no_mail"),
            "timeouts.example": (None, {"not_checked": ["spf"], "categories": {}}, None, None),
        }
        for name, (score, detail, findings, _) in cases.items():
            domain = Domain.objects.create(team=self.team, name=name, verified_at=timezone.now())
            checked(domain, score=score, detail=detail, findings=findings)
        listed = {d["name"]: d for d in self.api("", self.alices_key).json()["domains"]}
        for name, (score, _, _, status) in cases.items():
            with self.subTest(name=name):
                runs = self.api(f"/{name}/history", self.alices_key).json()["runs"]
                self.assertEqual(len(runs), 1)
                # The run's own number, and the list's verdict on it.
                self.assertEqual(runs[0]["score"], score)
                self.assertEqual(runs[0]["score_status"], listed[name]["score_status"])
                if status:
                    self.assertEqual(runs[0]["score_status"], status)


class JsonNotFoundTestCase(ApiCase):
    def test_every_404_under_api_v1_is_json(self) -> None:
        for path in (
            "/api/v1/domains/",
            "/api/v1/domains/alice-shop.example/",
            "/api/v1/domains/alice-shop.example/history/",
            "/api/v1/domain",
            "/api/v1/",
            "/api/v1/check/",
        ):
            for method in ("get", "post"):
                with self.subTest(path=path, method=method):
                    r = getattr(self.client, method)(
                        path, HTTP_AUTHORIZATION=f"Bearer {self.alices_key}"
                    )
                    self.assertEqual(r.status_code, 404)
                    self.assertEqual(r["Content-Type"], "application/json")
                    self.assertIn("No such API endpoint", r.json()["error"])
        # The free check's API is its own, as before.
        self.assertIs(resolve("/api/v1/check").func, freecheck_views.api_check)


class HeadersTestCase(ApiCase):
    def test_another_authorization_scheme_beside_x_api_key(self) -> None:
        r = self.api("", HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz", HTTP_X_API_KEY=self.alices_key)
        self.assertEqual(r.status_code, 200)
        self.assertEqual(self.api("", HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz").status_code, 401)

    def test_a_name_with_an_ideographic_full_stop(self) -> None:
        Domain.objects.create(
            team=self.team, name="xn--bcher-kva.example", verified_at=timezone.now()
        )
        for path in (
            "/alice-shop.example\u3002",
            "/alice-shop\uff0eexample",
            "/b\u00fccher.example\uff61",
            "/alice-shop.example\u3002/history",
        ):
            self.assertEqual(self.api(path, self.alices_key).status_code, 200, path)


class FailedAttemptsTestCase(ApiCase):
    def test_failed_attempts_are_limited_per_client_network(self) -> None:
        window_start = 1_800_000_000.0
        unknown = "msk_" + "B" * 43
        with mock.patch("mailsec.freecheck.ratelimit.wall_time", return_value=window_start + 15):
            for n in range(FAILED_RATE):
                self.assertEqual(self.api("", unknown).status_code, 401, n)
            r = self.api("", unknown)
            self.assertEqual(r.status_code, 429)
            self.assertEqual(r["Retry-After"], "45")
            self.assertEqual(r["Content-Type"], "application/json")
            # From then on nothing is looked up from that network, a valid key neither.
            with CaptureQueriesContext(connection) as queries:
                r = self.api("", self.alices_key)
            self.assertEqual(r.status_code, 429)
            self.assertFalse([q for q in queries if "api_apikey" in q["sql"]])
            # Another network is not held back.
            other = self.api("", self.alices_key, REMOTE_ADDR="192.0.2.7")
            self.assertEqual(other.status_code, 200)
        with mock.patch("mailsec.freecheck.ratelimit.wall_time", return_value=window_start + 75):
            self.assertEqual(self.api("", self.alices_key).status_code, 200)

    def test_the_keys_429_says_fixed_minutes(self) -> None:
        with (
            mock.patch.object(views, "RATE", 1),
            mock.patch("mailsec.freecheck.ratelimit.wall_time", return_value=1_800_000_015.0),
        ):
            self.api("", self.alices_key)
            error = self.api("", self.alices_key).json()["error"]
        self.assertNotIn("in the last", error)
        self.assertIn("in this minute", error)


class CostTestCase(ApiCase):
    def test_history_reads_no_findings(self) -> None:
        with CaptureQueriesContext(connection) as queries:
            r = self.api("/alice-shop.example/history", self.alices_key)
        self.assertEqual(r.status_code, 200)
        self.assertEqual([q["sql"] for q in queries if '"findings"' in q["sql"]], [])

    def test_the_new_key_page_is_made_after_the_lock_is_let_go(self) -> None:
        depths: list[int] = []
        real = views.team_page

        def team_page(*args: Any, **kwargs: Any) -> HttpResponse:
            depths.append(len(connection.atomic_blocks))
            return real(*args, **kwargs)

        self.client.force_login(self.alice)
        with mock.patch.object(views, "team_page", team_page):
            self.client.post("/team/api-keys/", {"label": ""})  # refused: made outside
            self.client.post("/team/api-keys/", {"label": "new"})
        self.assertEqual(len(depths), 2)
        self.assertEqual(depths[1], depths[0])

    def test_counts_are_cached_by_the_runs_code(self) -> None:
        self.assertEqual(
            self.api("", self.alices_key).json()["domains"][0]["findings_by_status"]["pass"], 1
        )
        # The run is deleted and another takes its pk (SQLite reuses the highest one).
        pk = self.run.pk
        CheckRun.objects.filter(pk=pk).delete()
        self.shop.refresh_from_db()
        run = CheckRun.objects.create(
            pk=pk,
            domain=self.shop,
            status=CheckRun.Status.DONE,
            finished=timezone.now(),
            score=80,
            score_version=7,
            findings=[],
            score_detail=WHOLE,
        )
        self.shop.set_last_run(run)
        counts = self.api("", self.alices_key).json()["domains"][0]["findings_by_status"]
        self.assertEqual(counts["pass"], 0)
