"""Alerts end to end: the lab as the Internet, a real Celery worker, the beat's tick, and the
emails delivered over SMTP with STARTTLS to the lab's sink (smtp.lab.test), read back as sent.

Each test owns one lab zone (tests/lab/scenarios/alert01-03.toml) and puts it back as it was.
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
import threading
import time
import uuid
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import dns.flags
import dns.message
import dns.rcode
import dns.resolver
import pytest
from django.contrib.auth.models import User
from django.core.mail.backends import smtp as smtp_backend
from django.db.models import Exists, Q, Subquery
from django.test import Client
from django.utils import timezone

from checks import starttls
from mailsec.accounts.models import Membership, Team
from mailsec.alerts.models import AlertSetting, AlertState, Change, Notification
from mailsec.domains.models import CheckRun, Domain
from mailsec.domains.tasks import tick

pytestmark = [pytest.mark.lab, pytest.mark.django_db(transaction=True)]

MTA_STS_TXT = '"v=STSv1; id=20260601T0000"'
TLSRPT_TXT = '"v=TLSRPTv1; rua=https://rpt.lab.test/v1/tlsrpt"'


# --- SMTP to the lab sink ------------------------------------------------------------------------


class _LabSMTP(smtplib.SMTP):
    """smtplib, with the relay's name looked up through the lab's resolver: the name stays
    smtp.lab.test, so STARTTLS checks the certificate against it, as in production."""

    resolver: dns.resolver.Resolver

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        address = self.resolver.resolve(host, "A")[0].address
        return socket.create_connection((address, port), timeout, self.source_address)


class LabSmtpBackend(smtp_backend.EmailBackend):
    """Django's own SMTP backend; only name resolution and the trusted root are the lab's."""

    resolver: dns.resolver.Resolver | None = None
    ca_bundle = ""

    @property
    def connection_class(self) -> type[smtplib.SMTP]:
        assert self.resolver is not None
        return type("LabSMTP", (_LabSMTP,), {"resolver": self.resolver})

    @property
    def ssl_context(self) -> ssl.SSLContext:  # type: ignore[override]
        return ssl.create_default_context(cafile=self.ca_bundle)


# --- a resolver that answers SERVFAIL to everything ------------------------------------------


class ServfailResolver:
    """UDP and TCP on a free loopback port; every query gets SERVFAIL (a broken upstream)."""

    def __init__(self) -> None:
        # A free UDP port may be taken for TCP (the other test processes' connections use
        # ephemeral ports too): take another pair then.
        for _ in range(50):
            self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.udp.bind(("127.0.0.1", 0))
            self.port = self.udp.getsockname()[1]
            self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                self.tcp.bind(("127.0.0.1", self.port))
                break
            except OSError:
                self.udp.close()
                self.tcp.close()
        else:
            raise OSError("no port free for both UDP and TCP on 127.0.0.1")
        self.tcp.listen(8)
        self.queries = 0
        self.stopped = False
        for target in (self._serve_udp, self._serve_tcp):
            threading.Thread(target=target, daemon=True).start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _answer(self, wire: bytes) -> bytes:
        query = dns.message.from_wire(wire)
        self.queries += 1
        response = dns.message.make_response(query)
        response.set_rcode(dns.rcode.SERVFAIL)
        return response.to_wire()

    def _serve_udp(self) -> None:
        while not self.stopped:
            try:
                wire, peer = self.udp.recvfrom(4096)
                self.udp.sendto(self._answer(wire), peer)
            except OSError:
                return
            except Exception:
                continue

    def _serve_tcp(self) -> None:
        while not self.stopped:
            try:
                conn, _ = self.tcp.accept()
            except OSError:
                return
            with conn:
                try:
                    size = int.from_bytes(conn.recv(2), "big")
                    wire = conn.recv(size)
                    answer = self._answer(wire)
                    conn.sendall(len(answer).to_bytes(2, "big") + answer)
                except Exception:
                    continue

    def close(self) -> None:
        self.stopped = True
        self.udp.close()
        self.tcp.close()


# --- fixtures and helpers ---------------------------------------------------------------------


@pytest.fixture
def alert_lab(lab: Any, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The engine pointed at the lab, emails to the lab's sink, the re-check at once."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    for name, value in lab.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(LabSmtpBackend, "resolver", lab.dns_resolver())
    monkeypatch.setattr(LabSmtpBackend, "ca_bundle", lab.ca_bundle)
    settings.EMAIL_BACKEND = "tests.test_alerts_lab.LabSmtpBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "smtp.lab.test", 25, True
    settings.EMAIL_USE_SSL, settings.EMAIL_TIMEOUT = False, 10
    settings.DEFAULT_FROM_EMAIL = "mailsec <alerts@mailsec.example>"
    settings.SITE_ROOT = "https://mailsec.example"
    settings.ALERT_CONFIRM_DELAY = 0
    settings.ALERT_SCORE_DROP = 10
    # MX probes are cached per process for 5 minutes; each check here must really connect.
    starttls.clear_cache()
    yield lab


def monitored(name: str) -> tuple[Domain, User]:
    """A verified domain; its owner wants immediate alerts, a teammate turned them off."""
    tag = uuid.uuid4().hex[:10]
    owner = User.objects.create_user(f"owner-{tag}", f"owner-{tag}@example.org")
    quiet = User.objects.create_user(f"quiet-{tag}", f"quiet-{tag}@example.org")
    team = Team.create_for(owner)
    Membership.objects.create(team=team, user=quiet)
    domain = Domain.objects.create(team=team, name=name, verified_at=timezone.now())
    AlertSetting.set_mode(quiet, domain, AlertSetting.Mode.OFF)
    return domain, owner


def busy(domain: Domain) -> bool:
    """Whether the domain's run, its re-check or an email is still on its way.

    Read in one SELECT, so all of it comes from one moment (one snapshot on PostgreSQL, one
    read on SQLite). The worker moves a domain from one of these states to the next in a
    commit of its own (run active → done but not yet observed → change suspected → re-check
    active → observed → email pending → sent); with a query per state, a commit landing
    between two of them could be missed by both (the run read as not finished by the first,
    as no longer active by the next, its suspicion not yet made by the third), and a domain
    whose alert was about to be made read as settled."""
    done = domain.done_runs().values("pk")[:1]
    observed = AlertState.objects.filter(domain=domain).values("last_run")[:1]
    row = (
        Domain.objects.filter(pk=domain.pk)
        .annotate(
            active=Exists(CheckRun.objects.filter(domain=domain, status__in=CheckRun.ACTIVE)),
            last_done=Subquery(done),
            observed=Subquery(observed),
            suspected=Exists(Change.objects.filter(domain=domain, state=Change.State.SUSPECTED)),
            # a fix seen once waits for its re-check before it is told
            recovering=Exists(
                Change.objects.filter(
                    domain=domain, state=Change.State.CONFIRMED, recovery_seen_at__isnull=False
                )
            ),
            sending=Exists(
                Notification.objects.filter(domain=domain).filter(
                    Q(status__in=[Notification.Status.PENDING, Notification.Status.SENDING])
                    # A send that failed for a passing reason (the sink busy under load) is
                    # retried in a minute by the worker: that is the product working, so
                    # wait for it.
                    | Q(status=Notification.Status.FAILED, next_attempt_at__isnull=False)
                )
            ),
        )
        .values("active", "last_done", "observed", "suspected", "recovering", "sending")
        .get()
    )
    return (
        row["active"]
        # a run is stored (done) a moment before the alert pipeline has looked at it
        or row["last_done"] != row["observed"]
        or row["suspected"]
        or row["recovering"]
        or row["sending"]
    )


def settle(domain: Domain, timeout: float = 150) -> None:
    """Wait until the run, its re-check and the emails are all done."""
    deadline = time.monotonic() + timeout
    while busy(domain):
        assert time.monotonic() < deadline, f"{domain} did not settle in {timeout} s"
        time.sleep(0.2)


def scheduled_check(domain: Domain) -> None:
    """What beat does once a minute: claim the due domain and start its check."""
    starttls.clear_cache()
    Domain.objects.filter(pk=domain.pk).update(next_check_at=timezone.now())
    assert tick() == 1
    settle(domain)


def mails_to(lab: Any, address: str) -> list[EmailMessage]:
    out = []
    for m in lab.mails():
        if address in m["rcpt_to"]:
            assert m["tls"], "alerts go over STARTTLS"
            out.append(message_from_bytes(m["raw"], policy=policy.default))
        # the quiet teammate never gets anything
    return out


def text_of(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()


def html_of(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("html",))
    assert part is not None
    return part.get_content()


def runs(domain: Domain) -> list[tuple[str, str]]:
    return list(domain.runs.order_by("created").values_list("kind", "status"))


# --- the scenarios ------------------------------------------------------------------------------


def test_a_broken_record_is_one_alert_and_its_fix_one_recovery(
    alert_lab: Any, celery_worker: Any
) -> None:
    lab, zone = alert_lab, "alert01.lab.test"
    domain, owner = monitored(zone)
    quiet = domain.team.memberships.exclude(user=owner).get().user
    try:
        scheduled_check(domain)  # the first run is the confirmed state
        assert runs(domain) == [("scheduled", "done")]

        lab.update(zone, delete=[("_mta-sts", "TXT")])
        lab.flush(zone)
        scheduled_check(domain)
        # The suspected regression was re-checked (a run of its own) before anyone was told.
        assert runs(domain)[1:] == [("scheduled", "done"), ("confirm", "done")]
        assert set(domain.changes.values_list("kind", "state")) == {
            ("record-gone", "confirmed"),
            ("score", "confirmed"),
        }
        alerts = mails_to(lab, owner.email)
        assert len(alerts) == 1
        alert = alerts[0]
        assert alert["Subject"].strip() == (
            "[mailsec] alert01.lab.test: The MTA-STS record _mta-sts.alert01.lab.test has "
            "disappeared (+1 more)"
        )
        text = text_of(alert)
        # ALERT_CONFIRM_DELAY is 0 here: the re-check ran at once, and the email says when.
        assert re.search(r"a re-check (seconds|\d+ minutes?) later confirmed them", text), text
        assert "* The MTA-STS record _mta-sts.alert01.lab.test has disappeared." in text
        assert f"Before: _mta-sts.alert01.lab.test TXT → NOERROR {MTA_STS_TXT}" in text
        assert "Now: _mta-sts.alert01.lab.test TXT → NXDOMAIN no record" in text
        assert f"Publish it again: _mta-sts.alert01.lab.test. TXT {MTA_STS_TXT}" in text
        assert "* The score dropped from 100 to " in text
        assert f"Details and history: https://mailsec.example/domains/{domain.code}/" in text
        assert "_mta-sts.alert01.lab.test has disappeared" in html_of(alert)
        assert alert["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        unsubscribe = alert["List-Unsubscribe"].strip()
        assert unsubscribe.startswith("<https://mailsec.example/alerts/unsubscribe/")
        assert mails_to(lab, quiet.email) == []
        sent = Notification.objects.get(domain=domain)
        assert (sent.status, sent.user, sent.to_address) == ("sent", owner, owner.email)

        # Unchanged and still broken at the next scheduled run: still one alert.
        scheduled_check(domain)
        assert runs(domain)[3:] == [("scheduled", "done")]
        assert len(mails_to(lab, owner.email)) == 1

        lab.update(zone, replace=[("_mta-sts", 300, "TXT", MTA_STS_TXT)])
        lab.flush(zone)
        scheduled_check(domain)
        # The fix was re-checked (a run of its own) before anyone was told.
        assert runs(domain)[4:] == [("scheduled", "done"), ("confirm", "done")]
        scheduled_check(domain)
        recoveries = mails_to(lab, owner.email)[1:]
        assert len(recoveries) == 1  # one recovery, however many good runs follow
        assert recoveries[0]["Subject"].strip().startswith("[mailsec] alert01.lab.test: fixed: ")
        assert "Good news about alert01.lab.test: the latest checks no longer find" in text_of(
            recoveries[0]
        )
        assert "Fixed: The MTA-STS record _mta-sts.alert01.lab.test has disappeared." in text_of(
            recoveries[0]
        )
        assert set(domain.changes.values_list("state", flat=True)) == {"recovered"}

        # The delivered header works as RFC 8058 says: one POST, no session, no CSRF token.
        path = unsubscribe.strip("<>").removeprefix("https://mailsec.example")
        response = Client(enforce_csrf_checks=True).post(
            path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code == 200
        assert AlertSetting.mode_for(owner, domain) == AlertSetting.Mode.OFF
    finally:
        lab.update(zone, replace=[("_mta-sts", 300, "TXT", MTA_STS_TXT)])
        lab.flush(zone)


def test_a_transient_servfail_is_no_alert_and_never_confirms_one(
    alert_lab: Any, celery_worker: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    lab, zone = alert_lab, "alert02.lab.test"
    domain, owner = monitored(zone)
    servfail = ServfailResolver()
    try:
        scheduled_check(domain)

        # The resolver breaks for one run: nothing is suspected, nobody is told.
        monkeypatch.setenv("MAILSEC_RESOLVER", servfail.address)
        scheduled_check(domain)
        monkeypatch.setenv("MAILSEC_RESOLVER", lab.env["MAILSEC_RESOLVER"])
        assert servfail.queries > 0
        scheduled_check(domain)
        assert not domain.changes.exists()
        assert mails_to(lab, owner.email) == []

        # A real break, but the re-check meets SERVFAIL: "could not check" confirms nothing.
        settings.ALERT_CONFIRM_DELAY = 3
        lab.update(zone, delete=[("_smtp._tls", "TXT")])
        lab.flush(zone)
        starttls.clear_cache()
        Domain.objects.filter(pk=domain.pk).update(next_check_at=timezone.now())
        assert tick() == 1
        deadline = time.monotonic() + 60
        while not domain.changes.filter(state=Change.State.SUSPECTED).exists():
            assert time.monotonic() < deadline
            time.sleep(0.1)
        monkeypatch.setenv("MAILSEC_RESOLVER", servfail.address)
        settle(domain)
        assert runs(domain)[-1][0] == "confirm"
        assert set(domain.changes.values_list("state", "note")) == {
            ("dismissed", "the re-check could not test it")
        }
        assert mails_to(lab, owner.email) == []

        # The resolver is back: the next scheduled run finds the break again, and it holds.
        monkeypatch.setenv("MAILSEC_RESOLVER", lab.env["MAILSEC_RESOLVER"])
        settings.ALERT_CONFIRM_DELAY = 0
        scheduled_check(domain)
        alerts = mails_to(lab, owner.email)
        if len(alerts) != 1:
            # Spelt out in full (an assertion's message would be cut): what each run saw,
            # what the pipeline made of it, and the baseline it compared with.
            lines = [
                f"run {r.kind} {r.status} {r.created:%H:%M:%S.%f} {r.mechanisms} "
                f"{[(f['id'], f['status']) for f in r.findings if f['id'].startswith('TLSRPT')]}"
                for r in domain.runs.order_by("created")
            ]
            lines += [f"change {c}" for c in domain.changes.values_list("kind", "state", "note")]
            lines += [
                f"baseline {b}"
                for b in AlertState.objects.filter(domain=domain).values_list(
                    "baseline_run__kind", "baseline_run__created", "last_run__created"
                )
            ]
            pytest.fail(f"{len(alerts)} alerts, not 1:\n" + "\n".join(lines))
        assert "The TLS-RPT record _smtp._tls.alert02.lab.test has disappeared." in text_of(
            alerts[0]
        )
        assert f"Publish it again: _smtp._tls.alert02.lab.test. TXT {TLSRPT_TXT}" in text_of(
            alerts[0]
        )
    finally:
        servfail.close()
        lab.update(zone, replace=[("_smtp._tls", 300, "TXT", TLSRPT_TXT)])
        lab.flush(zone)


def test_a_421_is_no_alert(alert_lab: Any, celery_worker: Any) -> None:
    """alert03's only MX answers 421 after 3 connections in 20 s: a check right after another
    one cannot probe it. That is "could not check", never a regression."""
    lab, zone = alert_lab, "alert03.lab.test"
    domain, owner = monitored(zone)
    time.sleep(max(0.0, 21 - _seconds_since_last_connection(lab, "mx1.alert03.lab.test")))
    scheduled_check(domain)
    first = domain.runs.get()
    assert first.mechanisms["smtp"] in ("pass", "info"), first.mechanisms

    scheduled_check(domain)
    second = domain.runs.exclude(pk=first.pk).get()
    assert second.mechanisms["smtp"] == "error", second.mechanisms  # the 421 was met
    assert any("421" in str(f.get("evidence")) for f in second.findings if f["status"] == "error")
    assert not domain.changes.exists()
    assert runs(domain) == [("scheduled", "done"), ("scheduled", "done")]  # not even a re-check
    assert mails_to(lab, owner.email) == []


def _seconds_since_last_connection(lab: Any, host: str) -> float:
    events = lab.smtp_connections(host)
    if not events:
        return 1e9
    last = events[-1].get("t") or events[-1].get("time")
    return time.time() - float(last) if last else 0.0
