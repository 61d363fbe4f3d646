# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""Review s48r3 of task s48e: an import that takes a report over judges the report's other
copies again with no alerts (an import is history). A copy among them that arrived live
(posted) is not history: its content was never evaluated (it was a resend of the report),
and once judged again it is a report of its own, which must alert as it does when the same
copies arrive in another order (the import first, then the post). It was marked evaluated,
its new failure type never said, in both ways an import takes over: a file named for the
domain (_judge_again) and the same bytes as a stored copy, under such a name (_read_names).

Run with the real parse and alert tasks (eager) and the alert pipeline's notifications."""

from __future__ import annotations

import gzip
from typing import Any

import pytest
from django.db.models import F

from mailsec.alerts.models import Change
from reports.alerts import KIND_NEW_TYPE
from reports.ingest import ingest_many
from reports.models import RawReport, ReportAddress, TlsReport
from tests.test_reports_alerts import domain, reports_arrive_the_next_morning  # noqa: F401
from tests.test_reports_email import dns_stub, eager  # noqa: F401
from tests.test_reports_s46a_fallback import SUB, other_door
from tests.test_reports_s47a_copies import npf, stored
from tests.test_reports_s48e_import_takeover import NAMED

pytestmark = pytest.mark.django_db

STARTTLS = "starttls-not-supported"
# The post saying other figures: 3 failed sessions of another type (a resend "with other
# counts" of the 5 validation-failure counted, nothing telling them apart).
OTHER = npf(3, STARTTLS)
FILES = {
    # Another gzip of the first post's report, its RFC 8460 §5.1 name naming SUB.
    "named": (gzip.compress(gzip.decompress(npf(5)), mtime=1), NAMED),
    # The first post's very bytes under that name (_read_names).
    "same bytes": (npf(5), NAMED),
}
BOTH = {
    ("small sender", SUB, 40, 5, ("validation-failure",)),
    ("small sender for example.com", "example.com", 40, 3, (STARTTLS,)),
}


def alerted_types() -> set[str]:
    return set(Change.objects.filter(kind=KIND_NEW_TYPE).values_list("subject", flat=True))


@pytest.mark.parametrize("file", sorted(FILES))
@pytest.mark.parametrize("order", ["post-post-import", "post-import-post"])
def test_a_live_copy_judged_again_after_an_import_alerts_as_in_any_order(
    domain: Any, dns_stub: Any, eager: Any, settings: Any, order: str, file: str
) -> None:
    settings.TLSRPT_REQUIRE_DKIM = False
    address = ReportAddress.for_domain(domain)
    other_door(address, npf(5), "posted")
    assert alerted_types() == {"validation-failure"}
    if order == "post-post-import":
        other_door(address, OTHER, "posted")
        ingest_many([(address, *FILES[file])])
    else:
        ingest_many([(address, *FILES[file])])
        other_door(address, OTHER, "posted")
    assert stored() == BOTH
    assert not TlsReport.objects.filter(alerts_evaluated_at=None).exists()
    assert alerted_types() == {"validation-failure", STARTTLS}


@pytest.mark.parametrize("file", sorted(FILES))
def test_imported_copies_judged_again_still_raise_none(
    domain: Any, dns_stub: Any, eager: Any, settings: Any, file: str
) -> None:
    """The control: the same copies imported (history) raise no alert, judged again or not."""
    settings.TLSRPT_REQUIRE_DKIM = False
    address = ReportAddress.for_domain(domain)
    ingest_many([(address, npf(5), "report.json.gz"), (address, OTHER, "report.json.gz")])
    ingest_many([(address, *FILES[file])])
    assert stored() == BOTH
    assert not TlsReport.objects.filter(alerts_evaluated_at=None).exists()
    assert alerted_types() == set()


def test_imported_copies_judged_again_stay_the_imports(
    domain: Any, dns_stub: Any, settings: Any
) -> None:
    """An imported row keeps its import's trace (stored and parsed in one instant) when a
    later import judges it again: the daily intake quota leaves imported rows out by it
    (reports.intake.check_quota), and a third import judging it again must still read it as
    history. The import's judging again moved processed_at: the 3-failed copy then counted
    towards the quota as a live post, and read as arrived live."""
    settings.TLSRPT_REQUIRE_DKIM = False
    address = ReportAddress.for_domain(domain)
    ingest_many([(address, npf(5), "report.json.gz"), (address, OTHER, "report.json.gz")])
    ingest_many([(address, *FILES["named"])])
    assert stored() == BOTH
    assert not RawReport.objects.exclude(processed_at=F("received_at")).exists()
    assert all(raw.stored_by_import() for raw in RawReport.objects.all())
