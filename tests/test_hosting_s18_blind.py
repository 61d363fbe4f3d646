"""Blind round 2 on hosted MTA-STS: the MX histories of tests/data/hosting_s18_blind.json, each
written down (and committed) with what RFC 8461 and docs/hosting.md say must happen before any
was run, played through the real service functions with tests/test_hosting_s12_blind.py's
harness: MX answers from a wire DNS server through the engine's resolver, the body senders get,
ids never reused, events, and emails.

Beyond round 12 the wire server here answers MX hosts' address lookups (with CNAME chains for
aliases) and the domain's challenge TXT, so histories can hold MX aliases and a second team
proving control of the name (charlie's team adds and verifies example.org, then hosts it)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any
from unittest import mock

import dns.message
import dns.rcode
import dns.rdatatype
from django.core import mail

import checks.tasks
from checks.dns import DnsClient
from mailsec.domains.models import Domain
from mailsec.domains.tasks import verify_pending
from mailsec.hosting import lookups, service
from tests import test_hosting_s12_blind as s12
from tests.test_dns_s9_server import Reply, answer, records
from tests.test_hosting import T0, HostingCase

TABLE = json.loads((Path(__file__).parent / "data" / "hosting_s18_blind.json").read_text())
SOA = s12.SOA
CHALLENGE = "_mailsec-challenge.example.org."


def expand_hosts(spec: Any) -> Any:
    """s12's shorthands, plus 'first:N' (mx01..mxNN.example.org)."""
    if isinstance(spec, str) and spec.startswith("first:"):
        return [f"mx{i:02d}.example.org." for i in range(1, int(spec[6:]) + 1)]
    return s12.expand_hosts(spec)


def handler(state: dict[str, Any]) -> Callable[..., Reply | None]:
    """example.org MX from state["mx"] (as s12's server); A for every MX host, through the
    CNAME chain state["aliases"] gives it; TXT at the challenge name from
    state["challenge"] (values, or "servfail")."""
    mx_answers = s12.mx_handler(state)

    def handle(query: dns.message.Message, transport: str) -> Reply | None:
        name = query.question[0].name.to_text().lower()
        rdtype = dns.rdatatype.to_text(query.question[0].rdtype)
        if name == "example.org.":
            return mx_answers(query, transport)
        if name == CHALLENGE:
            values = state.get("challenge", [])
            if values == "servfail":
                return Reply(answer(query, rcode=dns.rcode.SERVFAIL))
            if rdtype != "TXT" or not values:
                return Reply(answer(query, authority=(records(SOA),)))
            rrset = records(f'{CHALLENGE} 300 TXT "{values[0]}"')
            for value in values[1:]:
                rrset.union_update(records(f'{CHALLENGE} 300 TXT "{value}"'))
            return Reply(answer(query, rrset))
        if rdtype != "A":
            return Reply(answer(query, authority=(records(SOA),)))
        chain = [name, *state.get("aliases", {}).get(name, [])]
        rrsets = [records(f"{a} 300 CNAME {b}") for a, b in zip(chain, chain[1:], strict=False)]
        rrsets.append(records(f"{chain[-1]} 300 A 192.0.2.7"))
        return Reply(answer(query, *rrsets))

    return handle


@contextmanager
def wire(
    state: dict[str, Any], make_handler: Callable[..., Callable[..., Reply | None]] = handler
) -> Iterator[None]:
    """s12's wire_mx with this round's server (or the one `make_handler` builds, a later
    round's); the challenge lookups (Domain.verify and recheck_control build their own client
    from engine_config) ask it too."""
    original = checks.tasks.engine_config
    with s12.wire_mx(state, make_handler(state)):
        address = lookups.client().config.resolvers[0]

        def engine_config() -> Any:
            wired = s12.wire_config(state, address)
            return replace(original(), resolvers=wired.resolvers, timeout=wired.timeout)

        with (
            mock.patch.object(checks.tasks, "engine_config", engine_config),
            mock.patch.object(
                lookups, "client", lambda: DnsClient(s12.wire_config(state, address))
            ),
        ):
            yield


