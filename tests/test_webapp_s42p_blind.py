"""Blind round s42p: htmx partials as browsers really reach them.

The expectations (tests/data/webapp_s42p_blind.json) were written from docs/webapp.md,
docs/hosting.md, docs/reports.md and the task's brief before anything ran and before the
views or the middleware were read, and committed first (6114b042). Each client row names who
asks, the request (with htmx's own headers when `hx`: HX-Request, HX-Current-URL of the page
the request is fired from, the list's Mailsec-Team, HX-History-Restore-Request on Back) and
what must come back. The real-browser cases (B01-B09) are played in
tests/test_browser_s42p_htmx.py.

The people: alice owns team A; bob is her teammate with a team B of his own; vera views A;
rob was a member of A and was removed; charlie is an outsider; `expired` is alice's browser
whose session ended on the server (its cookie still sent); `signed_out_elsewhere` is alice's
browser after another tab of it signed out; anon has no session. Team A has poll.test
(verified, a check running: its page polls), idle.test (verified, no check running) and
example.org (verified, hosted MTA-STS). A free check of example.com is under way.

Results (SQLite). First run: one harness fault of mine, the list rows sent no HX-Target (htmx
names the element it swaps into, and the list views answer the list alone only to their own
target), so the list answered the whole page (C12, C17, C23 failed, planted P03 held); with
it sent as htmx does, 3 product defects and 2 expectation errors remained:
- C05: the hosting page's records partial (hx-trigger=load) used login_required: signed out,
  htmx followed its 302 and put the sign-in page inside the records panel (B09 in chromium:
  the tab stayed on the hosting page). It now answers htmx with HX-Redirect to sign in, back
  to the hosting page, as the other partials do (htmx_login_required).
- C08, C10: the progress partial's and the free check's results URL, opened without htmx,
  answered the bare fragment. Now a check's progress redirects to its domain's page and the
  free check's results show its report page.
- C16, C18 wanted a 404 exactly; the product answers htmx 286 (stop polling) with "This check
  is no longer available" in the progress's place, which is the visible handling the brief
  asks for (B05 in chromium): the rows were corrected, not the product.
Every other row held as written: HX-Redirect with next= the page (never another site's) for
an expired session and for a sign-out in another tab, on the poll, Check now, the list and
all-domains filters; history-restore requests get the page; Cache-Control no-store (or
never_cache) on every partial; a viewer's Check now refused in the slot; an htmx POST without
the CSRF token 403 and with the page's token accepted. P01-P03 each failed on their row, and were then removed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from mailsec.accounts.models import Membership, Profile, Team
from mailsec.domains.models import CheckRun, Domain
from mailsec.freecheck.models import FreeCheck
from mailsec.hosting import service
from tests.test_hosting import fake_dns

DATA = Path(__file__).parent / "data"
EXPECTATIONS = json.loads((DATA / "webapp_s42p_blind.json").read_text())
ROWS = EXPECTATIONS["rows"]
REAL = [row for row in ROWS if not row.get("planted")]


def world() -> dict[str, Any]:
    alice = User.objects.create_user("alice", "alice@example.org")
    bob = User.objects.create_user("bob", "bob@example.org")
    charlie = User.objects.create_user("charlie", "charlie@example.org")
    vera = User.objects.create_user("vera", "vera@example.org")
    rob = User.objects.create_user("rob", "rob@example.org")
    team_a = Team.create_for(alice)
    team_b = Team.create_for(bob)
    Membership.objects.create(team=team_a, user=bob, role=Membership.Role.MEMBER)
    Membership.objects.create(team=team_a, user=vera, role=Membership.Role.VIEWER)
    Profile.objects.create(user=alice, current_team=team_a)
    Profile.objects.create(user=bob, current_team=team_a)
    Profile.objects.create(user=vera, current_team=team_a)
    Profile.objects.create(user=charlie, current_team=Team.create_for(charlie))
    # rob was a member of A, looking at A, and was removed.
    Profile.objects.create(user=rob, current_team=Team.create_for(rob))
    Membership.objects.create(team=team_a, user=rob, role=Membership.Role.MEMBER)
    Profile.objects.filter(user=rob).update(current_team=team_a)
    Membership.objects.filter(team=team_a, user=rob).delete()
    now = timezone.now()
    poll = Domain.objects.create(team=team_a, name="poll.test", verified_at=now)
    idle = Domain.objects.create(team=team_a, name="idle.test", verified_at=now)
    hosted = Domain.objects.create(team=team_a, name="example.org", verified_at=now)
    with fake_dns():
        service.enable(hosted, now=now)
    run = CheckRun.objects.create(
        domain=poll, status=CheckRun.Status.RUNNING, kind="manual", started=now
    )
    free = FreeCheck.objects.create(domain="example.com")
    return {
        "people": {"alice": alice, "bob": bob, "charlie": charlie, "vera": vera, "rob": rob},
        "teams": {"A": team_a, "B": team_b},
        "names": {
            "D": str(poll.code),
            "R": str(run.code),
            "E": str(idle.code),
            "H": str(hosted.code),
            "F": str(free.code),
        },
    }


def fill(text: str, names: dict[str, str]) -> str:
    for key, value in names.items():
        text = text.replace("{" + key + "}", value)
    return text


def client_for(row: dict[str, Any], w: dict[str, Any]) -> Client:
    client = Client(enforce_csrf_checks=row.get("csrf") in {"missing", "from_page"})
    who = row["who"]
    if who == "anon":
        return client
    person = "alice" if who in {"expired", "signed_out_elsewhere"} else who
    client.force_login(w["people"][person])
    if who == "expired":
        client.session.delete()  # the server forgot it; the browser still sends the cookie
    elif who == "signed_out_elsewhere":
        other_tab = Client()
        other_tab.cookies = client.cookies
        other_tab.post("/accounts/logout/")
    for step in row.get("pre", []):
        if step[0] == "switch":
            r = client.post(f"/team/{w['teams'][step[1]].code}/switch/")
            assert r.status_code == 302, r.status_code
    return client


# The id of the element each partial is swapped into (its hx-target, or the polling element
# itself), which htmx sends as HX-Target: the list views answer the list alone only to it.
TARGETS = {
    "/domains/": "domain-list",
    "/tlsrpt/all-domains/": "all-domains-list",
    "/progress/": "progress",
    "/check/": "progress-slot",
    "/records/": "records",
    "/results": "fc-results",
}


def target_of(path: str) -> str:
    for end, target in TARGETS.items():
        if path.endswith(end):
            return target
    raise AssertionError(f"no hx-target known for {path}")


def play(row: dict[str, Any], w: dict[str, Any]) -> tuple[Any, int]:
    names = w["names"]
    client = client_for(row, w)
    url = fill(row["url"], names)
    headers: dict[str, str] = {}
    if row.get("hx"):
        headers["HX-Request"] = "true"
        page = row.get("page_absolute") or "http://testserver" + fill(row.get("page", url), names)
        headers["HX-Current-URL"] = page
        if row.get("team_header"):
            headers["Mailsec-Team"] = str(w["teams"][row["team_header"]].code)
        if row.get("history_restore"):
            # htmx's request on Back after a history cache miss names no target.
            headers["HX-History-Restore-Request"] = "true"
        else:
            headers["HX-Target"] = target_of(urlsplit(url).path)
    if row.get("csrf") == "from_page":
        html = client.get(fill(row.get("page", url), names)).content.decode()
        found = re.search(r'"X-CSRFToken": "([^"]+)"', html)
        assert found, "no token in the page's hx-headers"
        headers["X-CSRFToken"] = found.group(1)
    runs = CheckRun.objects.count()
    with fake_dns(), mock.patch("mailsec.domains.tasks.enqueue_run"):
        if row["method"] == "GET":
            response = client.get(url, headers=headers)
        else:
            response = client.post(url, headers=headers)
    return response, CheckRun.objects.count() - runs


def is_page(body: str) -> bool:
    return "<html" in body.lower()


def problems_of(row: dict[str, Any], response: Any, added: int, names: dict[str, str]) -> list[str]:
    found: list[str] = []
    body = response.content.decode(errors="replace")
    status = response.status_code
    if "status" in row and status != row["status"]:
        found.append(f"status {status}, wanted {row['status']}")
    if "status_in" in row and status not in row["status_in"]:
        found.append(f"status {status}, wanted one of {row['status_in']}")
    hx_redirect = response.headers.get("HX-Redirect")
    if "hx_redirect_path" in row:
        if not hx_redirect:
            found.append(f"no HX-Redirect (Location {response.headers.get('Location')!r})")
        else:
            parts = urlsplit(hx_redirect)
            if parts.path != row["hx_redirect_path"]:
                found.append(f"HX-Redirect {hx_redirect!r}, wanted {row['hx_redirect_path']}")
            nxt = parse_qs(parts.query).get("next", [""])[0]
            if "hx_redirect_next" in row and nxt != fill(row["hx_redirect_next"], names):
                found.append(f"HX-Redirect next={nxt!r}, wanted {row['hx_redirect_next']!r}")
    if row.get("no_location") and response.headers.get("Location"):
        found.append(f"Location {response.headers['Location']!r}: htmx would follow it")
    if row.get("no_hx_redirect") and hx_redirect:
        found.append(f"HX-Redirect {hx_redirect!r}")
    if "location_path" in row:
        location = response.headers.get("Location", "")
        if urlsplit(location).path != row["location_path"]:
            found.append(f"Location {location!r}, wanted {row['location_path']}")
    if row.get("not_bare"):
        target = fill(row["redirect_ok"], names)
        if status in (301, 302, 303, 307, 308):
            location = urlsplit(response.headers.get("Location", ""))
            if location.path != target:
                found.append(f"redirects to {location.path!r}, wanted {target!r}")
        elif status != 200 or not is_page(body):
            found.append(f"status {status}, a bare fragment ({body[:80]!r})")
    if row.get("full_page") and not is_page(body):
        found.append(f"not a whole page: {body[:80]!r}")
    if row.get("fragment") and is_page(body):
        found.append("a whole page where a fragment was wanted")
    if row.get("cache_safe"):
        cache_control = response.headers.get("Cache-Control", "")
        vary = response.headers.get("Vary", "").lower()
        if "no-store" not in cache_control and "hx-request" not in vary:
            found.append(f"Cache-Control {cache_control!r}, Vary {vary!r}")
    whole_page = ("HX-Redirect", "HX-Refresh", "HX-Location", "HX-Retarget")
    if row.get("whole_page_instruction") and not any(h in response.headers for h in whole_page):
        found.append(f"no whole-page instruction (status {status}, {body[:60]!r})")
    for text in row.get("contains", []):
        if fill(text, names) not in body:
            found.append(f"{text!r} missing")
    for text in row.get("absent", []):
        if fill(text, names) in body:
            found.append(f"{text!r} present")
    for pattern in row.get("contains_regex", []):
        if not re.search(pattern, body):
            found.append(f"/{pattern}/ not found")
    if "runs_added" in row and added != row["runs_added"]:
        found.append(f"{added} runs started, wanted {row['runs_added']}")
    return found


def settings_for_rows(settings: Any) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.mark.django_db
@pytest.mark.parametrize("row", REAL, ids=[row["id"] for row in REAL])
def test_every_real_row_holds(row: dict[str, Any], settings: Any) -> None:
    settings_for_rows(settings)
    w = world()
    response, added = play(row, w)
    problems = problems_of(row, response, added, w["names"])
    assert problems == [], f"{row['id']} ({row['why']}): {problems}"
