"""The read-only team API (mailsec.api): keys on the team page, /api/v1/domains and its pages.

alice owns the team (bob is a member), charlie is an outsider with a team of his own.
"""

from __future__ import annotations

import hashlib
import io
import re
from datetime import timedelta
from typing import Any
from unittest import mock

from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.http import HttpResponse
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mailsec.api import views
from mailsec.api.models import MAX_KEYS, ApiKey
from mailsec.domains.models import CheckRun, Domain
from tests.conftest import BaseTestCase

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
KEY = re.compile(r"msk_[A-Za-z0-9_-]{43}")
# A whole score's detail (every weighted category counted) and a partial one (DANE and
# MTA-STS could not be checked), as checks.scoring writes them.
WHOLE = {
    "categories": {
        "spf": {"weight": 50, "counted": True, "lost": 0},
        "dmarc": {"weight": 50, "counted": True, "lost": 20},
    }
}
PARTIAL = {
    "not_checked": ["mta-sts"],
    "categories": {
        "spf": {"weight": 60, "counted": True, "lost": 0},
        "mta-sts": {"weight": 40, "counted": False, "reason": "could not be checked"},
    },
}
NOT_ENOUGH = {
    "not_checked": ["mta-sts"],
    "categories": {
        "spf": {"weight": 20, "counted": True, "lost": 0},
        "mta-sts": {"weight": 80, "counted": False, "reason": "could not be checked"},
    },
}
FINDINGS = [
    {
        "id": "SPF-01",
        "status": "pass",
        "mechanism": "spf",
        "subject": "",
        "summary": "SPF ok",
        "fix": "",
        "evidence": {"record": "v=spf1 -all"},
    },
    {
        "id": "DMARC-06",
        "status": "fail",
        "mechanism": "dmarc",
        "subject": "",
        "summary": "p=none",
        "fix": "Publish p=reject",
    },
    {"id": "DMARC-12", "status": "warn", "mechanism": "dmarc", "summary": "no rua"},
]


def checked(
    domain: Domain,
    score: int | None = 80,
    detail: dict[str, Any] | None = None,
    findings: list[dict[str, Any]] | None = None,
    ago: timedelta = timedelta(hours=1),
) -> CheckRun:
    """A finished run of `domain`, made its last run as a check would (set_last_run)."""
    when = timezone.now() - ago
    run = CheckRun.objects.create(
        domain=domain,
        status=CheckRun.Status.DONE,
        created=when,
        finished=when + timedelta(seconds=5),
        score=score,
        score_version=7,
        findings=FINDINGS if findings is None else findings,
        score_detail=WHOLE if detail is None else detail,
    )
    domain.set_last_run(run)
    return run


@override_settings(CACHES=LOCMEM)
class ApiCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()
        self.shop = Domain.objects.create(
            team=self.team, name="alice-shop.example", verified_at=timezone.now()
        )
        self.run = checked(self.shop)
        self.alices_key = self.make_key(self.team, "grafana-prod")
        self.charlies_key = self.make_key(self.charlies_team, "charlie's")

    def make_key(self, team: Any, label: str) -> str:
        return ApiKey.create_for(team, label, None)[1]

    def api(self, path: str, key: str | None = None, **extra: Any) -> HttpResponse:
        if key is not None:
            extra["HTTP_AUTHORIZATION"] = f"Bearer {key}"
        return self.client.get(f"/api/v1/domains{path}", **extra)


