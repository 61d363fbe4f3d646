"""Review s48r6 of s48h's plain words for a report's policy entries (58146f79), for the failure
types s48h's tests did not build:
* an `sts` entry whose sessions failed because the sender could not fetch or read the policy
  (sts-policy-fetch-error, sts-policy-invalid, sts-webpki-invalid: RFC 8460 §4.3.2.1) was
  said to be the policy "applied", each failed session "not delivered under mode enforce";
  without a valid policy cached a sender delivers as if the domain had no MTA-STS (RFC 8461
  §3.3), so those sessions were delivered, under either mode;
* a `no-policy-found` entry's failed session was said to have "not" negotiated TLS; a
  certificate failure (certificate-expired, certificate-host-mismatch, ...) is a session that
  negotiated TLS with a certificate the sender could not validate, not one in clear text.
An entry without such failures reads as s48h wrote it (tests/test_reports_s48h_plain_policies).
"""

from __future__ import annotations

from typing import Any

from tests import test_reports_s48h_plain_policies as s48h
from tests.conftest import BaseTestCase
from tests.test_reports_s48h_plain_policies import NONE_FOUND, STS, counts, report


def failing(entry: dict[str, Any], result_type: str) -> dict[str, Any]:
    return {
        "policy": entry["policy"],
        "summary": counts(10, 3),
        "failure-details": [
            {
                "result-type": result_type,
                "receiving-mx-hostname": "mx1.example.com",
                "receiving-ip": "198.51.100.25",
                "failed-session-count": 3,
            }
        ],
    }


class S48r6PolicyMeaningTestCase(BaseTestCase):
    # s48h's page harness, without its tests run again here.
    setUp = s48h.PlainPolicyTypesTestCase.setUp
    page_of = s48h.PlainPolicyTypesTestCase.page_of

    def test_s48r6_sts_fetch_errors_were_delivered_as_without_mta_sts(self) -> None:
        for kind in ("sts-policy-fetch-error", "sts-policy-invalid", "sts-webpki-invalid"):
            text = self.page_of(report(f"r-{kind}", [failing(STS, kind)]))
            self.assertIn(f"A session failed as {kind}", text)
            self.assertIn(
                "as if example.com had no MTA-STS, under either mode (RFC 8461 §3.3)", text
            )
            self.assertNotIn("The sender applied the MTA-STS policy", text)

    def test_s48r6_no_policy_found_certificate_failure_negotiated_tls(self) -> None:
        text = self.page_of(report("r-cert", [failing(NONE_FOUND, "certificate-expired")]))
        self.assertNotIn("a failed one did not", text)
        self.assertIn("negotiated TLS with a certificate the sender could not validate", text)

    def test_s48r6_control_sts_certificate_failure_keeps_the_words(self) -> None:
        text = self.page_of(report("r-sts-cert", [failing(STS, "certificate-expired")]))
        self.assertIn("The sender applied the MTA-STS policy of example.com", text)
        self.assertIn("under mode enforce the sender did not deliver", text)
