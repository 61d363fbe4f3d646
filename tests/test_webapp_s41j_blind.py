"""Blind round s41j: an MSP's first hour in the web app, through the Django test client.

Written from docs/webapp.md and the round's brief before any of it ran: what a demanding MSP
admin who runs some 40 customer domains expects at each step. Signs up by code, pastes a messy
list (blanks, a duplicate, upper case, trailing dots, a bullet, a URL, a name another team has
verified), reads the records to publish with their copy buttons, invites a teammate, reads the
list sorted by score and what to look at first, one domain's history, the CSV exports, and
sets an alert address for the team. At every page, someone of another team (charlie) sees
none of it. tests/test_browser_s41j.py walks the same hour in chromium.

Results. Four batches, each committed before it ran (the first in 9cb44ca1 by another
session's commit, taken back in 2aae9887 and added again in 205d2cb5). E01-E12: 8 held as
written; 4 were my harness or my expectation, corrected with notes (E06/E10 read a streamed
download, E08 a relative link, E10 an empty worst_finding_status for a clean domain, E11 404
for a member as for outsiders). F01-F08 and G01-G04 (a team per client) held. H01-H02 held;
H03 was my error (UTS 46 ignores U+200B). The three planted rows (P1 a duplicate added twice,
P2 an export without a byte order mark, P3 403 for an outsider) failed on their rows alone and
are removed. Product defects found by the round, outside these rows and fixed failing-first:
the domain CSV downloads carried no team name (2f9929c5, tests/test_webapp_s41j_exports.py),
and Verify all gave no link to the records when every lookup failed (0930b1e2,
tests/test_webapp_s41j_verify_all_records.py, the browser walk's Verify all step)."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.utils import timezone

from mailsec.accounts.models import Membership, Profile, Team
from mailsec.alerts.models import TeamAlertAddress
from mailsec.domains.models import Domain
from tests.test_domains import finished_run
from tests.test_domains_s14_list_filter import make

pytestmark = pytest.mark.django_db

PASTE = """Acme-S41J.com.

acme-s41j.com
BETA-S41J.ORG.
  gamma-s41j.net ; gamma-s41j.net.
- delta-s41j.com
https://WWW.Epsilon-s41j.com/contact
taken-s41j.com
"""
ADDED = [
    "acme-s41j.com",
    "beta-s41j.org",
    "gamma-s41j.net",
    "delta-s41j.com",
    "www.epsilon-s41j.com",
    "taken-s41j.com",
]


def body(response: object) -> bytes:
    """A page's or a streamed download's bytes (the CSV exports stream)."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return response.content  # type: ignore[attr-defined]


def words(content: bytes) -> str:
    text = re.sub(r"<[^>]+>", " ", content.decode())
    return re.sub(r"\s+", " ", html.unescape(text))


def rows(content: bytes) -> list[str]:
    """Each table row of the page, as words."""
    return [words(r.encode()) for r in re.findall(r"<tr\b.*?</tr>", content.decode(), re.S)]


def row_of(content: bytes, name: str) -> list[str]:
    return [r for r in rows(content) if name in r]


def person(email: str) -> tuple[User, Team, Client]:
    user = User.objects.create_user(email.split("@")[0], email)
    team = Team.create_for(user)
    Profile.objects.create(user=user, current_team=team)
    client = Client()
    client.force_login(user)
    return user, team, client


@pytest.fixture
def world() -> dict[str, object]:
    """alice, the MSP, signed in with her team; charlie, another team, who verified
    taken-s41j.com and has a client of his own."""
    alice, team, a = person("alice@msp-s41j.com")
    charlie, theirs, c = person("charlie@other-s41j.org")
    Domain.objects.create(team=theirs, name="taken-s41j.com", verified_at=timezone.now())
    Domain.objects.create(team=theirs, name="secret-client-s41j.com", verified_at=timezone.now())
    return {"alice": alice, "team": team, "a": a, "charlie": charlie, "theirs": theirs, "c": c}


