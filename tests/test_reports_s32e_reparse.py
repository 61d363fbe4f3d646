# ruff: noqa: F811 (pytest fixtures imported from another test module)
"""Task s32e item 2: `manage.py reparse --parsed` reads again, in bulk, reports parsed already,
so a parser fix reaches what was stored before it.

bc9cbb5c reads a policy-domain 'example.com ' (a template's stray blank) as example.com; a
report stored before it kept the blank, was warned 'not a valid host name' and so was another
domain's (counted False: out of example.com's totals and alerts). The rows below are that
old reading, written as the parser of then stored them; the command's only bulk options
(--all-failed, --pending) never looked at a parsed report. Re-parsing replaces the report in
place: no report, policy or failure detail twice, no count doubled, no alert sent twice."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from mailsec.alerts.models import Change, Notification
from reports.models import FailureDetail, PolicyResult, RawReport, ReportAddress, TlsReport
from tests.test_reports_alerts import report
from tests.test_reports_reparse_alerts import address, tasks_run  # noqa: F401

pytestmark = pytest.mark.django_db

OLD_WARNING = (
    "policies[0]: policy-domain 'example.com ' is not a valid host name (RPT-11); kept as sent"
)


def day(n: int) -> str:
    return (timezone.now().date() - datetime.timedelta(days=n)).isoformat()


def stored_before_the_fix(address: ReportAddress, rid: str, n: int = 1) -> RawReport:
    """A bad day (half the sessions failed, a type never seen) whose policy-domain had a
    trailing blank, stored as the parser before bc9cbb5c stored it: another domain's report,
    its alerts evaluated on that (nothing to tell)."""
    import json

    body = json.loads(report(day(n), rid=rid, ok=50, failed=50, types=("certificate-expired",)))
    body["policies"][0]["policy"]["policy-domain"] = "example.com "
    raw, _ = RawReport.store(address, json.dumps(body).encode(), source=RawReport.HTTPS)
    assert raw.process() == RawReport.PARSED
    raw.refresh_from_db()
    tls = TlsReport.objects.get(pk=raw.report_id)
    TlsReport.objects.filter(pk=tls.pk).update(
        policy_domain="example.com ",
        counted=False,
        warnings=[OLD_WARNING],
        alerts_evaluated_at=tls.created,
        alerts_told={"day": str(tls.day), "counted": False, "types": [], "rate": False},
    )
    PolicyResult.objects.filter(report=tls).update(policy_domain="example.com ")
    return raw


def reparse(*args: str) -> str:
    out = io.StringIO()
    call_command("reparse", *args, stdout=out)
    return out.getvalue()


def state() -> dict[str, Any]:
    return {
        "reports": list(
            TlsReport.objects.order_by("report_id").values_list(
                "report_id", "policy_domain", "counted", "total_successful", "total_failed"
            )
        ),
        "policies": PolicyResult.objects.count(),
        "details": FailureDetail.objects.count(),
        "raw": sorted(RawReport.objects.values_list("parse_status", flat=True)),
        "changes": Change.objects.count(),
        "notifications": Notification.objects.count(),
        "emails": len(mail.outbox),
    }


def test_reparse_parsed_with_warning_reads_old_reports_again_once(
    address: ReportAddress,
    tasks_run: Any,
) -> None:
    stored_before_the_fix(address, "r1")
    stored_before_the_fix(address, "r2", n=2)
    assert TlsReport.objects.filter(counted=False).count() == 2
    with tasks_run():
        out = reparse("--parsed", "--with-warning", "NOT A VALID HOST NAME")
    assert out.strip() == "parsed: 2 reports read again (2 parsed)"
    after = state()
    assert after["reports"] == [
        ("r1", "example.com", True, 50, 50),
        ("r2", "example.com", True, 50, 50),
    ]
    assert (after["policies"], after["details"], after["raw"]) == (2, 2, ["parsed", "parsed"])
    assert set(PolicyResult.objects.values_list("policy_domain", flat=True)) == {"example.com"}
    for tls in TlsReport.objects.all():
        assert not any("not a valid host name" in w for w in tls.warnings), tls.warnings
        assert any("has blanks around it; read as 'example.com'" in w for w in tls.warnings)
    # What the new reading tells (a failure type, a bad day) is told, once.
    assert after["changes"] >= 1 and after["notifications"] >= 1

    # Again, every parsed report since then: the same reading, nothing added or told again.
    with tasks_run():
        out = reparse("--parsed", "--since", day(30))
    assert out.strip() == "parsed: 2 reports read again (2 parsed)"
    assert state() == after
    # The warning is gone: the first selection finds nothing left to read.
    assert reparse("--parsed", "--with-warning", "not a valid host name").strip() == (
        "parsed: no parsed report matches"
    )


def test_since_and_limit_bound_what_is_read(
    address: ReportAddress,
) -> None:
    old = stored_before_the_fix(address, "old")
    RawReport.objects.filter(pk=old.pk).update(
        received_at=timezone.now() - datetime.timedelta(days=40)
    )
    for rid in ("a", "b", "c"):
        stored_before_the_fix(address, rid)
    # Rows never parsed are --all-failed's and --pending's, not --parsed's.
    RawReport.objects.create(
        address=address, body=b"{", sha256="0" * 64, size=1, parse_status=RawReport.REJECTED
    )
    since = (timezone.now() - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
    assert reparse("--parsed", "--since", since, "--limit", "2").strip() == (
        "parsed: 2 reports read again (2 parsed); stopped at --limit 2"
    )
    counted = dict(TlsReport.objects.values_list("report_id", "counted"))
    assert counted == {"old": False, "a": True, "b": True, "c": False}  # the oldest ids first
    assert (
        reparse("--parsed", "--since", since).strip() == "parsed: 3 reports read again (3 parsed)"
    )
    counted = dict(TlsReport.objects.values_list("report_id", "counted"))
    assert counted == {"old": False, "a": True, "b": True, "c": True}  # received before --since


@pytest.mark.parametrize(
    "args, said",
    [
        (["--parsed"], "say which with --since DATE and/or --with-warning TEXT"),
        (["--pending", "--since", "2026-12-01"], "go with --parsed"),
        (["--parsed", "--since", "yesterday"], "bad --since 'yesterday'"),
        (["--parsed", "--since", "2026-12-01", "--limit", "0"], "--limit must be 1 or more"),
    ],
)
def test_it_refuses_an_unbounded_or_unclear_run(args: list[str], said: str, db: None) -> None:
    with pytest.raises(CommandError, match=said):
        reparse(*args)


def test_a_report_with_two_copies_stays_one_report(address: ReportAddress) -> None:
    raw = stored_before_the_fix(address, "r1")
    # The same report again, other bytes (a resend over the other channel): a duplicate.
    copy, _ = RawReport.store(address, bytes(raw.body) + b"\n", source=RawReport.HTTPS)
    assert copy.process() == RawReport.DUPLICATE
    out = reparse("--parsed", "--since", day(30))
    assert out.strip() == "parsed: 1 report read again (1 parsed)"
    after = state()
    assert after["reports"] == [("r1", "example.com", True, 50, 50)]
    assert (after["policies"], after["details"]) == (1, 1)
    assert after["raw"] == ["duplicate", "parsed"]
    assert reparse("--parsed", "--since", day(30)).strip() == (
        "parsed: 1 report read again (1 parsed)"
    )
    assert state() == after
