"""Alerts across the deploy of commit 4404d01, which reads a defined result type in any
letters as that type (reports.alerts.failure_type). Before it, a sender writing
`Certificate-Expired` was told of as a type "not in RFC 8460" (one change for every such
type). The rows and told facts (TlsReport.alerts_told) such reports left keep that spelling,
and read by failure type they said certificate-expired was seen already: the same sender
reporting it daily after the deploy was never alerted as certificate-expired, and the
"not in RFC 8460" change closed as quiet, with a recovery email "no longer reported", while
the certificate went on failing.

Reports before the deploy are evaluated as 4404d01's parent did (`before_4404d01`: a type
is defined only as the RFC spells it); everything after it by the code as it is, on reports
posted to the real intake. Both orders: the odd spelling first, then the RFC's (or the same
again), and the RFC's first, then the odd one."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from mailsec.alerts.models import AlertSetting, Change, Notification
from mailsec.domains.models import Domain
from reports.models import RawReport, ReportAddress, TlsReport
from reports.parse import RESULT_TYPES
from tests.test_reports_email import ingest, make_message, sign
from tests.test_reports_forged import post
from tests.test_reports_s12_alert_spelling import (  # noqa: F401 (fixtures)
    EXPIRED,
    OPEN,
    RECOVERED,
    UNKNOWN,
    calm,
    changes,
    day,
    failing,
    inline,
    kinds,
    reports_arrive_the_next_morning,
    respelled,
    signer,
    verified_address,
)
from tests.test_reports_s12_dashboard import (  # noqa: F401 (fixtures)
    FINDINGS,
    address,
    checked,
    detail,
    domain,
    eager,
    owner,
    policy,
    report,
    send,
)

pytestmark = pytest.mark.django_db

DISMISSED = Change.State.DISMISSED
ALERT, RECOVERY = Notification.Kind.ALERT, Notification.Kind.RECOVERY


@contextmanager
def before_4404d01() -> Iterator[None]:
    """Alerts evaluated as before commit 4404d01: a result type is the one RFC 8460 defines
    only as the RFC spells it, and is keyed, compared and closed by its spelling."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("reports.alerts.failure_type", lambda t: t)
        patch.setattr("reports.alerts.defined_type", lambda t: t if t in RESULT_TYPES else None)
        yield


@pytest.fixture
def reader(domain: Domain) -> User:  # noqa: F811
    """A team member who reads the daily digest: a closing "fixed" there is an all-clear
    too."""
    from mailsec.accounts.models import Membership

    user = User.objects.create_user("reader", "reader@example.org")
    Membership.objects.create(team=domain.team, user=user, role=Membership.Role.MEMBER)
    AlertSetting.set_mode(user, domain, AlertSetting.Mode.DIGEST)
    return user


def fixed_in_digests(user: User) -> list[str]:
    """The changes a digest of `user` would list as fixed, made now."""
    far = datetime.datetime(2100, 1, 1, tzinfo=datetime.UTC)
    start = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    _, recovered = Notification.digest_events(user, start, far)
    return [c.key for c in recovered]


RESPELLED_NOTE = (
    "Closed without a recovery email: the failure types this alert counted as not in RFC "
    "8460 were certificate-expired written in other letters or separators, which mailsec now "
    "reads as that RFC 8460 type. Senders still report it: see the TLS reports dashboard."
)


@pytest.mark.parametrize("after", ["Certificate-Expired", "certificate-expired"])
def test_a_type_alerted_as_not_in_rfc_8460_before_the_deploy_is_alerted_as_its_type_after(
    owner: User,  # noqa: F811
    reader: User,
    domain: Domain,  # noqa: F811
    send: Any,  # noqa: F811
    reports_arrive_the_next_morning: None,  # noqa: F811
    after: str,
) -> None:
    checked(domain, FINDINGS)
    with before_4404d01():
        failing(send, 0, "Certificate-Expired")
    assert changes() == [(UNKNOWN, OPEN)]
    assert kinds(owner) == [ALERT]
    # After the deploy the sender goes on reporting the expired certificate, in its own
    # spelling or in the RFC's: that is certificate-expired, never alerted as such.
    failing(send, 1, after)
    assert changes() == [(EXPIRED, OPEN), (UNKNOWN, OPEN)]
    assert kinds(owner) == [ALERT, ALERT]
    expired = Change.objects.get(key=EXPIRED)
    assert expired.summary.startswith(
        f"New TLS failure reported for example.com on {day(1):%Y-%m-%d}: certificate-expired. "
        f"1 failed session on {day(1):%Y-%m-%d}"
    )
    # A week of report days later the "not in RFC 8460" change is closed, but told to nobody
    # as an end: what it counted is still reported, as certificate-expired.
    for n in range(2, 10):
        failing(send, n, after)
    assert changes() == [(EXPIRED, OPEN), (UNKNOWN, DISMISSED)]
    assert kinds(owner) == [ALERT, ALERT]
    assert Change.objects.get(key=UNKNOWN).note == RESPELLED_NOTE
    assert fixed_in_digests(reader) == []


@pytest.mark.parametrize("after", ["Certificate-Expired", "certificate-expired"])
def test_the_rfc_spelling_first_then_an_odd_one_before_the_deploy(
    owner: User,  # noqa: F811
    reader: User,
    domain: Domain,  # noqa: F811
    send: Any,  # noqa: F811
    reports_arrive_the_next_morning: None,  # noqa: F811
    after: str,
) -> None:
    checked(domain, FINDINGS)
    with before_4404d01():
        failing(send, 0, "certificate-expired")
        failing(send, 1, "Certificate-Expired", org="Odd Mail")
    assert changes() == [(EXPIRED, OPEN), (UNKNOWN, OPEN)]
    assert kinds(owner) == [ALERT, ALERT]
    for n in range(2, 10):
        failing(send, n, after, org="Odd Mail")
    # certificate-expired stays open while reported; the other change ends without a
    # "no longer reported".
    assert changes() == [(EXPIRED, OPEN), (UNKNOWN, DISMISSED)]
    assert kinds(owner) == [ALERT, ALERT]
    assert Change.objects.get(key=UNKNOWN).note == RESPELLED_NOTE
    assert fixed_in_digests(reader) == []