def outsider_sees_none(c: Client, *paths: str) -> None:
    for path in paths:
        r = c.get(path)
        for name in ADDED[:4]:
            assert name not in r.content.decode(), (path, name)


# E01: sign-up by code: a six-digit code by mail, no sign-in link in it; the code typed lands
# the new account signed in with its own team, which holds no domain.
def test_E01_sign_up_by_code() -> None:
    client = Client()
    r = client.post("/accounts/signup/", {"email": "New@MSP-s41j.com"})
    assert r.status_code == 302
    body = mail.outbox[-1].body
    code = re.search(r"^\s*(\d{6})\s*$", body, re.M)
    assert code, body
    assert "http" not in body.split(code.group(1))[0][-200:]  # no link beside the code
    assert not re.search(r"https?://\S+/(accounts/)?(login|confirm)\S*key", body)
    r = client.post(
        "/accounts/confirm-email/", {"code": f" {code.group(1)[:3]}-{code.group(1)[3:]} "}
    )
    assert r.status_code == 302
    page = client.get("/domains/")
    assert page.status_code == 200
    assert "No domains yet" in words(page.content)


# E02: the messy paste: every entry as pasted, each once; upper case and trailing dots folded,
# the second acme and second gamma "listed twice", the bullet left out, the URL's host kept as
# typed (www.) and said where it was taken from, the name charlie verified added unverified.
def test_E02_messy_paste(world: dict) -> None:
    a = world["a"]
    r = a.post("/domains/add-many/", {"names": PASTE})
    assert r.status_code == 200
    team = world["team"]
    assert sorted(Domain.objects.filter(team=team).values_list("name", flat=True)) == sorted(ADDED)
    assert not Domain.objects.filter(team=team, verified_at__isnull=False).exists()
    acme = row_of(r.content, "acme-s41j.com")
    assert len(acme) == 2, acme
    assert "added" in acme[0].lower()
    assert "listed twice" in acme[1].lower()
    gamma = row_of(r.content, "gamma-s41j.net")
    assert len(gamma) == 2 and "listed twice" in gamma[1].lower(), gamma
    assert any("added" in x.lower() for x in row_of(r.content, "beta-s41j.org"))
    assert any("added" in x.lower() for x in row_of(r.content, "taken-s41j.com"))
    text = words(r.content)
    assert "Epsilon-s41j.com/contact" in text or "epsilon-s41j.com/contact" in text
    assert "refused" not in " ".join(row_of(r.content, "delta-s41j.com")).lower()
    # charlie keeps his verified domain, and alice learns nothing of him.
    assert Domain.objects.get(team=world["theirs"], name="taken-s41j.com").verified_at
    assert "charlie" not in text and "other-s41j" not in text
    outsider_sees_none(world["c"], "/domains/", "/domains/?status=unverified", "/alerts/")


# E03: the answer gives each added name's exact record (full name, TXT, value), copy buttons,
# and one zone-file block with all of them.
def test_E03_records_with_copy_buttons(world: dict) -> None:
    r = world["a"].post("/domains/add-many/", {"names": PASTE})
    page = r.content.decode()
    for name in ADDED:
        d = Domain.objects.get(team=world["team"], name=name)
        assert f"_mailsec-challenge.{name}" in page, name
        assert d.challenge_value in page, name
    assert re.search(r"<button[^>]*>[^<]*Copy", page), "no copy button"
    block = re.findall(r"<pre\b.*?</pre>", page, re.S)
    assert any(all(f"_mailsec-challenge.{n}" in b for n in ADDED) for b in block), block


# E04: the same paste again adds nothing twice: each is "already in your team".
def test_E04_paste_again(world: dict) -> None:
    a = world["a"]
    a.post("/domains/add-many/", {"names": PASTE})
    r = a.post("/domains/add-many/", {"names": PASTE})
    assert Domain.objects.filter(team=world["team"]).count() == 6
    for name in ADDED:
        assert any("already in your team" in x.lower() for x in row_of(r.content, name)), name


