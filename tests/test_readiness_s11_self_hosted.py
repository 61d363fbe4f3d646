"""Enforce readiness on the reports dashboard of a domain that serves its own MTA-STS policy in
mode testing: judged from its stored TLS reports (fed through ingestion, as senders send
them) and its latest check (the engine's f01 lab report, moved to example.com and to mode
testing); a policy we host links to the hosting page; enforce, none, and no MTA-STS show no
card; "could not check" reads neither ready nor not ready; outsiders never see it."""

from __future__ import annotations

import copy
import html
import json
import re
from datetime import date, timedelta
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mailsec.domains.models import CheckRun, Domain
from mailsec.hosting.models import HostedPolicy
from mailsec.hosting.readiness import SeenPolicy, enforce_change, enforce_readiness, seen_policy
from reports.models import ReportAddress
from tests.conftest import BaseTestCase
from tests.test_hosting import HostingCase, checked
from tests.test_page_queries import F01
from tests.test_reports_dash_s8_figures import detail, post, report

DOMAIN = "example.com"
MX = ["mx1.example.com", "mx2.example.com"]
TESTING_POLICY = ["version: STSv1", "mode: testing", *(f"mx: {h}" for h in MX), "max_age: 604800"]
CARD = "Ready for enforce?"


def engine_findings(mode: str = "testing") -> list[dict[str, Any]]:
    """The engine's findings for f01.lab.test (two MX hosts, valid certificates, a policy in
    mode enforce), renamed to example.com; in mode testing as the engine writes it then
    (MTASTS-20's policy text and summary, MTASTS-33 info)."""
    findings = json.loads(json.dumps(F01["findings"]).replace("f01.lab.test", DOMAIN))
    for f in findings:
        if f["id"] == "MTASTS-20":
            f["evidence"]["policy"] = f["evidence"]["policy"].replace(
                "mode: enforce", f"mode: {mode}"
            )
            f["summary"] = f["summary"].replace("mode enforce", f"mode {mode}")
        if f["id"] == "MTASTS-33" and mode == "testing":
            f["status"] = "info"
            f["summary"] = (
                "Mode testing: failures are only reported, so there is no downgrade protection "
                "yet. Switch to enforce once reports are clean."
            )
    return findings


def with_finding(
    findings: list[dict[str, Any]], check_id: str, subject_start: str, **kw: Any
) -> list[dict[str, Any]]:
    """`findings` with the first finding `check_id` whose subject starts so changed by `kw`."""
    out = copy.deepcopy(findings)
    for f in out:
        if f["id"] == check_id and f["subject"].startswith(subject_start):
            f.update(kw)
            return out
    raise AssertionError(f"no {check_id} about {subject_start}")


