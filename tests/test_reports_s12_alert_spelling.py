"""TLS-RPT alerts read a defined result type in any letters as that type (reports.explain.
defined_type), on reports posted to the real intake: `certificate-expired` one day and
`Certificate-Expired` the next are one failure type — no second alert, no "type RFC 8460 does
not define", the next check brought forward as for the type written as the RFC does — and a
change is closed only when no spelling of its type is reported any more. The facts a report's
alerts were evaluated on (TlsReport.alerts_told, which keep each sender's spelling) compare
the same way, so a copy spelling a type otherwise tells nobody again.

And the dashboard's row for a subdomain's MTA-STS policy failure says what our last check did
with the domain's own policy (reports.join.sight): "fetched the policy of example.com" only
when it did, not when example.com publishes no MTA-STS record or its policy could not be
fetched."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.db.models import Max
from django.test import Client
from django.utils import timezone

from mailsec.alerts.models import Change, Notification
from mailsec.celery import app
from mailsec.domains.models import Domain
from reports.alerts import KIND_NEW_TYPE, UNKNOWN_TYPES
from reports.models import RawReport, ReportAddress, TlsReport
from tests import test_reports_forged as forged_case
from tests.test_reports_email import SAMPLE, ingest, make_message, sign
from tests.test_reports_forged import post
from tests.test_reports_s12_dashboard import (  # noqa: F401 (fixtures)
    FINDINGS,
    POLICY_URL,
    address,
    checked,
    detail,
    domain,
    eager,
    finding,
    owner,
    page_of,
    policy,
    report,
    send,
    sight_cell,
    yesterday,
)

pytestmark = pytest.mark.django_db

signer = forged_case.signer
DAY0 = date(2026, 6, 1)


def day(n: int) -> date:
    return DAY0 + timedelta(days=n)


@pytest.fixture
def reports_arrive_the_next_morning() -> Iterator[None]:
    """The alert rules' today is the day after the latest report stored (as in
    tests/test_reports_s12_recovery.py): each report is recent when it arrives."""

    def today() -> date:
        latest = TlsReport.objects.aggregate(latest=Max("day"))["latest"]
        return latest + timedelta(days=1) if latest else timezone.now().date()

    with mock.patch("reports.alerts.today", today):
        yield


def failing(
    send: Any,  # noqa: F811
    n: int,
    result_type: str,
    mx: str = "mx2.example.com",
    *,
    org: str = "Plain Mail",
) -> None:
    """One report of day `n` with one failed session of `result_type` at `mx`."""
    send(
        report(
            org,
            f"{org}-{n}-{result_type}",
            day(n),
            [policy("sts", "example.com", 100, 1, [detail(result_type, 1, mx, "192.0.2.2")])],
        )
    )


def calm(send: Any, n: int) -> None:  # noqa: F811
    send(report("Calm Mail", f"calm-{n}", day(n), [policy("sts", "example.com", 100, 0)]))


def changes() -> list[tuple[str, str]]:
    return sorted(Change.objects.values_list("key", "state"))


def kinds(user: User) -> list[str]:
    return list(
        Notification.objects.filter(user=user).order_by("pk").values_list("kind", flat=True)
    )


EXPIRED = f"{KIND_NEW_TYPE}:certificate-expired"
UNKNOWN = f"{KIND_NEW_TYPE}:{UNKNOWN_TYPES}"
OPEN, RECOVERED = Change.State.CONFIRMED, Change.State.RECOVERED


@pytest.mark.parametrize(
    "spellings",
    [
        ("certificate-expired", "Certificate-Expired"),
        ("Certificate-Expired", "certificate-expired"),
        ("CERTIFICATE-EXPIRED", "certificate_expired"),
    ],
)
def test_a_type_in_another_spelling_the_next_day_is_no_new_alert(
    owner: User,  # noqa: F811
    domain: Domain,  # noqa: F811
    send: Any,  # noqa: F811
    reports_arrive_the_next_morning: None,
    spellings: tuple[str, str],
) -> None:
    checked(domain, FINDINGS)
    first, second = spellings
    failing(send, 0, first)
    failing(send, 1, second, "MX2.Example.com.", org="Odd Mail")
    assert changes() == [(EXPIRED, OPEN)]
    assert kinds(owner) == [Notification.Kind.ALERT]


def test_a_type_only_written_in_odd_case_is_alerted_as_that_type_and_brings_the_check_forward(
    owner: User,  # noqa: F811
    domain: Domain,  # noqa: F811
    send: Any,  # noqa: F811
    reports_arrive_the_next_morning: None,
) -> None:
    checked(domain, FINDINGS)
    later = timezone.now() + timedelta(hours=6)
    Domain.objects.filter(pk=domain.pk).update(next_check_at=later)
    failing(send, 0, "Certificate-Expired", "MX2.Example.com.")
    change = Change.objects.get()
    assert (change.key, change.subject, change.state) == (EXPIRED, "certificate-expired", OPEN)
    assert change.summary.startswith(
        f"New TLS failure reported for example.com on {day(0):%Y-%m-%d}: certificate-expired. "
        f"1 failed session on {day(0):%Y-%m-%d}, in 1 report. The MX presented a certificate past "
        "its expiry date. certificate-expired reported for mx2.example.com — our last check "
    )
    assert "does not define" not in change.summary
    # The host as the sender wrote it is the domain's mx2, not "a host that is not among the
    # domain's MX hosts".
    assert "not among the domain's MX hosts" not in change.summary
    assert change.evidence["receiving MX"] == ["mx2.example.com"]
    assert change.evidence["other hosts named"] == 0
    assert kinds(owner) == [Notification.Kind.ALERT]
    # Compared with our check on the dashboard: the check is made current (commit 8e13648).
    domain.refresh_from_db()
    assert domain.next_check_at is not None and domain.next_check_at <= timezone.now()


def test_a_change_stays_open_while_its_type_is_reported_in_another_spelling(
    owner: User,  # noqa: F811
    domain: Domain,  # noqa: F811
    send: Any,  # noqa: F811
    reports_arrive_the_next_morning: None,
) -> None:
    checked(domain, FINDINGS)
    failing(send, 0, "certificate-expired")
    # Seven more report days, each still reporting the certificate of mx2, in capitals.
    for n in range(1, 8):
        failing(send, n, "Certificate-Expired", "MX2.Example.com.", org="Odd Mail")
    assert changes() == [(EXPIRED, OPEN)]
    assert kinds(owner) == [Notification.Kind.ALERT]


def test_a_change_opened_under_one_spelling_closes_after_a_quiet_week(
    owner: User,  # noqa: F811
    domain: Domain,  # noqa: F811
    send: Any,  # noqa: F811
    reports_arrive_the_next_morning: None,
) -> None:
    checked(domain, FINDINGS)
    failing(send, 0, "CERTIFICATE-EXPIRED")
    for n in range(1, 8):
        calm(send, n)
    assert changes() == [(EXPIRED, RECOVERED)]
    assert kinds(owner) == [Notification.Kind.ALERT, Notification.Kind.RECOVERY]
    assert Change.objects.get().note.startswith(
        "Senders have reported no certificate-expired failures for 7 report days. Since "
        f"{day(0):%Y-%m-%d} (the last day one was reported)"
    )


def test_the_unknown_types_change_is_not_kept_open_by_a_defined_type_in_odd_case(
    owner: User,  # noqa: F811
    domain: Domain,  # noqa: F811
    send: Any,  # noqa: F811
    reports_arrive_the_next_morning: None,
) -> None:
    checked(domain, FINDINGS)
    failing(send, 0, "tls-version-mismatch")
    failing(send, 1, "Certificate-Expired", org="Odd Mail")
    # The first is a type of nobody's RFC; the second is certificate-expired, news of its own.
    assert changes() == [(EXPIRED, OPEN), (UNKNOWN, OPEN)]
    unknown = Change.objects.get(key=UNKNOWN)
    assert unknown.after == "1"
    assert unknown.summary.startswith(
        f"Reports for example.com on {day(0):%Y-%m-%d} name 1 failure type that RFC 8460 §4.3 "
        "does not define."
    )
    for n in range(2, 9):
        calm(send, n)
    assert changes() == [(EXPIRED, RECOVERED), (UNKNOWN, RECOVERED)]
    # Each says when its own kind was last reported: the odd-case type is not "a type not in
    # RFC 8460".
    assert Change.objects.get(key=UNKNOWN).note.startswith(
        "Senders have reported no failures of types not in RFC 8460 for 7 report days. Since "
        f"{day(0):%Y-%m-%d} (the last day one was reported)"
    )
    assert Change.objects.get(key=EXPIRED).note.startswith(
        "Senders have reported no certificate-expired failures for 7 report days. Since "
        f"{day(1):%Y-%m-%d} (the last day one was reported)"
    )


def test_the_unknown_types_alert_counts_only_types_rfc_8460_does_not_define(
    domain: Domain,  # noqa: F811
    send: Any,  # noqa: F811
    reports_arrive_the_next_morning: None,
) -> None:
    checked(domain, FINDINGS)
    send(
        report(
            "Mixed Mail",
            "mixed-0",
            day(0),
            [
                policy(
                    "sts",
                    "example.com",
                    100,
                    3,
                    [
                        detail("tls-version-mismatch", 1, "mx1.example.com", "192.0.2.1"),
                        detail("STARTTLS-Not-Supported", 1, "mx1.example.com", "192.0.2.1"),
                        detail("Sts_Policy_Invalid", 1),
                    ],
                )
            ],
        )
    )
    assert sorted(Change.objects.values_list("key", "after")) == [
        (f"{KIND_NEW_TYPE}:{UNKNOWN_TYPES}", "1"),
        (f"{KIND_NEW_TYPE}:starttls-not-supported", "starttls-not-supported"),
        (f"{KIND_NEW_TYPE}:sts-policy-invalid", "sts-policy-invalid"),
    ]


# --- What a report's alerts were evaluated on ---------------------------------------------


@pytest.fixture
def verified_address(address: ReportAddress) -> Iterator[ReportAddress]:  # noqa: F811
    """example.com's address, of a verified domain, a week after the sample report's day
    (2026-06-01): that day is still recent enough to alert, and a week of later reports can
    close its changes (as in tests/test_reports_s11u_realert.py)."""
    sample_day = datetime.date(2026, 6, 1)
    with mock.patch("reports.alerts.today", return_value=sample_day + timedelta(days=7)):
        yield address


def respelled(result_type: str) -> bytes:
    """The sample report with its certificate-expired failure written as `result_type`."""
    body = json.loads(SAMPLE)
    body["policies"][0]["failure-details"][0]["result-type"] = result_type
    return json.dumps(body).encode()


def calm_sample_day(n: int) -> bytes:
    """Another organisation's report of the sample's day + n: every session went through."""
    body = json.loads(SAMPLE)
    d = datetime.date(2026, 6, 1) + timedelta(days=n)
    body["organization-name"] = "Calm Mail"
    body["report-id"] = f"calm-{d}"
    body["date-range"] = {"start-datetime": f"{d}T00:00:00Z", "end-datetime": f"{d}T23:59:59Z"}
    body["policies"][0]["summary"]["total-failure-session-count"] = 0
    body["policies"][0]["failure-details"] = []
    return json.dumps(body).encode()


@pytest.fixture
def inline() -> Iterator[None]:
    """Parse and evaluate alerts as soon as queued, from the intake and from ingest_email
    alike (as tests/test_reports_forged.py's eager)."""
    app.conf.task_always_eager = True
    try:
        with mock.patch("django.db.transaction.on_commit", lambda f, using=None, robust=False: f()):
            yield
    finally:
        app.conf.task_always_eager = False


def test_a_copy_spelling_a_told_type_otherwise_tells_nobody_again(
    verified_address: ReportAddress, signer: Any, inline: None, client: Client
) -> None:
    # An unsigned copy posted first writes the type in capitals; its alerts are evaluated and
    # alerts_told keeps the spelling as sent (as every record written before the fix does).
    post(client, verified_address, respelled("Certificate-Expired"))
    stored = TlsReport.objects.get()
    assert "Certificate-Expired" in stored.alerts_told["types"]
    for n in range(1, 8):
        post(client, verified_address, calm_sample_day(n))
    before = (sorted(Change.objects.values_list("key", "state")), Notification.objects.count())
    assert before[0] == [
        (EXPIRED, RECOVERED),
        (f"{KIND_NEW_TYPE}:certificate-host-mismatch", RECOVERED),
    ]
    # The reporter's signed copy (certificate-expired as the RFC writes it) takes its place:
    # the same failures of the same day, told already.
    assert ingest(sign(make_message(verified_address), signer)) == 0
    signed = RawReport.objects.get(source=RawReport.EMAIL)
    assert signed.parse_status == RawReport.PARSED, signed.error
    assert "certificate-expired" in set(
        TlsReport.objects.get(pk=stored.pk).failure_details.values_list("result_type", flat=True)
    )
    after = (sorted(Change.objects.values_list("key", "state")), Notification.objects.count())
    assert after == before


# --- What our last check did with the domain's own MTA-STS policy ---------------------------

RECORD = "_mta-sts.example.com"
POLICY_HOST = "mta-sts.example.com"


@pytest.mark.parametrize(
    ("findings", "did"),
    [
        (
            [
                finding(
                    "MTASTS-01",
                    "info",
                    "mta-sts",
                    RECORD,
                    "example.com has no MTA-STS record, so senders do not protect mail to it "
                    "against TLS downgrade.",
                )
            ],
            "found no MTA-STS record for example.com, so no policy to fetch",
        ),
        (
            [
                finding("MTASTS-01", "pass", "mta-sts", RECORD, "example.com publishes one."),
                finding(
                    "MTASTS-11", "fail", "mta-sts", POLICY_URL, "mta-sts.example.com: NXDOMAIN."
                ),
                finding(
                    "MTASTS-10", "fail", "mta-sts", POLICY_URL, "The policy cannot be fetched."
                ),
            ],
            "could not fetch the policy of example.com",
        ),
        (
            # A timeout: could not check, and no MTASTS-10 (checks.mtasts._fetch_findings).
            [
                finding("MTASTS-01", "pass", "mta-sts", RECORD, "example.com publishes one."),
                finding("MTASTS-11", "error", "mta-sts", POLICY_URL, "The fetch timed out."),
            ],
            "could not fetch the policy of example.com",
        ),
        (
            [finding("MTASTS-01", "error", "mta-sts", RECORD, "Could not look up the record.")],
            "could not look up the MTA-STS record of example.com, so fetched no policy",
        ),
    ],
)
def test_a_subdomains_policy_failure_says_what_our_check_did_with_the_domains_own_policy(
    owner: User,  # noqa: F811
    domain: Domain,  # noqa: F811
    address: ReportAddress,  # noqa: F811
    send: Any,  # noqa: F811
    findings: list[dict[str, Any]],
    did: str,
) -> None:
    checked(domain, [*FINDINGS[:-1], *findings])  # FINDINGS without its MTASTS-14 pass
    send(
        report(
            "Sub Mail",
            "sub-own-1",
            yesterday(),
            [policy("sts", "Shop.Example.com.", 40, 5, [detail("sts-webpki-invalid", 5)])],
        )
    )
    assert sight_cell(page_of(owner, address), "sts-webpki-invalid") == (
        "sts-webpki-invalid reported for the MTA-STS policy of shop.example.com — not compared "
        f"with our last check, which {did}; a check of example.com looks only for the policy "
        "of example.com, not this one (from mta-sts.shop.example.com); add shop.example.com "
        "as a domain to have it checked."
    )


def test_a_subdomains_policy_failure_names_the_policy_our_check_fetched(
    owner: User,  # noqa: F811
    domain: Domain,  # noqa: F811
    address: ReportAddress,  # noqa: F811
    send: Any,  # noqa: F811
) -> None:
    checked(
        domain,
        [
            *FINDINGS[:-1],
            finding("MTASTS-01", "pass", "mta-sts", RECORD, "example.com publishes one."),
            finding("MTASTS-11", "pass", "mta-sts", POLICY_HOST, "The policy host answers."),
            finding("MTASTS-14", "pass", "mta-sts", POLICY_URL, "The policy URL answers 200."),
        ],
    )
    send(
        report(
            "Sub Mail",
            "sub-own-2",
            yesterday(),
            [policy("sts", "shop.example.com", 40, 5, [detail("sts-policy-fetch-error", 5)])],
        )
    )
    assert sight_cell(page_of(owner, address), "sts-policy-fetch-error") == (
        "sts-policy-fetch-error reported for the MTA-STS policy of shop.example.com — not "
        "compared with our last check, which fetched the policy of example.com, not this one "
        "(from mta-sts.shop.example.com); add shop.example.com as a domain to have it checked."
    )