# E05: a domain's page: the record in full and relative to the zone (_mailsec-challenge.www for
# www.epsilon), copy buttons; charlie gets 404 for the page and its Verify.
def test_E05_domain_page_record(world: dict) -> None:
    world["a"].post("/domains/add-many/", {"names": PASTE})
    d = Domain.objects.get(team=world["team"], name="www.epsilon-s41j.com")
    r = world["a"].get(f"/domains/{d.code}/")
    page = r.content.decode()
    assert "_mailsec-challenge.www.epsilon-s41j.com" in page
    assert "_mailsec-challenge.www" in words(r.content)
    assert d.challenge_value in page
    assert re.search(r"<button[^>]*>[^<]*Copy", page)
    c = world["c"]
    assert c.get(f"/domains/{d.code}/").status_code == 404
    assert c.post(f"/domains/{d.code}/verify/").status_code == 404
    assert Domain.objects.filter(pk=d.pk, verified_at=None).exists()


# E06: records.csv: a row per domain not verified with name, host, TXT and value; charlie's
# has none of alice's.
def test_E06_records_csv(world: dict) -> None:
    world["a"].post("/domains/add-many/", {"names": PASTE})
    r = world["a"].get("/domains/records.csv")
    text = body(r).decode("utf-8-sig")
    for name in ADDED:
        d = Domain.objects.get(team=world["team"], name=name)
        assert d.challenge_value in text and f"_mailsec-challenge.{name}" in text
    assert "TXT" in text
    theirs = body(world["c"].get("/domains/records.csv")).decode("utf-8-sig")
    for name in ADDED[:4]:
        assert name not in theirs


# E07: invite a teammate: a mail with the link; the link alone joins nobody; bob presses Join
# and sees the team's domains; eve, signed in with another address, cannot join by the link.
def test_E07_invite_a_teammate(world: dict) -> None:
    a = world["a"]
    a.post("/domains/add-many/", {"names": PASTE})
    r = a.post("/team/invite/", {"email": "bob@msp-s41j.com", "role": "member"})
    assert r.status_code in (200, 302)
    link = re.search(r"/invite/[^/\s]+/", mail.outbox[-1].body)
    assert link and mail.outbox[-1].to == ["bob@msp-s41j.com"]
    eve, _, e = person("eve@other-s41j.org")
    e.get(link.group(0))
    e.post(link.group(0))
    assert not Membership.objects.filter(team=world["team"], user=eve).exists()
    bob, _, b = person("bob@msp-s41j.com")
    b.get(link.group(0))
    assert not Membership.objects.filter(team=world["team"], user=bob).exists()
    b.post(link.group(0))
    assert Membership.objects.get(team=world["team"], user=bob).role == "member"
    listing = b.get("/domains/").content.decode()
    assert "acme-s41j.com" in listing
    assert "secret-client-s41j.com" not in listing
    outsider_sees_none(world["c"], "/team/", "/domains/")


# E08: the list sorted by score, worst first; the domains with no score after; the "To look
# at" line counts what fails and needs attention, each a link to its filter.
def test_E08_sorted_by_score(world: dict) -> None:
    team = world["team"]
    make(team, "ok-s41j.com", score=96, worst="pass")
    make(team, "bad-s41j.com", score=35, worst="fail")
    make(team, "meh-s41j.com", score=72, worst="warn")
    make(team, "new-s41j.com", verified=False)
    r = world["a"].get("/domains/?sort=score")
    order = re.findall(
        r'<th scope="row"><a href="/domains/[0-9a-f-]{36}/">([^<]*)</a>', r.content.decode()
    )
    assert order == ["bad-s41j.com", "meh-s41j.com", "ok-s41j.com", "new-s41j.com"], order
    plain = words(world["a"].get("/domains/").content)
    assert "To look at" in plain and "1 failing" in plain
    assert 'href="?status=failing' in world["a"].get("/domains/").content.decode()
    failing = world["a"].get("/domains/?status=failing").content.decode()
    assert "bad-s41j.com" in failing and "ok-s41j.com" not in failing
    theirs = world["c"].get("/domains/?sort=score").content.decode()
    assert "bad-s41j.com" not in theirs and "secret-client-s41j.com" in theirs


