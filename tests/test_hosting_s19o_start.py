"""Round s19o: turning on Hosted MTA-STS must not weaken the policy a domain already serves.

A domain serving `mode: enforce`, `max_age: 31557600` and a provider wildcard started hosting in
mode testing with a week's max_age and only its MX names: new senders got testing (RFC 8461
§10). Hosting now starts from the policy the latest check fetched (its mode and max_age, its
patterns that still cover a live MX), says what it drops and why, and the page shows it before
Host MTA-STS is pressed. Nothing valid served: the usual start, in testing for a week.

The served policy is the engine's own finding (checks.mtasts.evaluate over stubbed DNS and
probes, MTASTS-20's evidence), stored as a CheckRun."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from checks.findings import Finding
from mailsec.domains.models import CheckRun, Domain
from mailsec.hosting import service
from mailsec.hosting.models import HostedPolicy
from tests.test_hosting import T0, HostingCase, fake_dns
from tests.test_mtasts import evaluate

YEAR = 31557600
SERVED = (
    "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.org\r\nmx: *.backup-mx.net\r\n"
    "mx: old-mx.example.org\r\nmax_age: 31557600\r\n"
)
LIVE = ["b1.backup-mx.net", "mx1.example.org"]
ZONE: dict[tuple[str, str], list[str] | str] = {
    ("example.org", "MX"): ["10 mx1.example.org.", "20 b1.backup-mx.net."],
    ("mx1.example.org", "A"): ["192.0.2.11"],
    ("b1.backup-mx.net", "A"): ["192.0.2.21"],
    ("_mta-sts.example.org", "TXT"): ['"v=STSv1; id=20260601T0000"'],
    ("_smtp._tls.example.org", "TXT"): ['"v=TLSRPTv1; rua=mailto:tls@example.org"'],
}


def smtp_pass(host: str, address: str) -> list[dict[str, Any]]:
    """The STARTTLS check's verdicts on one MX address that validates (SMTP-09, SMTP-11)."""
    subject = f"{host} [{address}]"
    return [
        {"id": check_id, "status": "pass", "subject": subject, "summary": ""}
        for check_id in ("SMTP-09", "SMTP-11")
    ]


def store_run(domain: Domain, findings: list[Finding], extra: list[dict[str, Any]]) -> CheckRun:
    run = CheckRun.objects.create(
        domain=domain,
        status="done",
        finished=timezone.now(),
        findings=[f.to_dict() for f in findings] + extra,
    )
    Domain.objects.filter(pk=domain.pk).update(last_run=run)
    domain.refresh_from_db()
    return run


def engine_findings(
    zone: dict[tuple[str, str], list[str] | str], body: str, **kw: Any
) -> list[Finding]:
    with pytest.MonkeyPatch.context() as mp:
        return evaluate(mp, zone, body=body, **kw)


