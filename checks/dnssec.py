"""DNSSEC of the policy domain and its MX hosts (checklist §7, DNSSEC-01..10).

The validation verdict comes from the configured validating resolver: the AD bit (RFC 4035 §3.2.3,
RFC 6840 §5.7) and, for SERVFAIL, a retry with CD (checking disabled) that tells "bogus" (the data
is there but does not validate) from "could not check". RFC 8914 extended errors say why. The
zone's own material (DS, DNSKEY, RRSIG, NSEC3PARAM) is fetched with DO, and with CD when the zone
is bogus, so the report can name the broken part. A resolver that validates nothing sets no AD
bit on anything: a zone with a DS then reads "unvalidated" (could not check, naming that
cause), never "not signed" (resolver_validation tells the two apart).
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import dns.asyncquery
import dns.dnssec
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset

from checks import net
from checks.context import CheckContext
from checks.dns import EDE_NAMES, DnsAnswer, normalize, servfail_is_bogus
from checks.findings import Collector, Finding, Mechanism, Status, noun_for, series

MECHANISM = Mechanism.DNSSEC

# RFC 8624 §3.1 (signing column; IANA registry per RFC 9904).
ALG_MUST_NOT = {1: "RSAMD5", 3: "DSA", 6: "DSA-NSEC3-SHA1", 12: "ECC-GOST"}
ALG_NOT_RECOMMENDED = {5: "RSASHA1", 7: "RSASHA1-NSEC3-SHA1", 10: "RSASHA512"}
# RFC 8624 §3.1 (validation column): algorithms validators MUST NOT implement, so a DS naming
# only these makes a zone insecure (RFC 4035 §5.2), not bogus.
ALG_VALIDATION_MUST_NOT = {1, 3, 6}
ALG_NAMES = {
    **ALG_MUST_NOT,
    **ALG_NOT_RECOMMENDED,
    8: "RSASHA256",
    13: "ECDSAP256SHA256",
    14: "ECDSAP384SHA384",
    15: "ED25519",
    16: "ED448",
}
# RFC 8624 §3.3: SHA-1 (1) MUST NOT be used to create DS; GOST (3) MUST NOT; SHA-256 (2) MUST.
DIGEST_NAMES = {
    1: "SHA-1",
    2: "SHA-256",
    3: "GOST R 34.11-94",
    4: "SHA-384",
    5: "GOST R 34.11-2012",  # RFC 9558
    6: "SM3",  # RFC 9563
}
DS_DIGEST_MUST_NOT = {1, 3}
# RFC 8914 codes that explain a bogus answer.
EDE_DNSSEC = {code: EDE_NAMES[code] for code in (1, 2, 5, 6, 7, 8, 9, 10, 11, 12, 27)}
NSEC3_ITERATIONS_FAIL = 100  # heuristic threshold (checklist DNSSEC-06)
SIG_WARN_SECONDS = 3 * 86400


@dataclass
class Validation:
    name: str
    status: str  # 'secure' | 'insecure' | 'bogus' | 'indeterminate' | 'unvalidated'
    answer: DnsAnswer
    retry: DnsAnswer | None = None
    reasons: list[str] = field(default_factory=list)

    def evidence(self) -> dict[str, Any]:
        data: dict[str, Any] = {"status": self.status, "lookup": self.answer.evidence()}
        if self.retry is not None:
            data["checking_disabled_retry"] = self.retry.evidence()
        if self.reasons:
            data["reasons"] = self.reasons
        return data


def _ede_reasons(answer: DnsAnswer) -> list[str]:
    return [
        f"EDE {code} ({EDE_DNSSEC.get(code, 'other')}){': ' + text if text else ''}"
        for code, text in answer.ede
    ]


def bogus_advice(
    answers: Iterable[DnsAnswer],
    zone: str,
    generic: str,
    *,
    unsigned: bool = False,
    idle_key: str = "",
    ds_record: str = "",
) -> tuple[str, str]:
    """(cause, remedy) for a bogus verdict, from the RFC 8914 codes the resolver gave with it.

    A mail admin needs the one remedy that fits: expired signatures want the signer looked at,
    future ones its clock, a DS without its key the registrar. `zone` names the zone to act on
    ("the zone holding mx.example.net"); `generic` is the caller's remedy when the codes do not
    tell (none, 5 or 6, or several at once). `unsigned`: the zone is known to publish no
    DNSKEY at all, so "DNSKEY Missing" means it is served unsigned, not a rollover half done.
    `idle_key`: the DS records match only this published key ("DNSKEY 4711, a key-signing key
    (flags 257)"), which does not sign the DNSKEY set. `ds_record`: the DS record to publish
    instead, for a zone DNSSEC-02 does not judge (an MX host's); bogus_fix adds it at the end.
    """
    codes = _dnssec_codes(answers)
    named = ", ".join(f"EDE {code} ({EDE_DNSSEC[code]})" for code in codes)
    code = codes[0] if len(codes) == 1 else None
    if _names_idle_key(codes, idle_key):
        # The resolver finds no signature over the DNSKEY set by the DS's key: Unbound says
        # "RRSIGs Missing" (10) or "DNSKEY Missing" (9), yet the zone is signed and the key is
        # published. The DS is what to change (RFC 4035 §5.2), not the signing.
        said = f"The resolver says {named}: " if codes else ""
        cause = (
            f"{said}the DS record at the parent is for {idle_key}, which does not sign the "
            "DNSKEY set, so no chain of trust reaches the zone"
        )
        if ds_record:
            return (
                cause,
                "Publish at the registrar the DS record given below, of the key that signs "
                f"the DNSKEY set of {zone}",
            )
        return (
            f"{cause} (see DNSSEC-02)",
            f"Publish at the registrar the DS record of the key that signs the DNSKEY set of "
            f"{zone} (DNSSEC-02 gives it)",
        )
    if code == 7:
        return (
            f"The resolver says {named}: the signatures have expired, so the signer stopped "
            "re-signing the zone",
            f"Re-sign {zone} and find out why re-signing stopped (automatic signing switched "
            "off, a cron job that no longer runs, or a hidden primary that is down)",
        )
    if code == 8:
        # The same remedy DNSSEC-05 gives: re-signing with a clock still ahead makes the same
        # signatures (RFC 4035 §5.3.1).
        return (
            f"The resolver says {named}: the signatures start in the future, so the signer's "
            "clock is ahead, and they validate nowhere until that date",
            f"Set the signing server's clock right (NTP), then re-sign {zone}",
        )
    if code == 9 and unsigned:
        return (
            f"The resolver says {named}: the zone publishes no DNSKEY at all (it is served "
            "unsigned) while its parent has a DS record for it",
            f"Sign {zone} (all its records) at its DNS host, or remove the DS record at the "
            "registrar",
        )
    if code == 9:
        return (
            f"The resolver says {named}: the DS record at the parent matches no DNSKEY the "
            "zone publishes, as when a key rollover finished at the zone but not at the "
            "registrar, or the reverse",
            f"Publish at the registrar the DS record of the current KSK of {zone} (the key "
            "that signs its DNSKEY set), or publish again the key the DS names",
        )
    if code == 10:
        return (
            f"The resolver says {named}: records come without signatures while the DS record "
            "at the parent says the zone is signed",
            f"Sign {zone} (all its records) at its DNS host, or remove the DS record at the "
            "registrar",
        )
    if codes:
        return f"The resolver says {named}", generic
    return "The resolver gave no reason (no RFC 8914 extended error)", generic


def bogus_fix(
    answers: Iterable[DnsAnswer],
    zone: str,
    generic: str,
    *,
    alternative: str = "",
    unsigned: bool = False,
    idle_key: str = "",
    ds_record: str = "",
) -> str:
    """The fix text of a bogus finding: the remedy (and `alternative`), then its cause, then
    the DS record to publish when the DS names a key that does not sign (`ds_record`)."""
    answers = list(answers)
    cause, remedy = bogus_advice(
        answers, zone, generic, unsigned=unsigned, idle_key=idle_key, ds_record=ds_record
    )
    fix = f"{remedy}{alternative}. {cause}."
    if ds_record and _names_idle_key(_dnssec_codes(answers), idle_key):
        fix += f" The DS record to publish:\n{ds_record}"
    return fix


def _dnssec_codes(answers: Iterable[DnsAnswer]) -> list[int]:
    return sorted({code for answer in answers for code, _ in answer.ede if code in EDE_DNSSEC})


def _names_idle_key(codes: list[int], idle_key: str) -> bool:
    """Whether the advice is about a DS of a key that does not sign the DNSKEY set: known,
    and no single code points elsewhere (7 expired and 8 future signatures have their own)."""
    code = codes[0] if len(codes) == 1 else None
    return bool(idle_key) and code not in (7, 8)


async def idle_ds_of_zone(ctx: CheckContext, name: str) -> tuple[str, str]:
    """For the zone holding `name`, whose answers fail validation: (the key its DS records
    match that does not sign the DNSKEY set, as _idle_ds_key names it; the SHA-256 DS record
    of a key that does), or ('', '') when that is not the fault. Read with CD, as the DNSKEY
    set of a bogus zone only comes that way; once per zone and run."""
    soa = await ctx.dns.query(name, "SOA", cd=True, want_dnssec=True)
    apex = _zone_apex(soa, "")
    if not apex:
        return "", ""

    async def read() -> tuple[str, str]:
        ds, dnskey = await asyncio.gather(
            ctx.dns.query(apex, "DS", want_dnssec=True),
            ctx.dns.query(apex, "DNSKEY", want_dnssec=True, cd=True),
        )
        idle = _idle_ds_key(ds, dnskey)
        # A key-signing key (SEP flag) first, the usual holder of the DS.
        signers = sorted(_key_set_signers(dnskey), key=lambda k: not k.flags & 0x0001)
        if not idle or not signers:
            return "", ""
        return idle, _ds_line(apex, signers[0])

    return await ctx.once(f"dnssec:idle-ds:{apex}", read)


async def validation_status(ctx: CheckContext, name: str, rdtype: str = "SOA") -> Validation:
    """RFC 4035 §4.3 state of one lookup, as the validating resolver sees it."""
    # The SOA is asked with DO because evaluate() needs its RRSIGs too: one query, not two.
    do = rdtype == "SOA"
    answer = await ctx.dns.query(name, rdtype, want_dnssec=do)
    if not answer.failed:
        return Validation(name, "secure" if answer.ad else "insecure", answer)
    if answer.rcode == "SERVFAIL":
        # DO with CD: the RRSIGs in the retry are the evidence that the data is signed at all.
        retry = await ctx.dns.query(name, rdtype, cd=True, want_dnssec=True)
        if await servfail_is_bogus(ctx.dns, answer, retry):
            return Validation(name, "bogus", answer, retry, _ede_reasons(answer))
        return Validation(name, "indeterminate", answer, retry, _ede_reasons(answer))
    return Validation(name, "indeterminate", answer, None, _ede_reasons(answer))


async def _domain_status(ctx: CheckContext) -> Validation:
    # SOA and MX both: a zone can validate at the apex SOA while its MX RRset is bogus (F50).
    soa, mx = await asyncio.gather(
        validation_status(ctx, ctx.domain, "SOA"), validation_status(ctx, ctx.domain, "MX")
    )
    for state in ("bogus", "indeterminate", "insecure"):
        for v in (soa, mx):
            if v.status == state:
                return v
    return soa


async def get_status(ctx: CheckContext) -> Validation:
    """The validation status of the policy domain, once per run (shared with other modules)."""
    return await ctx.once("dnssec:status", lambda: _domain_status(ctx))


def _resolver_asked(ctx: CheckContext) -> tuple[str, bool]:
    """The resolver this run asks, as findings name it, and whether it is several: "our
    resolver" in the app, without its address (s39j); in the CLI the user's own, named as a
    failed lookup names it (CheckConfig.resolvers_are_users, checks.dns.DnsClient.
    resolvers_named): "the resolver 192.0.2.53:53"."""
    if not ctx.config.resolvers_are_users:
        return "our resolver", False
    return ctx.dns.resolvers_named(), len(ctx.dns.resolvers) > 1


def resolver_does_not_validate(ctx: CheckContext) -> str:
    """What DNSSEC-01, -08, -09 and DANE name as the cause when the resolver asked gave no
    verdict: "our resolver does not validate DNSSEC" (the app), "the resolver 192.0.2.53:53
    does not validate DNSSEC" (the CLI)."""
    return _not_validating(*_resolver_asked(ctx))


def _not_validating(who: str, several: bool) -> str:
    return f"{who} {'do' if several else 'does'} not validate DNSSEC"


@dataclass
class ResolverValidation:
    """Whether the resolver this run asks validates DNSSEC: True, False, or None (no telling).
    `asked`: that resolver as findings name it and whether it is several (_resolver_asked),
    told only when a finding says it."""

    validates: bool | None
    detail: str
    lookups: list[dict[str, Any]] = field(default_factory=list)
    asked: Callable[[], tuple[str, bool]] = field(
        default=lambda: ("our resolver", False), repr=False, compare=False
    )

    @property
    def does_not_validate(self) -> str:
        return _not_validating(*self.asked())

    @property
    def validating_unknown(self) -> str:
        who, several = self.asked()
        return f"whether {who} {'validate' if several else 'validates'} could not be told"

    def evidence(self) -> dict[str, Any]:
        return {
            "resolver_validates": self.validates,
            "detail": self.detail,
            "lookups": self.lookups,
        }


async def _resolver_validation(ctx: CheckContext) -> ResolverValidation:
    # The DNSKEY sets of the zones above the domain, up to the root: a validating resolver
    # sets AD on its trust anchor's keys and on every secure zone below it (RFC 4035 §3.2.3),
    # so no AD on any of them while they come back signed means nothing was validated, not
    # that the zone is unsigned (a cloud or laptop resolver; an authoritative server).
    labels = ctx.domain.split(".")
    names = [".".join(labels[i:]) for i in range(1, len(labels))] + [""]
    answers = await asyncio.gather(*(ctx.dns.query(n, "DNSKEY", want_dnssec=True) for n in names))
    lookups = [a.evidence() for a in answers]
    authenticated = [a for a in answers if a.ad]
    if authenticated:
        zone = authenticated[0].name or "."
        return ResolverValidation(True, f"{zone} DNSKEY came back with the AD bit", lookups)
    asked = functools.partial(_resolver_asked, ctx)
    signed = [a for a in answers if a.exists and a.signed]
    if signed:
        zone = signed[0].name or "."
        detail = f"{zone} DNSKEY came back signed but without the AD bit"
        return ResolverValidation(False, detail, lookups, asked)
    return ResolverValidation(None, "no signed zone above the domain answered", lookups, asked)


async def resolver_validation(ctx: CheckContext) -> ResolverValidation:
    """Whether the resolver validates, once per run. Ask only when an answer lacked AD: a
    validated answer already says so."""
    return await ctx.once("dnssec:resolver-validates", lambda: _resolver_validation(ctx))


def _rrsigs(answer: DnsAnswer, covered: str | None = None) -> list[Any]:
    message = answer.message
    if message is None:
        return []
    sigs = []
    for rrset in message.answer:
        if rrset.rdtype != dns.rdatatype.RRSIG:
            continue
        for sig in rrset:
            if covered is None or dns.rdatatype.to_text(sig.type_covered) == covered:
                sigs.append((rrset.name.to_text(), sig))
    return sigs


def _zone_apex(answer: DnsAnswer, fallback: str) -> str:
    """Where the zone of `fallback` starts: the SOA owner in the answer or the authority section."""
    message = answer.message
    if message is not None:
        for section in (message.answer, message.authority):
            for rrset in section:
                if rrset.rdtype == dns.rdatatype.SOA:
                    return normalize(rrset.name.to_text())
    return fallback


async def evaluate(ctx: CheckContext) -> list[Finding]:
    out = Collector(MECHANISM)
    status = await get_status(ctx)
    domain = ctx.domain
    # SOA with DO tells us the zone apex and carries the RRSIGs; CD keeps it working when bogus.
    soa = await ctx.dns.query(domain, "SOA", want_dnssec=True, cd=status.status == "bogus")
    apex = _zone_apex(soa, domain)
    if status.status == "indeterminate":
        _dnssec01(out, status)
        return out.findings
    cd = status.status == "bogus"
    ds, dnskey, nsec3 = await asyncio.gather(
        ctx.dns.query(apex, "DS", want_dnssec=True),
        ctx.dns.query(apex, "DNSKEY", want_dnssec=True, cd=cd),
        ctx.dns.query(apex, "NSEC3PARAM", cd=cd),
    )
    resolver: ResolverValidation | None = None
    if status.status == "insecure" and ds.exists and not ds.failed:
        # The parent vouches for the zone, yet the answer was not authenticated: either
        # validators cannot use the DS (DNSSEC-02 says which) or nobody validated it.
        resolver = await resolver_validation(ctx)
        if resolver.validates is False:
            status = Validation(
                status.name, "unvalidated", status.answer, status.retry, status.reasons
            )
    _dnssec01(out, status, ds, dnskey, resolver, signed=[soa, dnskey])
    signed = dnskey.exists or (ds.exists and not ds.failed)
    if status.status == "insecure" and not ds.exists and not dnskey.exists:
        for check_id in ("DNSSEC-02", "DNSSEC-03", "DNSSEC-04", "DNSSEC-05", "DNSSEC-06"):
            out.add(check_id, Status.NA, f"{apex} is not signed; nothing to check.", subject=apex)
    elif signed:
        _zone_material(out, apex, soa, ds, dnskey, nsec3, status.status)
    iterations = None
    if nsec3.exists and not nsec3.failed:
        iterations = int(nsec3.records[0].iterations)
    await _mail_names(out, ctx, status, nsec3_iterations=iterations)
    await _consistency(out, ctx, apex, dnskey)
    return out.findings


def _zone_material(
    out: Collector,
    apex: str,
    soa: DnsAnswer,
    ds: DnsAnswer,
    dnskey: DnsAnswer,
    nsec3: DnsAnswer,
    validation: str = "secure",
) -> None:
    """DNSSEC-02..06 for a zone with a DS at its parent or DNSKEYs of its own."""
    _dnssec02(out, apex, ds, dnskey, validation)
    if ds.exists and not ds.failed and not dnskey.failed and not dnskey.exists:
        # The parent vouches for the zone with a DS, but the zone publishes no DNSKEY: it is
        # served unsigned (moved to a DNS host without DNSSEC, signing switched off) and is
        # bogus for that (RFC 4035 §5.2), which DNSSEC-02 fails. There is no signing
        # algorithm, signature or NSEC3 chain to judge: "signed with ECDSAP256SHA256" (the
        # DS's algorithm), "uses NSEC" or "signatures could not be retrieved" would be untrue.
        unsigned = (
            f"{apex} publishes no DNSKEY and no signatures although its parent has a DS "
            "record for it (see DNSSEC-02)"
        )
        out.add("DNSSEC-03", Status.NA, f"{unsigned}: no signing algorithm to judge.", subject=apex)
        _dnssec04(out, apex, ds)
        out.add("DNSSEC-05", Status.NA, f"{unsigned}: no validity window to check.", subject=apex)
        out.add("DNSSEC-06", Status.NA, f"{unsigned}: no NSEC3 parameters.", subject=apex)
        return
    _dnssec03(out, apex, ds, dnskey)
    _dnssec04(out, apex, ds, dnskey)
    _dnssec05(out, apex, [soa, dnskey])
    _dnssec06(out, apex, nsec3)


def _dnssec01(
    out: Collector,
    v: Validation,
    ds: DnsAnswer | None = None,
    dnskey: DnsAnswer | None = None,
    resolver: ResolverValidation | None = None,
    *,
    signed: Iterable[DnsAnswer] = (),
) -> None:
    """DNSSEC-01. `signed`: the apex answers whose signatures DNSSEC-05 judges (SOA, DNSKEY),
    for a bogus verdict's fix when the resolver's codes do not say their dates are past."""
    subject = v.name
    if v.status == "unvalidated" and resolver is not None:
        # Checklist §0: could not check, never "not signed" (it has a DS and, most often,
        # keys our own checks accept) and never a failure held against the domain.
        keys = " and DNSKEY records" if dnskey is not None and dnskey.exists else ""
        out.add(
            "DNSSEC-01",
            Status.ERROR,
            f"Whether {v.name} validates could not be checked: {resolver.does_not_validate} "
            f"({resolver.detail}). The zone has a DS record at its parent{keys}; DNSSEC-02 to "
            "DNSSEC-06 judge them from the records themselves.",
            subject=subject,
            evidence={**v.evidence(), "resolver": resolver.evidence()},
        )
        return
    if v.status == "secure":
        out.add(
            "DNSSEC-01",
            Status.PASS,
            f"{v.name} is DNSSEC-signed and validates.",
            subject=subject,
            evidence=v.evidence(),
        )
    elif v.status == "insecure":
        has_keys = dnskey is not None and dnskey.exists and not dnskey.failed
        has_ds = ds is not None and ds.exists and not ds.failed
        tail = "lookups cannot be authenticated and DANE is not possible for names in it."
        fix: str | None
        if has_keys and has_ds and ds is not None and _unexplained_insecure(ds, resolver):
            # The DS names an algorithm validators implement, so nothing in the records says
            # why the answers came back without AD: "validators cannot use that DS" and its
            # fix would contradict a passing DNSSEC-02.
            assert resolver is not None
            if resolver.validates is None:
                what = (
                    f"{v.name} is signed and its parent publishes a DS record (see DNSSEC-02), "
                    f"but its answers came back without the AD bit and "
                    f"{resolver.validating_unknown} ({resolver.detail})"
                )
                tail = "whether validating resolvers authenticate its lookups was not checked."
            else:
                what = (
                    f"{v.name} is signed and its parent publishes a DS record (see DNSSEC-02), "
                    "but that DS came back unauthenticated too, so a zone above it is not "
                    "signed or not validated and validating resolvers treat the zone as "
                    "unsigned (insecure)"
                )
            fix = None
        elif has_keys and has_ds:
            # Signed, with a DS validators cannot use (an algorithm they do not implement,
            # RFC 4035 §5.2): "not signed, enable signing" would send the owner the wrong way.
            what = (
                f"{v.name} is signed and its parent publishes a DS record, but validating "
                "resolvers cannot use that DS (see DNSSEC-02), so they treat the zone as "
                "unsigned (insecure)"
            )
            fix = "Replace the DS record at your registrar with the one DNSSEC-02 gives."
        elif has_keys:
            what = (
                f"{v.name} is signed (it publishes DNSKEY records) but its parent has no DS "
                "record for it, so validating resolvers treat it as unsigned (insecure)"
            )
            fix = "Publish the DS record at your registrar (see DNSSEC-02)."
        else:
            what = f"{v.name} is not DNSSEC-signed (insecure)"
            fix = (
                f"Enable DNSSEC signing for {v.name} at your DNS host and publish the DS "
                "record at your registrar."
            )
        out.add(
            "DNSSEC-01",
            Status.INFO,
            f"{what}: {tail}",
            subject=subject,
            evidence=v.evidence(),
            fix=fix,
        )
    elif v.status == "bogus":
        why = "; ".join(v.reasons) or "validation failed"
        # A DS naming only keys the zone does not publish is the fault whatever the resolver
        # said (s39h-dsgone: Unbound answers EDE 6 once the key is marked bad by an earlier
        # lookup, but the records say it). When its one code names another fault (7, 8: the
        # signatures' dates; 10: records without signatures), that code's remedy comes first
        # and the DS after it (s40i): each keeps the zone bogus on its own (RFC 4035 §5.2,
        # §5.3.1), and a code names what the resolver met first, not every fault (RFC 8914).
        codes = _dnssec_codes([v.answer])
        other_fault = codes[0] if len(codes) == 1 and codes[0] in (7, 8, 10) else None
        fix = "" if other_fault else _ds_of_unpublished_keys(ds, dnskey, signed)
        if not fix:
            fix = bogus_fix(
                [v.answer],
                "the zone",
                "Re-sign the zone (expired or broken signatures) or fix the DS record at the "
                "registrar so it matches a current DNSKEY",
                # A DS over a zone with no keys: "DNSKEY Missing" has no KSK to publish.
                unsigned=ds is not None
                and ds.exists
                and dnskey is not None
                and not dnskey.failed
                and not dnskey.exists,
                idle_key=_idle_ds_key(ds, dnskey),
            )
        if other_fault:
            also = _ds_of_unpublished_keys(ds, dnskey, beside=other_fault)
            fix = f"{fix} {also}" if also else fix
        out.add(
            "DNSSEC-01",
            Status.FAIL,
            f"{v.name} fails DNSSEC validation (bogus: {why}): validating resolvers answer "
            "SERVFAIL, so mail, MTA-STS and DMARC lookups for it all fail.",
            subject=subject,
            evidence=v.evidence(),
            fix=fix,
        )
    else:
        out.add(
            "DNSSEC-01",
            Status.ERROR,
            f"The DNSSEC status of {v.name} could not be determined "
            f"({v.answer.describe_failure()}).",
            subject=subject,
            evidence=v.evidence(),
        )


def _ds_of_unpublished_keys(
    ds: DnsAnswer | None,
    dnskey: DnsAnswer | None,
    signed: Iterable[DnsAnswer] = (),
    *,
    beside: int | None = None,
) -> str:
    """DNSSEC-01's fix when every DS record names a key tag the zone does not publish (a key
    retired at the zone whose DS stayed at the registrar, or the reverse): no chain of trust
    reaches the zone (RFC 4035 §5.2), whatever extended error the resolver gave. '' otherwise
    (no DS, no keys, or a DS naming a published key: a digest or an algorithm field wrong,
    DNSSEC-02's to tell). When the signatures of `signed` have expired as well (DNSSEC-05
    fails them; no code 7 said so), re-signing is needed too: the right DS alone leaves the
    zone bogus. `beside`: the resolver's one code (7, 8 or 10) whose remedy comes first; this
    is then the sentence to follow it, as the zone stays bogus with that fault alone mended."""
    if ds is None or dnskey is None or not ds.exists or not dnskey.exists:
        return ""
    published = {dns.dnssec.key_id(k) for k in _dnskeys(dnskey)}
    tags = sorted({int(r.key_tag) for r in ds.records})
    if published & set(tags):
        return ""
    one = len(tags) == 1
    named = ("key tag " if one else "key tags ") + ", ".join(str(t) for t in tags)
    have = ", ".join(str(t) for t in sorted(published))
    records = "DS record" if one else "DS records"
    unpublished = f"which the zone no longer publishes (it publishes {have})"
    if (algs := _unmatched_algorithms(ds, _dnskeys(dnskey))) is not None:
        # "No longer publishes" would be a guess. What is seen, as DNSSEC-02's fix says it
        # (s41k, s41m).
        ds_algs, key_algs = algs
        that = "that algorithm" if len(ds_algs) == 1 else "those algorithms"
        unpublished = (
            f"of algorithm {series([_alg_name(a) for a in ds_algs], 'or')}, and the zone's "
            f"DNSKEY set has no key of {that}, only key tag{'' if len(published) == 1 else 's'} "
            f"{have}, of algorithm {series([_alg_name(a) for a in key_algs])}"
        )
    if beside is not None:
        # Code 10's remedy offers removing the DS instead of signing: then nothing to replace.
        when = "If you sign the zone rather than remove the DS, r" if beside == 10 else "R"
        return (
            f"{when}eplace the {records} at the registrar as well, with the one DNSSEC-02 "
            f"gives: {'it names' if one else 'they name'} {named}, {unpublished}, so no chain "
            "of trust reaches the zone (RFC 4035 §5.2) and it stays bogus with the signatures "
            "mended alone."
        )
    fix = (
        f"Replace the {records} at the registrar with the one DNSSEC-02 gives: the "
        f"{'DS names' if one else 'DS records name'} {named}, {unpublished}, so no chain of "
        "trust reaches it (RFC 4035 §5.2)."
    )
    if _signatures_expired(signed):
        return (
            f"{fix} Its signatures have expired too (see DNSSEC-05): re-sign the zone as well "
            "and find out why re-signing stopped, or it stays bogus with the right DS."
        )
    return f"{fix} Re-signing the zone does not help."


def _unmatched_algorithms(ds: DnsAnswer, keys: Iterable[Any]) -> tuple[list[int], list[int]] | None:
    """The algorithm numbers of the DS records and of `keys`, each sorted, when no DS record
    names an algorithm one of the keys uses; None when one does. Such a DS was made for
    another key or zone, or by a registrar form's choice: DNSSEC-01's and DNSSEC-02's fixes
    then say what is seen rather than guess at a retired key."""
    ds_algs = sorted({int(r.algorithm) for r in ds.records})
    key_algs = sorted({int(k.algorithm) for k in keys})
    return None if set(ds_algs) & set(key_algs) else (ds_algs, key_algs)


def _signatures_expired(answers: Iterable[DnsAnswer]) -> bool:
    """Whether an RRset of `answers` has signatures, none within its validity window, and one
    past its end (RFC 4035 §5.3.1): what DNSSEC-05 fails as expired."""
    now = time.time()
    rrsets: dict[tuple[str, int], list[Any]] = {}
    for answer in answers:
        for owner, sig in _rrsigs(answer):
            rrsets.setdefault((owner, int(sig.type_covered)), []).append(sig)
    return any(
        not any(s.inception <= now <= s.expiration for s in sigs)
        and any(s.expiration < now for s in sigs)
        for sigs in rrsets.values()
    )


def _unexplained_insecure(ds: DnsAnswer, resolver: ResolverValidation | None) -> bool:
    """A zone with keys and a DS reads insecure, yet its DS names an algorithm validators
    implement (RFC 8624 §3.1) and either our resolver's validating could not be told or the
    DS itself came back without AD: the DS is not what makes it insecure."""
    if resolver is None or resolver.validates is False:
        return False
    if all(int(r.algorithm) in ALG_VALIDATION_MUST_NOT for r in ds.records):
        return False
    return resolver.validates is None or not ds.ad


def _dnskeys(dnskey: DnsAnswer) -> list[Any]:
    return list(dnskey.records)


def _key_set_signers(dnskey: DnsAnswer) -> list[Any]:
    """The DNSKEYs whose RRSIG (by key tag and algorithm) covers the DNSKEY RRset: the only
    keys a parent's DS carries the chain of trust through (RFC 4035 §5.2). Every key when the
    answer holds no such RRSIG (signatures not fetched): nothing then tells them apart."""
    made = {(int(sig.key_tag), int(sig.algorithm)) for _, sig in _rrsigs(dnskey, "DNSKEY")}
    keys = _dnskeys(dnskey)
    if not made:
        return keys
    return [k for k in keys if (dns.dnssec.key_id(k), int(k.algorithm)) in made]


def _idle_ds_key(ds: DnsAnswer | None, dnskey: DnsAnswer | None) -> str:
    """'DNSKEY <tag>, <role>' when the DS records match published keys but none of them signs
    the DNSKEY set; '' otherwise (no DS, no keys, or a DS that carries the chain)."""
    if ds is None or dnskey is None or not ds.exists or not dnskey.exists or dnskey.failed:
        return ""
    signers = _key_set_signers(dnskey)
    matched = [
        k for k in _dnskeys(dnskey) if any(_matches_a_key(ds.name, r, [k]) for r in ds.records)
    ]
    if not matched or any(k in signers for k in matched):
        return ""
    key = matched[0]
    return f"DNSKEY {dns.dnssec.key_id(key)}, {_key_role(key)}"


def _key_role(key: Any) -> str:
    """What a DNSKEY is, for the owner, by its SEP flag. One that does not sign the DNSKEY set
    is a KSK published ahead of a rollover (RFC 7583 §3.3.2) or retired but left in, or a ZSK."""
    if key.flags & 0x0001:
        return f"a key-signing key (flags {key.flags})"
    return f"a zone-signing key (flags {key.flags})"


def _ds_line(apex: str, key: Any, digest: str = "SHA256") -> str:
    return f"{apex}. IN DS {dns.dnssec.make_ds(dns.name.from_text(apex), key, digest).to_text()}"


def _alg_name(number: int) -> str:
    name = ALG_NAMES.get(number)
    return f"{number} ({name})" if name else str(number)


def _unused_ds_consequence(validation: str, ds: DnsAnswer | None = None) -> str:
    """What validators make of a zone whose DS matches no key, as the resolver found it (or,
    when it does not validate, as the DS algorithms say)."""
    if validation == "unvalidated" and ds is not None:
        unimplemented = ds.records and all(
            int(r.algorithm) in ALG_VALIDATION_MUST_NOT for r in ds.records
        )
        validation = "insecure" if unimplemented else "bogus"
    if validation == "insecure":
        # RFC 4035 §5.2: a DS RRset with no algorithm the validator implements is treated as
        # proof that the zone is unsigned: no SERVFAIL, but no protection either.
        return (
            "validating resolvers ignore it and treat the zone as unsigned (insecure), so its "
            "signatures protect nothing"
        )
    return "validating resolvers treat the zone as bogus"


def _dnssec02(
    out: Collector, apex: str, ds: DnsAnswer, dnskey: DnsAnswer, validation: str = "bogus"
) -> None:
    # RFC 4035 §5.2: a DS must match a DNSKEY (with SEP/zone bit) that signs the DNSKEY RRset.
    ev = {"ds": ds.evidence(), "dnskey": dnskey.evidence()}
    if ds.failed or dnskey.failed:
        failed = ds if ds.failed else dnskey
        out.add(
            "DNSSEC-02",
            Status.ERROR,
            f"The DS/DNSKEY records of {apex} could not be read ({failed.describe_failure()}).",
            subject=apex,
            evidence=ev,
        )
        return
    if not ds.exists:
        out.add(
            "DNSSEC-02",
            Status.WARN if dnskey.exists else Status.NA,
            f"{apex} publishes DNSKEYs but the parent has no DS record, so the zone is "
            "treated as unsigned.",
            subject=apex,
            evidence=ev,
            fix="Publish the DS record at the registrar (see your DNS host's DNSSEC page).",
        )
        return
    name = dns.name.from_text(apex)
    keys = _dnskeys(dnskey)
    signers = _key_set_signers(dnskey)
    matched = []
    # DS records naming a published key in a digest this checker cannot compute (GOST R
    # 34.11-94 or -2012, SM3: digest types 3, 5 and 6): whether they match is unknown, not "no".
    unchecked = []
    for record in ds.records:
        for key in keys:
            if dns.dnssec.key_id(key) != record.key_tag or key.algorithm != record.algorithm:
                continue
            try:
                # validating=True: dnspython's default policy refuses to *create* a SHA-1 DS
                # (RFC 8624 §3.3), but resolvers still validate with one. Its weakness is
                # DNSSEC-04's warning, not a broken chain here.
                computed = dns.dnssec.make_ds(name, key, record.digest_type, validating=True)
            except (dns.dnssec.UnsupportedAlgorithm, ValueError, dns.exception.DNSException):
                unchecked.append(record)
                continue
            if computed.digest == record.digest:
                matched.append((record, key))
    signing = [(d, k) for d, k in matched if k in signers]
    # RFC 4509 §3: validators SHOULD ignore SHA-1 DS records when the DS RRset has SHA-256 ones
    # (BIND and the PowerDNS Recursor do; the lab's Unbound 1.17, harden-algo-downgrade at its
    # default 'no', does not: s29d-dssha1stale256), so for those a matching SHA-1 DS does not
    # rescue a wrong SHA-256 one. DNSSEC-02 fails it and says which validators are affected.
    has_sha256 = any(int(r.digest_type) == 2 for r in ds.records)
    useful = [(d, k) for d, k in signing if not (has_sha256 and int(d.digest_type) == 1)]
    if useful:
        # DS records beside it that match no published key (s32l-dsoldhost): validators skip
        # them (RFC 4035 §5.2), but the owner sees them at the registrar and should hear of them.
        stale = [
            r
            for r in ds.records
            if all(r is not d for d, _ in matched) and all(r is not u for u in unchecked)
        ]
        beside = ""
        if stale:
            names = series(
                [f"DS {r.key_tag} (algorithm {_alg_name(int(r.algorithm))})" for r in stale]
            )
            one = len(stale) == 1
            beside = (
                f" The parent also lists {names}, which match{'es' if one else ''} no "
                f"published DNSKEY; validators skip {'it' if one else 'them'} (RFC 4035 "
                "§5.2). A DS published ahead of a key "
                "rollover (RFC 6781 §4.1.2) can stay; one left from an old key or DNS host "
                "can be removed at the registrar."
            )
        out.add(
            "DNSSEC-02",
            Status.PASS,
            f"The DS record of {apex} matches DNSKEY {useful[0][0].key_tag}, which signs the "
            f"key set.{beside}",
            subject=apex,
            evidence=ev,
        )
    elif unchecked:
        digests = ", ".join(
            sorted({DIGEST_NAMES.get(int(r.digest_type), str(r.digest_type)) for r in unchecked})
        )
        out.add(
            "DNSSEC-02",
            Status.ERROR,
            f"The DS record of {apex} for DNSKEY {unchecked[0].key_tag} uses a digest this "
            f"checker cannot compute ({digests}), so whether it matches was not checked.",
            subject=apex,
            evidence=ev,
        )
    elif signing:
        record, key = signing[0]
        if validation == "secure":
            # RFC 4509 §3 is a SHOULD: a validator that does not follow it (Unbound with its
            # default harden-algo-downgrade: no) accepts the SHA-1 DS, as the resolver behind
            # DNSSEC-01 just did. The zone is bogus for the others, not for every sender.
            consequence = (
                "validators that follow RFC 4509 §3 ignore SHA-1 DS records when SHA-256 ones "
                "are present and treat the zone as bogus; the validating resolver used for this "
                "check accepted the SHA-1 record (see DNSSEC-01), so whether mail to the domain "
                "fails depends on each sender's resolver"
            )
        else:
            consequence = (
                "validators ignore SHA-1 DS records when SHA-256 ones are present (RFC 4509 "
                "§3), so they treat the zone as bogus"
            )
        # The SHA-256 DS validators do use may match a key that signs no DNSKEY set: a KSK
        # published ahead of a rollover (its DS can stay) or a ZSK (its DS cannot help).
        idle = [k for d, k in matched if int(d.digest_type) == 2]
        if idle:
            beside = (
                f"the SHA-256 DS record beside it is for DNSKEY {dns.dnssec.key_id(idle[0])}, "
                f"{_key_role(idle[0])} that does not sign the DNSKEY set"
            )
        else:
            beside = "the SHA-256 DS record beside it matches no key"
        if idle and idle[0].flags & 0x0001:
            fix = (
                f"Add at the registrar {_ds_line(apex, key)} (the SHA-256 DS of DNSKEY "
                f"{record.key_tag}, which signs the key set); the DS of DNSKEY "
                f"{dns.dnssec.key_id(idle[0])} can stay for its rollover."
            )
        else:
            fix = f"Replace the SHA-256 DS record at the registrar with {_ds_line(apex, key)}"
        out.add(
            "DNSSEC-02",
            Status.FAIL,
            f"Only the SHA-1 DS record of {apex} matches DNSKEY {record.key_tag}; {beside}, "
            f"and {consequence}.",
            subject=apex,
            evidence=ev,
            fix=fix,
        )
    elif matched:
        record, key = matched[0]
        # The key the parent should name: one that signs the DNSKEY RRset, SEP first.
        anchors = sorted(signers, key=lambda k: not k.flags & 0x0001)
        if anchors and key.flags & 0x0001:
            # A KSK published ahead of a rollover whose DS went in and the old DS out too
            # early: the signing key's DS goes back in; the new one can stay for the rollover.
            anchor = anchors[0]
            fix = (
                f"Add at the registrar {_ds_line(apex, anchor)} (DNSKEY "
                f"{dns.dnssec.key_id(anchor)}, flags {anchor.flags}, which signs the key set); "
                f"the DS of DNSKEY {record.key_tag} can stay for its rollover."
            )
        elif anchors:
            anchor = anchors[0]
            fix = (
                f"Replace the DS record at the registrar with {_ds_line(apex, anchor)} (DNSKEY "
                f"{dns.dnssec.key_id(anchor)}, flags {anchor.flags}, which signs the key set)."
            )
        else:
            fix = "Sign the DNSKEY RRset with the key the DS points to, or update the DS."
        out.add(
            "DNSSEC-02",
            Status.FAIL,
            f"The DS record of {apex} matches DNSKEY {record.key_tag}, {_key_role(key)} that "
            "does not sign the DNSKEY set: "
            "the chain of trust is broken (RFC 4035 §5.2), "
            f"{_unused_ds_consequence(validation, ds)}.",
            subject=apex,
            evidence=ev,
            fix=fix,
        )
    else:
        tags = ", ".join(str(r.key_tag) for r in ds.records)
        have = ", ".join(str(dns.dnssec.key_id(k)) for k in keys) or "none"
        fix = ""
        sep = None
        for key in keys:
            if key.flags & 0x0001:  # SEP: the key that should be in the parent
                fix = f"{apex}. IN DS {dns.dnssec.make_ds(name, key, 'SHA256').to_text()}"
                sep = key
                break
        same_tag = {r.key_tag for r in ds.records} & {dns.dnssec.key_id(k) for k in keys}
        relabelled = _wrong_algorithm_field(name, ds, keys)
        if relabelled is not None:
            # The digest covers the DNSKEY (its algorithm included), not the DS's own
            # algorithm field: a digest that matches under the key's algorithm means only
            # that field is wrong, as a registrar form's algorithm choice makes it.
            record, key = relabelled
            detail = (
                f"it says algorithm {_alg_name(int(record.algorithm))}, but DNSKEY "
                f"{record.key_tag} is algorithm {_alg_name(int(key.algorithm))}; its key tag "
                "and digest are right, only the algorithm field is wrong"
            )
        elif same_tag:
            detail = "its digest does not match the DNSKEY with the same key tag"
        else:
            detail = (
                f"it names key {noun_for(len(ds.records), 'tag')} {tags}, the zone publishes {have}"
            )
            if fix:
                # A DS left at the registrar after a key roll: the new DS alone would leave it
                # there beside it. Nothing validates through it (RFC 4035 §5.2), so it goes.
                one = len(ds.records) == 1
                stale = "\n".join(f"{apex}. IN DS {r.to_text()}" for r in ds.records)
                algs = _unmatched_algorithms(ds, keys)
                if sep is not None and algs is not None:
                    # "A key retired" would be a guess. What is seen, and the DS for the key
                    # there is (s41k).
                    ds_algs, key_algs = algs
                    fix = (
                        "The zone's DNSKEY set has no key of algorithm "
                        f"{series([_alg_name(a) for a in ds_algs], 'or')}, only of "
                        f"{series([_alg_name(a) for a in key_algs])}: nothing validates "
                        f"through the DS record{'' if one else 's'} of key "
                        f"tag{'' if one else 's'} {tags}. Replace "
                        f"{'it' if one else 'them'} at your registrar:\n{stale}\n"
                        f"with the DS of the zone's DNSKEY {dns.dnssec.key_id(sep)} "
                        f"(flags {sep.flags}):\n{fix}"
                    )
                else:
                    fix = (
                        f"Replace at your registrar the DS record{'' if one else 's'} of key "
                        f"tag{'' if one else 's'} {tags}, which the zone no longer publishes "
                        f"(most often a key retired while {'its' if one else 'their'} DS "
                        f"stayed):\n{stale}\nwith:\n{fix}"
                    )
        out.add(
            "DNSSEC-02",
            Status.FAIL,
            f"The DS record of {apex} matches no published DNSKEY ({detail}): "
            f"{_unused_ds_consequence(validation, ds)}.",
            subject=apex,
            evidence=ev,
            fix=fix,
        )


def _wrong_algorithm_field(name: dns.name.Name, ds: DnsAnswer, keys: list[Any]) -> Any | None:
    """(DS record, DNSKEY) when a DS names a published key by tag and digest but with another
    algorithm number; None otherwise."""
    for record in ds.records:
        for key in keys:
            if dns.dnssec.key_id(key) != record.key_tag or key.algorithm == record.algorithm:
                continue
            try:
                computed = dns.dnssec.make_ds(name, key, record.digest_type, validating=True)
            except (dns.dnssec.UnsupportedAlgorithm, ValueError, dns.exception.DNSException):
                continue
            if computed.digest == record.digest:
                return record, key
    return None


def _dnssec03(out: Collector, apex: str, ds: DnsAnswer, dnskey: DnsAnswer) -> None:
    # RFC 8624 §3.1 judges the algorithms the zone signs with: those of its DNSKEYs (RFC 4035
    # §2.2 has every RRset signed with each of them). A DS left at the parent for a retired key
    # of another algorithm signs nothing; the DS algorithms stand in only when the DNSKEY set
    # could not be read.
    algs = sorted({int(k.algorithm) for k in dnskey.records}) or sorted(
        {int(r.algorithm) for r in ds.records}
    )
    if not algs:
        return
    names = ", ".join(f"{ALG_NAMES.get(a, str(a))} ({a})" for a in algs)
    bad = [a for a in algs if a in ALG_MUST_NOT]
    weak = [a for a in algs if a in ALG_NOT_RECOMMENDED]
    fix = "Roll the zone to ECDSAP256SHA256 (13) or ED25519 (15) (RFC 8624 §3.1)."
    if bad:
        out.add(
            "DNSSEC-03",
            Status.FAIL,
            f"{apex} is signed with {names}; "
            f"{', '.join(ALG_MUST_NOT[a] for a in bad)} must not be used (RFC 8624).",
            subject=apex,
            evidence={"algorithms": algs},
            fix=fix,
        )
    elif weak:
        out.add(
            "DNSSEC-03",
            Status.WARN,
            f"{apex} is signed with {names}; "
            f"{', '.join(ALG_NOT_RECOMMENDED[a] for a in weak)} is not recommended "
            "(RFC 8624).",
            subject=apex,
            evidence={"algorithms": algs},
            fix=fix,
        )
    else:
        out.add(
            "DNSSEC-03",
            Status.PASS,
            f"{apex} is signed with {names}.",
            subject=apex,
            evidence={"algorithms": algs},
        )


def _matches_a_key(apex: str, record: Any, keys: list[Any]) -> bool:
    """Whether DS `record` is the digest of one of `keys` (its tag, algorithm and digest)."""
    for key in keys:
        if dns.dnssec.key_id(key) != record.key_tag or key.algorithm != record.algorithm:
            continue
        try:
            computed = dns.dnssec.make_ds(
                dns.name.from_text(apex), key, record.digest_type, validating=True
            )
        except (dns.dnssec.UnsupportedAlgorithm, ValueError, dns.exception.DNSException):
            continue
        if computed.digest == record.digest:
            return True
    return False


def _dnssec04(out: Collector, apex: str, ds: DnsAnswer, dnskey: DnsAnswer | None = None) -> None:
    types = sorted({int(r.digest_type) for r in ds.records})
    if not types:
        return
    names = ", ".join(DIGEST_NAMES.get(t, f"digest type {t}") for t in types)
    strong = [t for t in types if t in (2, 4)]
    # Name what is actually weak: a SHA-256 + GOST pair has no SHA-1 to remove.
    others = [DIGEST_NAMES.get(t, f"digest type {t}") for t in types if t not in (2, 4)]
    banned = [DIGEST_NAMES[t] for t in types if t in DS_DIGEST_MUST_NOT]
    if not strong:
        why = (
            f"{' and '.join(banned)} must not be used for DS (RFC 8624 §3.3)"
            if banned
            else "validators that do not implement it treat the zone as unsigned"
        )
        out.add(
            "DNSSEC-04",
            Status.WARN,
            f"The DS records of {apex} use only {names}; {why}.",
            subject=apex,
            evidence=ds.evidence(),
            fix="Publish a SHA-256 (digest type 2) DS record at the registrar.",
        )
    elif others:
        _dnssec04_mixed(out, apex, ds, dnskey, names, others)
    else:
        out.add("DNSSEC-04", Status.PASS, f"The DS records of {apex} use {names}.", subject=apex)


def _dnssec04_mixed(
    out: Collector,
    apex: str,
    ds: DnsAnswer,
    dnskey: DnsAnswer | None,
    names: str,
    others: list[str],
) -> None:
    """DNSSEC-04 for weak (SHA-1, GOST) DS records beside SHA-256/384 ones: which to remove,
    which to keep. Only a DS of a key that signs the DNSKEY set carries the chain of trust
    (RFC 4035 §5.2); one of a key that signs nothing of it (a KSK published ahead of a
    rollover, a ZSK) is never the one to keep in place of a working one."""
    weak = [r for r in ds.records if int(r.digest_type) not in (2, 4)]
    strong = [r for r in ds.records if int(r.digest_type) in (2, 4)]
    judged = dnskey is not None and not dnskey.failed and dnskey.exists
    keys = _dnskeys(dnskey) if dnskey is not None and judged else []
    signers = _key_set_signers(dnskey) if dnskey is not None and judged else []
    # DS records of a published key-signing key that does not sign the DNSKEY set yet.
    pending = {
        r: k
        for r in strong
        for k in keys
        if k.flags & 0x0001 and k not in signers and _matches_a_key(apex, r, [k])
    }

    def line(record: Any) -> str:
        return f"{apex}. IN DS {record.to_text()}"

    def pending_note() -> str:
        return "".join(
            f"\nThe DS of DNSKEY {dns.dnssec.key_id(k)} ({line(r)}) is for a key-signing key "
            "that does not sign the DNSKEY set: it carries no chain of trust until that key "
            "does (keep it only for its rollover)."
            for r in strong
            if (k := pending.get(r)) is not None
        )

    carrying = [r for r in strong if not judged or _matches_a_key(apex, r, signers)]
    weak_carrying = [r for r in weak if judged and _matches_a_key(apex, r, signers)]
    if not carrying and weak_carrying:
        # The SHA-256/384 DS records name no key that signs the key set (a retired key, a
        # ZSK, a KSK not active yet) and a SHA-1 one is what still carries the chain:
        # removing it would leave nothing validators can follow and the zone bogus for all.
        # The strong DS for the signing key goes in first.
        publish = [
            _ds_line(apex, k) for k in signers if any(_matches_a_key(apex, r, [k]) for r in weak)
        ]
        stale = [r for r in strong if r not in pending]
        fix = "At your registrar, first publish:\n" + "\n".join(publish)
        if stale:
            fix += "\nin place of:\n" + "\n".join(line(r) for r in stale)
        fix += "\nThen, once validators see it, remove:\n" + "\n".join(line(r) for r in weak)
        out.add(
            "DNSSEC-04",
            Status.INFO,
            f"The DS records of {apex} use {names}; only the SHA-1 one matches a DNSKEY that "
            "signs the DNSKEY set, so it cannot be removed before a SHA-256 DS record that "
            "matches is published (see DNSSEC-02).",
            subject=apex,
            evidence=ds.evidence(),
            fix=fix + pending_note(),
        )
        return
    # The records as the registrar lists them: which to remove, and which to keep.
    these = "this DS record" if len(weak) == 1 else "these DS records"
    fix = f"At your registrar, remove {these}:\n" + "\n".join(line(r) for r in weak)
    if carrying:
        fix += "\nKeep:\n" + "\n".join(line(r) for r in carrying)
    else:
        fix += (
            "\nNo DS record matches a key that signs the DNSKEY set: publish first the one "
            "DNSSEC-02 gives."
        )
    dead = [r for r in strong if r not in carrying and r not in pending]
    if dead and carrying:
        # A DS may go in ahead of its key (double-DS rollover, RFC 7583 §3.3.2): not "remove".
        fix += (
            "\nThese match no key that signs the DNSKEY set; keep them only for a key about "
            "to be rolled in:\n" + "\n".join(line(r) for r in dead)
        )
    out.add(
        "DNSSEC-04",
        Status.INFO,
        f"The DS records of {apex} use {names}; the {', '.join(others)} "
        f"{'one' if len(others) == 1 else 'ones'} can be removed.",
        subject=apex,
        evidence=ds.evidence(),
        fix=fix + pending_note(),
    )


def _dnssec05(out: Collector, apex: str, answers: list[DnsAnswer]) -> None:
    # RFC 4035 §5.3.1: an RRSIG validates only between inception and expiration, and only with a
    # key of the zone's DNSKEY set. An RRset is secure when ANY of its RRSIGs validates (RFC 4035
    # §5.3.3; RFC 6840 §5.11), so during a key or algorithm rollover an expired signature beside
    # a current one breaks nothing: each RRset is judged by its best signature.
    now = time.time()
    sigs = [s for a in answers for s in _rrsigs(a)]
    if not sigs:
        out.add(
            "DNSSEC-05",
            Status.ERROR,
            f"No signatures of {apex} could be retrieved to check their validity window.",
            subject=apex,
        )
        return
    keys = {
        (dns.dnssec.key_id(k), int(k.algorithm))
        for a in answers
        if a.rdtype == "DNSKEY"
        for k in a.records
    }

    def usable(sig: Any) -> bool:
        # Without the key set (its lookup failed) the window alone is judged.
        known = not keys or (sig.key_tag, int(sig.algorithm)) in keys
        return known and sig.inception <= now <= sig.expiration

    rrsets: dict[tuple[str, int], list[Any]] = {}
    for owner, sig in sigs:
        rrsets.setdefault((owner, int(sig.type_covered)), []).append((owner, sig))
    broken: list[Any] = []  # the signatures of RRsets that no signature validates
    stale: list[Any] = []  # out-of-window signatures beside one that validates
    lasts: list[tuple[float, list[Any]]] = []  # per RRset: until when it stays signed, by what
    for group in rrsets.values():
        current = [(o, s) for o, s in group if usable(s)]
        if not current:
            broken.extend(group)
            continue
        stale.extend((o, s) for o, s in group if not s.inception <= now <= s.expiration)
        last = max(s.expiration for _, s in current)
        lasts.append((last, [(o, s) for o, s in current if s.expiration == last]))

    def describe(items: list[Any]) -> str:
        return ", ".join(
            f"{dns.rdatatype.to_text(s.type_covered)} of {o} "
            f"(valid {time.strftime('%Y-%m-%d %H:%M', time.gmtime(s.inception))}"
            f"–{time.strftime('%Y-%m-%d %H:%M', time.gmtime(s.expiration))} UTC)"
            for o, s in items[:4]
        )

    ev: dict[str, Any] = {"signatures": [f"{o} {s.to_text()[:90]}" for o, s in sigs[:8]]}
    if stale:
        ev["skipped"] = [f"{o} {s.to_text()[:90]}" for o, s in stale[:8]]
    soon = [item for last, items in lasts if last < now + SIG_WARN_SECONDS for item in items]
    if broken:
        windowed = [(o, s) for o, s in broken if not s.inception <= now <= s.expiration]
        early = [(o, s) for o, s in windowed if s.inception > now]
        fix = (
            "Re-sign the zone and make sure automatic re-signing runs (check the "
            "signer's clock and its cron/daemon)."
        )
        if early and len(early) == len(windowed):
            # Every failing signature starts in the future: re-signing with the same clock
            # makes the same signatures (RFC 4035 §5.3.1).
            what = (
                f"outside their validity window: {describe(early)}, not valid yet (their "
                "inception is in the future, so the signer's clock is probably ahead)"
            )
            fix = (
                "Set the signing server's clock right (NTP), then re-sign the zone: "
                "signatures dated in the future validate nowhere until that date."
            )
        elif windowed:
            expired = [(o, s) for o, s in windowed if s.inception <= now]
            what = f"outside their validity window: {describe(expired)}"
            if early:
                what += f"; not valid yet: {describe(early)}"
        else:
            what = f"made by keys the zone no longer publishes: {describe(broken)}"
        out.add(
            "DNSSEC-05",
            Status.FAIL,
            f"Signatures in {apex} are {what}. Validating resolvers reject them.",
            subject=apex,
            evidence=ev,
            fix=fix,
        )
    elif soon:
        # A signer whose signatures live little longer than the warning's 3 days (s35l-sig36h:
        # 36 hours) keeps this warning for as long as it signs so: re-signing may work, and it
        # is the short lifetime that leaves no time when one run fails.
        life = max(s.expiration - s.inception for _, s in soon)
        short = life <= SIG_WARN_SECONDS + 86400
        hours = round(life / 3600)
        lifetime = (
            f" They are valid for only {hours} hours from their inception"
            if hours < 72
            else f" They are valid for only {life / 86400:.1f} days from their inception"
        ) + (
            ": the signer issues short-lived signatures, so when a re-signing run fails or "
            "the signer stops there is little time to notice before the zone goes bogus "
            "(validating resolvers reject it)."
        )
        out.add(
            "DNSSEC-05",
            Status.WARN,
            f"Signatures in {apex} expire within 3 days: {describe(soon)}."
            + (lifetime if short else ""),
            subject=apex,
            evidence=ev,
            fix=(
                "Give the signatures a validity of a week or more (in Knot the policy's "
                "rrsig-lifetime, in a BIND dnssec-policy signatures-validity), re-signed "
                "well before they end, and watch that re-signing runs."
                if short
                else "Check that the signer re-signs the zone."
            ),
        )
    else:
        days = int((min(last for last, _ in lasts) - now) // 86400)
        types = list(dict.fromkeys(dns.rdatatype.to_text(s.type_covered) for _, s in sigs))
        covered = series(types)
        extra = (
            f" An additional signature is outside its window ({describe(stale)}); resolvers "
            "use the current one beside it, as during a key rollover (RFC 4035 §5.3.3)."
            if stale
            else ""
        )
        out.add(
            "DNSSEC-05",
            Status.PASS,
            # Only the apex's records are read here: an expired signature elsewhere in the zone
            # is the bogus answer of the lookup that meets it (DNSSEC-01), so say which.
            f"The signatures of the {covered} records of {apex} are valid (the first expires "
            f"in {days} days).{extra}",
            subject=apex,
            evidence=ev,
        )


def _dnssec06(out: Collector, apex: str, nsec3: DnsAnswer) -> None:
    # RFC 9276 §3.1: iterations 0, no salt.
    if nsec3.failed:
        return
    if not nsec3.exists:
        out.add(
            "DNSSEC-06",
            Status.PASS,
            f"{apex} uses NSEC (no NSEC3 parameters to tune).",
            subject=apex,
        )
        return
    params = nsec3.records[0]
    iterations, salt = int(params.iterations), bytes(params.salt)
    counted = f"{iterations} iteration{'' if iterations == 1 else 's'}"
    ev = nsec3.evidence()
    if iterations > NSEC3_ITERATIONS_FAIL:
        # "may": each validator has a limit of its own (RFC 9276 §3.2); some (Unbound's 150)
        # still validate a zone just above this line.
        out.add(
            "DNSSEC-06",
            Status.FAIL,
            f"{apex} uses NSEC3 with {counted}; validating resolvers may treat its answers "
            "as insecure or refuse them above a limit of their own (RFC 9276 §3.2), so its "
            "denials of existence may stop protecting anything.",
            subject=apex,
            evidence=ev,
            fix=f"{apex}. NSEC3PARAM 1 0 0 -",
        )
    elif iterations > 0 or salt:
        out.add(
            "DNSSEC-06",
            Status.WARN,
            f"{apex} uses NSEC3 with {counted}"
            f"{' and a salt' if salt else ''}; RFC 9276 asks for 0 iterations and no salt.",
            subject=apex,
            evidence=ev,
            fix=f"{apex}. NSEC3PARAM 1 0 0 -",
        )
    else:
        out.add(
            "DNSSEC-06",
            Status.PASS,
            f"{apex} uses NSEC3 with 0 iterations and no salt.",
            subject=apex,
            evidence=ev,
        )


def _within(name: str, domain: str) -> bool:
    """`name` is `domain` or below it, on a label boundary (mx.notex.com is not in ex.com)."""
    name, domain = normalize(name), normalize(domain)
    return name == domain or name.endswith("." + domain)


def nsec3_opt_out_in(message: dns.message.Message | None) -> bool:
    """Whether a response's denial rests on NSEC3 records with the Opt-Out flag (RFC 5155
    §3.1.2.1): such a proof cannot rule out an unsigned delegation at the name (§9.2), so
    validators answer it without AD although the zone is signed."""
    if message is None:
        return False
    return any(
        rrset.rdtype == dns.rdatatype.NSEC3 and any(rd.flags & 0x01 for rd in rrset)
        for rrset in message.authority
    )


async def opt_out_denial(client: Any, answer: DnsAnswer) -> bool:
    """Whether `answer`, a denial that came without AD, is one of a signed zone using NSEC3
    Opt-Out (asked again with DO to see its NSEC3 records; cached per run). Only in a zone
    that validates (its DNSKEY RRset answered with AD): an island of security, signed with no
    DS at its parent, answers every denial without AD, with the flag or without (review s39p)."""
    if not answer.empty or answer.ad:
        return False
    full = await client.query(answer.name, answer.rdtype, want_dnssec=True)
    if not full.empty or full.message is None or not nsec3_opt_out_in(full.message):
        return False
    zones = {
        rrset.name.parent().to_text()
        for rrset in full.message.authority
        if rrset.rdtype == dns.rdatatype.NSEC3
    }
    keys = await asyncio.gather(*(client.query(z, "DNSKEY", want_dnssec=True) for z in zones))
    return all(k.ad for k in keys)


def _unauthenticated_denial_reason(
    answer: DnsAnswer, nsec3_iterations: int | None, *, opt_out: bool = False
) -> str:
    """Why a secure domain's proof that a name is absent came back without AD (`opt_out`:
    the proof's NSEC3 records carry the Opt-Out flag, opt_out_denial)."""
    if any(code == 27 for code, _ in answer.ede) or (
        nsec3_iterations is not None and nsec3_iterations > NSEC3_ITERATIONS_FAIL
    ):
        # RFC 9276 §3.2: validators may answer insecure above an iteration limit (Unbound,
        # BIND and Knot Resolver: 150; RFC 8914 EDE 27 when they say so). The zone itself is
        # secure: "an insecure delegation" would send the reader looking for the wrong fault.
        count = f"{nsec3_iterations} " if nsec3_iterations is not None else "too many "
        return (
            f"its NSEC3 chain uses {count}iterations, above the limit validating resolvers "
            "apply, so they answer the denial as insecure (RFC 9276 §3.2; see DNSSEC-06)"
        )
    if opt_out:
        # s39h-optout: the zone is signed and holds no delegation at all; "an insecure
        # delegation" sent the owner looking for one.
        return (
            "its NSEC3 records carry the Opt-Out flag, so the proof cannot rule out an unsigned "
            "delegation there and validating resolvers answer the denial as insecure "
            "(RFC 5155 §9.2)"
        )
    return "an insecure delegation on the way"


def _opt_out_fix(name: str) -> str:
    return (
        f"Sign the zone holding {name} with NSEC3 without Opt-Out (opt-out off in the signer's "
        "NSEC3 settings) or with NSEC: RFC 9276 §3.1 advises against Opt-Out except in large "
        "zones of mostly unsigned delegations, and without it the absence is proven."
    )


async def _mail_names(
    out: Collector, ctx: CheckContext, status: Validation, nsec3_iterations: int | None = None
) -> None:
    from checks import dane, dkim, mx

    mxset = await mx.get_mx(ctx)
    names = [f"_mta-sts.{ctx.domain}", f"_smtp._tls.{ctx.domain}", f"_dmarc.{ctx.domain}"]
    hosts = [] if mxset.failed or mxset.null_mx else [h for h in mxset.hosts if not h.is_ip_literal]
    tlsa_states = await asyncio.gather(*(dane.get_tlsa(ctx, h.name) for h in hosts))
    answers = await asyncio.gather(*(ctx.dns.query(n, "TXT") for n in names))
    checks = list(zip(names, answers, strict=True)) + [
        (st.qname, st.answer) for st in tlsa_states if st.answer is not None
    ]
    # DNSSEC-07: denial of existence must validate (RFC 4035 §3.1.3; RFC 7672 §2.1).
    if status.status == "bogus":
        pass  # every name fails with the zone: DNSSEC-01 already says so
    else:
        await _bogus_policy_host(out, ctx)
        for name, answer in checks:
            if answer.failed and answer.rcode == "SERVFAIL":
                retry = await ctx.dns.query(name, answer.rdtype, cd=True)
                if not await servfail_is_bogus(ctx.dns, answer, retry):
                    continue  # trouble on the way, not validation: the mechanism says error
                if retry.exists and answer.rdtype != "TLSA":
                    # The record is there but fails validation: validating receivers get
                    # SERVFAIL, i.e. no policy at all. A bogus TLSA RRset is DANE-02's.
                    _bogus_mail_name(out, name, answer, retry)
                elif retry.empty:
                    out.add(
                        "DNSSEC-07",
                        Status.FAIL,
                        f"The proof that {name} does not exist fails validation (bogus "
                        "denial): resolvers answer SERVFAIL instead of 'no such record'.",
                        subject=name,
                        evidence={
                            "lookup": answer.evidence(),
                            "checking_disabled": retry.evidence(),
                        },
                        fix=bogus_fix(
                            [answer],
                            f"the zone holding {name}",
                            "Re-sign the zone so that its NSEC/NSEC3 records are valid",
                        ),
                    )
            elif answer.empty and status.status == "secure" and _within(name, ctx.domain):
                if answer.ad:
                    out.add(
                        "DNSSEC-07",
                        Status.PASS,
                        f"The absence of {name} is proven by DNSSEC.",
                        subject=name,
                    )
                else:
                    opt_out = await opt_out_denial(ctx.dns, answer)
                    why = _unauthenticated_denial_reason(answer, nsec3_iterations, opt_out=opt_out)
                    out.add(
                        "DNSSEC-07",
                        Status.INFO,
                        f"The absence of {name} is not DNSSEC-authenticated ({why}).",
                        subject=name,
                        evidence=answer.evidence(),
                        fix=_opt_out_fix(name) if opt_out else "",
                    )
        await _bogus_dkim_keys(out, ctx, dkim.given_selectors(ctx))
    # DNSSEC-08: MX RRset security matters once TLSA is in force (RFC 7672 §2.2.1).
    secure_tlsa = [st for st in tlsa_states if st.applies]
    if not mxset.failed and not mxset.null_mx and not mxset.implicit:
        if mxset.answer.ad:
            out.add(
                "DNSSEC-08",
                Status.PASS,
                f"The MX records of {ctx.domain} are DNSSEC-secure.",
                subject=ctx.domain,
            )
        elif secure_tlsa:
            out.add(
                "DNSSEC-08",
                Status.WARN,
                f"TLSA records are published for {', '.join(s.host for s in secure_tlsa)} "
                f"but the MX records of {ctx.domain} are not DNSSEC-secure: an attacker can "
                "replace the MX names.",
                subject=ctx.domain,
                evidence=mxset.answer.evidence(),
                fix=f"Sign {ctx.domain} with DNSSEC.",
            )
        elif status.status == "unvalidated":
            out.add(
                "DNSSEC-08",
                Status.ERROR,
                f"Whether the MX records of {ctx.domain} are DNSSEC-secure could not be "
                f"checked: {resolver_does_not_validate(ctx)} (see DNSSEC-01).",
                subject=ctx.domain,
                evidence=mxset.answer.evidence(),
            )
        elif status.status != "bogus":
            out.add(
                "DNSSEC-08",
                Status.INFO,
                f"The MX records of {ctx.domain} are not DNSSEC-secure.",
                subject=ctx.domain,
            )
    # DNSSEC-09: each MX host's address records (RFC 7672 §2.2, §2.2.2).
    if status.status == "bogus":
        return
    for host, tlsa in zip(hosts, tlsa_states, strict=True):
        unvalidated = await _signed_but_unvalidated(ctx, host)
        idle = await idle_ds_of_zone(ctx, host.name) if host.bogus_answers else ("", "")
        cause = resolver_does_not_validate(ctx) if unvalidated else ""
        _dnssec09(out, host, tlsa, unvalidated=cause, idle=idle)


async def _signed_but_unvalidated(ctx: CheckContext, host: Any) -> bool:
    """An MX host's address records came back without AD from a resolver that validates
    nothing, and carry signatures: whether they are secure is unknown, not "no"."""
    unauthenticated = [a for a in host.answers if a.exists and not a.ad]
    if host.bogus or not unauthenticated:
        return False
    if (await resolver_validation(ctx)).validates is not False:
        return False
    first = unauthenticated[0]
    return (await ctx.dns.query(first.name, first.rdtype, want_dnssec=True)).signed


async def _bogus_policy_host(out: Collector, ctx: CheckContext) -> None:
    """DNSSEC-01 for the MTA-STS policy host's address records when they exist but fail
    validation: validating senders then cannot fetch the policy, and MTASTS-11 can only say
    the lookup failed. Only the bogus case: an absent or unsigned policy host is MTA-STS's
    concern (MTASTS-11), not a DNSSEC finding (s22n-polhostexp)."""
    await _bogus_mail_name_if_so(out, ctx, f"mta-sts.{ctx.domain}", "A")


async def _bogus_dkim_keys(out: Collector, ctx: CheckContext, selectors: list[str]) -> None:
    """DNSSEC-01 for the key record of each selector the owner gave that exists but fails
    validation: validating receivers get SERVFAIL for it and cannot verify the signatures made
    with it (a temporary failure, RFC 6376 §6.1.2), and DKIM-01 can only say the lookup
    failed. Guessed selectors are left out: a bogus denial of a name nobody uses is not the
    owner's key."""
    for selector in selectors:
        await _bogus_mail_name_if_so(out, ctx, f"{selector}._domainkey.{ctx.domain}", "TXT")


async def _bogus_mail_name_if_so(out: Collector, ctx: CheckContext, name: str, rdtype: str) -> None:
    """DNSSEC-01 for `name` when its `rdtype` records exist (a checking-disabled query finds
    them) but the validating lookup gets SERVFAIL because they fail validation."""
    answer = await ctx.dns.query(name, rdtype)
    if not (answer.failed and answer.rcode == "SERVFAIL"):
        return
    retry = await ctx.dns.query(name, rdtype, cd=True)
    if retry.exists and await servfail_is_bogus(ctx.dns, answer, retry):
        _bogus_mail_name(out, name, answer, retry)


def _bogus_mail_name(out: Collector, name: str, answer: DnsAnswer, retry: DnsAnswer) -> None:
    """DNSSEC-01 for one mail name whose record is bogus while the domain's apex validates.

    This is the validation status of the policy domain's names (checklist DNSSEC-01: bogus
    makes validating resolvers SERVFAIL, so "MTA-STS TXT, DMARC all break"), as for a bogus MX
    RRset (F50). DNSSEC-07 is about proofs of absence, and this record exists."""
    effect = "receivers that validate do not see the record at all"
    for prefix, text in (
        ("_dmarc.", "the DMARC policy"),
        ("_mta-sts.", "the MTA-STS record"),
        ("_smtp._tls.", "the TLS-RPT record"),
    ):
        if name.startswith(prefix):
            effect = f"receivers that validate do not see {text} at all"
    if "._domainkey." in name:
        selector = name.split("._domainkey.")[0]
        effect = (
            "receivers that validate cannot fetch this DKIM key, and cannot verify the "
            f"signatures made with selector '{selector}'"
        )
    if name.startswith("mta-sts."):
        effect = "senders that validate cannot reach the MTA-STS policy host and fetch no policy"
    why = "; ".join(_ede_reasons(answer)) or "validation failed"
    out.add(
        "DNSSEC-01",
        Status.FAIL,
        f"The {answer.rdtype} record at {name} fails DNSSEC validation (bogus: {why}): "
        f"validating resolvers answer SERVFAIL, so {effect}.",
        subject=name,
        evidence={"lookup": answer.evidence(), "checking_disabled_retry": retry.evidence()},
        fix=bogus_fix(
            [answer],
            f"the zone holding {name} (or the zone its CNAME leads to)",
            f"Re-sign the zone holding {name} (or the zone its CNAME leads to) so that the "
            "record validates",
        ),
    )


def _dnssec09(
    out: Collector,
    host: Any,
    tlsa: Any,
    unvalidated: str = "",
    idle: tuple[str, str] = ("", ""),
) -> None:
    """DNSSEC-09 for one MX host (an mx.MxHost): are its address records secure?

    `tlsa` is the host's dane.TlsaState: an alias into an unsigned zone still has secure TLSA
    records at its own (signed) name, which DANE senders use (RFC 7672 §2.2.2). `idle`: for
    bogus records, what idle_ds_of_zone found in their zone. `unvalidated`: why whether the
    records are secure could not be checked (resolver_does_not_validate), '' when it could."""
    bogus = host.bogus_answers
    if bogus:
        # SERVFAIL, and the retry with CD answers signed data: the records fail validation. Validating
        # senders cannot resolve them (checklist §0: bogus is a failure, not "could not check").
        types = "/".join(a.rdtype for a in bogus)
        # The codes ride on the SERVFAILs, not on the CD retries that proved them bogus.
        kinds = {a.rdtype for a in bogus}
        failed = [a for a in host.answers if a.rdtype in kinds and a.failed]
        out.add(
            "DNSSEC-09",
            Status.FAIL,
            f"The {types} records of {host.name} fail DNSSEC validation (bogus): validating "
            f"senders get SERVFAIL for them"
            + (" and cannot reach this MX host." if not host.addresses else "."),
            subject=host.name,
            evidence={
                "lookups": [a.evidence() for a in host.answers],
                "checking_disabled_retries": [a.evidence() for a in host.cd_answers],
            },
            fix=bogus_fix(
                failed,
                f"the zone holding {host.name}",
                f"Re-sign the zone holding {host.name} (expired signatures, or a DS that "
                "matches no DNSKEY)",
                alternative=", or point the MX at a host in a zone that validates",
                idle_key=idle[0],
                ds_record=idle[1],
            ),
        )
        return
    answers = [a for a in host.answers if a.exists]
    if not answers:
        if host.lookup_failed:
            out.add(
                "DNSSEC-09",
                Status.ERROR,
                f"The addresses of {host.name} could not be looked up.",
                subject=host.name,
                evidence={"lookups": [a.evidence() for a in host.answers]},
            )
        return
    if all(a.ad for a in answers):
        out.add(
            "DNSSEC-09",
            Status.PASS,
            f"The address records of {host.name} are DNSSEC-secure.",
            subject=host.name,
        )
    elif unvalidated:
        out.add(
            "DNSSEC-09",
            Status.ERROR,
            f"Whether the address records of {host.name} are DNSSEC-secure could not be "
            f"checked: {unvalidated}.",
            subject=host.name,
            evidence={"lookups": [a.evidence() for a in answers]},
        )
    elif tlsa.applies:
        # A secure name aliased into an unsigned zone: the addresses can be forged, but the
        # TLSA records at the secure original name still authenticate whatever answers there,
        # so a forged address makes DANE senders defer rather than deliver elsewhere.
        via = (
            f" (its alias {host.cname_target} is in a zone without DNSSEC)"
            if host.cname_target
            else ""
        )
        out.add(
            "DNSSEC-09",
            Status.INFO,
            f"The address records of {host.name} are not DNSSEC-secure{via}. DANE still "
            f"protects it through the secure TLSA records at {tlsa.qname}: DANE senders "
            "check the certificate against them, so a forged address makes them wait and "
            "retry instead of delivering to another server (RFC 7672 §2.2.2).",
            subject=host.name,
            evidence={"lookups": [a.evidence() for a in answers]},
        )
    else:
        out.add(
            "DNSSEC-09",
            Status.INFO,
            f"The address records of {host.name} are not DNSSEC-secure, so DANE cannot "
            "protect it (often a provider zone).",
            subject=host.name,
            evidence={"lookups": [a.evidence() for a in answers]},
        )


async def _consistency(out: Collector, ctx: CheckContext, apex: str, dnskey: DnsAnswer) -> None:
    """DNSSEC-10: every authoritative server serves the same SOA serial and DNSKEY set."""
    ns = await ctx.dns.query(apex, "NS")
    if not ns.exists:
        return
    targets: list[tuple[str, str]] = []
    names = [normalize(r.target.to_text()) for r in ns.records][:6]
    resolved = await asyncio.gather(*(ctx.dns.addresses(n) for n in names))
    for name, (addrs, _) in zip(names, resolved, strict=True):
        for address in addrs[:2]:
            try:
                net.guard(address, ctx.config)
            except (net.TargetRefused, ValueError):
                continue
            targets.append((name, address))
    if len(targets) < 2:
        return
    results = await asyncio.gather(*(_ask_authoritative(ctx, apex, a) for _, a in targets))
    seen: dict[str, tuple[int, frozenset[str]]] = {}
    # A server that did not answer (timeout, refusal, no SOA) is one resolvers meet too; an
    # address family our checker cannot reach at all (NO_ROUTE) says nothing about it.
    silent: list[str] = []
    for (n, a), r in zip(targets, results, strict=True):
        if isinstance(r, tuple):
            seen[f"{n} [{a}]"] = r
        elif r is None:
            silent.append(f"{n} [{a}]")
    unanswered = f"{', '.join(silent)} did not answer" if silent else ""
    if len(seen) < 2:
        if silent:
            # One server left is nothing to compare with (checklist §0: a timeout is "could
            # not check", never a clean absence), and the silent one is worth naming (s33l).
            out.add(
                "DNSSEC-10",
                Status.ERROR,
                f"Whether the authoritative servers of {apex} agree could not be checked: "
                f"{unanswered} our direct SOA and DNSKEY queries"
                + (f", so only {next(iter(seen))} could be asked." if seen else "."),
                subject=apex,
                evidence={"did_not_answer": silent, "answered": sorted(seen)},
                fix=f"If {', '.join(silent)} no longer serves {apex}, remove it from the "
                "zone's NS records and from the delegation at the registrar; otherwise make "
                "it answer on port 53 (UDP and TCP). Resolvers that pick it wait for a "
                "timeout before trying another server.",
            )
        return
    serials = {k: v[0] for k, v in seen.items()}
    keysets = {k: v[1] for k, v in seen.items()}
    besides = f" ({unanswered} our queries)" if silent else ""
    if len(set(serials.values())) > 1 or len(set(keysets.values())) > 1:
        summary, fix = _disagreement(apex, serials, keysets, await _primary_name(ctx, apex))
        out.add(
            "DNSSEC-10",
            Status.WARN,
            summary + besides + ".",
            subject=apex,
            evidence={
                "serials": serials,
                "dnskey_tags": {k: sorted(_key_tags(v)) for k, v in keysets.items()},
                "did_not_answer": silent,
            },
            fix=fix,
        )
    else:
        answered = (
            f"The {len(seen)} authoritative servers of {apex} that answered"
            if silent
            else f"All {len(seen)} authoritative servers of {apex}"
        )
        out.add(
            "DNSSEC-10",
            Status.PASS,
            f"{answered} serve SOA serial {next(iter(serials.values()))} and the same DNSKEY "
            f"set{besides}.",
            subject=apex,
            evidence={"did_not_answer": silent} if silent else {},
        )


def _serial_newer(a: int, b: int) -> bool:
    """Whether SOA serial `a` is newer than `b` in serial number arithmetic (RFC 1982 §3.2):
    4294967295 is older than 5."""
    return a != b and (a - b) % 2**32 < 2**31


def _key_tags(keys: frozenset[str]) -> set[int]:
    """The key tags (RFC 4034 Appendix B) of a DNSKEY set given as rdata texts."""
    tags = set()
    for text in keys:
        try:
            rdata = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.DNSKEY, text)
        except (dns.exception.DNSException, ValueError):
            continue
        tags.add(dns.dnssec.key_id(rdata))  # type: ignore[arg-type]
    return tags


async def _primary_name(ctx: CheckContext, apex: str) -> str | None:
    """The zone's primary server as its SOA record names it (MNAME, RFC 1035 §3.3.13), or None
    when the SOA cannot be read."""
    soa = await ctx.dns.query(apex, "SOA")
    if not soa.exists or not soa.records:
        return None
    return normalize(soa.records[0].mname.to_text())  # type: ignore[attr-defined]


def _disagreement(
    apex: str,
    serials: dict[str, int],
    keysets: dict[str, frozenset[str]],
    primary: str | None = None,
) -> tuple[str, str]:
    """DNSSEC-10's warning (without its final stop) and fix when the authoritative servers of
    `apex` (by "name [address]") serve different SOA serials or DNSKEY sets (s35l): which
    server holds the older copy, or which keys one serves and another does not."""
    parts: list[str] = []
    lagging: list[str] = []
    distinct = set(serials.values())
    # The serial newer than every other (RFC 1982 §3.2). Serial arithmetic is no total order:
    # serials about 2^31 apart compare neither way, and three can each be newer than the one
    # before, round in a circle; then none is, and none is called older (s35v: next() with no
    # default raised StopIteration, the mechanism's internal error).
    newest = next((s for s in distinct if all(_serial_newer(s, o) for o in distinct - {s})), None)
    unordered = len(distinct) > 1 and newest is None
    # The primary itself behind (s38a-nsserialahead: rebuilt from a backup, its serial went
    # backwards): secondaries take no transfer of a serial lower than their own (RFC 1982,
    # RFC 1996 §4.7), so no NOTIFY or transfer check on the primary mends it.
    behind = (
        [k for k, v in serials.items() if v != newest and k.split(" [")[0] == primary]
        if primary and len(distinct) > 1 and newest is not None
        else []
    )
    if behind:
        lagging = [k for k, v in serials.items() if v != newest]
        parts.append(
            f"{series([f'{k} serves SOA serial {serials[k]}' for k in lagging])}, older than "
            f"the {newest} of {series([k for k, v in serials.items() if v == newest])}, and "
            f"{primary} is the zone's primary (its SOA names it): its serial went backwards, "
            "as after a restore from a backup. A secondary takes no transfer of a serial "
            "lower than its own (RFC 1982), so the servers stay apart and resolvers get "
            "different answers depending on the server they ask"
        )
    elif len(distinct) > 1 and newest is not None:
        lagging = [k for k, v in serials.items() if v != newest]
        parts.append(
            f"{series([f'{k} serves SOA serial {serials[k]}' for k in lagging])}, older than "
            f"the {newest} of {series([k for k, v in serials.items() if v == newest])}: "
            f"{'it holds' if len(lagging) == 1 else 'they hold'} an old copy of the zone, "
            "and resolvers that ask it get old answers"
        )
    elif unordered:
        parts.append(
            f"{series([f'{k} serves SOA serial {v}' for k, v in serials.items()])}, serials so "
            "far apart that none is newer than all the others (RFC 1982 serial arithmetic), so "
            "which holds the current zone cannot be told; at most one holds it, and "
            "resolvers that ask them get old answers"
        )
    if len(set(keysets.values())) > 1:
        tags = {k: _key_tags(v) for k, v in keysets.items()}
        every = set().union(*tags.values())
        missing = {k: sorted(every - t) for k, t in tags.items() if every - t}
        said = "; ".join(
            f"{k} lacks the DNSKEY with key tag{'s' if len(m) > 1 else ''} "
            f"{series([str(t) for t in m])}"
            for k, m in missing.items()
        )
        if not said:  # the same tags, other key data (a tag collision, or a changed flag)
            said = "their DNSKEY records share key tags but differ in content"
        same = (
            f"all serve the same SOA serial ({next(iter(distinct))}), but {said}: a change "
            "made without raising the serial never reaches secondaries that transfer the zone"
            if len(distinct) == 1
            else f"the DNSKEY sets differ too ({said})"
        )
        parts.append(
            f"{same}. Once the zone is signed with a key a server does not list, answers from "
            "that server fail validation"
        )
    summary = f"The authoritative servers of {apex} do not serve the same zone: " + "; ".join(parts)
    transfer = (
        "the primary's NOTIFY and can transfer the zone from it (AXFR/IXFR, allowed on both sides)"
    )
    if unordered:
        fix = (
            f"Make every server of {apex} serve the primary's copy of the zone: a secondary "
            "whose serial reads as newer than the primary's (RFC 1982) takes no transfer from "
            "it by itself, so have it transfer the zone anew (BIND: rndc retransfer; Knot: "
            f"knotc zone-retransfer), and check that each gets {transfer}. If a server no "
            f"longer serves {apex}, remove it from the zone's NS records and from the "
            "delegation at the registrar."
        )
    elif behind:
        fix = (
            f"First make sure the zone on the primary {primary} holds every change you want "
            "(the secondaries' newer copy may carry changes the primary lost), then raise its "
            f"SOA serial above {newest}, so that the secondaries take the zone from it again "
            "(check that they get its NOTIFY and can transfer the zone). Or have each "
            "secondary transfer the zone anew (BIND: rndc retransfer; Knot: knotc "
            "zone-retransfer)."
        )
    elif lagging:
        names = sorted({k.split(" [")[0] for k in lagging})
        one = len(lagging) == 1
        fix = (
            f"Make {series(sorted(lagging))} serve the current zone: check that "
            f"{'it gets' if one else 'they get'} {transfer}. If {series(names)} no longer "
            f"{'serves' if len(names) == 1 else 'serve'} {apex}, remove "
            f"{'it' if len(names) == 1 else 'them'} from the zone's NS records and from the "
            "delegation at the registrar."
        )
    else:
        fix = (
            f"Publish one DNSKEY set on every server of {apex}, then raise the SOA serial so "
            f"that the secondaries transfer the change (check that they get {transfer}); "
            "raise it with every change. Where two providers sign the zone apart (RFC 8901), "
            "each must publish the other's keys as well."
        )
    return summary, fix


# What _ask_authoritative gives for an address family this checker cannot reach at all (a host
# without IPv6): nothing about the server (net.connect_failure's "no-route").
NO_ROUTE = "no-route"


async def _ask_authoritative(
    ctx: CheckContext, apex: str, address: str
) -> tuple[int, frozenset[str]] | str | None:
    """SOA serial and DNSKEY set straight from one authoritative server (no recursion); None
    when it does not answer, NO_ROUTE when we cannot reach its address family."""
    out: list[Any] = []
    limit = min(ctx.config.timeout, 3.0)
    for rdtype in ("SOA", "DNSKEY"):
        query = dns.message.make_query(apex, rdtype, use_edns=0, payload=1232)
        query.flags &= ~dns.flags.RD
        try:
            # The whole try within the limit: dnspython gives the TCP fallback after a
            # truncated answer a timeout of its own.
            async with asyncio.timeout(limit):
                response, _ = await dns.asyncquery.udp_with_fallback(query, address, timeout=limit)
        except OSError as exc:
            return NO_ROUTE if net.connect_failure(exc) == "no-route" else None
        except (dns.exception.DNSException, EOFError, TimeoutError):
            # EOFError: a server that closes its TCP connection without a reply.
            return None
        rrset = response.get_rrset(
            response.answer,
            dns.name.from_text(apex),
            dns.rdataclass.IN,
            dns.rdatatype.from_text(rdtype),
        )
        out.append(rrset)
    soa, keys = out
    if soa is None:
        return None
    return int(soa[0].serial), frozenset(k.to_text() for k in (keys or []))
