"""Blind round s43c: an admin hosts MTA-STS with us and takes it from testing to enforce and
back, in Debian's chromium (Playwright, the fixtures of the other hosting browser tests).

The expectations (ROWS) were written from docs/hosting.md (*For customers: the records to
publish*, *Enforce*, *Stopping*), docs/webapp.md (roles: member, viewer, "Anything outside
your teams answers 404"), docs/reports.md (*Ready for enforce?*) and RFC 8461 §3.1 (the TXT
record: v=STSv1; id=1*32(ALPHA / DIGIT)), §3.2 (the policy: version first, CRLF lines, mode,
max_age, mx), §3.3 (served as text/plain) and §5.1 (a changed policy gets a new id), before
any of it ran. Rows P01-P03 were planted, written wrong on purpose (removed after the run).

What earlier hosting browser tests (s12 records partial, s40b CAA after the press, s11
readiness card on the reports dashboard, s42p htmx) and the hosting blind rounds (played with
the Django test client) left out, and this round plays in the browser, one admin's whole
afternoon: Host MTA-STS (what the button says it starts in), the exact records to publish
read off the page and published as read, the panel's "in place?" changing in place on *Look
again*, the Mode card while reports are too few and while the check saw an MX fail, then
Switch to enforce, what /.well-known/mta-sts.txt and our zone's id say at each step, back to
testing through Settings, Stop hosting and the release; and what a teammate (member), a viewer
and an outsider see of the same pages.

The people: alice owns the team; bob is a member, vera a viewer; charlie has a team of his own.
example.org is verified (MX 10 mx1.example.org). DNS: an in-process wire server on 127.0.0.1
(tests/test_dns_s9_server.py, no lab) answers the engine's resolver from a zone the test
edits, so every lookup of the hosting code runs for real; our policy zone is
tests/test_hosting_s25_blind.StandInZone (it records UPDATEs; the wire server answers its
TXT). The policy is fetched over real HTTP from the live server with Host
mta-sts.example.org. TLS reports go through ingestion (RawReport.process); the latest check
is a finished CheckRun with the engine's per-MX TLS findings (tests/test_hosting.checked).
Reports are dated after the testing start, which is moved 10 days back (the one time shift).

Results (SQLite, chromium under the lab lock; expectations committed in 4c4eb9d1 before any
ran; the play took 14 s). The 3 planted rows failed on their own rows (P01 max_age one week,
not a day; P02 the outsider's page 404, not 200; P03 the id changed with the mode) and were
then removed. 42 of the 43 rows held as written. R01 was mine, corrected where it stands
(the button names the mode only for a start from a served policy or an unread one; with
nothing served the paragraph above it says testing, max_age one week); the second run: 43
held.
"""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from typing import Any
from unittest import mock

import dns.message
import dns.rcode
import dns.rdatatype
import pytest
from django.contrib.auth.models import User
from django.db import connections
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from checks.dns import DnsClient
from mailsec.accounts.models import Membership, Profile, Team
from mailsec.hosting import lookups, service
from mailsec.hosting.models import HostedPolicy
from mailsec.hosting.zone import PolicyZone
from reports.models import ReportAddress
from tests import test_browser_s11_readiness
from tests.test_browser_s11_forms import verified_domain
from tests.test_browser_s11_readiness import csp_violations, owner, signed_in
from tests.test_dns_s9_server import Reply, answer, fake_dns, records
from tests.test_hosting import checked
from tests.test_hosting_s25_blind import StandInZone
from tests.test_reports_dash_s8_figures import post, report

pytestmark = [pytest.mark.browser]

browser = test_browser_s11_readiness.browser

APEX = "example.org"
MX1 = "mx1.example.org"
POLICY_HOST = "mta-sts-host.mailsec.example"
OUR_ZONE = "policy.mailsec.example"
POLICY_PATH = "/.well-known/mta-sts.txt"
WEEK = 604800

