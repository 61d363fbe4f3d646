"""Blind round s40e: who sees what, across every page and download, for teams and MSPs.

The expectations (tests/data/webapp_s40e_blind.json) were written from docs/webapp.md,
docs/reports.md, docs/hosting.md, docs/api.md and the task's brief before anything ran, and
committed first. Each row: who asks (alice owns team A; bob is her teammate, with a team B of
his own he may switch to; charlie an outsider who owns team C; mia an MSP, a member of A who
owns team M and looks at M; rob a former member of A, removed; anon signed out), the request,
and what must come back (status, redirect, words that must or must not be on the page), and
for some what must hold after (nothing changed, a domain gone, who is hosted).

The world: A and C both added shared.test; A verified it (checked, hosted, a TLS report
"Alpha Org"), C did not (a report "Charlie Org" stored all the same). A also waits on
pending-a.test; C monitors charlie-only.test (verified, checked, a report); M has
mia-client.test; B has bob-side.test. A free check of shared.test was run.

Planted: three rows are wrong on purpose ("planted": true: X1, X2, X3); each must fail.

Second batch (rows S01-S39 and planted X4), written after the first batch ran and before this
one did, from the same docs: both teams verified (each its own reports, hosting stays with A),
A no longer verified (its reports hidden from it), A removed the name (its address kept, shown
to nobody, back for A only), rita removed while A was her current team, the MSP deleting one of
her teams, bob switched to his own team B (adds go to B, a form loaded for A is refused).

Third batch (rows W01-W19 and planted X5), written after the second ran and before this one
did: caches shared between people (docs/webapp.md: the list's rows, a domain page and the
free check's permalink are cached; "the ownership check runs on every request"). Each row's
"pre" has someone else open a page first, then the row's person opens theirs: twin.test added
by A and by C, both unverified in the same state; a viewer (vera) after a member and the
other way round; the MSP and a removed teammate after the owner.

Fourth batch (rows V01-V23 and planted X6), written after the third ran and before this one
did: the other buttons (host, re-sync, enforce, settings, alerts, invite, Check now) by GET,
without a CSRF token, by outsiders and signed out, and the MSP removed from A between loading
a page and pressing Stop hosting.

Fifth batch (rows E01-E15 and planted X7), written after the fourth ran and before this one
did: the contest through the product's own path (Domain.recheck_control, with the challenge
name's answer given): C verifies shared.test, and A's value is gone (A loses control: its
reports hidden from it, its policy served in mode none, its pages say "another team" and name
nobody) or still there (both monitor; hosting and reports stay A's).

Results (SQLite; PostgreSQL + Redis, CI=true). 225 real rows, each batch committed before it ran
(43eec37a, 8e8a5b45, 7da3b37f, 2b2f45c2, 3a636634). All held as written but one expectation
error: T09 listed "alice@example.org" as absent from mia's team page, but team A is one of hers
and is named "alice@example.org's team" (the header's switcher names it); corrected. One
harness mistake: the add form refused .test names (400) until the harness declared .test an
extra suffix, as tests/test_domains.py does. X1-X7 each fail at their planted field. No
product defect found: every lookup went through the scope helpers (404 to outsiders and to a
removed teammate at once, whatever the cached pages), lists and exports follow the current
team, reports and hosting follow verification. The browser's part:
tests/test_browser_s40e_back_after_sign_out.py.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock

from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone

from mailsec.accounts.models import Membership, Profile, Team
from mailsec.api.models import ApiKey
from mailsec.domains.models import CheckRun, Domain
from mailsec.hosting import service
from mailsec.hosting.models import HostedPolicy
from reports.models import RawReport, ReportAddress
from tests.conftest import BaseTestCase
from tests.test_access_sweep import LOCMEM, probes_recorded, snapshot
from tests.test_freecheck import done_check

DATA = Path(__file__).parent / "data"
EXPECTATIONS = json.loads((DATA / "webapp_s40e_blind.json").read_text())["rows"]
SAMPLE = json.loads((DATA / "tlsrpt" / "sample.json").read_text())
REAL = [row for row in EXPECTATIONS if not row.get("planted")]
PLANTED = [row for row in EXPECTATIONS if row.get("planted")]


def report_body(domain: str, organization: str, report_id: str) -> bytes:
    """The sample report, about `domain`, from `organization`, for yesterday (UTC)."""
    day = (timezone.now() - timedelta(days=1)).date().isoformat()
    text = json.dumps(SAMPLE).replace("example.com", domain)
    report = json.loads(text)
    report["organization-name"] = organization
    report["report-id"] = report_id
    report["date-range"] = {
        "start-datetime": f"{day}T00:00:00Z",
        "end-datetime": f"{day}T23:59:59Z",
    }
    return gzip.compress(json.dumps(report).encode())


BODIES = {
    "reportC1b": lambda: report_body("shared.test", "Charlie Org", "c1-second"),
    "reportC1c": lambda: report_body("shared.test", "Charlie Org", "c1-third"),
    "reportA1b": lambda: report_body("shared.test", "Alpha Org", "a1-second"),
}


class Mismatch(AssertionError):
    pass


class Answer:
    """The challenge name's TXT answer, as Domain.recheck_control reads it."""

    failed = False

    def __init__(self, texts: list[str]) -> None:
        self._texts = texts

    def texts(self) -> list[str]:
        return self._texts