# E09: one domain's history: its page shows the runs' scores over time and a compare; charlie
# gets 404 for the page and the compare.
def test_E09_history(world: dict) -> None:
    d = make(world["team"], "hist-s41j.com", score=90, worst="pass", days_ago=3)
    finished_run(d, score=60, days_ago=2)
    last = finished_run(d, score=85, days_ago=1)
    d.set_last_run(last)
    r = world["a"].get(f"/domains/{d.code}/")
    assert r.status_code == 200
    page = words(r.content)
    assert "History" in page or "history" in page
    assert "85" in page
    assert world["c"].get(f"/domains/{d.code}/").status_code == 404
    assert world["c"].get(f"/domains/{d.code}/compare/").status_code == 404


# E10: the CSV export: UTF-8 with BOM, the documented columns, every domain by name in natural
# order whatever the filter, formula-looking cells defused; charlie's has none of them.
def test_E10_export_csv(world: dict) -> None:
    team = world["team"]
    make(team, "client10-s41j.com", score=50, worst="fail")
    make(team, "client2-s41j.com", score=90, worst="pass")
    d = Domain.objects.create(team=team, name="client3-s41j.com", verified_at=timezone.now())
    run = finished_run(
        d,
        score=40,
        findings=[{"id": "MX-01", "status": "fail", "mechanism": "mx", "summary": "=1+1 oops"}],
    )
    d.set_last_run(run)
    r = world["a"].get("/domains/export.csv?status=failing")
    raw = body(r)
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [t["domain"] for t in table] == [
        "client2-s41j.com",
        "client3-s41j.com",
        "client10-s41j.com",
    ]
    for column in ("domain_ascii", "verified", "score", "worst_finding_id", "last_checked_utc"):
        assert column in table[0], column
    assert table[1]["worst_finding_summary"].startswith("'=")
    # Corrected after the run: I wrote "Good". A domain whose findings all pass has no worst
    # finding (the list says "Nothing wrong"): the three worst_finding_* cells are empty.
    assert table[0]["worst_finding_status"] == "" and table[0]["score"] == "90"
    theirs = body(world["c"].get("/domains/export.csv")).decode("utf-8-sig")
    assert "client2-s41j.com" not in theirs and "secret-client-s41j.com" in theirs


# E11: alert recipients: the owner adds noc@ for the team; it gets a confirmation mail and is
# not sent alerts until confirmed; the alerts page lists it; bob (a member) cannot add one;
# charlie posting to alice's team gets 404. Corrected after the run: I wrote 403 for bob; the
# owner's team settings answer 404 to the team's other members as to outsiders
# (alerts.views._owned_team_or_404, as the team's deletion page), and nothing is added.
def test_E11_alert_addresses(world: dict) -> None:
    team = world["team"]
    a = world["a"]
    r = a.post(
        f"/alerts/team/{team.code}/addresses/", {"email": "noc@msp-s41j.com", "mode": "immediate"}
    )
    assert r.status_code in (200, 302)
    address = TeamAlertAddress.objects.get(team=team, email="noc@msp-s41j.com")
    assert address.token in mail.outbox[-1].body and mail.outbox[-1].to == ["noc@msp-s41j.com"]
    assert "noc@msp-s41j.com" in a.get("/alerts/").content.decode()
    bob, _, b = person("bob@msp-s41j.com")
    Membership.objects.create(team=team, user=bob, role=Membership.Role.MEMBER)
    Profile.objects.filter(user=bob).update(current_team=team)
    r = b.post(
        f"/alerts/team/{team.code}/addresses/", {"email": "x@msp-s41j.com", "mode": "immediate"}
    )
    assert r.status_code == 404
    r = world["c"].post(
        f"/alerts/team/{team.code}/addresses/", {"email": "y@other-s41j.org", "mode": "immediate"}
    )
    assert r.status_code == 404
    assert TeamAlertAddress.objects.filter(team=team).count() == 1
    assert "noc@msp-s41j.com" not in world["c"].get("/alerts/").content.decode()


