"""Task s43f: hosting leftovers.

1. lookups.dangling() and no_address() told the two "missing" kinds of points_at_us's reading
   apart by the end of its words (", a name that does not exist", ", which has no address"):
   a rewording would have turned a subdomain-takeover "yes: remove it" into "removed". The
   reading now carries why it leads nowhere (Leads.why), and they read that.
2. mta-sts.<domain> holding only a TXT or an MX record (no address, no CNAME: NOERROR with no
   A) read "does not exist yet": it is said as what is there, with what to publish instead
   (our CNAME, once those records are gone: a CNAME shares its name with no other record,
   RFC 1034 §3.6.2, RFC 2181 §10.1). The sync reads it as before ("missing").
4. The held-handshake probe (service.held_without_certificate, s42h/s42j) asked our front end
   at the first address of our policy host only: one address down (or refused by the SSRF
   guard) made every held name "could not check". It tries each in turn, at most
   service.FRONT_END_ADDRESSES, each guarded, and holds the name where one answered. The
   handshakes are stood in (no connection is made), as in tests/test_s42zb_held_probe_guard.py.
3. An MSP still proving control that pressed Stop hosting: the client's team, which verified
   the name beside it and publishes its records, heard nothing until it pressed Host MTA-STS.
   Its hosting and domain pages now say what is served until when and what to keep (s42y's
   notice), and that the name is free only from then.
5. The renewed-certificate email (s42g) went to whoever hears about the domain at the
   renewal, not to whom the expiry notice went: the notice's recipients are now kept
   (HostedPolicy.cert_warned_to) and the renewal told to those of them who still hear.
"""

from __future__ import annotations

import asyncio
import copy
import html
import pickle
from dataclasses import replace
from datetime import timedelta
from unittest import mock

import dns.rdata
import dns.rdataclass
import dns.rdatatype
from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail
from django.utils import timezone

from checks.dns import DnsAnswer
from checks.tasks import engine_config
from mailsec.accounts.models import Membership
from mailsec.alerts.models import AlertSetting
from mailsec.hosting import lookups, service
from mailsec.hosting import tasks as hosting_tasks
from mailsec.hosting.lookups import Leads, RecordState
from mailsec.hosting.models import HostedPolicy
from mailsec.hosting.views import _released_rows
from tests import test_s42g_cert_renewed as s42g
from tests import test_s42q_dangling_policy_host as s42q
from tests.test_hosting import T0, HostingCase
from tests.test_s42q_dangling_policy_host import GONE, HOP, HOST, Zone, dangling
from tests.test_s42y_winddown_told import STILL_SERVED
from tests.test_webapp_s42n_blind import NAME, S42nCase

DOMAIN = "example.org"
NONE = RecordState("missing", "")
THEIRS = RecordState("stale", "", found_id="own3", ids=("own3",))


class Held(Zone):
    """s42q's Zone, with TXT and MX records at names: `held` maps (name, type) to the
    records' presentation forms."""

    def __init__(self, names: dict, held: dict[tuple[str, str], list[str]]) -> None:
        super().__init__(names)
        self.held = held

    async def query(self, name: str, rdtype: str, **kwargs: object) -> DnsAnswer:  # type: ignore[override]
        values = self.held.get((name.rstrip(".").lower(), rdtype))
        if values is None:
            return await super().query(name, rdtype, **kwargs)
        kind = dns.rdatatype.from_text(rdtype)
        rdatas = [dns.rdata.from_text(dns.rdataclass.IN, kind, v) for v in values]
        return DnsAnswer(name, rdtype, "NOERROR", rdatas)


def holding(**held: list[str]) -> Held:
    """mta-sts.<domain> with no address and no CNAME (NOERROR, no A), holding `held`."""
    return Held({HOST: ("NOERROR", [], [])}, {(HOST, k.upper()): v for k, v in held.items()})


def real(zone: Zone) -> tuple[bool, str]:
    return asyncio.run(lookups.points_at_us(zone, HOST))


def released(ok: bool, detail: str, sts: RecordState = NONE) -> tuple[tuple, tuple]:
    return _released_rows(DOMAIN, "ours1", ok, detail, sts)