# --- the expectations, written before anything ran --------------------------------------------
# Each row: id, the observation it reads (filled in by the play below), how it is compared
# ("eq", "has": every item is in the text, "lacks": none is, "re": the pattern is found), the
# expected value, and where it comes from. "planted": written wrong on purpose.
# fmt: off
ROWS: list[dict[str, Any]] = [
    # Before hosting: nothing valid is served (no check yet), so it starts in mode testing,
    # max_age one week (hosting.md, What happens next), and the page says so before the press.
    # Corrected after the first run: written as "the button says the mode it starts in", which
    # hosting.md says of a start from a valid served policy (the button then reads ", starting
    # in mode <mode>"); with nothing served the paragraph above the button says it.
    {"id": "R01", "seen": "before.enable", "op": "has",
     "expect": ["Host MTA-STS for example.org", "testing", "one week"],
     "from": "hosting.md: nothing valid served: testing, max_age one week, said before the press"},
    # After the press: the records to publish (hosting.md's table), each name also relative.
    {"id": "R02", "seen": "on.row.mta-sts", "op": "has",
     "expect": ["mta-sts.example.org", "CNAME", POLICY_HOST, "not yet"],
     "from": "hosting.md table: mta-sts.<domain> CNAME our policy host; nothing published yet"},
    {"id": "R03", "seen": "on.row._mta-sts", "op": "has",
     "expect": ["_mta-sts.example.org", "CNAME", f"example.org.{OUR_ZONE}", "not yet"],
     "from": "hosting.md table: _mta-sts.<domain> CNAME <domain>.<our policy zone>"},
    {"id": "R04", "seen": "on.row._smtp._tls", "op": "has",
     "expect": ["_smtp._tls.example.org", "TXT", "v=TLSRPTv1; rua=", "{our_rua}", "not yet"],
     "from": "hosting.md table: _smtp._tls TXT v=TLSRPTv1 with our report address"},
    {"id": "R05", "seen": "on.relative_names", "op": "has", "expect": ["mta-sts", "_mta-sts", "_smtp._tls"],
     "from": "hosting.md: each name also as providers' forms want it, relative to the domain"},
    # The policy served from the start (RFC 8461 §3.2, §3.3; hosting.md: testing, one week).
    {"id": "R06", "seen": "on.policy.status_type", "op": "re", "expect": r"^200 text/plain",
     "from": "RFC 8461 §3.3: 200, media type text/plain"},
    {"id": "R07", "seen": "on.policy.first_line", "op": "eq", "expect": "version: STSv1",
     "from": "RFC 8461 §3.2: version first"},
    {"id": "R08", "seen": "on.policy.lines", "op": "eq",
     "expect": sorted(["version: STSv1", "mode: testing", f"mx: {MX1}", f"max_age: {WEEK}"]),
     "from": "hosting.md: nothing valid served: mode testing, the live MX, max_age one week"},
    {"id": "R09", "seen": "on.policy.crlf", "op": "eq", "expect": True,
     "from": "RFC 8461 §3.2 / hosting.md PolicyHostMiddleware: CRLF lines"},
    {"id": "R10", "seen": "on.zone_id", "op": "re", "expect": r"^[A-Za-z0-9]{1,32}$",
     "from": "RFC 8461 §3.1: id = 1*32(ALPHA / DIGIT), published in our zone"},
    # Publishing the records as the page gave them, then Look again: the panel changes in
    # place, no reload (hosting.md), each row in place.
    {"id": "R11", "seen": "published.states", "op": "eq", "expect": ["yes", "yes", "yes"],
     "from": "hosting.md: Look again fetches it anew in place after publishing"},
    {"id": "R12", "seen": "published.same_document", "op": "eq", "expect": True,
     "from": "hosting.md: no reload after publishing a record"},
    {"id": "R13", "seen": "published.focus", "op": "eq", "expect": "Look again",
     "from": "hosting.md: the focus stays on the link"},
    # The Mode card with no reports yet (hosting.md Enforce: the dashboard's words).
    {"id": "R14", "seen": "noreports.mode_card", "op": "has", "expect": ["Too few reports to judge yet"],
     "from": "hosting.md Enforce: Too few reports to judge yet (what is missing)"},
    {"id": "R15", "seen": "noreports.enforce_button", "op": "eq", "expect": 0,
     "from": "hosting.md: one click switches to enforce only when it is safe"},
    {"id": "R16", "seen": "noreports.mode_options", "op": "eq", "expect": ["none", "testing"],
     "from": "hosting.md: the Settings form offers only none and testing"},
    # Enough clean reports (8 days, 2 reporters) but the latest check saw mx1 fail TLS.
    {"id": "R17", "seen": "mxfail.mode_card", "op": "has", "expect": ["Not yet", MX1],
     "from": "hosting.md Enforce: Not yet, failures seen listed; reports.md: per MX"},
    {"id": "R18", "seen": "mxfail.mode_card", "op": "lacks", "expect": ["Too few reports"],
     "from": "8 days from 2 reporters with sessions are enough reports"},
    {"id": "R19", "seen": "mxfail.enforce_button", "op": "eq", "expect": 0,
     "from": "hosting.md: not safe, so no Switch to enforce"},
    # The check passes: safe.
    {"id": "R20", "seen": "ready.mode_card", "op": "has", "expect": ["looks safe"],
     "from": "hosting.md Enforce: the page says when enforcing looks safe"},
    {"id": "R21", "seen": "ready.enforce_button", "op": "eq", "expect": 1,
     "from": "hosting.md: when it is safe, one click switches to enforce"},
    # A teammate (member) and a viewer see the same page; an outsider sees nothing.
    {"id": "R22", "seen": "bob.enforce_button", "op": "eq", "expect": 1,
     "from": "webapp.md: a member hosts the team's domains"},
    {"id": "R23", "seen": "bob.records", "op": "eq", "expect": "{alice.records}",
     "from": "the same records for every member"},
    {"id": "R24", "seen": "vera.page", "op": "has",
     "expect": ["You have read-only access to this team", POLICY_HOST, "looks safe"],
     "from": "webapp.md: a viewer sees the hosting page, no buttons, read-only line"},
    {"id": "R25", "seen": "vera.buttons", "op": "eq", "expect": [],
     "from": "webapp.md: no buttons for changes (Switch to enforce, Stop hosting, Save, Compare)"},
    {"id": "R26", "seen": "charlie.statuses", "op": "eq", "expect": [404, 404, 404],
     "from": "webapp.md: anything outside your teams answers 404 (page, records, events)"},
    {"id": "R27", "seen": "charlie.text", "op": "lacks", "expect": [POLICY_HOST, "mx1.example.org", "{zone_id}"],
     "from": "an outsider's 404 names nothing of the domain's hosting"},
    # Switch to enforce (RFC 8461 §5.1: a new id; hosting.md: mode, mx, max_age kept).
    {"id": "R28", "seen": "enforce.policy.lines", "op": "eq",
     "expect": sorted(["version: STSv1", "mode: enforce", f"mx: {MX1}", f"max_age: {WEEK}"]),
     "from": "hosting.md: Switch to enforce changes the mode only"},
    {"id": "R29", "seen": "enforce.id_changed", "op": "eq", "expect": True,
     "from": "RFC 8461 §3.1/§5.1, hosting.md: the id changes whenever the policy changes"},
    {"id": "R30", "seen": "enforce.record_state", "op": "eq", "expect": "yes",
     "from": "hosting.md: the CNAME into our zone follows the id; you never touch it again"},
    {"id": "R31", "seen": "enforce.mode_options", "op": "eq", "expect": ["none", "testing", "enforce"],
     "from": "hosting.md: Settings keeps enforce once it is on"},
    {"id": "R32", "seen": "enforce.message", "op": "has", "expect": ["enforce"],
     "from": "hosting.md: the page's own message after the action"},
    # Back to testing through Settings: a new id again; readiness counts from the new start.
    {"id": "R33", "seen": "back.policy.lines", "op": "eq",
     "expect": sorted(["version: STSv1", "mode: testing", f"mx: {MX1}", f"max_age: {WEEK}"]),
     "from": "Settings: mode testing"},
    {"id": "R34", "seen": "back.ids_distinct", "op": "eq", "expect": 3,
     "from": "hosting.md: a text coming back gets a new id, never an old one"},
    {"id": "R35", "seen": "back.enforce_button", "op": "eq", "expect": 0,
     "from": "hosting.md: reports count since the policy went to testing (just now)"},
    # Stop hosting: mode none with a new id for max_age, since/until on the page.
    {"id": "R36", "seen": "stop.policy.lines", "op": "has", "expect": ["version: STSv1", "mode: none", f"max_age: {WEEK}"],
     "from": "hosting.md Stopping: mode none with a new id for max_age"},
    {"id": "R37", "seen": "stop.ids_distinct", "op": "eq", "expect": 4,
     "from": "hosting.md Stopping: a new id"},
    {"id": "R38", "seen": "stop.page", "op": "has", "expect": ["{until_date}", "Keep hosting"],
     "from": "hosting.md: the page says since when and until when; Keep hosting cancels"},
    {"id": "R39", "seen": "stop.enforce_button", "op": "eq", "expect": 0,
     "from": "winding down: nothing to switch"},
    # The release: 404 at the policy URL, our TXT withdrawn, the records to remove.
    {"id": "R40", "seen": "released.policy_status", "op": "eq", "expect": 404,
     "from": "hosting.md Stopping: the policy URL answers 404"},
    {"id": "R41", "seen": "released.zone_id", "op": "eq", "expect": None,
     "from": "hosting.md: our TXT is withdrawn"},
    {"id": "R42", "seen": "released.panel", "op": "has",
     "expect": ["Records to remove", "mta-sts.example.org", "_mta-sts.example.org", "yes: remove it"],
     "from": "hosting.md: Records to remove; yes: remove it for our CNAMEs still there"},
    {"id": "R43", "seen": "csp", "op": "eq", "expect": [],
     "from": "no CSP violation on any page played"},
]
# fmt: on


def holds(row: dict[str, Any], seen: dict[str, Any], fill: dict[str, Any]) -> bool:
    if row["seen"] not in seen:
        return False
    value = seen[row["seen"]]

    def filled(x: Any) -> Any:
        if isinstance(x, str) and re.fullmatch(r"\{[a-z_.]+\}", x):
            return fill[x[1:-1]]
        if isinstance(x, str):
            return re.sub(r"\{([a-z_]+)\}", lambda m: str(fill.get(m.group(1), m.group(0))), x)
        return x

    expected = row["expect"]
    if row["op"] == "eq":
        return bool(value == filled(expected))
    if row["op"] == "re":
        return re.search(expected, str(value), re.S) is not None
    text = value if isinstance(value, str) else "\n".join(map(str, value))
    items = [filled(e) for e in expected]
    if row["op"] == "has":
        return all(str(i) in text for i in items)
    if row["op"] == "lacks":
        return not any(str(i) in text for i in items)
    raise AssertionError(row)