def sts(ok: int, failed: int = 0, details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """One MTA-STS policy result as senders write it: the policy string they applied."""
    out: dict[str, Any] = {
        "policy": {
            "policy-type": "sts",
            "policy-string": TESTING_POLICY,
            "policy-domain": DOMAIN,
            "mx-host": MX,
        },
        "summary": {"total-successful-session-count": ok, "total-failure-session-count": failed},
    }
    if details:
        out["failure-details"] = details
    return out


def policy_fetch_timed_out() -> list[dict[str, Any]]:
    """The engine's findings when the policy fetch timed out: the record seen, no policy read."""
    findings = [
        f
        for f in engine_findings()
        if not f["id"].startswith("MTASTS-") or f["id"] in ("MTASTS-01", "MTASTS-02", "MTASTS-05")
    ]
    findings.append(
        {
            "id": "MTASTS-11",
            "status": "error",
            "mechanism": "mta-sts",
            "subject": "mta-sts.example.com",
            "summary": "Could not connect to mta-sts.example.com:443 (timed out).",
            "evidence": {},
            "fix": "",
        }
    )
    return findings


class SelfHostedCase(BaseTestCase):
    domain: Domain
    address: ReportAddress
    html: str

    def setUp(self) -> None:
        super().setUp()
        self.domain = Domain.objects.create(team=self.team, name=DOMAIN, verified_at=timezone.now())
        self.address = ReportAddress.for_domain(self.domain)

    def check(self, findings: list[dict[str, Any]], domain: Domain | None = None) -> CheckRun:
        domain = domain or self.domain
        now = timezone.now()
        run = CheckRun.objects.create(
            domain=domain,
            status=CheckRun.Status.DONE,
            created=now,
            finished=now,
            findings=findings,
            mechanisms=F01["mechanisms"],
        )
        Domain.objects.filter(pk=domain.pk).update(last_run=run)
        return run

    def days_of_reports(
        self,
        days: int,
        orgs: tuple[str, ...] = ("Google Inc.", "Microsoft Corporation"),
        address: ReportAddress | None = None,
        failing: dict[str, int] | None = None,
    ) -> None:
        """`days` days (yesterday and before) of reports from each of `orgs`; `failing`: per
        MX host, sessions failed each day with sts-webpki-invalid, in the first org's reports."""
        today = timezone.now().date()
        for n in range(1, days + 1):
            day: date = today - timedelta(days=n)
            for i, org in enumerate(orgs):
                details = [
                    detail("sts-webpki-invalid", count, mx=host, ip="192.0.2.25")
                    for host, count in (failing or {}).items()
                    if i == 0
                ]
                failed = sum(d["failed-session-count"] for d in details)
                body = report(org, f"{day}_{org}", day, [sts(40 + n, failed, details)])
                raw = post(address or self.address, body)
                assert raw.parse_status == "parsed", raw.error

    def page(self, user: Any = None, address: ReportAddress | None = None) -> tuple[int, str]:
        """The dashboard's status and its text as read (tags dropped, blanks collapsed)."""
        self.client.force_login(user or self.alice)
        r = self.client.get(f"/tlsrpt/{(address or self.address).token}/dashboard/")
        self.html = r.content.decode()
        text = re.sub(r"<[^>]+>", "", self.html)
        return r.status_code, " ".join(html.unescape(text).split())


class VerdictTestCase(SelfHostedCase):
    def test_it_reads_ready_on_clean_reports_and_gives_the_exact_change(self) -> None:
        self.check(engine_findings())
        self.days_of_reports(8)
        status, text = self.page()
        assert status == 200
        assert CARD in text
        sessions = sum(2 * (40 + n) for n in range(1, 9))
        assert (
            f"{sessions} MTA-STS sessions on 8 days from 2 reporting organisations; sts failures: "
            "none; every MX host our last check saw reached with valid TLS: yes." in text
        ), text
        assert "Ready: 8 days of reports from 2 organisations" in text
        # The change for the owner to make: the whole file in mode enforce, then a new id,
        # each in a copy box of its own (task s32k).
        assert (
            "1. Replace the policy file at https://mta-sts.example.com/.well-known/mta-sts.txt "
            "with: Policy file Copy version: STSv1 mode: enforce mx: mx1.example.com "
            "mx: mx2.example.com max_age: 604800" in text
        )
        assert re.search(r"TXT record at _mta-sts\.example\.com Copy v=STSv1; id=\d{8}T\d{6}", text)
        assert "Not yet" not in text and "Too few reports" not in text

    def test_sts_webpki_invalid_at_one_mx_reads_not_ready_naming_the_mx_and_cause(self) -> None:
        self.check(engine_findings())
        self.days_of_reports(8, failing={"mx2.example.com": 3})
        status, text = self.page()
        assert status == 200
        assert "Not yet, because:" in text
        assert (
            "every MX host our last check saw reached with valid TLS: no (mx2.example.com)." in text
        )
        assert "sts failures: 24 sessions (sts-webpki-invalid)" in text
        assert (
            "mx2.example.com: 24 failed sessions reported. sts-webpki-invalid: The sender could "
            "not authenticate the MTA-STS policy: the HTTPS certificate of the policy host "
            "mta-sts.example.com failed" in text
        ), text
        blockers = self.html.split("Not yet</strong>, because:")[1].split("</ul>")[0]
        assert "mx2.example.com: " in blockers and "mx1.example.com: " not in blockers
        assert "Replace the policy file" not in text and "Ready:" not in text

    def test_too_few_reports_say_so_and_what_is_needed(self) -> None:
        self.check(engine_findings())
        self.days_of_reports(3, orgs=("Google Inc.",))
        _, text = self.page()
        assert (
            "Too few reports to judge yet. Enforce needs reports with sessions on at least 7 "
            "days, from at least 2 sending organisations" in text
        )
        assert "Reports with sessions cover 3 days in testing mode; 7 are needed." in text
        assert "Reports come from 1 sending organisation; 2 are needed." in text
        assert "Ready:" not in text and "Not yet" not in text

    def test_no_reports_at_all_say_so(self) -> None:
        self.check(engine_findings())
        _, text = self.page()
        assert "Too few reports to judge yet." in text
        assert (
            "No TLS reports yet: senders send them once the record shown above is in place, "
            "the first usually within a day or two; then wait for 7 days" in text
        )


class CouldNotCheckTestCase(SelfHostedCase):
    def test_an_mx_the_last_check_could_not_test_is_neither_ready_nor_not(self) -> None:
        findings = engine_findings()
        for check_id in ("SMTP-09", "SMTP-11"):
            findings = with_finding(
                findings,
                check_id,
                "mx2.example.com",
                status="error",
                summary="mx2.example.com [127.0.60.11]: connection timed out.",
            )
        self.check(findings)
        self.days_of_reports(8)
        _, text = self.page()
        assert "Cannot tell yet:" in text
        assert "could not tell for mx2.example.com." in text
        assert "mx2.example.com: the last check, at " in text and "could not check this MX" in text
        assert "Ready:" not in text and "Not yet" not in text and "Replace the policy" not in text

    def test_a_failure_beside_a_could_not_check_is_a_failure(self) -> None:
        findings = with_finding(engine_findings(), "SMTP-09", "mx2.example.com", status="error")
        findings = with_finding(
            findings,
            "SMTP-11",
            "mx2.example.com",
            status="fail",
            summary="The certificate of mx2.example.com [127.0.60.11] is not valid for it.",
        )
        self.check(findings)
        self.days_of_reports(8)
        _, text = self.page()
        assert "Not yet, because:" in text
        assert "saw a failure at this MX: The certificate of mx2.example.com" in text

    def test_a_policy_the_last_check_could_not_read_is_not_judged(self) -> None:
        # The fetch timed out: the mode is unknown to the check; the latest report says
        # senders applied a testing policy, so the question stays open, unanswered.
        self.check(policy_fetch_timed_out())
        self.days_of_reports(8)
        _, text = self.page()
        assert CARD in text and "Cannot tell yet:" in text
        assert (
            "The last check could not read the MTA-STS policy: Could not connect to "
            "mta-sts.example.com:443 (timed out)." in text
        )
        assert "Ready:" not in text and "Not yet" not in text

    def test_a_testing_policy_reported_with_a_tab_after_the_colon_is_testing(self) -> None:
        # RFC 8461 §3.2 allows any WSP after "mode:"; a sender copies the policy as served.
        self.check(policy_fetch_timed_out())
        TESTING_POLICY[1] = "mode:\ttesting"
        try:
            self.days_of_reports(8)
        finally:
            TESTING_POLICY[1] = "mode: testing"
        _, text = self.page()
        assert CARD in text and "Cannot tell yet:" in text


class NoCardTestCase(SelfHostedCase):
    def test_an_enforce_policy_shows_no_card(self) -> None:
        self.check(engine_findings(mode="enforce"))
        self.days_of_reports(8)
        status, text = self.page()
        assert status == 200 and CARD not in text

    def test_a_domain_without_mta_sts_shows_no_card(self) -> None:
        findings = [f for f in engine_findings() if not f["id"].startswith("MTASTS-")]
        findings.append(
            {
                "id": "MTASTS-01",
                "status": "info",
                "mechanism": "mta-sts",
                "subject": "_mta-sts.example.com",
                "summary": "example.com publishes no MTA-STS record.",
                "evidence": {},
                "fix": "",
            }
        )
        self.check(findings)
        self.days_of_reports(8)
        status, text = self.page()
        assert status == 200 and CARD not in text

    def test_a_policy_we_host_links_to_the_hosting_page(self) -> None:
        HostedPolicy.objects.create(domain=self.domain, name=DOMAIN, mx_live=MX)
        self.check(engine_findings())
        self.days_of_reports(8)
        _, text = self.page()
        assert CARD in text
        assert f'href="/hosting/{self.domain.code}/"' in self.html
        # No second judgement here: the hosting page's.
        assert "Ready:" not in text and "MTA-STS sessions on" not in text
        HostedPolicy.objects.filter(domain=self.domain).update(mode=HostedPolicy.Mode.ENFORCE)
        _, text = self.page()
        assert CARD not in text


class OwnershipTestCase(SelfHostedCase):
    def test_it_checks_ownership(self) -> None:
        self.check(engine_findings())
        self.days_of_reports(8)
        assert CARD in self.page(self.bob)[1]
        status, text = self.page(self.charlie)
        assert status == 404 and CARD not in text

    def test_another_teams_domain_of_the_same_name_is_judged_on_its_own_reports(self) -> None:
        self.check(engine_findings())
        self.days_of_reports(8)
        theirs = Domain.objects.create(
            team=self.charlies_team, name=DOMAIN, verified_at=timezone.now()
        )
        self.check(engine_findings(), domain=theirs)
        _, text = self.page(self.charlie, ReportAddress.for_domain(theirs))
        assert "0 MTA-STS sessions on 0 days from 0 reporting organisations" in text
        assert "No TLS reports yet" in text and "Ready:" not in text

    def test_an_unverified_domain_shows_nothing(self) -> None:
        self.check(engine_findings())
        self.days_of_reports(8)
        Domain.objects.filter(pk=self.domain.pk).update(verified_at=None)
        assert self.page()[0] == 404


class ChangeTestCase(SelfHostedCase):
    def test_the_policy_is_read_from_the_check(self) -> None:
        run = self.check(engine_findings())
        seen = seen_policy(run)
        assert seen is not None
        assert (seen.mode, seen.patterns, seen.max_age, seen.mx) == ("testing", MX, 604800, MX)

    def test_an_aliased_record_gets_its_new_id_at_the_alias_target(self) -> None:
        seen = SeenPolicy(
            "testing", MX, 604800, record_alias="example.com.mta-sts.provider.example"
        )
        change = enforce_change(DOMAIN, seen)
        assert 'example.com.mta-sts.provider.example. TXT "v=STSv1; id=' in change
        assert "_mta-sts.example.com. TXT" not in change

    def test_a_policy_kept_in_part_is_changed_line_by_line(self) -> None:
        seen = SeenPolicy("testing", MX, 604800, complete=False)
        change = enforce_change(DOMAIN, seen)
        assert "change the line mode: testing to mode: enforce" in change
        assert "Replace the policy file" not in change


class QueriesTestCase(SelfHostedCase):
    def test_the_dashboard_makes_as_many_queries_for_300_reports_as_for_10(self) -> None:
        self.check(engine_findings())
        self.days_of_reports(
            5, orgs=("Google Inc.", "Microsoft Corporation"), failing={"mx2.example.com": 1}
        )
        # charlie's own team: a person in one team, as alice (the header names the current
        # team, one query more, only for people in several).
        big = Domain.objects.create(
            team=self.charlies_team, name="example.net", verified_at=timezone.now()
        )
        self.check(engine_findings(), domain=big)
        big_address = ReportAddress.for_domain(big)
        orgs = tuple(f"Org {i}" for i in range(10))
        today = timezone.now().date()
        for n in range(1, 31):
            day = today - timedelta(days=n)
            for org in orgs:
                details = [detail("sts-webpki-invalid", 1, mx=f"mx{n % 3}.example.net")]
                policy = sts(10, 1, details)
                policy["policy"]["policy-domain"] = "example.net"
                post(big_address, report(org, f"{day}_{org}", day, [policy]))
        counts = []
        for user, address in ((self.alice, self.address), (self.charlie, big_address)):
            self.client.force_login(user)
            url = f"/tlsrpt/{address.token}/dashboard/"
            self.client.get(url)
            with CaptureQueriesContext(connection) as ctx:
                r = self.client.get(url)
            assert CARD in r.content.decode()
            counts.append(len(ctx.captured_queries))
        assert counts[0] == counts[1], counts


class HostedFailureBesideErrorTestCase(HostingCase):
    def test_the_hosting_page_names_a_failure_seen_beside_a_could_not_check(self) -> None:
        # SMTP-09 could not be checked, SMTP-11 failed for the same MX: the failure is what
        # enforce would meet; it read "could not check this MX" when the error came first.
        policy = self.host(["mx1.example.org"])
        checked(self.domain, {"mx1.example.org": "fail"})
        run = self.domain.runs.latest("created")
        run.findings = [
            {**f, "status": "error"} if f["id"] == "SMTP-09" else f for f in run.findings
        ]
        run.save()
        policy = HostedPolicy.objects.get(pk=policy.pk)
        readiness = enforce_readiness(policy, timezone.now())
        [reason] = [r for r in readiness.reasons if r.startswith("mx1.example.org:")]
        assert "saw a failure at this MX: The certificate of mx1.example.org" in reason
        assert readiness.verdict == "not-ready"