class KeyPagesTestCase(ApiCase):
    def test_a_new_key_is_shown_once_and_stored_hashed(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.post("/team/api-keys/", {"label": "Grafana"})
        self.assertEqual(r.status_code, 200)
        self.assertIn("no-store", r["Cache-Control"])
        shown = KEY.findall(r.content.decode())
        self.assertEqual(len(set(shown)), 1, "the new key, and only it, in the answer")
        key = shown[0]
        row = ApiKey.objects.get(label="Grafana")
        self.assertEqual(row.key_hash, hashlib.sha256(key.encode()).hexdigest())
        self.assertEqual(row.prefix, key[:12])
        self.assertEqual(row.created_by, self.alice)
        # Nowhere in the database: not a column, not the session.
        dump = io.StringIO()
        call_command("dumpdata", stdout=dump)
        self.assertNotIn(key, dump.getvalue())
        self.assertIn(row.prefix, dump.getvalue())
        # Never again: the team page lists it by label and prefix only.
        page = self.client.get("/team/")
        self.assertContains(page, "Grafana")
        self.assertContains(page, f"{row.prefix}…")
        self.assertNotContains(page, key)
        # And it works.
        self.assertEqual(self.api("", key).status_code, 200)

    def test_a_label_is_needed_and_on_one_line(self) -> None:
        self.client.force_login(self.alice)
        for label in ("", "   ", "a\nb", "x" * 101):
            r = self.client.post("/team/api-keys/", {"label": label})
            self.assertEqual(r.status_code, 400, label)
            self.assertIsNone(KEY.search(r.content.decode()), label)
        self.assertEqual(ApiKey.objects.filter(team=self.team).count(), 1)

    def test_a_member_sees_the_keys_but_cannot_create_or_revoke(self) -> None:
        self.client.force_login(self.bob)
        page = self.client.get("/team/")
        self.assertContains(page, "grafana-prod")
        self.assertContains(page, "Only the team's owner can create and revoke keys.")
        self.assertNotContains(page, "Create key")
        self.assertNotContains(page, "/revoke/")
        r = self.client.post("/team/api-keys/", {"label": "mine"})
        self.assertEqual(r.status_code, 404)
        self.assertFalse(ApiKey.objects.filter(label="mine").exists())
        code = ApiKey.objects.get(team=self.team).code
        self.assertEqual(self.client.post(f"/team/api-keys/{code}/revoke/").status_code, 404)
        self.assertIsNone(ApiKey.objects.get(code=code).revoked_at)
        self.assertEqual(self.api("", self.alices_key).status_code, 200)

    def test_an_outsider_cannot_revoke_a_key(self) -> None:
        self.client.force_login(self.charlie)
        code = ApiKey.objects.get(team=self.team).code
        self.assertEqual(self.client.post(f"/team/api-keys/{code}/revoke/").status_code, 404)
        self.assertIsNone(ApiKey.objects.get(code=code).revoked_at)
        page = self.client.get("/team/")
        self.assertNotContains(page, "grafana-prod")

    def test_the_owner_revokes_a_key_and_it_is_refused_from_then_on(self) -> None:
        self.client.force_login(self.alice)
        row = ApiKey.objects.get(team=self.team)
        r = self.client.post(f"/team/api-keys/{row.code}/revoke/", follow=True)
        self.assertContains(r, "is revoked")
        self.assertNotContains(r, f"{row.prefix}…</code>")  # no longer listed
        row.refresh_from_db()
        self.assertIsNotNone(row.revoked_at)
        self.assertEqual(row.revoked_by, self.alice)
        refused = self.api("", self.alices_key)
        self.assertEqual(refused.status_code, 401)
        self.assertIn("revoked", refused.json()["error"])
        # A second press (another tab): said, not an error.
        again = self.client.post(f"/team/api-keys/{row.code}/revoke/", follow=True)
        self.assertContains(again, "already revoked")

    def test_a_team_holds_at_most_ten_keys(self) -> None:
        self.client.force_login(self.alice)
        for n in range(MAX_KEYS - 1):
            self.assertEqual(
                self.client.post("/team/api-keys/", {"label": f"k{n}"}).status_code, 200
            )
        self.assertEqual(ApiKey.active().filter(team=self.team).count(), MAX_KEYS)
        page = self.client.get("/team/")
        self.assertNotContains(page, "Create key")
        self.assertContains(page, "the most it may hold")
        r = self.client.post("/team/api-keys/", {"label": "one too many"})
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, "the most it may hold", status_code=400)
        self.assertFalse(ApiKey.objects.filter(label="one too many").exists())
        # A revoked key makes room.
        ApiKey.objects.filter(label="k0").update(revoked_at=timezone.now())
        self.assertEqual(self.client.post("/team/api-keys/", {"label": "room"}).status_code, 200)