def assert_rows(rows: list[dict[str, Any]], seen: dict[str, Any], fill: dict[str, Any]) -> None:
    """Every real row of `rows` holds on what was `seen`, and no planted row does; the rows that
    do not are listed with what was seen."""
    wrong = [row for row in rows if not row.get("planted") and not holds(row, seen, fill)]
    planted_held = [row["id"] for row in rows if row.get("planted") and holds(row, seen, fill)]
    report_lines = [
        f"{row['id']} ({row['from']}): expected {row['op']} {row['expect']!r}, "
        f"seen {seen.get(row['seen'], '(not observed)')!r}"
        for row in wrong
    ]
    assert not report_lines and not planted_held, (
        "\n".join(report_lines) + f"\nplanted rows that held: {planted_held}"
    )


# --- the harness ------------------------------------------------------------------------------


class Dns:
    """The zone the wire server answers from: lines 'name ttl TYPE rdata' (absolute names),
    and our policy zone's TXT from the stand-in zone's ids. CNAMEs are followed in the answer,
    as a recursive resolver gives them."""

    def __init__(self, zone: StandInZone) -> None:
        self.zone = zone
        self.lines: list[str] = [
            f"{APEX}. 300 MX 10 {MX1}.",
            f"{MX1}. 300 A 192.0.2.25",
            f"{POLICY_HOST}. 300 A 192.0.2.7",
        ]

    def publish(self, line: str) -> None:
        self.lines.append(line)

    def remove(self, prefix: str) -> None:
        self.lines = [line for line in self.lines if not line.startswith(prefix)]

    def rrs(self, name: str) -> list[tuple[str, str]]:
        found = []
        for line in self.lines:
            owner, _, rtype, rdata = line.split(" ", 3)
            if owner.lower() == name:
                found.append((rtype, rdata))
        for domain, policy_id in self.zone.ids.items():
            if name == f"{domain}.{OUR_ZONE}.":
                found.append(("TXT", f'"v=STSv1; id={policy_id};"'))
        return found

    def handle(self, query: dns.message.Message, transport: str) -> Reply | None:
        name = query.question[0].name.to_text().lower()
        rdtype = dns.rdatatype.to_text(query.question[0].rdtype)
        soa = records(f"{APEX}. 300 SOA ns.{APEX}. hostmaster.{APEX}. 1 7200 900 1209600 300")
        chain = []
        for _ in range(8):
            here = self.rrs(name)
            cname = [rdata for rtype, rdata in here if rtype == "CNAME"]
            if cname and rdtype != "CNAME":
                chain.append(records(f"{name} 300 CNAME {cname[0]}"))
                name = cname[0].lower()
                continue
            wanted = [rdata for rtype, rdata in here if rtype == rdtype]
            if wanted:
                rrset = records(f"{name} 300 {rdtype} {wanted[0]}")
                for rdata in wanted[1:]:
                    rrset.union_update(records(f"{name} 300 {rdtype} {rdata}"))
                return Reply(answer(query, *chain, rrset))
            if here or chain:
                return Reply(answer(query, *chain, authority=(soa,)))
            return Reply(answer(query, rcode=dns.rcode.NXDOMAIN, authority=(soa,)))
        return Reply(answer(query, rcode=dns.rcode.SERVFAIL))


@contextmanager
def wired(zone: StandInZone) -> Iterator[Dns]:
    from checks.tasks import engine_config

    data = Dns(zone)
    with fake_dns(data.handle) as server:
        address = ("127.0.0.1", server.port)

        def client() -> DnsClient:
            return DnsClient(replace(engine_config(), resolvers=(address,), timeout=5.0))

        with (
            mock.patch.object(lookups, "client", client),
            mock.patch.object(PolicyZone, "from_settings", lambda: zone),
        ):
            yield data


def fetch_policy(live_server: Any) -> tuple[int, str, bytes]:
    """GET the policy over HTTP from the live server as a sender would (Host: mta-sts.<d>)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(
        f"{live_server.url}{POLICY_PATH}", headers={"Host": f"mta-sts.{APEX}"}
    )
    try:
        with opener.open(request, timeout=15) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read()


def read_policy(seen: dict[str, Any], key: str, live_server: Any) -> None:
    status, ctype, body = fetch_policy(live_server)
    text = body.decode("utf-8", "replace")
    lines = [line for line in text.replace("\r\n", "\n").split("\n") if line]
    seen[f"{key}.policy.status_type"] = f"{status} {ctype}"
    seen[f"{key}.policy.first_line"] = lines[0] if lines else ""
    seen[f"{key}.policy.lines"] = sorted(lines)
    seen[f"{key}.policy.crlf"] = bool(text) and text.count("\n") == text.count("\r\n")


def in_thread(fn: Any) -> Any:
    """Service calls run asyncio.run, which cannot start inside Playwright's running loop."""

    def run() -> Any:
        try:
            return fn()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def person(name: str, team: Team, role: str) -> User:
    user = User.objects.create_user(name, f"{name}@example.net")
    Membership.objects.create(team=team, user=user, role=role)
    Profile.objects.create(user=user, current_team=team)
    return user


def panel_rows(page: Page) -> dict[str, str]:
    """The records panel once its live state is in (Look again shown): row text by name."""
    panel = page.locator("#records")
    expect(panel.get_by_role("link", name="Look again")).to_be_visible(timeout=20000)
    rows = {}
    for row in panel.locator("tbody tr").all():
        name = row.locator("code").first.inner_text().strip()
        rows[name] = " ".join(row.inner_text().split())
    return rows


def mode_card(page: Page) -> str:
    card = page.locator("section").filter(has=page.get_by_role("heading", name="Mode"))
    return " ".join(card.inner_text().split()) if card.count() else ""


def mode_options(page: Page) -> list[str]:
    return [o.get_attribute("value") or "" for o in page.locator("select[name=mode] option").all()]


def enforce_buttons(page: Page) -> int:
    return page.get_by_role("button", name="Switch to enforce").count()