class StartTestCase(HostingCase):
    def url(self, name: str) -> str:
        return reverse(f"hosting:{name}", args=[self.domain.code])

    def checked_serving(self, body: str = SERVED, **kw: Any) -> None:
        """The latest check fetched `body` from mta-sts.example.org and saw the live MX."""
        store_run(
            self.domain,
            engine_findings(ZONE, body, **kw),
            smtp_pass("mx1.example.org", "192.0.2.11")
            + smtp_pass("b1.backup-mx.net", "192.0.2.21"),
        )

    def test_it_starts_from_the_served_mode_max_age_and_patterns(self) -> None:
        self.checked_serving()
        with fake_dns(LIVE):
            policy = service.enable(self.domain, now=T0)
        assert policy.mode == "enforce" and policy.max_age == YEAR
        assert policy.text == (
            "version: STSv1\r\nmode: enforce\r\nmx: *.backup-mx.net\r\nmx: b1.backup-mx.net\r\n"
            "mx: mx1.example.org\r\nmax_age: 31557600\r\n"
        )
        # The provider wildcard keeps covering the provider's next host: an owner's pattern.
        assert policy.mx_extra == ["*.backup-mx.net"]
        # Senders hold the served enforce copy for its max_age: stopping must outlast it.
        assert policy.strict_until == T0 + timedelta(seconds=YEAR)
        [event] = policy.events.filter(kind="enabled")
        assert "mode enforce and max_age 31557600 kept" in event.message
        assert "keeps *.backup-mx.net (it covers b1.backup-mx.net)" in event.message
        assert (
            "drops old-mx.example.org: it matches none of your MX hosts "
            "(b1.backup-mx.net, mx1.example.org)" in event.message
        )

    def test_it_adds_live_hosts_the_served_policy_left_out_and_never_lowers_max_age(
        self,
    ) -> None:
        served = "version: STSv1\r\nmode: testing\r\nmx: mx1.example.org\r\nmax_age: 1209600\r\n"
        self.checked_serving(served)
        with fake_dns(LIVE):
            policy = service.enable(self.domain, now=T0)
        assert policy.mode == "testing" and policy.max_age == 1209600  # two weeks, not one
        assert "mx: b1.backup-mx.net\r\n" in policy.text and policy.mx_extra == []
        [event] = policy.events.filter(kind="enabled")
        assert "adds b1.backup-mx.net: it is in your MX records but the policy you serve" in (
            event.message
        )

    def test_nothing_valid_served_keeps_the_usual_start(self) -> None:
        none = SERVED.replace("mode: enforce", "mode: none")
        self.checked_serving(none)
        with fake_dns(LIVE):
            policy = service.enable(self.domain, now=T0)
        assert policy.mode == "testing" and policy.max_age == 604800
        assert policy.mx_extra == [] and policy.strict_until is None

    def test_the_page_shows_the_start_and_asks_to_confirm_it(self) -> None:
        self.checked_serving()
        self.client.force_login(self.alice)
        with fake_dns(LIVE):
            page = self.client.get(self.url("page")).content.decode()
            text = " ".join(html.unescape(re.sub(r"<[^>]+>", "", page)).split())
            assert "It starts from the policy your domain serves now" in text
            assert "Hosting starts in mode enforce with max_age 31557600" in text
            assert "drops old-mx.example.org: it matches none of your MX hosts" in text
            assert "mx: *.backup-mx.net" in text
            assert "starting in mode enforce" in text
            basis = re.search(r'name="start" value="([0-9a-f]+)"', page)
            assert basis is not None
            # A form that did not show this start (an old page) changes nothing.
            r = self.client.post(self.url("enable"), {"start": ""}, follow=True)
            assert not HostedPolicy.objects.exists()
            assert "Nothing was changed" in r.content.decode()
            r = self.client.post(self.url("enable"), {"start": basis[1]}, follow=True)
        policy = HostedPolicy.objects.get()
        assert policy.mode == "enforce" and policy.max_age == YEAR
        said = " ".join(html.unescape(r.content.decode()).split())
        assert "Hosting is on. Publish the records below. Started from the policy" in said

    def test_a_policy_the_check_could_not_read_is_said_before_starting_in_testing(self) -> None:
        store_run(self.domain, engine_findings(ZONE, SERVED, error_kind="timeout"), [])
        self.client.force_login(self.alice)
        with fake_dns(LIVE):
            page = self.client.get(self.url("page")).content.decode()
            assert 'id="starting-unread"' in page and 'name="start" value="unread"' in page
            self.client.post(self.url("enable"), {"start": ""})
            assert not HostedPolicy.objects.exists()
            self.client.post(self.url("enable"), {"start": "unread"})
        policy = HostedPolicy.objects.get()
        assert policy.mode == "testing"
        [event] = policy.events.filter(kind="enabled")
        assert "could not read the policy mta-sts.example.org serves" in event.message

    def test_hosting_again_after_the_release_starts_from_what_is_served_then(self) -> None:
        with fake_dns(LIVE):
            policy = service.enable(self.domain, now=T0)
        policy.state, policy.release_at = HostedPolicy.State.OFF, None
        policy.save()
        self.checked_serving()
        with fake_dns(LIVE):
            policy = service.enable(self.domain, now=T0 + timedelta(days=30))
        assert policy.mode == "enforce" and policy.max_age == YEAR
        assert "*.backup-mx.net" in policy.mx_extra