# E12: Verify all on a fresh import (nothing published; lookups fail in tests) verifies none,
# says why per domain, and leaves charlie's taken-s41j.com verified.
def test_E12_verify_all_nothing_published(world: dict, unanswered_lookups_end_soon: None) -> None:
    a = world["a"]
    a.post("/domains/add-many/", {"names": PASTE})
    r = a.post("/domains/verify-all/")
    assert r.status_code == 200
    assert not Domain.objects.filter(team=world["team"], verified_at__isnull=False).exists()
    assert Domain.objects.get(team=world["theirs"], name="taken-s41j.com").verified_at
    text = words(r.content)
    assert "Lookup failed" in text or "No TXT record" in text
    assert "secret-client" not in text


# Second batch, written after the first ran and before this one did.

SHEET = "Client\tDomain\tSeats\r\nAcme\tzeta-s41j.com\t5\r\nBeta\tETA-S41J.COM.\t12\r\n\r\n"


# F01: an invitation typed in capitals is joined by the same address in lower case.
def test_F01_invite_in_capitals(world: dict) -> None:
    world["a"].post("/team/invite/", {"email": "Bob@MSP-S41J.com", "role": "member"})
    link = re.search(r"/invite/[^/\s]+/", mail.outbox[-1].body)
    assert link
    bob, _, b = person("bob@msp-s41j.com")
    b.post(link.group(0))
    assert Membership.objects.filter(team=world["team"], user=bob).exists()


# F02: inviting someone already in the team sends no mail and says so.
def test_F02_invite_a_member(world: dict) -> None:
    bob, _, _ = person("bob@msp-s41j.com")
    Membership.objects.create(team=world["team"], user=bob, role=Membership.Role.MEMBER)
    sent = len(mail.outbox)
    r = world["a"].post("/team/invite/", {"email": "BOB@msp-s41j.com"}, follow=True)
    assert len(mail.outbox) == sent
    assert "already in this team" in words(r.content)


# F03: records.csv gives www.epsilon's zone and the host to type there.
def test_F03_records_csv_host(world: dict) -> None:
    world["a"].post("/domains/add-many/", {"names": PASTE})
    text = body(world["a"].get("/domains/records.csv")).decode("utf-8-sig")
    line = next(x for x in text.splitlines() if "www.epsilon-s41j.com" in x)
    assert "epsilon-s41j.com" in line.split(",") and "_mailsec-challenge.www" in line.split(",")


# F04: the export's row of a domain not verified: verified no, no score.
def test_F04_export_unverified(world: dict) -> None:
    world["a"].post("/domains/add-many/", {"names": PASTE})
    table = list(
        csv.DictReader(io.StringIO(body(world["a"].get("/domains/export.csv")).decode("utf-8-sig")))
    )
    assert len(table) == 6
    row = next(t for t in table if t["domain"] == "acme-s41j.com")
    assert row["verified"] == "no" and row["score"] == "" and row["last_checked_utc"] == ""


# F05: a viewer sees the list but no add form; a paste posted anyway is refused with 403.
def test_F05_viewer_cannot_add(world: dict) -> None:
    vic, _, v = person("vic@msp-s41j.com")
    Membership.objects.create(team=world["team"], user=vic, role=Membership.Role.VIEWER)
    Profile.objects.filter(user=vic).update(current_team=world["team"])
    page = v.get("/domains/").content.decode()
    assert "Add several domains at once" not in page
    assert v.post("/domains/add-many/", {"names": "zeta-s41j.com"}).status_code == 403
    assert not Domain.objects.filter(name="zeta-s41j.com").exists()