def press(page: Page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()


def feed_reports(domain: Any, days: int) -> None:
    """Daily TLS reports from two organisations, sessions all successful, days 1..`days` ago,
    under the policy we serve in mode testing (RFC 8460's JSON, through ingestion)."""
    address = ReportAddress.for_domain(domain)
    today = timezone.now().date()
    lines = ["version: STSv1", "mode: testing", f"mx: {MX1}", f"max_age: {WEEK}"]
    for n in range(1, days + 1):
        day = today - timedelta(days=n)
        for org in ("Google Inc.", "Microsoft Corporation"):
            result = {
                "policy": {
                    "policy-type": "sts",
                    "policy-string": lines,
                    "policy-domain": APEX,
                    "mx-host": [MX1],
                },
                "summary": {
                    "total-successful-session-count": 30 + n,
                    "total-failure-session-count": 0,
                },
            }
            raw = post(address, report(org, f"{day}_{org}", day, [result]))
            assert raw.parse_status == "parsed", raw.error


@pytest.mark.django_db(transaction=True)
def test_testing_to_enforce_and_back_in_chromium(
    browser: Browser, live_server: Any, settings: Any
) -> None:
    started = time.monotonic()
    settings.MAILSEC_POLICY_HOST = POLICY_HOST
    settings.MAILSEC_POLICY_ZONE = OUR_ZONE
    zone = StandInZone(OUR_ZONE, ("127.0.0.1", 9), "mailsec-policy", "c2VjcmV0")
    alice = owner()
    team = Team.objects.get(memberships__user=alice)
    bob = person("bob", team, Membership.Role.MEMBER)
    vera = person("vera", team, Membership.Role.VIEWER)
    charlie = User.objects.create_user("charlie", "charlie@example.net")
    Profile.objects.create(user=charlie, current_team=Team.create_for(charlie))
    domain = verified_domain(alice)
    seen: dict[str, Any] = {}
    fill: dict[str, Any] = {"our_rua": f"mailto:{ReportAddress.for_domain(domain).mailto}"}
    violations: list[str] = []
    base = live_server.url
    url = f"{base}/hosting/{domain.code}/"

    with wired(zone) as dns_data:
        page = signed_in(browser, live_server, alice).new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        page.goto(url)
        enable = page.locator("section").filter(
            has=page.get_by_role("heading", name="Let us host the policy")
        )
        seen["before.enable"] = " ".join(enable.inner_text().split()) if enable.count() else ""

        # Host MTA-STS.
        press(page, "Host MTA-STS")
        expect(page.get_by_role("status").first).to_contain_text("Hosting is on")
        rows = panel_rows(page)
        for name, text in rows.items():
            seen[f"on.row.{name.split('.example.org')[0]}"] = text
        seen["on.relative_names"] = " ".join(rows.values())
        read_policy(seen, "on", live_server)
        seen["on.zone_id"] = zone.ids.get(APEX)
        fill["zone_id"] = zone.ids.get(APEX) or "(none)"
        ids = [zone.ids.get(APEX)]

        # Publish exactly what the page gives, then Look again (no reload).
        values = {
            name: page.locator("#records tbody tr")
            .filter(has=page.locator("code", has_text=name))
            .first.locator("[id^=record-value-]")
            .inner_text()
            .strip()
            for name in rows
        }
        for name, value in values.items():
            rtype = "TXT" if name.startswith("_smtp._tls") else "CNAME"
            rdata = f'"{value}"' if rtype == "TXT" else f"{value.rstrip('.')}."
            dns_data.publish(f"{name.rstrip('.')}. 300 {rtype} {rdata}")
        page.evaluate("window.s43cMarker = 1")
        again = page.locator("#records").get_by_role("link", name="Look again")
        again.click()
        expect(page.locator("#records tbody tr").first).to_contain_text("yes", timeout=20000)
        test_browser_s11_readiness.settled(page)
        rows = panel_rows(page)
        seen["published.states"] = [
            "yes" if re.search(r"\byes\b", text) else text for text in rows.values()
        ]
        seen["published.same_document"] = page.evaluate("window.s43cMarker === 1")
        seen["published.focus"] = page.evaluate(
            "document.activeElement ? document.activeElement.textContent.trim() : ''"
        )

        # The Mode card with no reports yet.
        seen["noreports.mode_card"] = mode_card(page)
        seen["noreports.enforce_button"] = enforce_buttons(page)
        seen["noreports.mode_options"] = mode_options(page)
        violations += csp_violations(page)

        # Reports: testing began 10 days ago (the time shift), 8 clean days from 2 reporters.
        HostedPolicy.objects.filter(domain=domain).update(
            testing_since=timezone.now() - timedelta(days=10)
        )
        feed_reports(domain, 8)
        checked(domain, {MX1: "fail"})
        page.goto(url)
        seen["mxfail.mode_card"] = mode_card(page)
        seen["mxfail.enforce_button"] = enforce_buttons(page)
        checked(domain, {MX1: "pass"})
        page.goto(url)
        seen["ready.mode_card"] = mode_card(page)
        seen["ready.enforce_button"] = enforce_buttons(page)
        alice_rows = panel_rows(page)
        fill["alice.records"] = alice_rows
        violations += csp_violations(page)

        # A teammate, a viewer, an outsider.
        bob_page = signed_in(browser, live_server, bob).new_page()
        bob_page.goto(url)
        seen["bob.enforce_button"] = enforce_buttons(bob_page)
        seen["bob.records"] = panel_rows(bob_page)
        violations += csp_violations(bob_page)
        vera_page = signed_in(browser, live_server, vera).new_page()
        vera_page.goto(url)
        panel_rows(vera_page)
        seen["vera.page"] = " ".join(vera_page.locator("main").inner_text().split())
        seen["vera.buttons"] = [
            b
            for b in (
                "Switch to enforce",
                "Stop hosting",
                "Save",
                "Compare with MX now",
                "Keep hosting",
            )
            if vera_page.get_by_role("button", name=b, exact=True).count()
        ]
        violations += csp_violations(vera_page)
        charlie_page = signed_in(browser, live_server, charlie).new_page()
        statuses, texts = [], []
        for path in ("", "records/", "events/"):
            response = charlie_page.goto(f"{url}{path}")
            statuses.append(response.status if response else None)
            texts.append(charlie_page.content())
        seen["charlie.statuses"] = statuses
        seen["charlie.text"] = "\n".join(texts)

        # Switch to enforce.
        press(page, "Switch to enforce")
        seen["enforce.message"] = " ".join(page.get_by_role("status").first.inner_text().split())
        read_policy(seen, "enforce", live_server)
        ids.append(zone.ids.get(APEX))
        seen["enforce.id_changed"] = ids[-1] != ids[-2]
        rows = panel_rows(page)
        underscore = [t for n, t in rows.items() if n.startswith("_mta-sts")]
        seen["enforce.record_state"] = (
            "yes" if underscore and re.search(r"\byes\b", underscore[0]) else underscore
        )
        seen["enforce.mode_options"] = mode_options(page)
        violations += csp_violations(page)

        # Back to testing through Settings.
        page.locator("select[name=mode]").select_option("testing")
        press(page, "Save")
        read_policy(seen, "back", live_server)
        ids.append(zone.ids.get(APEX))
        seen["back.ids_distinct"] = len(set(ids))
        seen["back.enforce_button"] = enforce_buttons(page)
        violations += csp_violations(page)

        # Stop hosting.
        until = timezone.now() + timedelta(seconds=WEEK)
        fill["until_date"] = f"{until.day} {until:%b} {until.year}"
        press(page, "Stop hosting")
        read_policy(seen, "stop", live_server)
        ids.append(zone.ids.get(APEX))
        seen["stop.ids_distinct"] = len(set(ids))
        page.goto(url)
        seen["stop.page"] = " ".join(page.locator("main").inner_text().split())
        seen["stop.enforce_button"] = enforce_buttons(page)
        violations += csp_violations(page)

        # The release, once mode none has been served its time.
        policy = HostedPolicy.objects.get(domain=domain)
        assert policy.release_at is not None
        release_at = policy.release_at
        in_thread(lambda: service.release(policy, release_at + timedelta(minutes=1)))
        seen["released.policy_status"] = fetch_policy(live_server)[0]
        seen["released.zone_id"] = zone.ids.get(APEX)
        page.goto(url)
        expect(page.locator("#records")).to_contain_text("Records to remove")
        released = page.locator("#records")
        expect(released.get_by_role("link", name="Look again")).to_be_visible(timeout=20000)
        seen["released.panel"] = " ".join(released.inner_text().split())
        violations += csp_violations(page)
    seen["csp"] = violations

    assert_rows(ROWS, seen, fill)
    assert time.monotonic() - started < 90, "the round should stay well under a minute"


# --- second batch -----------------------------------------------------------------------------
# Written from the same sources before it ran, after the first batch held: a teammate switching
# to enforce, an MX added and leaving under enforce (Compare with MX now), Stop hosting and
# Keep hosting under enforce, changes posted by a viewer and an outsider, and a Switch to
# enforce pressed on a page opened while it was safe, after failures were reported.
# Committed in 6736b12e before it ran, with 3 planted rows (PB1 mx2 not listed at once, PB2 a
# viewer's post answered 200, PB3 Keep hosting serving mode none): each failed on its row and
# was removed. The 20 rows held as written (SQLite, 32 s): no product defect in this batch.
MX2 = "mx2.example.org"
# fmt: off
ROWS_B: list[dict[str, Any]] = [
    {"id": "B01", "seen": "bob.enforce.policy.lines", "op": "eq",
     "expect": sorted(["version: STSv1", "mode: enforce", f"mx: {MX1}", f"max_age: {WEEK}"]),
     "from": "webapp.md: a member hosts; hosting.md: one click switches to enforce"},
    # An MX added: listed at once with a new id (hosting.md, MX changes).
    {"id": "B02", "seen": "mx2.policy.lines", "op": "eq",
     "expect": sorted(["version: STSv1", "mode: enforce", f"mx: {MX1}", f"mx: {MX2}", f"max_age: {WEEK}"]),
     "from": "hosting.md: a new MX is added at once"},
    {"id": "B03", "seen": "mx2.id_changed", "op": "eq", "expect": True,
     "from": "hosting.md: with a new id"},
    # It leaves: listed until max_age has passed, so the text and the id stay.
    {"id": "B04", "seen": "gone.policy.lines", "op": "has", "expect": [f"mx: {MX1}", f"mx: {MX2}", "mode: enforce"],
     "from": "hosting.md: an MX that left stays listed until max_age has passed"},
    {"id": "B05", "seen": "gone.id_changed", "op": "eq", "expect": False,
     "from": "the text does not change, so the id does not (RFC 8461 §3.1)"},
    {"id": "B06", "seen": "gone.page", "op": "has", "expect": ["Leaving the policy", MX2],
     "from": "hosting.md: the page lists it under Leaving the policy"},
    # Stop hosting under enforce, then Keep hosting: mode and settings kept, mx2 still listed.
    {"id": "B07", "seen": "stop.policy.lines", "op": "has", "expect": ["mode: none", f"max_age: {WEEK}"],
     "from": "hosting.md Stopping: mode none for max_age"},
    {"id": "B08", "seen": "stop.mails", "op": "has", "expect": ["alice@example.org", "bob@example.net"],
     "from": "hosting.md: every team member is emailed when it starts"},
    {"id": "B09", "seen": "keep.policy.lines", "op": "eq",
     "expect": sorted(["version: STSv1", "mode: enforce", f"mx: {MX1}", f"mx: {MX2}", f"max_age: {WEEK}"]),
     "from": "hosting.md: Keep hosting keeps mode and settings; departed MX stay until max_age"},
    {"id": "B10", "seen": "keep.ids_distinct", "op": "eq", "expect": 5,
     "from": "hosting.md: a text coming back gets a new id, never an old one"},
    {"id": "B11", "seen": "keep.mails", "op": "has", "expect": ["alice@example.org", "bob@example.net"],
     "from": "hosting.md: Keep hosting is emailed to every member too"},
    # Changes posted by a viewer (403, nothing changes) and an outsider (404); a member's
    # post of the same kind goes through (the control).
    {"id": "B12", "seen": "post.bob_sync", "op": "eq", "expect": 200,
     "from": "control: a member's post with the page's token is accepted"},
    {"id": "B13", "seen": "post.vera_disable", "op": "eq", "expect": 403,
     "from": "webapp.md: a viewer's change posted anyway is refused with 403"},
    {"id": "B14", "seen": "post.charlie_disable", "op": "eq", "expect": 404,
     "from": "webapp.md: anything outside your teams answers 404"},
    {"id": "B15", "seen": "post.after.policy.lines", "op": "has", "expect": ["mode: enforce"],
     "from": "and nothing changed"},
    # Back to testing (bob, Settings); safe again later; failures reported meanwhile; a press
    # of Switch to enforce on the page opened while it was safe.
    {"id": "B16", "seen": "failed.mode_card", "op": "has",
     "expect": ["Not yet", f"{MX1}: 5 failed sessions reported", "sts-webpki-invalid"],
     "from": "reports.md: Not yet, failures per MX with the result type"},
    {"id": "B17", "seen": "stale.policy.lines", "op": "has", "expect": ["mode: testing"],
     "from": "hosting.md: enforce only when it is safe; a stale page's press is judged now"},
    {"id": "B18", "seen": "stale.id_changed", "op": "eq", "expect": False,
     "from": "nothing switched, so the same text and id"},
    {"id": "B19", "seen": "stale.page", "op": "has", "expect": ["Not yet", MX1],
     "from": "the page the press returns says why"},
    {"id": "B20", "seen": "csp", "op": "eq", "expect": [],
     "from": "no CSP violation"},
]
# fmt: on


def host_and_publish(page: Page, url: str, dns_data: Dns) -> None:
    """Host MTA-STS and publish the three records exactly as the page gives them."""
    page.goto(url)
    press(page, "Host MTA-STS")
    rows = panel_rows(page)
    for name in rows:
        value = (
            page.locator("#records tbody tr")
            .filter(has=page.locator("code", has_text=name))
            .first.locator("[id^=record-value-]")
            .inner_text()
            .strip()
        )
        rtype = "TXT" if name.startswith("_smtp._tls") else "CNAME"
        rdata = f'"{value}"' if rtype == "TXT" else f"{value.rstrip('.')}."
        dns_data.publish(f"{name.rstrip('.')}. 300 {rtype} {rdata}")


def failure_report(domain: Any, org: str, failed: int) -> None:
    """Yesterday's report from `org`: sessions under our testing policy, `failed` of them
    failing at mx1 (sts-webpki-invalid)."""
    address = ReportAddress.for_domain(domain)
    day = timezone.now().date() - timedelta(days=1)
    lines = ["version: STSv1", "mode: testing", f"mx: {MX1}", f"max_age: {WEEK}"]
    result = {
        "policy": {
            "policy-type": "sts",
            "policy-string": lines,
            "policy-domain": APEX,
            "mx-host": [MX1],
        },
        "summary": {"total-successful-session-count": 20, "total-failure-session-count": failed},
        "failure-details": [
            {
                "result-type": "sts-webpki-invalid",
                "receiving-mx-hostname": MX1,
                "receiving-ip": "192.0.2.25",
                "failed-session-count": failed,
            }
        ],
    }
    raw = post(address, report(org, f"{day}_{org}_failed", day, [result]))
    assert raw.parse_status == "parsed", raw.error


def token_of(page: Page) -> str:
    field = page.locator("input[name=csrfmiddlewaretoken]")
    if field.count():
        return field.first.get_attribute("value") or ""
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    return cookies.get("csrftoken", "")


def posted(page: Page, url: str) -> int:
    response = page.request.post(
        url, form={"csrfmiddlewaretoken": token_of(page)}, headers={"Referer": page.url}
    )
    return response.status


def mailed_to(since: int) -> str:
    from django.core import mail

    return " ".join(" ".join(m.to) for m in mail.outbox[since:])


def mails() -> int:
    from django.core import mail

    return len(mail.outbox)


@pytest.mark.django_db(transaction=True)
def test_a_teammate_enforces_mx_move_stop_keep_and_a_stale_press(
    browser: Browser, live_server: Any, settings: Any
) -> None:
    settings.MAILSEC_POLICY_HOST = POLICY_HOST
    settings.MAILSEC_POLICY_ZONE = OUR_ZONE
    zone = StandInZone(OUR_ZONE, ("127.0.0.1", 9), "mailsec-policy", "c2VjcmV0")
    alice = owner()
    team = Team.objects.get(memberships__user=alice)
    bob = person("bob", team, Membership.Role.MEMBER)
    vera = person("vera", team, Membership.Role.VIEWER)
    charlie = User.objects.create_user("charlie", "charlie@example.net")
    Profile.objects.create(user=charlie, current_team=Team.create_for(charlie))
    domain = verified_domain(alice)
    seen: dict[str, Any] = {}
    violations: list[str] = []
    url = f"{live_server.url}/hosting/{domain.code}/"

    def shift_testing_start() -> None:
        HostedPolicy.objects.filter(domain=domain).update(
            testing_since=timezone.now() - timedelta(days=10)
        )

    with wired(zone) as dns_data:
        page = signed_in(browser, live_server, alice).new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        host_and_publish(page, url, dns_data)
        shift_testing_start()
        feed_reports(domain, 8)
        checked(domain, {MX1: "pass"})
        ids = [zone.ids.get(APEX)]

        # Bob, a member, switches to enforce.
        bob_page = signed_in(browser, live_server, bob).new_page()
        bob_page.on("dialog", lambda dialog: dialog.accept())
        bob_page.goto(url)
        press(bob_page, "Switch to enforce")
        read_policy(seen, "bob.enforce", live_server)
        ids.append(zone.ids.get(APEX))
        violations += csp_violations(bob_page)

        # mx2 added, then gone; Compare with MX now each time (alice).
        dns_data.publish(f"{APEX}. 300 MX 20 {MX2}.")
        dns_data.publish(f"{MX2}. 300 A 192.0.2.26")
        page.goto(url)
        press(page, "Compare with MX now")
        read_policy(seen, "mx2", live_server)
        ids.append(zone.ids.get(APEX))
        seen["mx2.id_changed"] = ids[-1] != ids[-2]
        dns_data.remove(f"{APEX}. 300 MX 20 ")
        press(page, "Compare with MX now")
        read_policy(seen, "gone", live_server)
        seen["gone.id_changed"] = zone.ids.get(APEX) != ids[-1]
        page.goto(url)
        seen["gone.page"] = " ".join(page.locator("main").inner_text().split())
        violations += csp_violations(page)

        # Stop hosting under enforce, then Keep hosting.
        before = mails()
        press(page, "Stop hosting")
        read_policy(seen, "stop", live_server)
        ids.append(zone.ids.get(APEX))
        seen["stop.mails"] = mailed_to(before)
        before = mails()
        page.goto(url)
        press(page, "Keep hosting")
        read_policy(seen, "keep", live_server)
        ids.append(zone.ids.get(APEX))
        seen["keep.ids_distinct"] = len(set(ids))
        seen["keep.mails"] = mailed_to(before)
        violations += csp_violations(page)

        # Posts: bob's sync (control), vera's and charlie's disable.
        bob_page.goto(url)
        seen["post.bob_sync"] = posted(bob_page, f"{url}sync/")
        vera_page = signed_in(browser, live_server, vera).new_page()
        vera_page.goto(url)
        seen["post.vera_disable"] = posted(vera_page, f"{url}disable/")
        charlie_page = signed_in(browser, live_server, charlie).new_page()
        charlie_page.goto(f"{live_server.url}/domains/")
        seen["post.charlie_disable"] = posted(charlie_page, f"{url}disable/")
        read_policy(seen, "post.after", live_server)

        # Back to testing (bob); safe again (the start moved back); failures reported while
        # alice's page, opened when it was safe, is still open; she presses Switch to enforce.
        bob_page.goto(url)
        bob_page.locator("select[name=mode]").select_option("testing")
        press(bob_page, "Save")
        shift_testing_start()
        page.goto(url)
        expect(page.get_by_role("button", name="Switch to enforce")).to_be_visible()
        failure_report(domain, "Yahoo Inc.", 5)
        before_id = zone.ids.get(APEX)
        press(page, "Switch to enforce")
        read_policy(seen, "stale", live_server)
        seen["stale.id_changed"] = zone.ids.get(APEX) != before_id
        seen["stale.page"] = " ".join(page.locator("main").inner_text().split())
        page.goto(url)
        seen["failed.mode_card"] = mode_card(page)
        violations += csp_violations(page)
    seen["csp"] = violations

    assert_rows(ROWS_B, seen, {})


# --- third batch ------------------------------------------------------------------------------
# Written before it ran, after the second batch held: the records panel reading what an admin
# really publishes (RFC 8460 §3 for _smtp._tls: records not beginning with "v=TLSRPTv1" are
# discarded, and when the number left is not one, senders assume no TLS reporting; hosting.md:
# "in place" only once our report addresses are in the record; mta-sts.<d> as A records all
# among our policy host's addresses counts as pointing at us), and an owner who keeps a plain
# _mta-sts TXT (hosting.md: publish v=STSv1; id=<current id>; instead of the CNAME): after
# Switch to enforce the page's message and one email to each member give the exact record with
# the new id, the panel reads the old one as stale, the next sync does not tell it again, and
# the record with the new id reads in place.
# Committed in 04dc4f28 before it ran, with 3 planted rows (PC1 our A record 'not yet', PC2
# the message lacking the new id, PC3 the new id 'stale'): each failed on its row (both runs)
# and was removed. First run: 8 of 13 held. C01 was mine (corrected where it stands). C07-C09
# and C11 were the harness's: it switched to enforce with no MX sync since the TXT was
# published, and the message and email give the record only when the last sync found a plain
# TXT (service.plain_txt_told); the next sync then told it (2 emails). With the sync run
# before the switch, as production's five-minute sync would have over those days, all 13 held.
# fmt: off
ROWS_C: list[dict[str, Any]] = [
    # Corrected after the run: written as "not yet", a word hosting.md does not give for it;
    # the panel reads "stale" ("Your TLS-RPT record does not send reports to us yet ...:
    # publish the value above (it keeps your own addresses)"), not in place, as the doc says.
    {"id": "C01", "seen": "tlsrpt.own_only", "op": "lacks", "expect": ["yes"],
     "from": "hosting.md: in place only once our report addresses are in the record"},
    {"id": "C02", "seen": "tlsrpt.two_records", "op": "lacks", "expect": ["yes"],
     "from": "RFC 8460 §3: two v=TLSRPTv1 records, senders assume no TLS reporting"},
    {"id": "C03", "seen": "tlsrpt.merged", "op": "eq", "expect": "yes",
     "from": "hosting.md: your own rua addresses, then ours, in one record"},
    {"id": "C04", "seen": "host.a_ours", "op": "eq", "expect": "yes",
     "from": "hosting.md: A/AAAA records all among our policy host's addresses count as ours"},
    {"id": "C05", "seen": "host.a_mixed", "op": "lacks", "expect": ["yes"],
     "from": "hosting.md: all among our addresses; one that is not ours does not count"},
    {"id": "C06", "seen": "txt.current", "op": "eq", "expect": "yes",
     "from": "hosting.md: a plain TXT v=STSv1; id=<current id>; instead of the CNAME"},
    {"id": "C07", "seen": "txt.enforce_message", "op": "has",
     "expect": ["_mta-sts.example.org", "v=STSv1; id={new_id};"],
     "from": "hosting.md: the page's message after the action gives the exact record with the new id"},
    {"id": "C08", "seen": "txt.enforce_mails", "op": "eq", "expect": ["alice@example.org", "bob@example.net"],
     "from": "hosting.md: one email to each member gives that record"},
    {"id": "C09", "seen": "txt.enforce_mails_have_id", "op": "eq", "expect": True,
     "from": "hosting.md: the email gives the record with the new id"},
    {"id": "C10", "seen": "txt.old_after_enforce", "op": "eq", "expect": "stale",
     "from": "hosting.md: a stale id keeps senders on the old policy; the panel says so"},
    {"id": "C11", "seen": "txt.sync_mails", "op": "eq", "expect": 0,
     "from": "hosting.md: the next sync, finding the old id, does not tell it again"},
    {"id": "C12", "seen": "txt.new_published", "op": "eq", "expect": "yes",
     "from": "the record with the new id is in place"},
    {"id": "C13", "seen": "csp", "op": "eq", "expect": [],
     "from": "no CSP violation"},
]
# fmt: on


def look_again(page: Page) -> dict[str, str]:
    """Press Look again and read each row's in-place word (yes, not yet, stale, ...)."""
    link = page.locator("#records").get_by_role("link", name="Look again")
    with page.expect_response(lambda r: "/records/" in r.url):
        link.click()
    expect(page.locator("#records").get_by_role("link", name="Look again")).to_be_visible()
    page.wait_for_timeout(100)  # the swap after the response
    return in_place(page)


def in_place(page: Page) -> dict[str, str]:
    words = {}
    for row in page.locator("#records tbody tr").all():
        name = row.locator("code").first.inner_text().strip()
        words[name] = row.locator("td").nth(3).locator("span").first.inner_text().strip()
    return words


@pytest.mark.django_db(transaction=True)
def test_what_the_panel_reads_and_a_plain_txt_owner_through_enforce(
    browser: Browser, live_server: Any, settings: Any
) -> None:
    from django.core import mail

    settings.MAILSEC_POLICY_HOST = POLICY_HOST
    settings.MAILSEC_POLICY_ZONE = OUR_ZONE
    zone = StandInZone(OUR_ZONE, ("127.0.0.1", 9), "mailsec-policy", "c2VjcmV0")
    alice = owner()
    team = Team.objects.get(memberships__user=alice)
    person("bob", team, Membership.Role.MEMBER)
    domain = verified_domain(alice)
    seen: dict[str, Any] = {}
    fill: dict[str, Any] = {}
    violations: list[str] = []
    url = f"{live_server.url}/hosting/{domain.code}/"
    ours = f"mailto:{ReportAddress.for_domain(domain).mailto}"
    tls_name = f"_smtp._tls.{APEX}"
    sts_name = f"_mta-sts.{APEX}"
    host_name = f"mta-sts.{APEX}"

    with wired(zone) as dns_data:
        page = signed_in(browser, live_server, alice).new_page()
        page.goto(url)
        press(page, "Host MTA-STS")
        panel_rows(page)

        # _smtp._tls as admins publish it.
        dns_data.publish(f'{tls_name}. 300 TXT "v=TLSRPTv1; rua=mailto:tls@example.org"')
        seen["tlsrpt.own_only"] = look_again(page)[tls_name]
        dns_data.publish(f'{tls_name}. 300 TXT "v=TLSRPTv1; rua={ours}"')
        seen["tlsrpt.two_records"] = look_again(page)[tls_name]
        dns_data.remove(f"{tls_name}. ")
        dns_data.publish(f'{tls_name}. 300 TXT "v=TLSRPTv1; rua=mailto:tls@example.org,{ours}"')
        seen["tlsrpt.merged"] = look_again(page)[tls_name]

        # mta-sts.<d> as A records.
        dns_data.publish(f"{host_name}. 300 A 192.0.2.7")
        seen["host.a_ours"] = look_again(page)[host_name]
        dns_data.publish(f"{host_name}. 300 A 198.51.100.9")
        seen["host.a_mixed"] = look_again(page)[host_name]
        dns_data.remove(f"{host_name}. ")
        dns_data.publish(f"{host_name}. 300 CNAME {POLICY_HOST}.")

        # _mta-sts as the plain TXT the page offers beside the CNAME, with the current id.
        row = page.locator("#records tbody tr").filter(has=page.locator("code", has_text=sts_name))
        current = re.search(r"v=STSv1; id=([A-Za-z0-9]+);", row.first.inner_text())
        assert current, row.first.inner_text()
        dns_data.publish(f'{sts_name}. 300 TXT "v=STSv1; id={current.group(1)};"')
        seen["txt.current"] = look_again(page)[sts_name]
        violations += csp_violations(page)
        # The five-minute MX sync, which production runs many times over the days below:
        # what the page's message and the email after a change say of the _mta-sts record
        # comes from what the last sync found there (harness, corrected after the first run,
        # which switched with no sync since the TXT was published).
        policy = HostedPolicy.objects.get(domain=domain)
        in_thread(lambda: service.sync(policy))

        # Safe: Switch to enforce.
        HostedPolicy.objects.filter(domain=domain).update(
            testing_since=timezone.now() - timedelta(days=10)
        )
        feed_reports(domain, 8)
        checked(domain, {MX1: "pass"})
        page.goto(url)
        before = len(mail.outbox)
        press(page, "Switch to enforce")
        new_id = HostedPolicy.objects.get(domain=domain).policy_id
        fill["new_id"] = new_id
        seen["txt.enforce_message"] = " ".join(
            page.get_by_role("status").first.inner_text().split()
        )
        sent = mail.outbox[before:]
        seen["txt.enforce_mails"] = sorted(a for m in sent for a in m.to)
        seen["txt.enforce_mails_have_id"] = bool(sent) and all(
            f"v=STSv1; id={new_id};" in m.body for m in sent
        )
        seen["txt.old_after_enforce"] = look_again(page)[sts_name]
        before = len(mail.outbox)
        press(page, "Compare with MX now")
        seen["txt.sync_mails"] = len(mail.outbox) - before
        dns_data.remove(f"{sts_name}. ")
        dns_data.publish(f'{sts_name}. 300 TXT "v=STSv1; id={new_id};"')
        seen["txt.new_published"] = look_again(page)[sts_name]
        violations += csp_violations(page)
    seen["csp"] = violations

    assert_rows(ROWS_C, seen, fill)


# --- fourth batch -----------------------------------------------------------------------------
# Written before it ran, after the third batch held: reports that must not count against
# enforce (docs/reports.md: a report about another domain sharing the report address, and a
# report of a day still to come, are no evidence), and the times the page gives once hosting
# winds down, read by someone whose time zone is not UTC (docs/webapp.md: pages show times in
# the reader's zone, "2 Dec 2026, 08:05 (Europe/Berlin)", "07:05 UTC" for someone on UTC;
# each time of a list too, hosting events). Not blind for D03: the view's message after Stop
# hosting was read while looking into the third batch (it gives the time in UTC).
# Committed in 1e1923be before it ran, with 3 planted rows (PD1 vera reading Los Angeles time,
# PD2 another domain's failures blocking enforce, PD3 the events without her zone): each failed
# on its row and was removed. 6 of 8 held. D05 was mine (corrected where it stands). D03 was
# the product's: the message after Stop hosting said "mode none is served until 2026-12-12
# 04:59 UTC first." above a page saying "until 11 Dec 2026, 20:59 (America/Los_Angeles)".
# Fixed: the message gives the time in the reader's zone, as the page does (mailsec/hosting/
# views.py disable; tests/test_s43c_stop_message_zone.py). Then all 8 held.
LA = "America/Los_Angeles"
# fmt: off
ROWS_D: list[dict[str, Any]] = [
    {"id": "D01", "seen": "other_domain.enforce_button", "op": "eq", "expect": 1,
     "from": "reports.md: a report about shop.example.org reaching example.org's address is no evidence"},
    {"id": "D02", "seen": "future.enforce_button", "op": "eq", "expect": 1,
     "from": "reports.md: nor, until its day, is a report of a day still to come"},
    {"id": "D03", "seen": "stop.message", "op": "has", "expect": ["{until_la}"],
     "from": "webapp.md: pages show times in the reader's zone, saying which"},
    {"id": "D04", "seen": "stop.page", "op": "has", "expect": ["{until_la}"],
     "from": "hosting.md: the page says until when; webapp.md: in the reader's zone"},
    # Corrected after the run: written for the whole page, whose What happened list holds the
    # Stop event's text as written ("until 2026-12-12 04:59 UTC"): webapp.md's "Stay UTC, by
    # design" names hosting events' texts, kept as written, which say "UTC". Now the page
    # outside that list.
    {"id": "D05", "seen": "stop.page_outside_events", "op": "lacks", "expect": ["{until_utc}", "{until_utc_iso}"],
     "from": "webapp.md: not in UTC for a reader in Los Angeles (events' texts stay UTC by design)"},
    {"id": "D06", "seen": "stop.events", "op": "has", "expect": [f"({LA})"],
     "from": "webapp.md: each time of a list too (hosting events), saying which zone"},
    {"id": "D07", "seen": "vera.page", "op": "has", "expect": ["{until_utc}"],
     "from": "webapp.md: '07:05 UTC' for someone on UTC"},
    {"id": "D08", "seen": "csp", "op": "eq", "expect": [],
     "from": "no CSP violation"},
]
# fmt: on


def report_of(domain: Any, org: str, day: Any, policy_domain: str, failed: int) -> None:
    address = ReportAddress.for_domain(domain)
    result = {
        "policy": {
            "policy-type": "sts",
            "policy-string": ["version: STSv1", "mode: testing", f"mx: {MX1}", f"max_age: {WEEK}"],
            "policy-domain": policy_domain,
            "mx-host": [MX1],
        },
        "summary": {"total-successful-session-count": 10, "total-failure-session-count": failed},
        "failure-details": [
            {
                "result-type": "sts-webpki-invalid",
                "receiving-mx-hostname": MX1,
                "receiving-ip": "192.0.2.25",
                "failed-session-count": failed,
            }
        ],
    }
    raw = post(address, report(org, f"{day}_{org}_{policy_domain}", day, [result]))
    assert raw.parse_status == "parsed", raw.error


@pytest.mark.django_db(transaction=True)
def test_reports_that_do_not_count_and_the_times_in_the_readers_zone(
    browser: Browser, live_server: Any, settings: Any
) -> None:
    from zoneinfo import ZoneInfo

    settings.MAILSEC_POLICY_HOST = POLICY_HOST
    settings.MAILSEC_POLICY_ZONE = OUR_ZONE
    zone = StandInZone(OUR_ZONE, ("127.0.0.1", 9), "mailsec-policy", "c2VjcmV0")
    alice = owner()
    Profile.objects.filter(user=alice).update(time_zone=LA)
    team = Team.objects.get(memberships__user=alice)
    vera = person("vera", team, Membership.Role.VIEWER)
    domain = verified_domain(alice)
    seen: dict[str, Any] = {}
    fill: dict[str, Any] = {}
    violations: list[str] = []
    url = f"{live_server.url}/hosting/{domain.code}/"

    with wired(zone) as dns_data:
        page = signed_in(browser, live_server, alice).new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        host_and_publish(page, url, dns_data)
        HostedPolicy.objects.filter(domain=domain).update(
            testing_since=timezone.now() - timedelta(days=10)
        )
        feed_reports(domain, 8)
        checked(domain, {MX1: "pass"})
        yesterday = timezone.now().date() - timedelta(days=1)
        report_of(domain, "Yahoo Inc.", yesterday, f"shop.{APEX}", 7)
        page.goto(url)
        seen["other_domain.enforce_button"] = enforce_buttons(page)
        tomorrow = timezone.now().date() + timedelta(days=1)
        report_of(domain, "Comcast", tomorrow, APEX, 7)
        page.goto(url)
        seen["future.enforce_button"] = enforce_buttons(page)
        violations += csp_violations(page)

        press(page, "Stop hosting")
        seen["stop.message"] = " ".join(page.get_by_role("status").first.inner_text().split())
        until = HostedPolicy.objects.get(domain=domain).release_at
        assert until is not None
        here = until.astimezone(ZoneInfo(LA))
        utc = until.astimezone(ZoneInfo("UTC"))
        fill["until_la"] = f"{here.day} {here:%b %Y, %H:%M} ({LA})"
        fill["until_utc"] = f"{utc.day} {utc:%b %Y, %H:%M} UTC"
        fill["until_utc_iso"] = f"{utc:%Y-%m-%d %H:%M} UTC"
        page.goto(url)
        seen["stop.page"] = " ".join(page.locator("main").inner_text().split())
        events = page.locator("section").filter(
            has=page.get_by_role("heading", name="What happened")
        )
        seen["stop.events"] = " ".join(events.inner_text().split()) if events.count() else ""
        seen["stop.page_outside_events"] = seen["stop.page"].replace(seen["stop.events"], "")
        violations += csp_violations(page)
        vera_page = signed_in(browser, live_server, vera).new_page()
        vera_page.goto(url)
        seen["vera.page"] = " ".join(vera_page.locator("main").inner_text().split())
        violations += csp_violations(vera_page)
    seen["csp"] = violations

    assert_rows(ROWS_D, seen, fill)
