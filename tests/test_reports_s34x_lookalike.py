# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""s34x item 2: a report about a lookalike of the owner's domain (exämple.com, stored as
xn--exmple-cua.com, beside example.com) told the owner to give that domain a report address of
its own, as if they ran it. The warning now says the domain only looks like theirs, and what
that may mean."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from checks.lookalike import looks_like_domain
from reports.models import TlsReport, foreign_domain_warning
from tests.test_reports_s34r_blind import owner  # noqa: F401 (fixture)
from tests.test_reports_s34x import report, report_page


@pytest.mark.parametrize(
    "other",
    ["xn--exmple-cua.com", "xn--xample-2of.com", "xn--exmple-4nf.com", "EXAMPLE.COM."],
)
def test_lookalikes(other: str) -> None:
    # ä for a; Cyrillic е for e; Cyrillic а for a; the same name in other case is no other.
    assert looks_like_domain(other, "example.com") is (other != "EXAMPLE.COM.")


@pytest.mark.parametrize("other", ["example.net", "parked.example.net", "examples.com"])
def test_other_domains_are_no_lookalikes(other: str) -> None:
    assert not looks_like_domain(other, "example.com")


def test_a_report_about_a_lookalike_says_so(owner: User) -> None:
    data = report("2026-06-01T00:00:00Z", "2026-06-01T23:59:59Z", policy_domain="exämple.com")
    report_page(owner, data)
    warning = TlsReport.objects.get().warnings[-1]
    assert warning.startswith(
        "This report is about exämple.com (xn--exmple-cua.com), not example.com"
    )
    assert "a different domain that looks like example.com" in warning
    assert (
        "If you do not run exämple.com, a sender may be reporting on a domain made to "
        "impersonate yours; nothing in your records causes it." in warning
    )
    assert "give xn--exmple-cua.com a report address of its own" not in warning


def test_a_report_about_another_domain_reads_as_before() -> None:
    warning = foreign_domain_warning("parked.example.net", "example.com")
    assert warning.endswith("give parked.example.net a report address of its own to follow it.")
    assert "looks like" not in warning