def test_the_rfc_spelling_before_the_deploy_and_an_odd_one_after_is_one_alert(
    owner: User,  # noqa: F811
    domain: Domain,  # noqa: F811
    send: Any,  # noqa: F811
    reports_arrive_the_next_morning: None,  # noqa: F811
) -> None:
    checked(domain, FINDINGS)
    with before_4404d01():
        failing(send, 0, "certificate-expired")
    for n in range(1, 10):
        failing(send, n, "Certificate-Expired", org="Odd Mail")
    assert changes() == [(EXPIRED, OPEN)]
    assert kinds(owner) == [ALERT]


def test_types_rfc_8460_does_not_define_that_stopped_are_told_as_ended_with_the_rest_named(
    owner: User,  # noqa: F811
    reader: User,
    domain: Domain,  # noqa: F811
    send: Any,  # noqa: F811
    reports_arrive_the_next_morning: None,  # noqa: F811
) -> None:
    checked(domain, FINDINGS)
    with before_4404d01():
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
                        2,
                        [
                            detail("tls-version-mismatch", 1, "mx2.example.com", "192.0.2.2"),
                            detail("Certificate-Expired", 1, "mx2.example.com", "192.0.2.2"),
                        ],
                    )
                ],
            )
        )
    assert sorted(Change.objects.values_list("key", "after")) == [(UNKNOWN, "2")]
    for n in range(1, 10):
        failing(send, n, "Certificate-Expired")
    # tls-version-mismatch did stop: that end is told, and what goes on is named.
    assert changes() == [(EXPIRED, OPEN), (UNKNOWN, RECOVERED)]
    assert kinds(owner) == [ALERT, ALERT, RECOVERY]
    note = Change.objects.get(key=UNKNOWN).note
    assert note.startswith(
        "Senders have reported no failures of types not in RFC 8460 for 7 report days. Since "
        f"{day(0):%Y-%m-%d} (the last day one was reported)"
    )
    assert note.endswith(
        " Senders still report certificate-expired written in other letters or separators, "
        "which mailsec now reads as that RFC 8460 type, not as "
        "one it does not define."
    )
    assert fixed_in_digests(reader) == [UNKNOWN]


def test_a_type_not_in_rfc_8460_that_stopped_is_told_as_ended_as_before(
    owner: User,  # noqa: F811
    domain: Domain,  # noqa: F811
    send: Any,  # noqa: F811
    reports_arrive_the_next_morning: None,  # noqa: F811
) -> None:
    checked(domain, FINDINGS)
    with before_4404d01():
        failing(send, 0, "tls-version-mismatch")
    for n in range(1, 9):
        calm(send, n)
    assert changes() == [(UNKNOWN, RECOVERED)]
    assert kinds(owner) == [ALERT, RECOVERY]
    assert Change.objects.get(key=UNKNOWN).note.startswith(
        "Senders have reported no failures of types not in RFC 8460 for 7 report days. Since "
        f"{day(0):%Y-%m-%d} (the last day one was reported)"
    )


def test_a_report_told_in_an_odd_spelling_before_the_deploy_tells_its_type_in_a_new_copy(
    verified_address: ReportAddress,  # noqa: F811
    signer: Any,  # noqa: F811
    inline: None,  # noqa: F811
    client: Client,
) -> None:
    # Before the deploy an unsigned copy wrote the type in capitals: told as a type not in
    # RFC 8460, with alerts_told keeping the spelling as sent.
    with before_4404d01():
        post(client, verified_address, respelled("Certificate-Expired"))
    stored = TlsReport.objects.get()
    assert stored.alerts_told["types"] == ["Certificate-Expired", "certificate-host-mismatch"]
    assert sorted(Change.objects.values_list("key", flat=True)) == [
        "tlsrpt-new-type:certificate-host-mismatch",
        UNKNOWN,
    ]
    # After it, the reporter's signed copy (certificate-expired as the RFC writes it) takes
    # its place: the owner never heard of certificate-expired, and hears of it now.
    assert ingest(sign(make_message(verified_address), signer)) == 0
    signed = RawReport.objects.get(source=RawReport.EMAIL)
    assert signed.parse_status == RawReport.PARSED, signed.error
    assert sorted(Change.objects.values_list("key", "state")) == [
        (EXPIRED, OPEN),
        ("tlsrpt-new-type:certificate-host-mismatch", OPEN),
        (UNKNOWN, OPEN),
    ]
    assert TlsReport.objects.get().alerts_told["types"] == [
        "Certificate-Expired",
        "certificate-expired",
        "certificate-host-mismatch",
    ]


def test_told_facts_name_the_type_read_so_the_deploy_is_not_news_again(
    verified_address: ReportAddress,  # noqa: F811
    inline: None,  # noqa: F811
    client: Client,
) -> None:
    # After the deploy, a report told in capitals keeps the type it was read as too.
    post(client, verified_address, respelled("Certificate-Expired"))
    assert TlsReport.objects.get().alerts_told["types"] == [
        "Certificate-Expired",
        "certificate-expired",
        "certificate-host-mismatch",
    ]
    assert sorted(Change.objects.values_list("key", "state")) == [
        (EXPIRED, OPEN),
        ("tlsrpt-new-type:certificate-host-mismatch", OPEN),
    ]
