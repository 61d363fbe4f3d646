"""Round s19o: enforce readiness of a hosted policy agrees with the engine (c13bc52, 3e86806).
An MX host without an address (MX-06) or whose address greets 521 (RFC 7504) takes no mail
from anyone, so enforce refuses none there: the engine notes it (MTASTS-32 info, evidence
checks.mtasts.NO_MAIL) and holds back neither its MTASTS-32 pass nor its enforce advice, but
readiness still said "no passing TLS result" for it and kept Switch to enforce from the
owner. A failed address lookup stays "could not check" in both.

The verdicts are the engine's own findings (checks.mtasts.evaluate over stubbed DNS and
probes, and a real 521 greeting from tests/test_mtasts_s19x_greetings), stored as a CheckRun."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from mailsec.hosting.models import HostedPolicy
from mailsec.hosting.readiness import enforce_readiness
from tests.test_hosting import HostingCase
from tests.test_hosting_s19o_start import engine_findings, smtp_pass, store_run
from tests.test_mtasts import FakeProbe

# --- Enforce readiness agrees with the engine -------------------------------------------------

NO_MX2 = {
    ("example.org", "MX"): ["10 mx1.example.org.", "20 mx2.example.org."],
    ("mx1.example.org", "A"): ["192.0.2.11"],
    ("_mta-sts.example.org", "TXT"): ['"v=STSv1; id=20260601T0000"'],
    ("_smtp._tls.example.org", "TXT"): ['"v=TLSRPTv1; rua=mailto:tls@example.org"'],
}
TESTING = (
    "version: STSv1\r\nmode: testing\r\nmx: mx1.example.org\r\nmx: mx2.example.org\r\n"
    "max_age: 604800\r\n"
)


class ReadinessTestCase(HostingCase):
    def hosted_with_reports(self) -> HostedPolicy:
        """Hosted for mx1 and mx2 in testing, with 8 days of clean reports from 2 senders."""
        from reports.models import PolicyResult, ReportAddress, TlsReport

        policy = self.host(["mx1.example.org", "mx2.example.org"])
        address = ReportAddress.objects.create(domain=self.domain, domain_name="example.org")
        now = timezone.now()
        policy.testing_since = now - timedelta(days=10)
        policy.save()
        for day in range(8):
            for org in ("google.com", "microsoft.com"):
                start = now - timedelta(days=day + 1)
                report = TlsReport.objects.create(
                    address=address,
                    organization_name=org,
                    submitter=org,
                    report_id=f"{org}{day}",
                    start=start,
                    end=start + timedelta(days=1),
                    day=start.date(),
                    total_successful=10,
                )
                PolicyResult.objects.create(
                    report=report, policy_type="sts", successful=10, failed=0
                )
        return policy

    def test_an_mx_host_without_an_address_holds_nothing_back(self) -> None:
        policy = self.hosted_with_reports()
        store_run(
            self.domain,
            engine_findings(NO_MX2, TESTING),
            smtp_pass("mx1.example.org", "192.0.2.11"),
        )
        readiness = enforce_readiness(HostedPolicy.objects.get(pk=policy.pk), timezone.now())
        assert readiness.reasons == []
        [mx2] = [e for e in readiness.per_mx if e.mx == "mx2.example.org"]
        assert mx2.check == "no-mail" and "has no address" in mx2.check_text

    def test_a_failed_address_lookup_still_does(self) -> None:
        policy = self.hosted_with_reports()
        zone = NO_MX2 | {
            ("mx2.example.org", "A"): "SERVFAIL",
            ("mx2.example.org", "AAAA"): "SERVFAIL",
        }
        store_run(
            self.domain, engine_findings(zone, TESTING), smtp_pass("mx1.example.org", "192.0.2.11")
        )
        readiness = enforce_readiness(HostedPolicy.objects.get(pk=policy.pk), timezone.now())
        assert [r for r in readiness.reasons if r.startswith("mx2.example.org:")]
        assert not readiness.ready

    def test_an_mx_host_greeting_521_holds_nothing_back(self) -> None:
        from tests.test_mtasts_s19x_greetings import (
            GREETED,
            GREETER,
            GREETING_521,
            _smtp_findings,
            greeted,
        )

        policy = self.hosted_with_reports()
        probe = greeted(GREETING_521)
        found = engine_findings(
            GREETED, TESTING, probes={"mx1.example.org": FakeProbe(), "mx2.example.org": probe}
        )
        smtp = [f.to_dict() for f in _smtp_findings(probe)]
        store_run(self.domain, found, smtp_pass("mx1.example.org", "192.0.2.11") + smtp)
        readiness = enforce_readiness(HostedPolicy.objects.get(pk=policy.pk), timezone.now())
        assert readiness.reasons == []
        [mx2] = [e for e in readiness.per_mx if e.mx == "mx2.example.org"]
        assert mx2.check == "no-mail" and f"at {GREETER} accepts no mail" in mx2.check_text
