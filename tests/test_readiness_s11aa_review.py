"""The enforce-readiness judgement after review: it reads the MX hosts from every per-MX
finding of the check (not only MX-01's answers), counts only TLS reports about the domain's own
policy (not a subdomain's), tells a warning from a failure, leaves an MX whose RSA certificate
could not be asked for as "cannot tell", says a failed MX lookup once, and the hosting page
words its verdict as the dashboard does."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from mailsec.domains.models import Domain
from mailsec.hosting.models import HostedPolicy
from mailsec.hosting.readiness import enforce_readiness, seen_policy, self_hosted_readiness
from reports.models import ReportAddress
from tests.test_hosting import checked
from tests.test_hosting_readiness import ReadinessCase
from tests.test_readiness_s11_self_hosted import (
    CARD,
    DOMAIN,
    SelfHostedCase,
    engine_findings,
    sts,
    with_finding,
)
from tests.test_reports_dash_s8_figures import post, report

MX2_NAME_FAILS = {
    "status": "fail",
    "summary": "The certificate of mx2.example.com [127.0.60.11] is not valid for it.",
}


def without_mx_record(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`findings` with MX-01 as the engine writes it for a domain without an MX record whose
    own name has an address (RFC 5321 §5.1): a warning, no `answers` in its evidence."""
    out = copy.deepcopy(findings)
    for f in out:
        if f["id"] == "MX-01":
            f["status"] = "warn"
            f["summary"] = (
                f"{DOMAIN} has no MX record; senders fall back to the domain's own address "
                "(RFC 5321 §5.1). Publish an MX record naming your mail server."
            )
            f["evidence"] = {
                "mx": {"query": f"{DOMAIN} MX", "rcode": "NOERROR", "answers": [], "ad": False},
                "implicit_mx": {"name": DOMAIN, "addresses": ["127.0.60.10"]},
            }
            f["fix"] = f"{DOMAIN}. MX 10 {DOMAIN}."
    return out