# --- 1. the two "missing" kinds, read by the reading's structure ---------------------------


def test_s43f_dangling_and_no_address_read_why_not_the_words() -> None:
    # A dangling CNAME in words that end as a no-address one, and the other way round.
    takeover = Leads(f"{HOST} is a CNAME to {GONE}{lookups.NO_ADDRESS}", "missing", "dangling")
    empty = Leads(f"{HOST} is a CNAME to {HOP}{lookups.DANGLING}", "missing", "no_address")
    assert lookups.dangling(takeover) and not lookups.no_address(takeover)
    assert lookups.no_address(empty) and not lookups.dangling(empty)
    # The released panel follows: the takeover is to remove, the empty alias is not ours.
    assert released(False, takeover)[0][:2] == ("stale", "yes: remove it")
    assert "subdomain takeover" in released(False, takeover)[0][2]
    assert released(False, empty)[0][:2] == ("missing", "not ours")


def test_s43f_reworded_readings_keep_their_rows() -> None:
    # Words that end in neither phrase: the reading's why still tells the panel.
    takeover = Leads(f"{HOST} aliases {GONE} (NXDOMAIN)", "missing", "dangling")
    host, sts = released(False, takeover, THEIRS)
    assert host[:2] == ("stale", "yes: remove it"), host
    assert "leads to a name that does not exist" in sts[2], sts
    empty = Leads(f"{HOST} aliases {HOP} (no A/AAAA)", "missing", "no_address")
    host, sts = released(False, empty, THEIRS)
    assert host[:2] == ("missing", "not ours"), host
    assert "leads to a name with no address" in sts[2], sts


def test_s43f_real_readings_carry_why() -> None:
    # Controls on what points_at_us gives: the same words as before, and why.
    cases = {
        "dangling": dangling(GONE),
        "no_address": Zone({HOST: ("NOERROR", [], [HOP])}),
        "gone": Zone({}),
    }
    for why, zone in cases.items():
        ok, detail = real(zone)
        assert not ok and isinstance(detail, Leads), why
        assert (detail.state, detail.why) == ("missing", why), (why, detail)
    assert lookups.dangling(real(dangling(HOP, GONE))[1])
    assert lookups.no_address(real(Zone({HOST: ("NOERROR", [], [HOP, GONE])}))[1])


def test_s43f_why_survives_copy_and_pickle() -> None:
    _, detail = real(dangling(GONE))
    for again in (copy.copy(detail), copy.deepcopy(detail), pickle.loads(pickle.dumps(detail))):
        assert again == detail and lookups.dangling(again)


# --- 2. a name holding only a TXT or an MX -------------------------------------------------


def test_s43f_a_name_holding_only_a_txt_says_so() -> None:
    ok, detail = real(holding(txt=['"v=STSv1; id=20240101;"']))
    assert not ok
    assert detail == (
        f'{HOST} has no address and no CNAME, only a TXT record ("v=STSv1; id=20240101;")'
    ), detail
    assert "does not exist" not in detail
    assert lookups.leads_state(ok, detail) == "missing"
    assert lookups.other_records(detail)
    assert not lookups.dangling(detail) and not lookups.no_address(detail)


def test_s43f_a_name_holding_only_an_mx_or_both_says_so() -> None:
    ok, detail = real(holding(mx=["10 mx1.example.org."]))
    assert detail == f"{HOST} has no address and no CNAME, only an MX record (10 mx1.example.org.)"
    ok, detail = real(holding(txt=['"a"', '"b"', '"c"'], mx=["10 mx1.example.org."]))
    assert detail == (
        f'{HOST} has no address and no CNAME, only 3 TXT records ("a", "b" and 1 more) and '
        "an MX record (10 mx1.example.org.)"
    ), detail
    assert lookups.leads_state(ok, detail) == "missing"


def test_s43f_an_empty_name_still_reads_as_before() -> None:
    # Control: NOERROR with nothing there (an empty non-terminal), and NXDOMAIN.
    for zone in (holding(), Zone({})):
        ok, detail = real(zone)
        assert (ok, detail) == (False, f"{HOST} does not exist yet")