# F06: a spreadsheet's columns pasted (tabs, CRLF, a header): the two domains are added, the
# other words refused, each with its line.
def test_F06_spreadsheet_paste(world: dict) -> None:
    r = world["a"].post("/domains/add-many/", {"names": SHEET})
    names = set(Domain.objects.filter(team=world["team"]).values_list("name", flat=True))
    assert names == {"zeta-s41j.com", "eta-s41j.com"}
    assert "refused" in words(r.content).lower()


# F07: sixty new names with room for fifty: fifty added in the order pasted, ten "not added:
# over the limit", their names left in the form to send again.
def test_F07_over_the_limit(world: dict) -> None:
    names = [f"client{i:02d}-s41j.com" for i in range(60)]
    r = world["a"].post("/domains/add-many/", {"names": "\n".join(names)})
    added = set(Domain.objects.filter(team=world["team"]).values_list("name", flat=True))
    assert added == set(names[:50])
    over = [x for x in rows(r.content) if "over the limit" in x.lower()]
    assert len(over) == 10
    form = re.search(r"<textarea[^>]*>(.*?)</textarea>", r.content.decode(), re.S)
    assert form and all(n in form.group(1) for n in names[50:])
    assert not any(n in form.group(1) for n in names[:50])


# F08: an extra alert address that is an invited but not yet joined teammate's is accepted;
# typed in capitals again, it is the same address, not a second.
def test_F08_alert_address_case(world: dict) -> None:
    team, a = world["team"], world["a"]
    url = f"/alerts/team/{team.code}/addresses/"
    a.post(url, {"email": "NOC@msp-s41j.com", "mode": "digest"})
    a.post(url, {"email": "noc@MSP-S41J.COM", "mode": "digest"})
    assert TeamAlertAddress.objects.filter(team=team).count() == 1


# Third batch, written after the second ran (all 8 held) and before this one did: the MSP keeps
# a team per client (docs/webapp.md, Teams), and one client's team never shows another's.


@pytest.fixture
def two_clients(world: dict) -> dict:
    """alice's own team holds acme; her second team, "Client B", holds two of B's domains,
    one checked; alice is on her own team."""
    b = Team.objects.create(name="Client B")
    Membership.objects.create(team=b, user=world["alice"], role=Membership.Role.OWNER)
    make(world["team"], "acme-s41j.com", score=70, worst="warn")
    make(b, "bee-s41j.com", score=30, worst="fail")
    Domain.objects.create(team=b, name="bee-shop-s41j.com")
    return {**world, "b": b}


B_NAMES = ["bee-s41j.com", "bee-shop-s41j.com"]


# G01: on her own team, none of Client B's domains on any page or download of the team.
def test_G01_own_team_shows_none_of_client_b(two_clients: dict) -> None:
    a = two_clients["a"]
    for path in (
        "/domains/",
        "/domains/?sort=score",
        "/domains/?status=failing",
        "/domains/?q=bee",
        "/domains/export.csv",
        "/domains/records.csv",
        "/alerts/",
        "/tlsrpt/all-domains/",
    ):
        text = body(a.get(path)).decode("utf-8-sig")
        for name in B_NAMES:
            assert name not in text, (path, name)


# G02: switched to Client B, only B's: acme is on none of those pages.
def test_G02_client_b_shows_only_its_own(two_clients: dict) -> None:
    a = two_clients["a"]
    a.post(f"/team/{two_clients['b'].code}/switch/")
    listing = a.get("/domains/?sort=score").content.decode()
    assert "bee-s41j.com" in listing and "acme-s41j.com" not in listing
    for path in ("/domains/export.csv", "/domains/records.csv", "/alerts/"):
        text = body(a.get(path)).decode("utf-8-sig")
        assert "acme-s41j.com" not in text, path