def mx_lookup_failed(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`findings` of a run whose MX lookup failed, as the engine writes them: MX-01, SMTP-01
    and MTASTS-30 "error", and no finding about any MX host (none was known to probe)."""
    about_mx = ("MX-", "SMTP-", "DANE-", "DNSSEC-09", "MTASTS-3")
    kept = [f for f in findings if not f["id"].startswith(about_mx)]
    lookup = {"query": f"{DOMAIN} MX", "rcode": "SERVFAIL", "answers": []}
    kept += [
        {
            "id": "MX-01",
            "status": "error",
            "mechanism": "mx",
            "subject": DOMAIN,
            "summary": f"Could not look up the MX records of {DOMAIN} (SERVFAIL); the mail "
            "checks could not be completed.",
            "evidence": lookup,
            "fix": "",
        },
        {
            "id": "SMTP-01",
            "status": "error",
            "mechanism": "smtp",
            "subject": DOMAIN,
            "summary": f"The MX records of {DOMAIN} could not be looked up (SERVFAIL), so the "
            "mail servers could not be tested.",
            "evidence": lookup,
            "fix": "",
        },
        {
            "id": "MTASTS-30",
            "status": "error",
            "mechanism": "mta-sts",
            "subject": DOMAIN,
            "summary": "Could not look up the MX records, so the policy could not be compared "
            "with them.",
            "evidence": lookup,
            "fix": "",
        },
    ]
    return kept


def rsa_question(
    findings: list[dict[str, Any]], host: str, answer: str, tls12: bool = True
) -> list[dict[str, Any]]:
    """`findings` where `host`'s first certificate is not RSA and the second handshake, as a
    sender offering only RSA, got `answer` (SMTP-14's evidence "rsa_certificate"); `tls12`:
    whether the host took a TLS 1.2 handshake (SMTP-07's evidence "tls12_accepted")."""
    out = copy.deepcopy(findings)
    for f in out:
        if not f["subject"].startswith(host + " ["):
            continue
        if f["id"] == "SMTP-14":
            f["evidence"] = {"rsa_certificate": answer}
        if f["id"] == "SMTP-07":
            f["evidence"] = {**f["evidence"], "max_tls_version": "TLSv1.3"}
            f["evidence"]["tls12_accepted"] = tls12
    return out


class MxHostsTestCase(SelfHostedCase):
    def test_a_failure_at_an_mx_counts_when_the_domain_has_no_mx_record(self) -> None:
        # MX-01 has no answers: the MX hosts the check probed are in its per-MX findings.
        findings = with_finding(
            without_mx_record(engine_findings()), "SMTP-11", "mx2.example.com", **MX2_NAME_FAILS
        )
        self.check(findings)
        self.days_of_reports(8)
        _, text = self.page()
        assert "Not yet, because:" in text, text
        assert "every MX host our last check saw reached with valid TLS: no (mx2.example.com)." in (
            text
        )
        assert "saw a failure at this MX: The certificate of mx2.example.com" in text
        assert "Ready:" not in text and "Replace the policy file" not in text

    def test_a_failed_mx_lookup_never_reads_valid_tls(self) -> None:
        self.check(mx_lookup_failed(engine_findings()))
        self.days_of_reports(8)
        _, text = self.page()
        assert "Cannot tell yet:" in text
        assert (
            "every MX host our last check saw reached with valid TLS: could not tell (MX lookup "
            "failed)." in text
        ), text
        assert "valid TLS: yes" not in text

    def test_a_failed_mx_lookup_is_said_once(self) -> None:
        run = self.check(mx_lookup_failed(engine_findings()))
        self.days_of_reports(8)
        self.domain.refresh_from_db()
        seen = seen_policy(run)
        assert seen is not None and seen.mx_unread and seen.mx == []
        readiness = self_hosted_readiness(self.domain, seen, timezone.now())
        assert readiness.verdict == "unknown"
        assert readiness.unchecked == [
            "The last check could not look up the MX hosts: Could not look up the MX records of "
            "example.com (SERVFAIL); the mail checks could not be completed."
        ], readiness.unchecked

    def test_a_check_that_saw_no_mx_host_cannot_tell(self) -> None:
        # A null MX ("MX 0 ."): no MX-01, no MX host probed, nothing to validate.
        findings = [
            f
            for f in engine_findings()
            if not f["id"].startswith(("MX-", "SMTP-", "DANE-", "DNSSEC-09", "MTASTS-3"))
        ]
        self.check(findings)
        self.days_of_reports(8)
        _, text = self.page()
        assert "Cannot tell yet:" in text, text
        assert "could not tell (the check saw no MX host)." in text
        assert "Ready:" not in text


class OwnReportsTestCase(SelfHostedCase):
    def subdomain_reports(self, days: int, name: str = f"shop.{DOMAIN}") -> None:
        """`days` days of clean reports from 2 organisations about `name`'s own policy, sent to
        the domain's report address (its record names this address)."""
        today = timezone.now().date()
        for n in range(1, days + 1):
            day = today - timedelta(days=n)
            for org in ("Google Inc.", "Microsoft Corporation"):
                policy = sts(50)
                policy["policy"]["policy-domain"] = name
                policy["policy"]["mx-host"] = [f"mx.{name}"]
                raw = post(self.address, report(org, f"{name}_{day}_{org}", day, [policy]))
                assert raw.parse_status == "parsed", raw.error

    def test_reports_about_a_subdomains_policy_are_no_evidence_for_the_domain(self) -> None:
        self.check(engine_findings())
        self.subdomain_reports(8)
        _, text = self.page()
        assert "0 MTA-STS sessions on 0 days from 0 reporting organisations" in text, text
        assert "Too few reports to judge yet." in text
        assert f"are about names below {DOMAIN}" in text
        assert "Ready:" not in text

    def test_the_hosting_page_counts_only_the_domains_own_reports(self) -> None:
        policy = HostedPolicy.objects.create(
            domain=self.domain,
            name=DOMAIN,
            mx_live=["mx1.example.com", "mx2.example.com"],
            testing_since=timezone.now() - timedelta(days=20),
        )
        self.check(engine_findings())
        self.subdomain_reports(8)
        readiness = enforce_readiness(policy, timezone.now())
        assert (readiness.days, readiness.sessions) == (0, 0), readiness
        assert readiness.verdict == "too-few"

    def test_a_unicode_policy_domain_is_the_domains_own(self) -> None:
        # RFC 8460 §4.4 asks for A-labels; a sender writing the U-label means the same name.
        name = "xn--bcher-kva.example"
        domain = Domain.objects.create(team=self.team, name=name, verified_at=timezone.now())
        address = ReportAddress.for_domain(domain)
        findings = [{**f, "subject": f["subject"].replace(DOMAIN, name)} for f in engine_findings()]
        self.check(findings, domain=domain)
        today = timezone.now().date()
        for n in range(1, 9):
            day = today - timedelta(days=n)
            for org in ("Google Inc.", "Microsoft Corporation"):
                policy = sts(50)
                policy["policy"]["policy-domain"] = "bücher.example"
                raw = post(address, report(org, f"{day}_{org}", day, [policy]))
                assert raw.parse_status == "parsed", raw.error
        domain.refresh_from_db()
        seen = seen_policy(domain.last_run)
        assert seen is not None
        readiness = self_hosted_readiness(domain, seen, timezone.now())
        assert (readiness.days, readiness.reporters) == (8, 2), readiness.reasons

    def test_the_domains_own_reports_make_it_ready_beside_a_subdomains(self) -> None:
        self.check(engine_findings())
        self.days_of_reports(8)
        self.subdomain_reports(8)
        _, text = self.page()
        sessions = sum(2 * (40 + n) for n in range(1, 9))
        assert f"{sessions} MTA-STS sessions on 8 days" in text, text
        assert "Ready:" in text

    def test_the_card_reads_the_testing_mode_from_the_domains_own_reports(self) -> None:
        # The check could not read the policy: the card shows only while the latest report
        # about the domain's own policy says testing; a subdomain's later one says nothing.
        findings = [
            f
            for f in engine_findings()
            if not f["id"].startswith("MTASTS-") or f["id"] in ("MTASTS-01", "MTASTS-02")
        ]
        findings.append(
            {
                "id": "MTASTS-11",
                "status": "error",
                "mechanism": "mta-sts",
                "subject": f"mta-sts.{DOMAIN}",
                "summary": f"Could not connect to mta-sts.{DOMAIN}:443 (timed out).",
                "evidence": {},
                "fix": "",
            }
        )
        self.check(findings)
        self.subdomain_reports(2)
        assert CARD not in self.page()[1]


class WarnWordingTestCase(SelfHostedCase):
    def test_a_warning_reads_as_a_problem_and_a_failure_as_a_failure(self) -> None:
        findings = with_finding(
            engine_findings(),
            "SMTP-09",
            "mx1.example.com",
            status="warn",
            summary="mx1.example.com [127.0.60.10] sends its chain out of order.",
        )
        findings = with_finding(findings, "SMTP-11", "mx2.example.com", **MX2_NAME_FAILS)
        self.check(findings)
        self.days_of_reports(8)
        _, text = self.page()
        assert "saw a problem at this MX: mx1.example.com [127.0.60.10] sends its chain" in text
        assert "saw a failure at this MX: The certificate of mx2.example.com" in text
        assert "saw a failure at this MX: mx1.example.com" not in text


class RsaQuestionTestCase(SelfHostedCase):
    def test_an_unanswered_rsa_handshake_cannot_tell(self) -> None:
        self.check(rsa_question(engine_findings(), "mx2.example.com", "untested"))
        self.days_of_reports(8)
        _, text = self.page()
        assert "Cannot tell yet:" in text, text
        assert "could not tell for mx2.example.com." in text
        assert "mx2.example.com: the last check, at " in text and "RSA certificate" in text
        assert "Ready:" not in text

    def test_an_answered_rsa_handshake_is_judged(self) -> None:
        # "same": one certificate for all; "none": no RSA certificate; "other": an RSA one,
        # judged by its own findings (none failing here).
        self.days_of_reports(8)
        for answer in ("same", "none", "other"):
            self.check(rsa_question(engine_findings(), "mx2.example.com", answer))
            _, text = self.page()
            assert "Ready:" in text, (answer, text)

    def test_a_tls13_only_mx_has_no_rsa_question(self) -> None:
        # No TLS 1.2 to ask with: the engine keeps "untested", and says it does not apply
        # (SMTP-07 tells what refusing TLS 1.2 costs); it is no gap in the check.
        self.check(rsa_question(engine_findings(), "mx2.example.com", "untested", tls12=False))
        self.days_of_reports(8)
        _, text = self.page()
        assert "Ready:" in text, text


@pytest.mark.usefixtures("unanswered_lookups_end_soon")
class HostingPageWordsTestCase(ReadinessCase):
    def page(self) -> str:
        self.client.force_login(self.alice)
        r = self.client.get(f"/hosting/{self.domain.code}/")
        assert r.status_code == 200
        return r.content.decode()

    def enough_reports_and_an_untested_mx(self) -> None:
        """A policy in testing for 10 days, clean reports from 2 senders on 8 days, and a last
        check that could not test its MX host."""
        policy = self.host(["mx1.example.org"])
        policy.testing_since = timezone.now() - timedelta(days=10)
        policy.save()
        for day in range(8):
            for org in ("google.com", "microsoft.com"):
                self.report(policy, org, day, 20)
        checked(self.domain, {"mx1.example.org": "pass"})
        run = self.domain.runs.latest("created")
        run.findings = [{**f, "status": "error"} for f in run.findings]
        run.save()

    def test_an_mx_the_last_check_could_not_test_reads_cannot_tell(self) -> None:
        self.enough_reports_and_an_untested_mx()
        page = self.page()
        assert "<strong>Cannot tell yet:</strong>" in page
        assert "Not yet" not in page
        assert "mx1.example.org: the last check, at " in page.split("Could not check:")[1]

    def test_a_failure_reads_not_yet(self) -> None:
        self.host(["mx1.example.org"])
        checked(self.domain, {"mx1.example.org": "fail"})
        page = self.page()
        assert "Not yet</strong>, because:" in page
        assert "saw a failure at this MX" in page.split("Not yet</strong>, because:")[1]
        # No reports: said as too few, apart from the failure.
        assert "Reports are also too few to judge:" in page

    def test_the_enforce_button_says_why_not_in_the_same_words(self) -> None:
        self.enough_reports_and_an_untested_mx()
        self.client.force_login(self.alice)
        r = self.client.post(f"/hosting/{self.domain.code}/enforce/", follow=True)
        assert "Cannot tell yet: mx1.example.org: the last check, at " in r.content.decode()
        assert HostedPolicy.objects.get(domain=self.domain).mode == HostedPolicy.Mode.TESTING


def test_the_policy_lines_kept_are_one_number() -> None:
    from checks import mtasts
    from mailsec.hosting import readiness

    assert readiness.KEPT_POLICY_LINES is mtasts.KEPT_POLICY_LINES