def test_s43f_released_a_txt_there_is_not_ours() -> None:
    host, sts = released(*real(holding(txt=['"v=STSv1; id=x1;"'])), THEIRS)
    assert host[:2] == ("missing", "not ours"), host
    assert "only a TXT record" in host[2] and "nothing of ours" in host[2], host
    assert sts[:2] == ("stale", "yes: remove it"), sts
    assert f"{HOST} has no address:" in sts[2] and "does not exist" not in sts[2], sts


class S43fWatchTestCase(HostingCase):
    def test_s43f_the_watch_reads_a_name_holding_a_txt_as_missing(self) -> None:
        policy = self.host()
        policy.policy_host_state = "ours"
        ok, detail = real(holding(txt=['"hello"']))
        assert service.policy_host_told(policy, ok, detail, T0 + timedelta(hours=1)) == []
        assert policy.policy_host_state == "ours"


class S43fSetupPanelTestCase(HostingCase):
    def test_s43f_while_hosting_it_says_what_to_publish_instead(self) -> None:
        self.policy = self.host()
        self.client.force_login(self.alice)
        row, text, html = s42q.S42qDanglingPanelTestCase.host_row(
            self, holding(txt=['"v=STSv1; id=x1;"'])
        )
        assert "Records to publish" in html
        assert row.state == "missing" and "not yet" in text, text
        assert "does not exist" not in text, text
        assert row.detail == (
            f'{HOST} has no address and no CNAME, only a TXT record ("v=STSv1; id=x1;"): '
            f"delete what is there and publish the CNAME to {settings.MAILSEC_POLICY_HOST} "
            "in its place (a CNAME cannot share its name with other records)."
        ), row.detail


# --- 4. the held-handshake probe tries each address of our policy host ---------------------


def _held_probe(
    addresses: list[str], down: set[str], allow_private: bool = False
) -> tuple[str, list[tuple[str, str]]]:
    """service.held_without_certificate with our policy host at `addresses` (public ones are
    stood in: the handshakes are, no connection is made): a control handshake at an address
    in `down` finds no connection; elsewhere our front end answers the control at once and
    holds mta-sts.example.org's handshake."""
    asked: list[tuple[str, str]] = []

    def handshake(address: str, server_name: str, timeout: float) -> str:
        asked.append((address, server_name))
        if address in down:
            return "unreachable"
        return "answered" if server_name == settings.MAILSEC_POLICY_HOST else "held"

    class Resolver:
        async def addresses(self, host: str) -> tuple[list[str], list[object]]:
            return list(addresses), []

    async def points_at_us(dns: object, host: str) -> tuple[bool, str]:
        return True, Leads(f"{host} is a CNAME to ours", "ours")

    config = replace(engine_config(), allow_private_targets=allow_private)
    with (
        mock.patch.object(lookups, "client", Resolver),
        mock.patch.object(lookups, "points_at_us", points_at_us),
        mock.patch.object(service, "_handshake", handshake),
        mock.patch.object(service, "engine_config", return_value=config),
    ):
        return service.held_without_certificate(DOMAIN), asked


def test_s43f_the_probe_tries_the_next_address_when_the_first_is_down() -> None:
    said, asked = _held_probe(["8.8.8.8", "1.1.1.1"], down={"8.8.8.8"})
    assert "refuses or fails to issue it" in said, said
    assert asked == [
        ("8.8.8.8", settings.MAILSEC_POLICY_HOST),
        ("1.1.1.1", settings.MAILSEC_POLICY_HOST),
        ("1.1.1.1", HOST),  # the name held where our front end answered
    ], asked


def test_s43f_an_address_the_guard_refuses_is_skipped_not_the_end() -> None:
    said, asked = _held_probe(["10.1.2.3", "2001:4860:4860::8888"], down=set())
    assert "refuses or fails to issue it" in said, said
    assert [a for a, _ in asked] == ["2001:4860:4860::8888", "2001:4860:4860::8888"], asked


def test_s43f_the_probe_is_bounded_and_still_could_not_check_when_all_are_down() -> None:
    many = [f"8.8.4.{n}" for n in range(1, 9)]
    said, asked = _held_probe(many, down=set(many))
    assert said == ""
    assert asked == [(a, settings.MAILSEC_POLICY_HOST) for a in many[:4]], asked
    assert service.FRONT_END_ADDRESSES == 4