class S18Histories(s12.BlindHistories):
    def charlies_domain(self) -> Domain:
        domain, _ = Domain.objects.get_or_create(team=self.charlies_team, name="example.org")
        return domain

    def challenge_values(self, names: Any) -> Any:
        if not isinstance(names, list):
            return names
        domains = {"alice": self.domain, "charlie": self.charlies_domain()}
        return [domains[n].challenge_value for n in names]

    def play(self, case: dict[str, Any]) -> None:
        state: dict[str, Any] = {"mx": []}
        ids: list[str] = []
        with wire(state):
            for n, step in enumerate(case["steps"]):
                where = f"{case['id']} step {n} (+{step['at']} {step['do']})"
                if "aliases" in step:
                    state["aliases"] = {k.lower(): v for k, v in step["aliases"].items()}
                if "challenge" in step:
                    state["challenge"] = self.challenge_values(step["challenge"])
                self.run_s18_step(step, state, ids, where)

    def run_s18_step(
        self, step: dict[str, Any], state: dict[str, Any], ids: list[str], where: str
    ) -> None:
        step = dict(step)
        expect = dict(step["expect"])
        if "dns" in step:
            state["mx"] = expand_hosts(step["dns"])
            del step["dns"]
        served = expect.get("served")
        if isinstance(served, dict) and isinstance(served["mx"], str):
            expect["served"] = served | {"mx": expand_hosts(served["mx"])}
        step["expect"] = expect
        outbox = len(mail.outbox)
        if step["do"] in ("verify_pending", "verify_self", "verify_other", "enable_other"):
            self.run_other_step(step, state, ids, where)
        else:
            self.run_step_checked(step, state, ids, where)
        self.domain.refresh_from_db()
        if "verified" in expect:
            assert self.domain.is_verified == expect["verified"], f"{where}: verified"
        if "emails_charlie" in expect:
            got = [m for m in mail.outbox[outbox:] if self.charlie.email in m.to]
            assert len(got) == expect["emails_charlie"], (
                f"{where}: charlie got {[m.subject for m in got]}"
            )

    def run_step_checked(
        self, step: dict[str, Any], state: dict[str, Any], ids: list[str], where: str
    ) -> None:
        """s12's run_step, with refused_not checked on the refusal it caught."""
        refused_not = step["expect"].pop("refused_not", None)
        if refused_not is None:
            self.run_step(step, state, ids, where)
            return
        caught: list[str] = []
        original = service.enable_told

        def enable_told(*args: Any, **kwargs: Any) -> Any:
            try:
                return original(*args, **kwargs)
            except service.HostingRefused as exc:
                caught.append(str(exc))
                raise

        with mock.patch.object(service, "enable_told", enable_told):
            self.run_step(step, state, ids, where)
        assert caught and refused_not not in caught[0], f"{where}: refused {caught}"

    def run_other_step(
        self, step: dict[str, Any], state: dict[str, Any], ids: list[str], where: str
    ) -> None:
        """The steps s12's run_step does not know, played through it as an 'enable' whose
        action is swapped: the expectations are checked by the same code."""
        at = T0 + s12.offset(step["at"])
        do = step["do"]

        def action(domain: Domain, now: Any = None) -> Any:
            with mock.patch("django.utils.timezone.now", return_value=at):
                if do == "verify_pending":
                    verify_pending()
                    return None, []
                if do == "verify_self":
                    assert self.domain.verify(hints=False), f"{where}: alice not verified"
                    return None, []
                charlies = self.charlies_domain()
                if do == "verify_other":
                    assert charlies.verify(hints=False), f"{where}: charlie not verified"
                    return None, []
                return original(charlies, now=at)

        original = service.enable_told
        with mock.patch.object(service, "enable_told", action):
            self.run_step_checked(step | {"do": "enable"}, state, ids, where)


s12.add_round_tests(S18Histories, TABLE["cases"], earlier=s12.BlindHistories)


class UnlistableOnlyRefusal(HostingCase):
    """Host MTA-STS with no MX a policy can list is refused with each host's own reason (found
    by raw_utf8_mx_only_at_enable: a raw UTF-8 name or an underscore was told to point the MX
    at 'host names, not addresses', advice for an IP address only)."""

    def refusal(self, mx: list[str]) -> str:
        with wire({"mx": mx}):
            try:
                service.enable_told(self.domain, now=T0)
            except service.HostingRefused as exc:
                return str(exc)
        raise AssertionError("not refused")

    def test_it_says_why_each_mx_cannot_be_listed(self) -> None:
        said = self.refusal(["mx_1.example.org.", "m\\195\\164il.example.org.", "192.0.2.1."])
        assert "not addresses" not in said
        assert "mx_1.example.org: the label mx_1 has an underscore" in said
        assert "192.0.2.1: it is an IP address" in said
        assert "m\\195\\164il.example.org: the label" in said
        assert "A-labels" in said
