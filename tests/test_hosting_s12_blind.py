"""Blind round on hosted MTA-STS: the MX histories of tests/data/hosting_s12_blind.json, each
written down with what RFC 8461 and docs/hosting.md say must happen before any was run, played
through the real service functions (enable_told, sync_told, set_mode, disable) and the owner's
settings form, with the MX answers from a wire DNS server through the engine's resolver.

Each step asserts the body senders get from https://mta-sts.<domain>/.well-known/mta-sts.txt
(the policy view, exact CRLF text), whether the id changed (and that no id is ever reused),
the kinds of the events the step made, what they say, and the emails alice got."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import dns.message
import dns.rcode
import dns.rdatatype
from django.core import mail
from django.urls import reverse

from checks.config import CheckConfig
from checks.dns import DnsClient
from mailsec.hosting import lookups, service
from mailsec.hosting import policy as rules
from mailsec.hosting.models import HostedPolicy, HostingEvent
from tests.test_dns_s9_server import Reply, answer, fake_dns, records
from tests.test_hosting import POLICY_URL, T0, HostingCase

TABLE = json.loads((Path(__file__).parent / "data" / "hosting_s12_blind.json").read_text())
SOA = "example.org. 300 SOA ns.example.org. hostmaster.example.org. 1 7200 900 1209600 300"
UNITS = {"m": 60, "h": 3600, "d": 86400}


def offset(text: str) -> timedelta:
    """'1d+1h-5m' → a timedelta (the table's times, from T0)."""
    seconds = 0
    for sign, number, unit in re.findall(r"([+-]?)(\d+)([mhd]?)", text):
        value = int(number) * UNITS.get(unit, 1)
        seconds += -value if sign == "-" else value
    return timedelta(seconds=seconds)


def long_patterns(count: int) -> list[str]:
    """`count` distinct 203-character host names under example.org (63-character labels)."""
    return [f"h{i:03d}{'a' * 59}.{'b' * 63}.{'c' * 63}.example.org" for i in range(count)]


def expand_hosts(spec: Any) -> Any:
    """The table's shorthands for long host lists."""
    if spec == "twenty":
        return [f"mx{i:02d}.example.org." for i in range(1, 21)]
    if isinstance(spec, str) and spec.startswith("long:"):
        count, _, plus = spec[5:].partition("+")
        hosts = long_patterns(int(count)) + ([f"{plus}.example.org"] if plus else [])
        return sorted(hosts)
    return spec


def mx_handler(state: dict[str, Any]) -> Callable[..., Reply | None]:
    """Answers example.org MX from state["mx"] (a list of exchanges, or null/nodata/nxdomain/
    servfail/timeout; with nodata example.org has an address); every other name is NXDOMAIN
    (no MX host is an alias here)."""

    def handle(query: dns.message.Message, transport: str) -> Reply | None:
        name = query.question[0].name.to_text().lower()
        rdtype = dns.rdatatype.to_text(query.question[0].rdtype)
        mx = state["mx"]
        if name != "example.org.":
            return Reply(answer(query, rcode=dns.rcode.NXDOMAIN, authority=(records(SOA),)))
        if mx == "timeout":
            return None
        if mx == "servfail":
            return Reply(answer(query, rcode=dns.rcode.SERVFAIL))
        if mx == "nxdomain":
            return Reply(answer(query, rcode=dns.rcode.NXDOMAIN, authority=(records(SOA),)))
        if mx == "nodata" and rdtype == "A":
            # No MX records: the domain's own address is the implicit MX (RFC 5321 §5.1
            # needs one; round 24 plays a domain without).
            return Reply(answer(query, records("example.org. 300 A 192.0.2.10")))
        if rdtype != "MX" or mx == "nodata":
            return Reply(answer(query, authority=(records(SOA),)))
        exchanges = ["."] if mx == "null" else mx
        rrs = [
            f"example.org. 300 MX {0 if e == '.' else 10 * (i + 1)} {e}"
            for i, e in enumerate(exchanges)
        ]
        rrset = records(rrs[0])
        for rr in rrs[1:]:
            rrset.union_update(records(rr))
        return Reply(answer(query, rrset))

    return handle


# The wire server answers within milliseconds, except where a step makes it silent
# (state["mx"] == "timeout"): those lookups keep a short timeout, so the step stays quick,
# and the others get a long one, so a loaded machine (the whole suite beside the lab on two
# cores) cannot turn a slow answer into a failed lookup. A lookup's tries are a third of its
# timeout, at least 1 s (checks.dns): with 2 s for every lookup, two tries stalled a second
# each fail an MX lookup a step needs, and the sync tells nothing. That is the likeliest
# reading of s24's departure step telling nothing, once in a fresh-clone CI run (not seen
# again in 40 runs of its file here, under load 12).
SILENT_TIMEOUT = 2.0
ANSWERED_TIMEOUT = 10.0


def wire_config(state: dict[str, Any], address: tuple[str, int]) -> CheckConfig:
    """The engine's configuration for a lookup made now, asking the wire server."""
    silent = state.get("mx") == "timeout"
    return CheckConfig(resolvers=(address,), timeout=SILENT_TIMEOUT if silent else ANSWERED_TIMEOUT)


@contextmanager
def wire_mx(
    state: dict[str, Any], handler: Callable[..., Reply | None] | None = None
) -> Iterator[None]:
    """The engine's resolver asks a wire server answering from `state` (or from `handler`)."""

    async def sts_record(
        dns: object, domain: str, policy_id: str, zone: str
    ) -> lookups.RecordState:
        # The _mta-sts record is not what this round is about: a CNAME into our zone, so no
        # step has a record to tell.
        return lookups.RecordState("cname", "stub cname")

    with (
        fake_dns(handler or mx_handler(state)) as server,  # type: ignore[arg-type]
        mock.patch.object(lookups, "client", lambda: DnsClient(wire_config(state, server.address))),
        mock.patch.object(lookups, "sts_record", sts_record),
    ):
        yield


def policy_body(mode: str, mx: list[str], max_age: int) -> bytes:
    lines = ["version: STSv1", f"mode: {mode}", *(f"mx: {p}" for p in mx), f"max_age: {max_age}"]
    return ("\r\n".join(lines) + "\r\n").encode()


class BlindHistories(HostingCase):
    def served(self) -> tuple[int, bytes]:
        r = self.client.get(POLICY_URL, HTTP_HOST="mta-sts.example.org")
        return r.status_code, r.content

    def policy(self) -> HostedPolicy | None:
        return HostedPolicy.objects.filter(name="example.org").first()

    def settings(self, policy: HostedPolicy, form: dict[str, Any], at: datetime) -> Any:
        data = {
            "mode": policy.mode,
            "max_age": policy.max_age,
            "extra": "\n".join(policy.mx_extra),
        }
        for key, value in form.items():
            if key == "extra":
                value = expand_hosts(value)
                value = value if isinstance(value, str) else "\n".join(value)
            data[key] = value
        self.client.force_login(self.alice)
        with mock.patch("django.utils.timezone.now", return_value=at):
            return self.client.post(
                reverse("hosting:update", args=[self.domain.code]), data, follow=True
            )

    def play(self, case: dict[str, Any]) -> None:
        state: dict[str, Any] = {"mx": []}
        ids: list[str] = []
        with wire_mx(state):
            for n, step in enumerate(case["steps"]):
                where = f"{case['id']} step {n} (+{step['at']} {step['do']})"
                self.run_step(step, state, ids, where)

    def run_step(
        self, step: dict[str, Any], state: dict[str, Any], ids: list[str], where: str
    ) -> None:
        at = T0 + offset(step["at"])
        expect = step["expect"]
        if "dns" in step:
            state["mx"] = expand_hosts(step["dns"])
        last_event = HostingEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        outbox = len(mail.outbox)
        before = self.policy()
        id_before = before.policy_id if before else ""
        refused = ""
        if step["do"] == "enable":
            try:
                service.enable_told(self.domain, now=at)
            except service.HostingRefused as exc:
                refused = str(exc)
        elif step["do"] == "sync":
            assert before is not None
            service.sync_told(before, now=at)
        elif step["do"] == "set_mode":
            assert before is not None
            service.set_mode(before, step["mode"], now=at)
        elif step["do"] == "disable":
            assert before is not None
            service.disable(before, now=at)
        elif step["do"] == "settings":
            assert before is not None
            r = self.settings(before, step.get("form", {}), at)
            if r.status_code != 200 or b"Nothing was saved" in r.content:
                page = " ".join(r.content.decode().split())
                found = re.findall(r'class="[^"]*(?:error|message)[^"]*"[^>]*>(.*?)</', page)
                refused = f"{r.status_code} {found or page[-600:]}"
        else:
            raise AssertionError(step["do"])

        if "refused" in expect:
            assert expect["refused"] in refused, (
                f"{where}: not refused as expected: {refused[:300]!r}"
            )
        else:
            assert not refused, f"{where}: refused: {refused[:300]!r}"

        after = self.policy()
        if "served" in expect:
            status, body = self.served()
            if expect["served"] == "404":
                assert status == 404, f"{where}: served {status} {body[:200]!r}"
            else:
                s = expect["served"]
                mx = [h.rstrip(".") for h in expand_hosts(s["mx"])]
                want = policy_body(s["mode"], mx, s["max_age"])
                assert status == 200, f"{where}: status {status}"
                assert body == want, f"{where}: served\n{body.decode()}\nwanted\n{want.decode()}"
                if "body_at_most" in expect:
                    assert len(body) <= expect["body_at_most"], f"{where}: {len(body)} bytes"
        if "id" in expect and after is not None:
            pid = after.policy_id
            assert pid.isalnum() and len(pid) <= 32, f"{where}: id {pid!r}"
            if expect["id"] == "new":
                assert pid != id_before, f"{where}: id unchanged"
                assert pid not in ids, f"{where}: id {pid} reused"
                ids.append(pid)
            else:
                assert pid == id_before, f"{where}: id changed {id_before} → {pid}"
        events = list(
            HostingEvent.objects.filter(pk__gt=last_event)
            .order_by("pk")
            .values_list("kind", "message")
        )
        if "events" in expect:
            got = sorted(k for k, _ in events)
            # The sync's own record of a lookup it could not make, so a failure under load
            # says whether the answer was missing or read differently.
            error = after.last_sync_error if after is not None else ""
            assert got == sorted(expect["events"]), f"{where}: events {events} ({error!r})"
        said = "\n".join(m for _, m in events)
        for text in expect.get("says", []):
            assert text in said, f"{where}: {text!r} not in {said!r}"
        for text in expect.get("not_says", []):
            assert text not in said, f"{where}: {text!r} in {said!r}"
        if "emails" in expect:
            to_alice = [m for m in mail.outbox[outbox:] if self.alice.email in m.to]
            assert len(to_alice) == expect["emails"], (
                f"{where}: {len(to_alice)} emails: {[m.subject for m in to_alice]}"
            )
        if "suggestions" in expect:
            assert after is not None
            got_s = {
                s.pattern: list(s.covers)
                for s in rules.suggestions(after.mx_live, after.patterns())
            }
            assert got_s == expect["suggestions"], f"{where}: suggestions {got_s}"
        if "pending" in expect:
            assert after is not None
            assert sorted(after.pending_removals) == expect["pending"], (
                f"{where}: pending {after.pending_removals}"
            )


def _case_test(case: dict[str, Any]) -> Callable[[BlindHistories], None]:
    def test(self: BlindHistories) -> None:
        self.play(case)

    test.__doc__ = case["why"]
    return test


def add_round_tests(
    cls: type[BlindHistories], cases: list[dict[str, Any]], earlier: type | None = None
) -> None:
    """One test_it_<id> on `cls` per history of its round; a later round's class (a subclass
    of an earlier round's) leaves the earlier round's tests to that round's own file."""
    if earlier is not None:
        for name in dir(earlier):
            if name.startswith("test_"):
                setattr(cls, name, None)
    for case in cases:
        setattr(cls, f"test_it_{case['id']}", _case_test(case))


add_round_tests(BlindHistories, TABLE["cases"])


class UnlistableMxLeaving(HostingCase):
    """An MX no mx line can name (an IP address, an underscore) was never in the policy: its
    leaving must not be told as 'It stays in the policy until … (max_age)', nor its end as
    'removed from the policy' a max_age later (found by the blind table's
    mx_moves_to_an_ip_literal)."""

    def test_it_says_nothing_left_the_policy_when_an_unlistable_mx_goes(self) -> None:
        state: dict[str, Any] = {"mx": ["mx1.example.org.", "mx_2.example.org."]}
        with wire_mx(state):
            policy, _ = service.enable_told(self.domain, now=T0)
            text, policy_id = policy.text, policy.policy_id
            state["mx"] = ["mx1.example.org."]
            _, said = service.sync_told(policy, now=T0 + offset("1h"))
            assert not [m for _, m in said if "stays in the policy" in m], said
            policy.refresh_from_db()
            assert policy.pending_removals == {}
            _, said = service.sync_told(policy, now=T0 + offset("8d"))
            assert not [m for _, m in said if "removed from the policy" in m], said
        policy.refresh_from_db()
        assert (policy.text, policy.policy_id) == (text, policy_id)
        assert not policy.events.filter(message__contains="mx_2.example.org left").exists()

    def test_a_pending_entry_stored_for_one_goes_silently(self) -> None:
        # Rows written before the fix may hold such an entry.
        state: dict[str, Any] = {"mx": ["mx1.example.org."]}
        with wire_mx(state):
            policy = service.enable(self.domain, now=T0)
            policy.pending_removals = {"192.0.2.1": (T0 + offset("1d")).isoformat()}
            policy.save()
            _, said = service.sync_told(policy, now=T0 + offset("2d"))
        assert said == []
        policy.refresh_from_db()
        assert policy.pending_removals == {}


class PolicySizeCap(HostingCase):
    """RFC 8461 §3.3 lets senders limit the size of the policy they fetch, and the common one
    is 64 KiB: postfix-mta-sts-resolver drops a longer body (checklist MTASTS-16 fails it),
    so the owner's extra patterns must not push the served text past 65536 bytes (found by
    the blind table's text_near_the_64k_cap: 320 long patterns were saved and served)."""

    def test_extra_patterns_past_64_kib_are_refused_beside_the_field(self) -> None:
        state: dict[str, Any] = {"mx": ["mx1.example.org."]}
        with wire_mx(state):
            policy = service.enable(self.domain, now=T0)
        text, policy_id = policy.text, policy.policy_id
        self.client.force_login(self.alice)
        r = self.client.post(
            reverse("hosting:update", args=[self.domain.code]),
            {"mode": "testing", "max_age": 604800, "extra": "\n".join(long_patterns(320))},
        )
        assert r.status_code == 400
        page = " ".join(r.content.decode().split())
        assert "the policy would be 66949 bytes" in page and "over 65536 bytes" in page
        assert long_patterns(1)[0] in page  # what was typed is kept in the form
        policy.refresh_from_db()
        assert (policy.text, policy.policy_id, policy.mx_extra) == (text, policy_id, [])
        body = self.client.get(POLICY_URL, HTTP_HOST="mta-sts.example.org").content
        assert body.decode() == text

    def test_up_to_64_kib_is_saved_and_served_whole(self) -> None:
        state: dict[str, Any] = {"mx": ["mx1.example.org."]}
        with wire_mx(state):
            service.enable(self.domain, now=T0)
        self.client.force_login(self.alice)
        extra = long_patterns(313)
        r = self.client.post(
            reverse("hosting:update", args=[self.domain.code]),
            {"mode": "testing", "max_age": 604800, "extra": "\n".join(extra)},
        )
        assert r.status_code == 302
        body = self.client.get(POLICY_URL, HTTP_HOST="mta-sts.example.org").content
        assert 65000 < len(body) <= 65536
        assert body == policy_body("testing", sorted([*extra, "mx1.example.org"]), 604800)