class AuthTestCase(ApiCase):
    def assertUnauthorised(self, r: HttpResponse, words: str) -> None:
        self.assertEqual(r.status_code, 401)
        self.assertEqual(r["Content-Type"], "application/json")
        self.assertIn(words, r.json()["error"])
        self.assertTrue(r["WWW-Authenticate"].startswith("Bearer"))
        self.assertIn("no-store", r["Cache-Control"])

    def test_a_missing_malformed_or_unknown_key_is_401(self) -> None:
        self.assertUnauthorised(self.api(""), "No API key")
        self.assertUnauthorised(self.api("", HTTP_AUTHORIZATION="Basic YWxpY2U6eA=="), "Bearer")
        self.assertUnauthorised(self.api("", HTTP_AUTHORIZATION="Bearer"), "Bearer")
        self.assertUnauthorised(self.api("", "not-a-key"), "not a mailsec API key")
        self.assertUnauthorised(self.api("", self.alices_key[:-1]), "not a mailsec API key")
        unknown = "msk_" + "A" * 43
        self.assertUnauthorised(self.api("", unknown), "not valid")
        self.assertUnauthorised(
            self.api("", self.alices_key, HTTP_X_API_KEY=self.charlies_key), "two different"
        )

    def test_x_api_key_is_accepted_too(self) -> None:
        r = self.api("", HTTP_X_API_KEY=self.alices_key)
        self.assertEqual(r.status_code, 200)
        self.assertEqual([d["name"] for d in r.json()["domains"]], ["alice-shop.example"])

    def test_a_session_is_no_key(self) -> None:
        self.client.force_login(self.alice)
        self.assertUnauthorised(self.api(""), "No API key")
        r = self.api("", self.alices_key)
        self.assertEqual(r.status_code, 200)
        self.assertNotIn("Cookie", r.get("Vary", ""))

    def test_only_get(self) -> None:
        # As a browser's cross-site POST would come: CSRF checked, yet the API's own 405.
        client = Client(enforce_csrf_checks=True)
        for method in ("post", "put", "delete", "patch", "head"):
            r = getattr(client, method)(
                "/api/v1/domains", HTTP_AUTHORIZATION=f"Bearer {self.alices_key}"
            )
            self.assertEqual(r.status_code, 405, method)
            self.assertEqual(r["Allow"], "GET")
            if method != "head":
                self.assertIn("use GET", r.json()["error"])

    def test_every_answer_is_no_store(self) -> None:
        for path in ("", "/alice-shop.example", "/alice-shop.example/history", "/nope.example"):
            r = self.api(path, self.alices_key)
            self.assertIn("no-store", r["Cache-Control"], path)

    def test_last_used_is_written_at_most_once_a_minute(self) -> None:
        row = ApiKey.objects.get(team=self.team)
        self.assertIsNone(row.last_used_at)
        self.api("", self.alices_key)
        row.refresh_from_db()
        first = row.last_used_at
        self.assertIsNotNone(first)
        # Within the minute: no write at all.
        with CaptureQueriesContext(connection) as queries:
            self.api("", self.alices_key)
        writes = [
            q["sql"] for q in queries if q["sql"].startswith("UPDATE") and "api_apikey" in q["sql"]
        ]
        self.assertEqual(writes, [])
        row.refresh_from_db()
        self.assertEqual(row.last_used_at, first)
        ApiKey.objects.filter(pk=row.pk).update(last_used_at=timezone.now() - timedelta(minutes=2))
        self.api("", self.alices_key)
        row.refresh_from_db()
        assert row.last_used_at is not None
        self.assertGreater(row.last_used_at, timezone.now() - timedelta(seconds=30))

    def test_the_rate_limit_is_per_key(self) -> None:
        window_start = 1_800_000_000.0  # a multiple of 60: a window starts here
        with (
            mock.patch.object(views, "RATE", 3),
            mock.patch("mailsec.freecheck.ratelimit.wall_time", return_value=window_start + 15),
        ):
            for n in range(3):
                r = self.api("", self.alices_key)
                self.assertEqual(r.status_code, 200, n)
                self.assertEqual(r["RateLimit-Remaining"], str(2 - n))
            r = self.api("/alice-shop.example", self.alices_key)
            self.assertEqual(r.status_code, 429)
            self.assertEqual(r["Retry-After"], "45")
            self.assertIn("try again in 45 seconds", r.json()["error"])
            self.assertEqual(r["RateLimit-Remaining"], "0")
            # Another key has its own allowance.
            self.assertEqual(self.api("", self.charlies_key).status_code, 200)