# G03: the client invited to Client B as a viewer sees B's domains, and acme's page answers
# 404 to them; charlie sees neither.
def test_G03_client_viewer_sees_only_their_team(two_clients: dict) -> None:
    a = two_clients["a"]
    a.post(f"/team/{two_clients['b'].code}/switch/")
    a.post("/team/invite/", {"email": "boss@client-b-s41j.com", "role": "viewer"})
    link = re.search(r"/invite/[^/\s]+/", mail.outbox[-1].body)
    assert link
    boss, _, v = person("boss@client-b-s41j.com")
    v.post(link.group(0))
    assert Membership.objects.get(team=two_clients["b"], user=boss).role == "viewer"
    v.post(f"/team/{two_clients['b'].code}/switch/")
    listing = v.get("/domains/").content.decode()
    assert "bee-s41j.com" in listing and "acme-s41j.com" not in listing
    acme = Domain.objects.get(name="acme-s41j.com")
    assert v.get(f"/domains/{acme.code}/").status_code == 404
    bee = Domain.objects.get(name="bee-s41j.com")
    assert two_clients["c"].get(f"/domains/{bee.code}/").status_code == 404


# G04: Verify all on her own team looks at none of Client B's domains.
def test_G04_verify_all_stays_in_the_team(
    two_clients: dict, unanswered_lookups_end_soon: None
) -> None:
    r = two_clients["a"].post("/domains/verify-all/")
    text = words(r.content)
    assert "bee-shop-s41j.com" not in text


# Fourth batch, written after the third ran (G01-G04 held) and before this one did: what a list
# copied out of a web page, a spreadsheet or a file carries around the names.


# H01: a byte order mark at the paste's start, no-break spaces around a name (web tables,
# spreadsheets), a tab between names: each name is added as if typed alone, nothing refused.
def test_H01_blanks_a_copy_carries(world: dict) -> None:
    paste = "\ufeffzeta-s41j.com\n\u00a0eta-s41j.com\u00a0\ntheta-s41j.com\tiota-s41j.com\n"
    r = world["a"].post("/domains/add-many/", {"names": paste})
    names = set(Domain.objects.filter(team=world["team"]).values_list("name", flat=True))
    assert names == {"zeta-s41j.com", "eta-s41j.com", "theta-s41j.com", "iota-s41j.com"}
    assert "refused" not in words(r.content).lower()


# H02: a name in capitals with an umlaut and a trailing dot is stored as its A-label and shown
# as people read it; the same name pasted as its A-label is "listed twice".
def test_H02_idn_in_capitals(world: dict) -> None:
    r = world["a"].post("/domains/add-many/", {"names": "BÜCHER-S41J.DE.\nxn--bcher-s41j-9db.de"})
    assert list(Domain.objects.filter(team=world["team"]).values_list("name", flat=True)) == [
        "xn--bcher-s41j-9db.de"
    ]
    assert "bücher-s41j.de" in words(r.content)
    assert any("listed twice" in x.lower() for x in row_of(r.content, "xn--bcher-s41j-9db.de"))


# H03: a zero-width space copied after a name is refused with a reason that names it (as the
# single add names U+200E since s41h), and the other names are added.
# Corrected after the run: I was wrong. UTS 46 maps U+200B to nothing ("ignored"), as a
# browser's address bar reads it, so the name is kappa-s41j.com and is added; the characters
# s41h names (U+200E, U+200F, U+202E) are disallowed there, not ignored.
def test_H03_zero_width_space(world: dict) -> None:
    world["a"].post("/domains/add-many/", {"names": "kappa-s41j.com\u200b\nlambda-s41j.com"})
    names = set(Domain.objects.filter(team=world["team"]).values_list("name", flat=True))
    assert names == {"kappa-s41j.com", "lambda-s41j.com"}