def test_s43f_one_answering_address_is_asked_once() -> None:
    # Control: the first address answers, nothing else is asked.
    said, asked = _held_probe(["8.8.8.8", "1.1.1.1"], down=set())
    assert "refuses or fails to issue it" in said
    assert asked == [("8.8.8.8", settings.MAILSEC_POLICY_HOST), ("8.8.8.8", HOST)]


# --- 3. an MSP, still verified, turning hosting off: the client is told ------------------


class S43fStopToldTestCase(S42nCase):
    """s42n's world (tests/test_webapp_s42n_blind.py): MSP Ops hosts NAME in enforce; the
    client's team verifies the name beside it with both values published, so hosting stays
    with the MSP. The MSP presses Stop hosting: mode none is served until release_at, then
    404. The client publishes mta-sts.<name> and _mta-sts.<name> (it controls the DNS) and
    heard nothing of it until it pressed Host MTA-STS; now its hosting and domain pages say
    it, in s42y's words (never the other team's name, people or policy id), with what to do
    after the date: the name is not free before it."""

    def pages(self, who: str = "cleo") -> tuple[str, str]:
        domain = self.client_domain if who == "cleo" else self.msp_domain
        assert domain is not None
        hosting = self.page(who, f"/hosting/{domain.code}/")
        page = self.page(who, f"/domains/{domain.code}/")
        assert hosting[0] == 200 and page[0] == 200, (hosting[0], page[0])
        return html.unescape(hosting[1]), html.unescape(page[1])

    def msp_presses(self, action: str) -> None:
        with self.dns(), self.captureOnCommitCallbacks(execute=True):
            r = self.as_("mara").post(f"/hosting/{self.msp_domain.code}/{action}/")
        assert r.status_code in (200, 302), r.status_code

    def test_s43f_the_client_is_told_of_the_msps_wind_down(self) -> None:
        self.client_verifies(msp_value_too=True)
        for text in self.pages():  # cached while the MSP still hosts
            self.assertNotIn(STILL_SERVED, text)
        self.msp_presses("disable")
        policy = HostedPolicy.objects.get(name=NAME)
        assert policy.domain == self.msp_domain and policy.release_at is not None
        release = policy.release_at
        until = f"{STILL_SERVED} {release.day} {release:%b %Y, %H:%M} UTC"
        for text in self.pages():
            self.assertIn(until, text)
            self.assertIn(
                f"Keep mta-sts.{NAME} a CNAME to {settings.MAILSEC_POLICY_HOST} and the "
                f"_mta-sts.{NAME} record published until then. Another team hosts it here and "
                "is turning hosting off: you can host MTA-STS here from then; if you do not, "
                "remove both records once it has passed.",
                text,
            )
            # Not "takes over the name at once": the name is not free before the date.
            self.assertNotIn("takes over the name at once", text)
            self.assertNotIn("MSP Ops", text)
            for who in ("mara", "mo", "vic"):
                self.assertNotIn(self.users[who].email, text)
            self.assertNotIn(policy.policy_id, text)
            self.assertNotIn(self.first_policy_id, text)
        # The MSP's own pages tell it as before (its own wind-down), not this notice.
        for text in self.pages("mara"):
            self.assertNotIn(STILL_SERVED, text)
        # The client pressing Host hears the same date (control: service.contest).
        refused = self.client_hosts()
        self.assertIn(f"served until {release.day} {release:%b %Y, %H:%M} UTC", refused)
        self.assertEqual(self.hosted_by(), "MSP")

    def test_s43f_keep_hosting_or_the_release_ends_it(self) -> None:
        self.client_verifies(msp_value_too=True)
        self.msp_presses("disable")
        self.assertIn(STILL_SERVED, self.pages()[1])
        self.msp_presses("enable")  # Keep hosting
        self.assertEqual(HostedPolicy.objects.get(name=NAME).state, HostedPolicy.State.ACTIVE)
        for text in self.pages():
            self.assertNotIn(STILL_SERVED, text)
        self.msp_presses("disable")
        self.assertIn(STILL_SERVED, self.pages()[1])
        later = timezone.now() + timedelta(days=7, minutes=1)
        with self.dns(), mock.patch("django.utils.timezone.now", return_value=later):
            hosting_tasks.sync_all()
        self.assertEqual(self.served()[0], 404)
        for text in self.pages():
            self.assertNotIn(STILL_SERVED, text)

    def test_s43f_an_unverified_client_is_told_nothing(self) -> None:
        # Control: added, not verified (it proves no control of the DNS).
        self.client_adds()
        self.msp_presses("disable")
        for text in self.pages():
            self.assertNotIn(STILL_SERVED, text)