class ScopeTestCase(ApiCase):
    def test_another_teams_domain_is_404_like_a_name_that_does_not_exist(self) -> None:
        listed = self.api("", self.charlies_key).json()
        self.assertEqual(listed["domains"], [])
        self.assertNotIn("alice-shop", str(listed))
        for path in ("/alice-shop.example", "/alice-shop.example/history"):
            theirs = self.api(path, self.charlies_key)
            nowhere = self.api(path.replace("alice-shop", "nowhere"), self.charlies_key)
            self.assertEqual(theirs.status_code, 404, path)
            self.assertEqual(theirs.json(), nowhere.json())
            self.assertEqual(
                theirs.json(), {"error": "This key's team has no domain by that name."}
            )
        # alice's own key reaches it, so the 404 above is the scope's.
        self.assertEqual(self.api("/alice-shop.example", self.alices_key).status_code, 200)

    def test_the_same_name_in_another_team_is_that_teams_own(self) -> None:
        Domain.objects.create(team=self.charlies_team, name="alice-shop.example")
        r = self.api("/alice-shop.example", self.charlies_key)
        self.assertEqual(r.status_code, 200)
        self.assertFalse(r.json()["verified"])
        self.assertNotIn("findings", r.json())
        self.assertNotIn("p=none", r.content.decode())

    def test_a_name_may_be_written_in_any_case_with_a_dot_or_as_a_u_label(self) -> None:
        Domain.objects.create(
            team=self.team, name="xn--bcher-kva.example", verified_at=timezone.now()
        )
        for path in ("/ALICE-shop.example.", "/bücher.example", "/xn--bcher-kva.example"):
            self.assertEqual(self.api(path, self.alices_key).status_code, 200, path)


class DomainsTestCase(ApiCase):
    def entry(self, name: str) -> dict[str, Any]:
        found = [d for d in self.api("", self.alices_key).json()["domains"] if d["name"] == name]
        self.assertEqual(len(found), 1)
        return found[0]

    def test_the_list(self) -> None:
        r = self.api("", self.alices_key)
        self.assertEqual(r.status_code, 200)
        body = r.json()
        self.assertEqual(
            (body["count"], body["page"], body["pages"], body["next"]), (1, 1, 1, None)
        )
        shop = body["domains"][0]
        self.assertEqual(shop["name"], "alice-shop.example")
        self.assertIs(shop["verified"], True)
        self.assertEqual(
            (shop["score"], shop["score_status"], shop["score_note"]), (80, "scored", "")
        )
        self.assertEqual(shop["score_version"], 7)
        self.assertEqual(shop["last_checked"], self.run.finished.strftime("%Y-%m-%dT%H:%M:%SZ"))
        self.assertEqual(
            shop["findings_by_status"],
            {"pass": 1, "info": 0, "warn": 1, "fail": 1, "error": 0, "na": 0},
        )
        self.assertIsNone(shop["hosting"])
        self.assertEqual(shop["url"], f"http://testserver/domains/{self.shop.code}/")

    def test_a_score_is_null_where_the_list_shows_none(self) -> None:
        cases = {
            "never.example": (None, "never_checked"),
            "partial.example": (90, "partial"),
            "short.example": (None, "not_enough_checked"),
            "gone.example": (None, "does_not_exist"),
            "timeouts.example": (None, "could_not_check"),
        }
        now = timezone.now()
        made = {
            name: Domain.objects.create(team=self.team, name=name, verified_at=now)
            for name in cases
        }
        checked(made["partial.example"], 90, PARTIAL)
        checked(made["short.example"], 100, NOT_ENOUGH)
        checked(made["gone.example"], None, {"does_not_exist": True, "categories": {}}, [])
        checked(
            made["timeouts.example"],
            None,
            {
                "not_checked": ["spf"],
                "categories": {
                    "spf": {"weight": 10, "counted": False, "reason": "could not be checked"}
                },
            },
            [],
        )
        for name, (score, status) in cases.items():
            entry = self.entry(name)
            self.assertEqual((entry["score"], entry["score_status"]), (score, status), name)
            if status != "scored":
                self.assertTrue(entry["score_note"], name)
        self.assertIn("60 of 100 points", self.entry("partial.example")["score_note"])
        self.assertIsNone(self.entry("never.example")["last_checked"])
        self.assertIsNone(self.entry("never.example")["findings_by_status"])

    def test_the_list_is_paged(self) -> None:
        for n in range(views.PAGE_SIZE):
            Domain.objects.create(team=self.team, name=f"d{n:03}.example")
        first = self.api("", self.alices_key).json()
        self.assertEqual((first["count"], first["pages"], len(first["domains"])), (101, 2, 100))
        self.assertEqual(first["next"], "http://testserver/api/v1/domains?page=2")
        second = self.api("?page=2", self.alices_key).json()
        self.assertEqual([d["name"] for d in second["domains"]], ["d099.example"])
        self.assertIsNone(second["next"])
        for bad in ("0", "-1", "x", "1.5"):
            self.assertEqual(self.api(f"?page={bad}", self.alices_key).status_code, 400, bad)

    def test_one_domain_with_its_findings(self) -> None:
        body = self.api("/alice-shop.example", self.alices_key).json()
        self.assertEqual(body["score"], 80)
        self.assertEqual(
            body["findings"][1],
            {
                "id": "DMARC-06",
                "status": "fail",
                "mechanism": "dmarc",
                "subject": "",
                "summary": "p=none",
                "fix": "Publish p=reject",
            },
        )
        self.assertNotIn("evidence", body["findings"][0])
        self.assertEqual(body["score_detail"], WHOLE)
        self.assertEqual(body["findings_by_status"]["fail"], 1)

    def test_hosting_is_shown_when_there_is_some(self) -> None:
        from mailsec.hosting.models import HostedPolicy

        HostedPolicy.objects.create(domain=self.shop, name=self.shop.name, mode="enforce")
        hosting = self.entry("alice-shop.example")["hosting"]
        self.assertEqual(
            (hosting["state"], hosting["mode"], hosting["served_mode"]),
            ("active", "enforce", "enforce"),
        )
        self.assertEqual(
            self.api("/alice-shop.example", self.alices_key).json()["hosting"], hosting
        )


