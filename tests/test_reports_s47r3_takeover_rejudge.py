# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""Review s47r3 of 4b48df24: three arrivals of one report-id where a copy takes a report
over (a signed mail, or a mail naming its domain over a post naming none) after another
copy was judged against the report as it was. The copies judged before are judged again
against the report as it is now, as on arrival, so the outcome does not depend on the
order: no report of the sender's counted nowhere (and set aside as "may be forged"), none
counted under two domains."""

from __future__ import annotations

from typing import Any

import pytest

from reports.models import RawReport, TlsReport
from tests.test_reports_email import address, dns_stub, ingest, signer  # noqa: F401
from tests.test_reports_s13_blind import parse_pending
from tests.test_reports_s46a_fallback import SUB, mailed_about, other_door
from tests.test_reports_s47a_copies import npf, stored

pytestmark = pytest.mark.django_db

V = ("validation-failure",)


def arrive(address: Any, signer: Any, steps: list[tuple[str, int]]) -> None:
    """Each step: ("post", failed) a post naming no domain (the address's filled in),
    ("post sub", failed) a post writing SUB, ("mail", failed) / ("signed mail", failed) a
    mail naming SUB in its TLS-Report-Domain."""
    for how, failed in steps:
        if how == "post":
            other_door(address, npf(failed), "posted")
        elif how == "post sub":
            other_door(address, npf(failed, domain=SUB), "posted")
        else:
            ingest(
                mailed_about(
                    address, npf(failed), "header", signer if how == "signed mail" else None
                )
            )
        parse_pending()


@pytest.mark.parametrize("mail", ["signed mail", "mail"])
def test_a_duplicate_judged_again_after_a_takeover_is_its_domains_report(
    address: Any, dns_stub: Any, signer: Any, settings: Any, mail: str
) -> None:
    """A post naming no domain (5 failed), a post naming none with 0 failed (a resend "with
    other counts" of the first, both unsigned, nothing tells them apart), then the mail
    naming SUB with the first post's figures: the mail takes the report over (SUB's, 5
    failed) and the 0-failed post, judged again, is example.com's report, as in the other
    five orders; it was set aside as differing from the signed copy ("may be forged") or
    left a resend, counted nowhere."""
    settings.TLSRPT_REQUIRE_DKIM = False
    arrive(address, signer, [("post", 5), ("post", 0), (mail, 5)])
    assert stored() == {
        ("small sender", SUB, 40, 5, V),
        ("small sender for example.com", "example.com", 40, 0, ()),
    }
    assert not RawReport.objects.filter(error__contains="forged").exists()
    before = [(r.parse_status, r.report_id) for r in RawReport.objects.order_by("pk")]
    for raw in RawReport.objects.order_by("pk"):
        raw.process(force=True)
    assert [(r.parse_status, r.report_id) for r in RawReport.objects.order_by("pk")] == before


@pytest.mark.parametrize(
    "steps",
    [
        [("mail", 0), ("post", 5), ("signed mail", 5)],
        [("post", 5), ("post sub", 0), ("mail", 5)],
    ],
    ids=["signed-takes-over", "named-takes-over"],
)
def test_a_report_split_off_before_a_takeover_is_judged_again(
    address: Any, dns_stub: Any, signer: Any, settings: Any, steps: list[tuple[str, int]]
) -> None:
    """The second arrival was split off as another domain's report against the report as it
    was; the third takes that report over with the second's figures (or its domain): the
    second is its copy now, as a reparse finds. It stayed counted beside it: the same 45
    sessions under SUB and example.com, or two reports about SUB under one report-id."""
    settings.TLSRPT_REQUIRE_DKIM = False
    arrive(address, signer, steps)
    assert stored() == {("small sender", SUB, 40, 5, V)}
    before = [(r.parse_status, r.report_id) for r in RawReport.objects.order_by("pk")]
    for raw in RawReport.objects.order_by("pk"):
        raw.process(force=True)
    assert [(r.parse_status, r.report_id) for r in RawReport.objects.order_by("pk")] == before
    assert TlsReport.objects.count() == 1
