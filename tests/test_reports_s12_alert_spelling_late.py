"""A late report of a day whose rows spell a defined type in other letters, all of it after
the deploy of commit 4404d01 (reports.alerts.failure_type). A row written
`Certificate-Expired` and evaluated since is told as certificate-expired (its report's told
facts, TlsReport.alerts_told, name the type read next to the spelling), as a row written
as the RFC does is: once the change recovered, another organisation's late report of that
day in the window RECENT_DAYS opens nothing, in either spelling. Rows told before the deploy
(their facts keep only the spelling) still do not count as told:
tests/test_reports_s12_alert_spelling_deploy.py."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from mailsec.alerts.models import Notification
from mailsec.domains.models import Domain
from reports.alerts import RECENT_DAYS
from reports.models import TlsReport
from tests.test_reports_s12_alert_spelling import (  # noqa: F401 (fixtures)
    EXPIRED,
    RECOVERED,
    calm,
    changes,
    day,
    failing,
    kinds,
    reports_arrive_the_next_morning,
)
from tests.test_reports_s12_dashboard import (  # noqa: F401 (fixtures)
    FINDINGS,
    address,
    checked,
    domain,
    eager,
    owner,
    send,
)

pytestmark = pytest.mark.django_db

ALERT, RECOVERY = Notification.Kind.ALERT, Notification.Kind.RECOVERY


@pytest.mark.parametrize(
    "spelling", ["certificate-expired", "Certificate-Expired", "CERTIFICATE_EXPIRED"]
)
def test_a_late_report_of_a_day_told_in_any_spelling_opens_nothing_once_recovered(
    owner: User,  # noqa: F811
    domain: Domain,  # noqa: F811
    send: Any,  # noqa: F811
    reports_arrive_the_next_morning: None,  # noqa: F811
    spelling: str,
) -> None:
    checked(domain, FINDINGS)
    failing(send, 0, spelling)
    assert TlsReport.objects.get(day=day(0)).alerts_told["types"] == sorted(
        {spelling, "certificate-expired"}
    )
    for n in range(1, 8):
        calm(send, n)
    assert kinds(owner) == [ALERT, RECOVERY]
    assert changes() == [(EXPIRED, RECOVERED)]
    # Today is day 8: day 1 is within RECENT_DAYS, and day 0 in the 7 days before it.
    assert (day(8) - day(1)).days <= RECENT_DAYS
    failing(send, 1, spelling, org="Late Mail")
    assert kinds(owner) == [ALERT, RECOVERY]
    assert changes() == [(EXPIRED, RECOVERED)]
    # The latest day after it is calm: nothing to tell either, no second "no longer
    # reported".
    calm(send, 8)
    assert kinds(owner) == [ALERT, RECOVERY]
    assert changes() == [(EXPIRED, RECOVERED)]