class UnverifiedTestCase(ApiCase):
    def test_an_unverified_domain_shows_its_name_and_how_to_verify_only(self) -> None:
        # Checked while verified, then unverified with no loss of control recorded
        # (control_lost_at unset: an edit in the admin): answered as never verified. A team
        # that lost control reads its checks until then: tests/test_s42a_api_control_lost.py.
        Domain.objects.filter(pk=self.shop.pk).update(verified_at=None)
        self.shop.refresh_from_db()
        detail = self.api("/alice-shop.example", self.alices_key).json()
        self.assertEqual(set(detail), {"name", "display_name", "verified", "url", "verify"})
        self.assertIs(detail["verified"], False)
        self.assertEqual(detail["verify"]["name"], "_mailsec-challenge.alice-shop.example")
        self.assertEqual(detail["verify"]["value"], self.shop.challenge_value)
        self.assertEqual(detail["verify"]["type"], "TXT")
        history = self.api("/alice-shop.example/history", self.alices_key).json()
        self.assertEqual(history, detail)
        entry = self.api("", self.alices_key).json()["domains"][0]
        self.assertEqual((entry["score"], entry["score_status"]), (None, "not_verified"))
        for hidden in ("score_version", "last_checked", "findings_by_status", "hosting"):
            self.assertIsNone(entry[hidden], hidden)
        for r in (detail, history, entry):
            self.assertNotIn("p=none", str(r))


class HistoryTestCase(ApiCase):
    def test_history_bounds(self) -> None:
        checked(self.shop, 60, ago=timedelta(days=40))
        checked(self.shop, 70, PARTIAL, ago=timedelta(days=10))
        CheckRun.objects.create(domain=self.shop, status=CheckRun.Status.ERROR, error="x")
        default = self.api("/alice-shop.example/history", self.alices_key).json()
        self.assertEqual(default["days"], 30)
        self.assertEqual(
            [(r["score"], r["partial"]) for r in default["runs"]], [(70, True), (80, False)]
        )
        self.assertTrue(default["runs"][0]["time"].endswith("Z"))
        year = self.api("/alice-shop.example/history?days=365", self.alices_key).json()
        self.assertEqual([r["score"] for r in year["runs"]], [60, 70, 80])
        week = self.api("/alice-shop.example/history?days=1", self.alices_key).json()
        self.assertEqual([r["score"] for r in week["runs"]], [80])
        for bad in ("0", "366", "-5", "x", "", "1e3"):
            r = self.api(f"/alice-shop.example/history?days={bad}", self.alices_key)
            self.assertEqual(r.status_code, 400, bad)
            self.assertIn("1 to 365", r.json()["error"])


class MigrationsTestCase(BaseTestCase):
    def test_makemigrations_check_is_clean(self) -> None:
        call_command("makemigrations", "--check", "--dry-run", stdout=io.StringIO())