# --- 5. the renewed-certificate email goes to whom the expiry notice went ------------------


class S43fRenewedToTheToldTestCase(HostingCase):
    """The renewal of a certificate after an expiry notice (s42g) is the fix of what that
    notice told: told to whoever was told of it and still hears about the domain, as an
    alert's fix is (docs/webapp.md Alerts), not to a member who joined since (who never heard
    of the problem: the notice is on the page's What happened for them)."""

    def watch(self, policy: HostedPolicy, reading: object, at: timedelta) -> None:
        with (
            mock.patch.object(service, "read_certificate", return_value=reading),
            mock.patch.object(service, "caa_reading", return_value=s42g.ALLOWED),
        ):
            service.watch_certificate(policy, now=T0 + at)
        policy.refresh_from_db()

    def join(self, who: str) -> User:
        user = User.objects.create_user(who, f"{who}@example.org")
        Membership.objects.create(team=self.team, user=user, role=Membership.Role.MEMBER)
        return user

    def test_s43f_a_member_who_joined_after_the_notice_is_not_told_the_renewal(self) -> None:
        policy = self.host()
        mail.outbox.clear()
        self.watch(policy, s42g.CertReading(T0 + timedelta(days=20)), timedelta(hours=1))
        assert len(s42g.to("alice")) == 1 and len(s42g.to("bob")) == 1
        self.join("dave")
        self.watch(policy, s42g.CertReading(T0 + timedelta(days=110)), timedelta(days=1))
        assert s42g.to("dave") == []
        renewed = [m for m in s42g.to("alice") if "has been renewed" in m]
        assert len(renewed) == 1 and len(s42g.to("bob")) == 2
        assert policy.cert_warned_to is None  # the new certificate's notices start afresh

    def test_s43f_each_notice_adds_whom_it_told(self) -> None:
        # Control: one who joined between the 21-day and the 7-day notice got the second,
        # so hears of the renewal; one who left since hears nothing; one who turned emails
        # off since gets nothing either.
        policy = self.host()
        start = T0 - timedelta(days=80)
        old = s42g.CertReading(T0 + timedelta(days=10), not_before=start)
        self.watch(policy, old, timedelta(hours=1))  # 21 told
        self.join("dave")
        self.watch(policy, old, timedelta(days=4))  # 7 told
        assert len(s42g.to("dave")) == 1
        Membership.objects.filter(user=self.bob).delete()
        AlertSetting.set_mode(self.alice, self.domain, AlertSetting.Mode.OFF)
        mail.outbox.clear()
        new = s42g.CertReading(T0 + timedelta(days=99), not_before=T0 + timedelta(days=9))
        self.watch(policy, new, timedelta(days=9, hours=1))
        assert [m.to for m in mail.outbox] == [["dave@example.org"]], [m.to for m in mail.outbox]

    def test_s43f_a_notice_sent_before_recipients_were_kept_tells_whoever_hears(self) -> None:
        # Control: warned before s43f (nothing recorded): the renewal goes to whoever hears
        # about the domain now, as before.
        policy = self.host()
        HostedPolicy.objects.filter(pk=policy.pk).update(
            cert_warned_days=21, cert_not_after=T0 + timedelta(days=20)
        )
        policy.refresh_from_db()
        self.join("dave")
        mail.outbox.clear()
        self.watch(policy, s42g.CertReading(T0 + timedelta(days=110)), timedelta(days=1))
        assert sorted(m.to[0] for m in mail.outbox) == [
            "alice@example.org",
            "bob@example.org",
            "dave@example.org",
        ]
