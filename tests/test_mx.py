"""checks/mx.py: the shared MX getter and MX-01..07, against an in-memory DNS."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import dns.rdata
import dns.rdataclass
import dns.rdatatype

from checks import mx
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.dns import DnsAnswer, normalize
from checks.findings import Finding, Status


class FakeDns:
    """Stands in for checks.dns.DnsClient: answers from a zone dict, no network.

    zone: {(name, type): [rdata text, ...]} ; a value "SERVFAIL" makes that lookup fail;
    cnames: {name: target} makes the answer carry a CNAME chain (NXDOMAIN when the target does
    not exist, as a resolver answers); cdzone: what a query with CD set answers instead (the
    data of a bogus zone, which a validating resolver refuses with SERVFAIL). cd_signed: the CD
    answers carry RRSIGs (a signed zone); False models an unsigned zone, which cannot be bogus.
    """

    def __init__(
        self,
        zone: dict[tuple[str, str], list[str] | str],
        cnames: dict[str, str] | None = None,
        ttl: int = 3600,
        ad: bool = False,
        cdzone: dict[tuple[str, str], list[str] | str] | None = None,
        cd_signed: bool = True,
    ) -> None:
        self.zone = {(normalize(n), t.upper()): v for (n, t), v in zone.items()}
        self.cdzone = {(normalize(n), t.upper()): v for (n, t), v in (cdzone or {}).items()}
        self.cnames = {normalize(k): normalize(v) for k, v in (cnames or {}).items()}
        self.ttl = ttl
        self.ad = ad
        self.cd_signed = cd_signed
        self.log: list[dict[str, object]] = []
        self.asked: list[tuple[str, str]] = []

    async def query(
        self,
        name: str,
        rdtype: str,
        *,
        cd: bool = False,
        want_dnssec: bool = False,
        fresh: bool = False,
    ) -> DnsAnswer:
        name, rdtype = normalize(name), rdtype.upper()
        self.asked.append((name, rdtype))
        chain: list[str] = []
        target = name
        while target in self.cnames:
            target = self.cnames[target]
            chain.append(target)
        zone = self.cdzone if cd and (target, rdtype) in self.cdzone else self.zone
        value = zone.get((target, rdtype))
        if value == "SERVFAIL":
            return DnsAnswer(name, rdtype, "SERVFAIL")
        if value is None:
            exists = any(n == target for n, _ in zone)
            return DnsAnswer(name, rdtype, "NOERROR" if exists else "NXDOMAIN", cnames=chain)
        records = [
            dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.from_text(rdtype), text)
            for text in value
        ]
        signed = cd and self.cd_signed and zone is self.cdzone
        return DnsAnswer(
            name,
            rdtype,
            "NOERROR",
            records=records,
            ttl=self.ttl,
            ad=self.ad,
            cnames=chain,
            signed=signed,
        )

    async def txt(self, name: str) -> DnsAnswer:
        return await self.query(name, "TXT")

    async def addresses(self, name: str) -> tuple[list[str], list[DnsAnswer]]:
        a, aaaa = await asyncio.gather(self.query(name, "A"), self.query(name, "AAAA"))
        return [r.to_text() for r in a.records] + [r.to_text() for r in aaaa.records], [a, aaaa]


def make_ctx(
    domain: str, zone: dict[tuple[str, str], list[str] | str], **kw: object
) -> CheckContext:
    cnames = kw.pop("cnames", None)
    cdzone = kw.pop("cdzone", None)
    cd_signed = bool(kw.pop("cd_signed", True))
    # The zones here use documentation addresses (RFC 5737, RFC 3849) as stand-ins for public
    # ones; production refuses them as non-public, so the production view is asked for by name.
    kw.setdefault("allow_private_targets", True)
    config = CheckConfig(**kw)  # type: ignore[arg-type]
    fake = FakeDns(zone, cnames=cnames, cdzone=cdzone, cd_signed=cd_signed)  # type: ignore[arg-type]
    return CheckContext(domain, config, dns=fake)  # type: ignore[arg-type]


def run_eval(module: object, ctx: CheckContext) -> list[Finding]:
    return asyncio.run(module.evaluate(ctx))  # type: ignore[attr-defined]


def statuses(findings: Iterable[Finding], check_id: str) -> list[Status]:
    return [f.status for f in findings if f.id == check_id]


def bad(findings: Iterable[Finding]) -> set[tuple[str, str]]:
    return {(f.id, str(f.status)) for f in findings if f.status in {Status.WARN, Status.FAIL}}


GOOD = {
    ("example.org", "MX"): ["10 mx1.example.org.", "20 mx2.example.org."],
    ("mx1.example.org", "A"): ["192.0.2.11"],
    ("mx1.example.org", "AAAA"): ["2001:db8::11"],
    ("mx2.example.org", "A"): ["192.0.2.12"],
}


def test_get_mx_resolves_hosts_sorted_and_memoised() -> None:
    ctx = make_ctx("example.org", GOOD)

    async def go() -> tuple[mx.MxSet, mx.MxSet]:
        return await mx.get_mx(ctx), await mx.get_mx(ctx)

    first, second = asyncio.run(go())
    assert first is second
    assert first.names == ["mx1.example.org", "mx2.example.org"]
    assert first.hosts[0].addresses == ["192.0.2.11", "2001:db8::11"]
    assert not (first.null_mx or first.implicit or first.failed)
    assert bad(run_eval(mx, make_ctx("example.org", GOOD))) == set()


def test_no_mx_but_address_is_implicit_mx_warn() -> None:
    ctx = make_ctx("example.org", {("example.org", "A"): ["192.0.2.1"]})
    findings = run_eval(mx, ctx)
    assert statuses(findings, "MX-01") == [Status.WARN]
    state = asyncio.run(mx.get_mx(make_ctx("example.org", {("example.org", "A"): ["192.0.2.1"]})))
    assert state.implicit and state.names == ["example.org"]


def test_no_mx_no_address_fails() -> None:
    findings = run_eval(mx, make_ctx("example.org", {("example.org", "TXT"): ['"x"']}))
    assert statuses(findings, "MX-01") == [Status.FAIL]


def test_mx_lookup_failure_is_error_not_fail() -> None:
    findings = run_eval(mx, make_ctx("example.org", {("example.org", "MX"): "SERVFAIL"}))
    assert [(f.id, f.status) for f in findings] == [("MX-01", Status.ERROR)]


def test_null_mx_alone_is_info() -> None:
    findings = run_eval(mx, make_ctx("example.org", {("example.org", "MX"): ["0 ."]}))
    assert statuses(findings, "MX-03") == [Status.INFO]
    assert bad(findings) == set()


def test_null_mx_with_dkim_key_warns() -> None:
    zone: dict[tuple[str, str], list[str] | str] = {
        ("example.org", "MX"): ["0 ."],
        ("sel1._domainkey.example.org", "TXT"): ['"v=DKIM1; k=rsa; p=MIIB"'],
    }
    findings = run_eval(mx, make_ctx("example.org", zone, dkim_selectors=("sel1",)))
    assert statuses(findings, "MX-03") == [Status.WARN]


def test_null_mx_mixed_fails_mx02() -> None:
    zone = {**GOOD, ("example.org", "MX"): ["0 .", "10 mx1.example.org."]}
    findings = run_eval(mx, make_ctx("example.org", zone))
    assert bad(findings) == {("MX-02", "fail")}
    state = asyncio.run(mx.get_mx(make_ctx("example.org", zone)))
    assert state.null_mixed and not state.null_mx and state.names == ["mx1.example.org"]


def test_cname_ip_literal_and_unresolvable() -> None:
    zone: dict[tuple[str, str], list[str] | str] = {
        ("example.org", "MX"): ["10 mail.example.org.", "20 192.0.2.25.", "30 gone.example.org."],
        ("host7.provider.example", "A"): ["192.0.2.7"],
    }
    ctx = make_ctx("example.org", zone, cnames={"mail.example.org": "host7.provider.example"})
    findings = run_eval(mx, ctx)
    assert ("MX-04", "warn") in bad(findings)
    assert ("MX-05", "fail") in bad(findings)
    assert statuses(findings, "MX-06").count(Status.WARN) == 2  # the IP literal and gone.


def test_no_host_resolves_fails() -> None:
    findings = run_eval(mx, make_ctx("example.org", {("example.org", "MX"): ["10 a.example.org."]}))
    assert statuses(findings, "MX-06") == [Status.FAIL]


def test_host_address_lookup_failure_is_error() -> None:
    zone: dict[tuple[str, str], list[str] | str] = {
        ("example.org", "MX"): ["10 a.example.org."],
        ("a.example.org", "A"): "SERVFAIL",
        ("a.example.org", "AAAA"): "SERVFAIL",
    }
    findings = run_eval(mx, make_ctx("example.org", zone))
    assert statuses(findings, "MX-06") == [Status.ERROR]


def test_dangling_alias_is_an_alias() -> None:
    # mail.example.org CNAME gone.provider.example, which does not exist: the resolver answers
    # NXDOMAIN with the CNAME in it. MX-04 must see the alias; MX-06 sees no address.
    zone: dict[tuple[str, str], list[str] | str] = {("example.org", "MX"): ["10 mail.example.org."]}
    ctx = make_ctx("example.org", zone, cnames={"mail.example.org": "gone.provider.example"})
    findings = run_eval(mx, ctx)
    assert statuses(findings, "MX-04") == [Status.WARN]
    assert "does not exist" in next(f.summary for f in findings if f.id == "MX-04")
    assert statuses(findings, "MX-06") == [Status.FAIL]


def test_alias_is_unknown_when_the_lookups_failed() -> None:
    # No answer, no CNAME seen: MX-04 cannot pass for that host.
    zone: dict[tuple[str, str], list[str] | str] = {
        ("example.org", "MX"): ["10 a.example.org.", "20 b.example.org."],
        ("a.example.org", "A"): "SERVFAIL",
        ("a.example.org", "AAAA"): "SERVFAIL",
        ("b.example.org", "A"): ["192.0.2.2"],
    }
    findings = run_eval(mx, make_ctx("example.org", zone))
    assert [(f.status, f.subject) for f in findings if f.id == "MX-04"] == [
        (Status.ERROR, "a.example.org")
    ]
    assert statuses(findings, "MX-06") == [Status.ERROR]


BOGUS_HOST: dict[tuple[str, str], list[str] | str] = {
    ("example.org", "MX"): ["10 mx.provider.example."],
    ("mx.provider.example", "A"): "SERVFAIL",
    ("mx.provider.example", "AAAA"): "SERVFAIL",
}
BOGUS_CD: dict[tuple[str, str], list[str] | str] = {("mx.provider.example", "A"): ["192.0.2.7"]}


def test_bogus_mx_host_is_unusable_for_validating_senders() -> None:
    # SERVFAIL, and the CD retry answers: the data fails validation, which validating senders
    # never get past. That is a failure of the domain, not "could not check".
    findings = run_eval(mx, make_ctx("example.org", BOGUS_HOST, cdzone=BOGUS_CD))
    assert statuses(findings, "MX-06") == [Status.FAIL]
    assert "DNSSEC" in next(f.summary for f in findings if f.id == "MX-06")
    assert statuses(findings, "MX-04") == [Status.PASS]  # the CD answer shows no alias
    state = asyncio.run(mx.get_mx(make_ctx("example.org", BOGUS_HOST, cdzone=BOGUS_CD)))
    assert state.hosts[0].bogus and not state.hosts[0].lookup_failed


def test_bogus_mx_host_next_to_a_good_one_warns() -> None:
    zone = {**BOGUS_HOST, ("example.org", "MX"): ["10 mx.provider.example.", "20 mx2.example.org."]}
    zone[("mx2.example.org", "A")] = ["192.0.2.2"]
    findings = run_eval(mx, make_ctx("example.org", zone, cdzone=BOGUS_CD))
    assert statuses(findings, "MX-06") == [Status.WARN]


def test_servfail_that_is_not_bogus_stays_an_error() -> None:
    # The CD retry fails too: nothing proves the data is bogus, so "could not check".
    cd = {("mx.provider.example", "A"): "SERVFAIL", ("mx.provider.example", "AAAA"): "SERVFAIL"}
    findings = run_eval(mx, make_ctx("example.org", BOGUS_HOST, cdzone=cd))
    assert statuses(findings, "MX-06") == [Status.ERROR]
    assert statuses(findings, "MX-04") == [Status.ERROR]


def test_servfail_of_an_unsigned_host_zone_is_not_bogus() -> None:
    # A resolver without RFC 8914 errors SERVFAILs once (its upstream timed out), then the CD
    # retry answers without RRSIGs: an unsigned zone cannot be bogus, so "could not check".
    ctx = make_ctx("example.org", BOGUS_HOST, cdzone=BOGUS_CD, cd_signed=False)
    findings = run_eval(mx, ctx)
    assert statuses(findings, "MX-06") == [Status.ERROR]
    state = asyncio.run(
        mx.get_mx(make_ctx("example.org", BOGUS_HOST, cdzone=BOGUS_CD, cd_signed=False))
    )
    assert not state.hosts[0].bogus and state.hosts[0].lookup_failed


PRIVATE = {
    ("example.org", "MX"): ["10 mail.example.org."],
    ("mail.example.org", "A"): ["10.1.2.3"],
}


def test_mx_host_with_only_private_addresses_fails_in_production() -> None:
    # No sender on the internet can reach 10.1.2.3: the host is as unusable as one without an
    # address, and it is the only one.
    findings = run_eval(mx, make_ctx("example.org", PRIVATE, allow_private_targets=False))
    assert statuses(findings, "MX-06") == [Status.FAIL]
    summary = next(f.summary for f in findings if f.id == "MX-06")
    assert "only the private address 10.1.2.3" in summary
    # The lab allows private targets: nothing changes there.
    lab = run_eval(mx, make_ctx("example.org", PRIVATE, allow_private_targets=True))
    assert statuses(lab, "MX-06") == [Status.PASS]


def test_private_mx_host_next_to_a_public_one_warns() -> None:
    zone = {
        ("example.org", "MX"): ["10 mx1.example.org.", "20 mail.example.org."],
        ("mx1.example.org", "A"): ["8.8.8.8"],
        ("mail.example.org", "A"): ["127.0.0.1"],
        ("mail.example.org", "AAAA"): ["fe80::1"],
    }
    findings = run_eval(mx, make_ctx("example.org", zone, allow_private_targets=False))
    assert [(f.status, f.subject) for f in findings if f.id == "MX-06"] == [
        (Status.WARN, "mail.example.org")
    ]
    summary = next(f.summary for f in findings if f.id == "MX-06")
    assert "127.0.0.1 (loopback), fe80::1 (link-local)" in summary


def test_implicit_mx_with_bogus_address_fails() -> None:
    zone: dict[tuple[str, str], list[str] | str] = {
        ("example.org", "TXT"): ['"x"'],
        ("example.org", "A"): "SERVFAIL",
    }
    cd: dict[tuple[str, str], list[str] | str] = {("example.org", "A"): ["192.0.2.1"]}
    assert statuses(run_eval(mx, make_ctx("example.org", zone, cdzone=cd)), "MX-01") == [
        Status.FAIL
    ]
    assert statuses(run_eval(mx, make_ctx("example.org", zone)), "MX-01") == [Status.ERROR]
