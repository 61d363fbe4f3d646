# ruff: noqa: F811 (pytest fixtures imported from other test modules)
"""Task s48e 2: the same bytes imported again under an RFC 8460 §5.1 file name naming the
domain a policy without policy-domain is about. The bytes are one report: stored once. A
copy stored naming no domain (posted, or imported under a name naming none) had the
address's domain filled in, nobody's word: the file's name is the sender's, so the stored
copy is read again with it (kept with its row, as an imported file's name is), and its
report is about the domain the name names, as if the file had come first. A copy stored
under a name naming another domain keeps it (the first word stays, as for copies), and the
summary says the file's name was not taken: never a silent "already stored"."""

from __future__ import annotations

from collections import Counter
from typing import Any
from unittest import mock

import pytest

from reports.ingest import ingest_many
from reports.models import IMPORTED_FILE_NAME, RawReport, ReportAddress, TlsReport
from tests.test_reports_email import address, dns_stub  # noqa: F401
from tests.test_reports_s13_blind import parse_pending
from tests.test_reports_s46a_fallback import SUB, other_door
from tests.test_reports_s47a_copies import npf, stored
from tests.test_reports_s48e_import_takeover import live_only

pytestmark = pytest.mark.django_db

V = ("validation-failure",)
NAMED = f"sender.example!{SUB}!1780272000!1780358399!001.json.gz"
OTHER = "sender.example!other.example.com!1780272000!1780358399!001.json.gz"
READ_AGAIN = "already stored (read again with its file name)"
NOT_TAKEN = "already stored (under a file name naming another domain, kept)"


def quietly(capture: Any, files: list[tuple[ReportAddress, bytes, str]]) -> Counter[str]:
    """ingest_many, checking it queues no alert task (an import is history), but for a
    report now counted from a post that was a resend until the import (review s48r3)."""
    with mock.patch("reports.tasks.alert_on_report.delay") as delay, capture(execute=True):
        outcome = ingest_many(files)
    live_only(delay)
    return outcome


def test_a_post_imported_again_under_a_name_naming_its_domain_is_about_that_domain(
    address: ReportAddress, dns_stub: Any, django_capture_on_commit_callbacks: Any
) -> None:
    other_door(address, npf(5), "posted")
    parse_pending()
    assert stored() == {("small sender", "example.com", 40, 5, V)}
    outcome = quietly(django_capture_on_commit_callbacks, [(address, npf(5), NAMED)])
    assert outcome == Counter({READ_AGAIN: 1})
    raw = RawReport.objects.get()  # stored once
    assert raw.headers[IMPORTED_FILE_NAME] == NAMED
    assert stored() == {("small sender", SUB, 40, 5, V)}
    assert TlsReport.objects.get().policies.get().domain_from_address is False
    # Imported again: nothing more to read.
    assert ingest_many([(address, npf(5), NAMED)]) == Counter({"already stored": 1})
    raw.process(force=True)
    assert stored() == {("small sender", SUB, 40, 5, V)}


def test_its_resends_are_judged_again_as_after_a_takeover(
    address: ReportAddress, dns_stub: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Posts naming no domain with 5 and 0 failed (the second a resend "with other
    counts"), then the first's bytes imported under a name naming SUB: SUB's report with 5,
    and the 0-failed post example.com's (as after a mail naming SUB, s47r3)."""
    other_door(address, npf(5), "posted")
    other_door(address, npf(0), "posted")
    parse_pending()
    quietly(django_capture_on_commit_callbacks, [(address, npf(5), NAMED)])
    assert stored() == {
        ("small sender", SUB, 40, 5, V),
        ("small sender for example.com", "example.com", 40, 0, ()),
    }
    assert RawReport.objects.count() == 2


def test_a_copy_stored_under_a_name_naming_another_domain_keeps_it_and_says_so(
    address: ReportAddress, dns_stub: Any
) -> None:
    assert ingest_many([(address, npf(5), OTHER)]) == Counter({"parsed": 1})
    assert ingest_many([(address, npf(5), NAMED)]) == Counter({NOT_TAKEN: 1})
    assert stored() == {("small sender", "other.example.com", 40, 5, V)}
    assert RawReport.objects.get().headers[IMPORTED_FILE_NAME] == OTHER
    # The same domain under another name: the same word, nothing to say.
    same = OTHER.replace("!001.", "!002.")
    assert ingest_many([(address, npf(5), same)]) == Counter({"already stored": 1})


@pytest.mark.parametrize("named_first", [False, True], ids=["nameless-first", "named-first"])
def test_one_batch_holding_the_bytes_twice_reads_the_name(
    address: ReportAddress, dns_stub: Any, named_first: bool
) -> None:
    files = [(address, npf(5), "report.json.gz"), (address, npf(5), NAMED)]
    outcome = ingest_many(files[::-1] if named_first else files)
    assert outcome == Counter({"parsed": 1, "already stored": 1})
    assert RawReport.objects.get().headers[IMPORTED_FILE_NAME] == NAMED
    assert stored() == {("small sender", SUB, 40, 5, V)}