@override_settings(CACHES=LOCMEM)
class S40eCase(BaseTestCase):
    users: dict[str, User]
    values: dict[str, str]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        now = timezone.now()
        mia = User.objects.create_user("mia", "mia@example.org")
        rob = User.objects.create_user("rob", "rob@example.org")
        team_m = Team.create_for(mia)
        Membership.objects.create(team=cls.team, user=mia, role=Membership.Role.MEMBER)
        Profile.objects.create(user=mia, current_team=team_m)
        team_r = Team.create_for(rob)
        Profile.objects.create(user=rob, current_team=team_r)
        # rob was a member of A, and was removed.
        Membership.objects.create(team=cls.team, user=rob, role=Membership.Role.MEMBER)
        Membership.objects.filter(team=cls.team, user=rob).delete()
        team_b = Team.create_for(cls.bob)
        # vera views A (read-only); rita is a member of A and looks at A (the second batch
        # removes her).
        vera = User.objects.create_user("vera", "vera@example.org")
        Membership.objects.create(team=cls.team, user=vera, role=Membership.Role.VIEWER)
        Profile.objects.create(user=vera, current_team=cls.team)
        rita = User.objects.create_user("rita", "rita@example.org")
        Membership.objects.create(team=cls.team, user=rita, role=Membership.Role.MEMBER)
        Profile.objects.create(user=rita, current_team=cls.team)

        def run_for(domain: Domain, mark: str) -> CheckRun:
            run = CheckRun.objects.create(
                domain=domain,
                status=CheckRun.Status.DONE,
                score=80,
                score_version=1,
                mechanisms={"mx": "pass"},
                findings=[{"id": "MX-01", "status": "pass", "mechanism": "mx", "summary": mark}],
                finished=now,
            )
            domain.set_last_run(run)
            return run

        def report_for(domain: Domain, org: str, rid: str) -> tuple[ReportAddress, RawReport]:
            address = ReportAddress.for_domain(domain)
            raw, _ = RawReport.store(
                address, report_body(domain.name, org, rid), source=RawReport.HTTPS
            )
            raw.process()
            raw.refresh_from_db()
            return address, raw

        a1 = Domain.objects.create(team=cls.team, name="shared.test", verified_at=now)
        run_a1 = run_for(a1, "ALPHA-RUN-MARK")
        tok_a1, raw_a1 = report_for(a1, "Alpha Org", "a1-first")
        assert raw_a1.report is not None
        with probes_recorded():
            service.enable(a1, now=now)
        a2 = Domain.objects.create(team=cls.team, name="pending-a.test")
        c1 = Domain.objects.create(team=cls.charlies_team, name="shared.test")
        tok_c1, raw_c1 = report_for(c1, "Charlie Org", "c1-first")
        c2 = Domain.objects.create(
            team=cls.charlies_team, name="charlie-only.test", verified_at=now
        )
        run_c2 = run_for(c2, "CHARLIE-RUN-MARK")
        tok_c2, raw_c2 = report_for(c2, "Charlie Org", "c2-first")
        assert raw_c2.report is not None
        m1 = Domain.objects.create(team=team_m, name="mia-client.test", verified_at=now)
        # twin.test: added by A and by C, neither verified, in the same state (third batch).
        a3 = Domain.objects.create(team=cls.team, name="twin.test")
        c3 = Domain.objects.create(team=cls.charlies_team, name="twin.test")
        Domain.objects.create(team=team_b, name="bob-side.test")
        key_a, secret_a = ApiKey.create_for(cls.team, "a", cls.alice)
        key_c, secret_c = ApiKey.create_for(cls.charlies_team, "c", cls.charlie)
        fc = done_check("shared.test")
        cls.users = {
            "alice": cls.alice,
            "bob": cls.bob,
            "charlie": cls.charlie,
            "mia": mia,
            "rob": rob,
            "rita": rita,
            "vera": vera,
        }
        cls.secrets = {"keyA": secret_a, "keyC": secret_c}
        cls.values = {
            "A1": str(a1.code),
            "A2": str(a2.code),
            "C1": str(c1.code),
            "C2": str(c2.code),
            "tokA1": tok_a1.token,
            "tokC1": tok_c1.token,
            "tokC2": tok_c2.token,
            "repA1": str(raw_a1.report.public_id),
            "repC2": str(raw_c2.report.public_id),
            "rawA1": str(raw_a1.public_id),
            "rawC1": str(raw_c1.public_id),
            "runA1": str(run_a1.code),
            "runC2": str(run_c2.code),
            "teamA": str(cls.team.code),
            "teamB": str(team_b.code),
            "teamC": str(cls.charlies_team.code),
            "teamM": str(team_m.code),
            "memBobA": str(Membership.objects.get(team=cls.team, user=cls.bob).code),
            "keyA": str(key_a.code),
            "chalA2": a2.challenge_value,
            "chalC1": c1.challenge_value,
            "fc": str(fc.code),
            "M1": str(m1.code),
            "A3": str(a3.code),
            "C3": str(c3.code),
            "chalA3": a3.challenge_value,
            "chalC3": c3.challenge_value,
            "tokM1": ReportAddress.for_domain(m1).token,
            "memRitaA": str(Membership.objects.get(team=cls.team, user=rita).code),
            "memMiaA": str(Membership.objects.get(team=cls.team, user=mia).code),
            "badtoken": "x" * len(tok_a1.token),
        }

    def setUp(self) -> None:
        super().setUp()
        cache.clear()
        # A hosting page's live lookups that the stand-ins do not cover end soon, not in 8 s.
        # The add form takes names under .test (a declared extra suffix, as tests/test_domains.py
        # does): the rows add shared.test and others again.
        env = mock.patch.dict(
            os.environ, {"MAILSEC_CHECK_TIMEOUT": "0.5", "MAILSEC_EXTRA_PUBLIC_SUFFIXES": "test"}
        )
        env.start()
        self.addCleanup(env.stop)

    def fill(self, text: str) -> str:
        return text.format(**self.values)

    # --- what must hold after a row -------------------------------------------------------
    def holds(self, name: str) -> bool:
        v = self.values
        domains = Domain.objects
        hosted = HostedPolicy.objects.filter
        return {
            "A1_exists": lambda: domains.filter(code=v["A1"]).exists(),
            "A1_gone": lambda: not domains.filter(code=v["A1"]).exists(),
            "C1_gone": lambda: not domains.filter(code=v["C1"]).exists(),
            "A1_hosted": lambda: hosted(domain__code=v["A1"]).exists(),
            "C1_not_hosted": lambda: not hosted(domain__code=v["C1"]).exists(),
            "A2_unverified": lambda: domains.get(code=v["A2"]).verified_at is None,
            "charlie_current_C": lambda: (
                Profile.objects.get(user=self.charlie).current_team_id == self.charlies_team.pk
            ),
            "mia_current_A": lambda: (
                Profile.objects.get(user=self.users["mia"]).current_team_id == self.team.pk
            ),
            "A_shared_token_is_tokA1": lambda: (
                self.token_of(self.team, "shared.test") == v["tokA1"]
            ),
            "C_shared_token_is_tokC1": lambda: (
                self.token_of(self.charlies_team, "shared.test") == v["tokC1"]
            ),
            "A_mia_client_token_is_new": lambda: (
                self.token_of(self.team, "mia-client.test") not in ("", v["tokM1"])
            ),
            "added_by_bob_in_B": lambda: domains.filter(
                name="added-by-bob.test", team__code=v["teamB"]
            ).exists(),
            "added_by_bob_nowhere": lambda: not domains.filter(name="added-by-bob.test").exists(),
        }[name]()

    @staticmethod
    def token_of(team: Team, name: str) -> str:
        """The report address token of `team`'s domain `name` ("" when none)."""
        address = ReportAddress.objects.filter(domain__team=team, domain__name=name).first()
        return address.token if address is not None else ""

    def prepare(self, client: Client, step: list[Any]) -> None:
        """A step of the row's "pre": the world as the row needs it, inside its transaction."""
        kind = step[0]
        if kind in ("switch", "switch_client"):
            switched = client.post(f"/team/{self.values[step[1]]}/switch/")
            assert switched.status_code == 302, switched
        elif kind == "post":  # someone else's (or the same person's) post, in a client of theirs
            other = Client()
            other.force_login(self.users[step[1]])
            done = other.post(self.fill(step[2]), step[3])
            assert done.status_code in (200, 302), (step, done.status_code)
        elif kind == "get":  # someone's page first (it may fill a cache the row then reads)
            other = Client()
            other.force_login(self.users[step[1]])
            headers = {"HTTP_HX_REQUEST": "true"} if step[3] else {}
            seen = other.get(self.fill(step[2]), **headers)
            assert seen.status_code == 200, (step, seen.status_code)
        elif kind == "contest":  # another team verified the name; ours is looked up again
            domain = Domain.objects.get(code=self.values[step[1]])
            ours = [domain.challenge_value] if step[2] == "kept" else []
            rival = Domain.objects.filter(name=domain.name).exclude(pk=domain.pk).get()
            answer = Answer([rival.challenge_value, *ours])
            self.assertEqual(domain.recheck_control(answer=answer), step[2])  # type: ignore[arg-type]
        elif kind == "set_verified":
            Domain.objects.filter(code=self.values[step[1]]).update(verified_at=timezone.now())
        elif kind == "unverify":
            # As a contest lost leaves it (Domain.verified_at cleared); the rest of
            # service.lose_control (the policy's wind-down) is not what these rows look at.
            Domain.objects.filter(code=self.values[step[1]]).update(verified_at=None)
        else:
            raise AssertionError(f"no such step {step!r}")

    @contextmanager
    def rolled_back(self) -> Iterator[None]:
        """Each row starts from the same world: what it changed is rolled back."""

        class Undo(Exception):
            pass

        try:
            with transaction.atomic():
                yield
                raise Undo
        except Undo:
            pass
        cache.clear()

    def play(self, row: dict[str, Any]) -> None:
        """Raise Mismatch, saying what differed, when the product does not do as the row says."""
        with self.rolled_back(), probes_recorded() as calls:
            client = Client(enforce_csrf_checks=bool(row.get("csrf")))
            who = row["who"]
            if who != "anon":
                client.force_login(self.users[who])
            for step in row.get("pre", []):
                self.prepare(client, step)
            extra: dict[str, Any] = {}
            if "host" in row:
                extra["HTTP_HOST"] = row["host"]
            if row.get("htmx"):
                extra["HTTP_HX_REQUEST"] = "true"
            if "api_key" in row:
                extra["HTTP_AUTHORIZATION"] = f"Bearer {self.secrets[row['api_key']]}"
            data = {k: self.fill(v) for k, v in row.get("data", {}).items()}
            if row.get("with_token"):
                client.get(f"/domains/{self.values['A1']}/")
                data["csrfmiddlewaretoken"] = client.cookies["csrftoken"].value
            before = snapshot() if row.get("unchanged") else None
            url = self.fill(row["url"])
            if "body" in row:
                response = client.generic(
                    row["method"],
                    url,
                    BODIES[row["body"]](),
                    content_type="application/tlsrpt+gzip",
                    **extra,
                )
            elif row["method"] == "POST":
                response = client.post(url, data, **extra)
            else:
                response = client.get(url, **extra)
            problems = []
            wanted = row.get("status_in", [row.get("status")])
            if response.status_code not in wanted:
                problems.append(f"status {response.status_code}, wanted {wanted}")
            if "location" in row:
                location = response.get("Location", "")
                if not location.startswith(self.fill(row["location"])):
                    problems.append(f"Location {location!r}, wanted {row['location']!r}…")
            body = b"".join(response) if response.streaming else response.content
            text = body.decode("utf-8", "replace")
            for words in row.get("contains", []):
                if self.fill(words) not in text:
                    problems.append(f"missing {self.fill(words)!r}")
            for words in row.get("absent", []):
                if self.fill(words) in text:
                    problems.append(f"shows {self.fill(words)!r}")
            if before is not None and snapshot() != before:
                after = snapshot()
                changed = [k for k in before if before[k] != after.get(k)]
                problems.append(f"changed {changed}")
            for name in row.get("after", []):
                if not self.holds(name):
                    problems.append(f"does not hold after: {name}")
            if row.get("no_probe") and calls:
                problems.append(f"probed {calls}")
            if problems:
                raise Mismatch(f"{row['id']} ({row.get('why', '')}): " + "; ".join(problems))


class S40eRowsTestCase(S40eCase):
    def test_every_real_row_holds(self) -> None:
        for row in REAL:
            with self.subTest(row=row["id"]):
                self.play(row)

    def test_every_planted_row_fails(self) -> None:
        self.assertEqual([row["id"] for row in PLANTED], ["X1", "X2", "X3", "X4", "X5", "X6", "X7"])
        for row in PLANTED:
            with self.subTest(row=row["id"]), self.assertRaises(Mismatch):
                self.play(row)
