"""MX records: where the domain's mail goes (checklist §1, MX-01..07).

`get_mx(ctx)` is the shared fact every transport mechanism builds on (MTA-STS matches the MX
names, STARTTLS and DANE probe the MX addresses). It is computed once per run.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import dns.exception
import dns.name

from checks import net
from checks.context import CheckContext
from checks.dns import DnsAnswer, normalize, servfail_is_bogus
from checks.domainname import (
    _to_a_labels,
    _to_u_label,
    browser_ipv4,
    numbers_read_as,
    off_internet_reason,
    organizational_domain,
)
from checks.findings import Collector, Finding, Mechanism, Status, counted
from checks.scoring import DOES_NOT_EXIST

MECHANISM = Mechanism.MX

# RFC 5321 §4.1.2 Domain: letters, digits and inner hyphens. "_" is legal in DNS but not in a
# host name: an MTA-STS mx line cannot name such a host (RFC 8461 §3.2), nor can a certificate
# from a public CA.
_LDH_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


@dataclass
class MxHost:
    name: str  # normalised: lower case, no trailing dot
    preference: int
    addresses: list[str] = field(default_factory=list)
    answers: list[DnsAnswer] = field(default_factory=list)  # the A and AAAA answers
    # The A/AAAA lookups that answered SERVFAIL, asked again with CD (checking disabled).
    cd_answers: list[DnsAnswer] = field(default_factory=list)
    # Those of the CD retries that prove the data bogus: signed, and the plain lookup fails
    # again (dns.servfail_is_bogus). An unsigned zone cannot be bogus (RFC 4035 §4.3).
    bogus_answers: list[DnsAnswer] = field(default_factory=list)
    cname_target: str | None = None  # where the name is aliased to (MX-04), if it is
    # Every alias senders follow from the name to cname_target (the last of them), in order.
    cname_chain: list[str] = field(default_factory=list)
    cname_dangling: bool = False  # the alias points to a name that does not exist
    # The MX data is no host name but an IP address written as a name, or numbers ending in an
    # all-digit label (2130706433, 127.1: RFC 1123 §2.1, a top-level label is alphabetic).
    # MX-05's either way; names_as_numbers tells the second.
    is_ip_literal: bool = False

    @property
    def names_as_numbers(self) -> bool:
        """The MX data is numbers that are no IP address as written (2130706433, 127.1)."""
        return self.is_ip_literal and not _is_ip_address(self.name)

    @property
    def bogus(self) -> bool:
        """Some address lookup fails DNSSEC validation: validating senders get SERVFAIL."""
        return bool(self.bogus_answers)

    @property
    def lookup_failed(self) -> bool:
        """True when neither A nor AAAA gave an answer we can trust (SERVFAIL/timeout).

        A bogus answer is not "could not check": validating resolvers will never answer it,
        so the host is unusable for them (checklist §0)."""
        if self.is_ip_literal:
            # An IP literal never resolves as a name (MX-05), whatever the resolver says
            # about it: the host is certainly unusable, not "could not check".
            return False
        return (
            bool(self.answers)
            and not self.addresses
            and any(a.failed for a in self.answers)
            and not self.bogus
        )

    @property
    def alias_unknown(self) -> bool:
        """No lookup of the name was answered, so whether it is an alias (MX-04) is unknown."""
        if self.is_ip_literal or not self.answers:
            return False
        seen = [a for a in self.answers + self.cd_answers if not a.failed]
        return not seen

    def evidence(self) -> dict[str, Any]:
        return {
            "host": self.name,
            "preference": self.preference,
            "addresses": self.addresses,
            "lookups": [a.evidence() for a in self.answers],
            **(
                {"checking_disabled_retries": [a.evidence() for a in self.cd_answers]}
                if self.cd_answers
                else {}
            ),
            **({"cname_target": self.cname_target} if self.cname_target else {}),
            **({"cname_chain": self.cname_chain} if len(self.cname_chain) > 1 else {}),
        }


@dataclass
class MxSet:
    answer: DnsAnswer
    # The domain declares it accepts no mail: a null MX (RFC 7505) and nothing else.
    null_mx: bool = False
    # No MX at all: mail goes to the domain's own address records (RFC 5321 §5.1).
    implicit: bool = False
    # MX hosts by preference (for an implicit MX: the domain itself; for a null MX: empty).
    hosts: list[MxHost] = field(default_factory=list)
    # The MX lookup could not be done (SERVFAIL, timeout): "could not check", never "absent".
    failed: bool = False
    # A null MX published next to real MX records (MX-02): null_mx stays False, since senders
    # will still try the real hosts.
    null_mixed: bool = False

    @property
    def names(self) -> list[str]:
        return [h.name for h in self.hosts]


def _is_ip_address(name: str) -> bool:
    text = name.strip("[]")
    try:
        ipaddress.ip_address(text)
    except ValueError:
        # An IPv4 address written as an MX target comes back as a four-label all-digit name.
        return bool(re.fullmatch(r"\d{1,3}(\.\d{1,3}){3}", text))
    return True


def _is_ip_literal(name: str) -> bool:
    """An IP address, or a name whose last label is all digits, which no host name's is (RFC
    1123 §2.1: 2130706433 and 127.1 are numbers some software reads as 127.0.0.1)."""
    last = name.rstrip(".").rpartition(".")[2]
    return _is_ip_address(name) or (last.isascii() and last.isdigit())


async def _resolve_host(ctx: CheckContext, name: str, preference: int) -> MxHost:
    host = MxHost(name=name, preference=preference, is_ip_literal=_is_ip_literal(name))
    addresses, answers = await ctx.dns.addresses(name)
    host.addresses = addresses
    host.answers = answers
    if not host.is_ip_literal:
        # A SERVFAIL may be a validation failure: the CD retry tells it from "could not check".
        servfail = [a for a in answers if a.rcode == "SERVFAIL"]
        host.cd_answers = list(
            await asyncio.gather(*(ctx.dns.query(name, a.rdtype, cd=True) for a in servfail))
        )
        verdicts = await asyncio.gather(
            *(
                servfail_is_bogus(ctx.dns, lookup, retry)
                for lookup, retry in zip(servfail, host.cd_answers, strict=True)
            )
        )
        host.bogus_answers = [
            retry for retry, bogus in zip(host.cd_answers, verdicts, strict=True) if bogus
        ]
    for answer in answers + host.cd_answers:
        if answer.cnames and not answer.failed:
            host.cname_target = answer.cnames[-1]
            host.cname_chain = list(answer.cnames)
            host.cname_dangling = answer.nxdomain
            break
    return host


async def _build(ctx: CheckContext) -> MxSet:
    answer = await ctx.dns.query(ctx.domain, "MX")
    mx = MxSet(answer=answer)
    if answer.failed:
        mx.failed = True
        return mx
    if not answer.exists:
        # RFC 5321 §5.1: no MX → the domain itself is the implicit MX with preference 0.
        mx.implicit = True
        mx.hosts = [await _resolve_host(ctx, ctx.domain, 0)]
        return mx
    real: list[tuple[int, str]] = []
    has_null = False
    for record in answer.records:
        if _is_null_exchange(record):
            has_null = True
        else:
            target = normalize(record.exchange.to_text())  # type: ignore[attr-defined]
            real.append((int(record.preference), target))  # type: ignore[attr-defined]
    real.sort()
    if has_null and not real:
        mx.null_mx = True
        return mx
    mx.null_mixed = has_null
    seen: set[str] = set()
    unique: list[tuple[int, str]] = []
    for pref, name in real:
        if name not in seen:
            seen.add(name)
            unique.append((pref, name))
    mx.hosts = list(await asyncio.gather(*(_resolve_host(ctx, n, p) for p, n in unique)))
    return mx


def _null_beside_real(
    domain: str, mx: MxSet, nulls: list[str], allow_private: bool = False
) -> tuple[str, str]:
    """MX-02's (advice, fix) for null MX records (`nulls`, as published) beside real ones:
    which to delete, read from the real hosts. With an address senders deliver to them (a set
    with other records is no null MX, RFC 7505 §3), so the domain takes mail and the null MX
    goes. With none, and every lookup answered, no mail arrives: the null MX says what is true
    (§3: the one record 'MX 0 .'), and the others go. A failed or bogus lookup leaves it open.
    An address counts only when senders can reach it (public, as SMTP-01 has it): 'MX 10
    localhost.' is the old way of saying a domain takes no mail, not a host that takes it."""
    one = len(nulls) == 1
    these_nulls = "this null MX record" if one else "these null MX records"
    null_lines = "\n".join(f"{domain}. {n}" for n in nulls)  # one record a line, as in the zone
    live = [
        h.name
        for h in mx.hosts
        if any(allow_private or net.is_public_address(a) for a in h.addresses)
    ]
    # Hosts senders cannot reach: only private, loopback or reserved addresses.
    unreachable = [h for h in mx.hosts if h.addresses and h.name not in live]
    if live:
        many = len(live) > 1
        return (
            f"{', '.join(live)} {'have' if many else 'has'} "
            f"{'addresses' if many else 'an address'}, so senders deliver mail there and the "
            f"domain receives mail: delete the null MX{'' if one else ' records'}.",
            f"Delete {these_nulls}:\n{null_lines}",
        )
    if any(h.lookup_failed or h.bogus for h in mx.hosts):
        # Nothing tells which is true: both choices, each with what it deletes.
        return (
            "Remove one or the other.",
            f"If {domain} takes mail, delete {these_nulls}:\n{null_lines}\n"
            "If it takes none, delete the other MX records instead, so that the one MX record is "
            f"{domain}. MX 0 .",
        )
    real = [
        f"MX {int(r.preference)} {r.exchange.to_text()}"  # type: ignore[attr-defined]
        for r in mx.answer.records
        if not _is_null_exchange(r)
    ]
    keep = "MX 0 ." in nulls
    gone = real + [n for n in nulls if n != "MX 0 ."]
    these = "this MX record" if len(gone) == 1 else "these MX records"
    head = (
        f"Delete {these} (keep {domain}. MX 0 ., the null MX)"
        if keep
        else f"Delete {these} and publish the one record {domain}. MX 0 . in their place"
    )
    cannot = "".join(
        f" {h.name} has only addresses senders cannot reach ({', '.join(h.addresses)})."
        for h in unreachable
    )
    return (
        f"None of the other MX hosts ({', '.join(mx.names)}) has an address"
        + (" senders can reach" if unreachable else "")
        + ", so no mail reaches the domain: if it takes no mail, delete them and keep the null "
        "MX alone; if it should, give them addresses"
        + (" senders can reach" if unreachable else "")
        + " and delete the null MX instead."
        + cannot,
        f"{head}:\n" + "\n".join(f"{domain}. {r}" for r in gone),
    )


async def get_mx(ctx: CheckContext) -> MxSet:
    """The domain's MX set with every host's addresses, resolved concurrently; once per run."""
    return await ctx.once("mx", lambda: _build(ctx))


async def name_is_missing(ctx: CheckContext) -> bool:
    """The name itself is not in the DNS: its MX question is answered NXDOMAIN with no alias on
    the way (an alias to a missing name is the alias's problem, MX-01 says which), and so is
    its A question. Some servers (load balancers, GSLBs) answer NXDOMAIN to the MX question
    alone, for a name that exists: any other answer to A, data or none (NODATA), says it
    exists. A failed A lookup proves nothing, and the MX answer stands. Both answers are the
    ones get_mx asks for (the run's DNS cache shares them): no query of its own."""
    answer = await ctx.dns.query(ctx.domain, "MX")
    if not answer.nxdomain or answer.cnames:
        return False
    address = await ctx.dns.query(ctx.domain, "A")
    return not (address.rcode == "NOERROR" or address.cnames)


@dataclass(frozen=True)
class NoMailAnswer:
    """How the domain's own address, where senders deliver when there is no MX (RFC 5321
    §5.1), said it takes no mail: every address probed refused the connection on the SMTP port
    or greeted 521 (RFC 7504). Both are the server's own definite answers; a timeout, a 4xx or
    a 554 (which may be meant for our checker alone) are not, and give no NoMailAnswer."""

    answers: tuple[str, ...]  # "127.0.0.1 refused the connection on port 25", one per address

    @property
    def words(self) -> str:
        return "; ".join(self.answers)


# How long MX-01 waits for the port-25 probes of a domain's own address before it gives the
# advice of a domain that receives mail. A refusal or a 521 greeting arrives within a round
# trip, but a busy worker's event loop (many checks at once) can see it a second later: 1 s
# made the reading of one domain change from run to run under load. A silent or slowly
# greeting server must still not hold MX-01 for a whole probe (the probe may take longer than
# the run's deadline, which would lose the MX category, MX-01 included).
NO_MAIL_WAIT_SECONDS = 2.0


async def implicit_takes_no_mail(
    ctx: CheckContext, *, wait_seconds: float | None = NO_MAIL_WAIT_SECONDS
) -> NoMailAnswer | None:
    """The NoMailAnswer of a domain with no MX whose own address takes no mail (a website or a
    parked name), else None. The probes are STARTTLS's own (starttls.probe_mx, once per run),
    so asking opens no connection of its own. With `wait_seconds`, probes not finished by then
    prove nothing (None); they go on for STARTTLS, which reports them. Findings advising on
    a domain that takes no mail read advises_no_mail (or no_mail_reading), not this."""
    from checks import starttls

    mx = await get_mx(ctx)
    if not mx.implicit or not mx.hosts or not mx.hosts[0].addresses:
        return None
    planned, _ = await starttls.probe_plan(ctx)
    if not planned:
        return None
    probing = asyncio.gather(*(starttls.probe_mx(ctx, h, a) for h, a in planned))
    try:
        # Giving up cancels only this wait: ctx.once shields the probes themselves.
        probes = await asyncio.wait_for(probing, wait_seconds)
    except TimeoutError:
        return None
    answers: list[str] = []
    for probe in probes:
        if probe.error_kind == "refused":
            answers.append(f"{probe.address} refused the connection on port {probe.port}")
        elif probe.error_kind == "protocol" and probe.accepts_no_mail:
            answers.append(f"{probe.address} greets with 521 (it accepts no mail)")
        else:
            return None
    return NoMailAnswer(tuple(answers))


@dataclass(frozen=True)
class NoMailReading:
    """What MX-01 reads about a domain with no MX whose own address may take no mail: the
    address's answer (within NO_MAIL_WAIT_SECONDS) and the signs that the domain sends."""

    takes_no_mail: NoMailAnswer | None
    sending_signs: tuple[str, ...] = ()

    @property
    def advice(self) -> NoMailAnswer | None:
        """The answer MX-01 gives the records of a domain that sends and receives no mail
        for (null MX, v=spf1 -all, DMARC p=reject); None when it does not."""
        return None if self.sending_signs else self.takes_no_mail


async def _read_no_mail(ctx: CheckContext) -> NoMailReading:
    mx = await get_mx(ctx)
    if mx.answer.nxdomain:
        # MX-01 reports a missing name, or a server answering NXDOMAIN to MX alone: it
        # offers no records of a domain without mail there.
        return NoMailReading(None)
    no_mail = await implicit_takes_no_mail(ctx, wait_seconds=NO_MAIL_WAIT_SECONDS)
    if no_mail is None:
        return NoMailReading(None)
    signs, _ = await sending_signs(ctx)
    return NoMailReading(no_mail, tuple(signs))


async def no_mail_reading(ctx: CheckContext) -> NoMailReading:
    """MX-01's reading of a domain that may take no mail, once per run: every finding that
    advises on it (MX-01, DMARC, TLS-RPT, MTA-STS, SMTP-01) reads this one, so they never
    disagree, and none waits longer than NO_MAIL_WAIT_SECONDS for the port-25 probes."""
    return await ctx.once("mx:no-mail", lambda: _read_no_mail(ctx))


async def advises_no_mail(ctx: CheckContext) -> NoMailAnswer | None:
    """How the domain's own address said it takes no mail when MX-01 offers the records of a
    domain that sends and receives no mail (no MX, its own address refused port 25 or greeted
    521 within NO_MAIL_WAIT_SECONDS, and nothing says it sends: no SPF record authorising
    senders, no DKIM key, no BIMI record); else None, and every finding gives the advice of a
    domain that receives mail (a domain that sends is told to publish a real MX first)."""
    return (await no_mail_reading(ctx)).advice


async def no_mail_records(ctx: CheckContext) -> list[str]:
    """The records a domain that sends and receives no mail needs (RFC 7505 §3 and §4.2): a
    null MX, SPF that authorises nobody, DMARC p=reject; an SPF record or DMARC policy already
    doing so is said to be, not proposed again."""
    from checks import dmarc, spf

    domain = ctx.domain
    lines = [f"{domain}. MX 0 ."]
    try:
        parsed = (await spf.get_record(ctx)).parsed
        spf_done = (
            parsed is not None
            and parsed.all_term is not None
            and parsed.all_term.qualifier == "-"
            and all(t is parsed.all_term for t in parsed.terms)
        )
    except Exception:  # the SPF module reports its own failures; here it is only a hint
        spf_done = False
    try:
        policy = await dmarc.get_policy(ctx)
        dmarc_done = policy.effective_9989 == "reject" and policy.effective_7489 == "reject"
    except Exception:  # as above: DMARC's own findings say what went wrong
        dmarc_done = False
    if not spf_done:
        lines.append(f'{domain}. TXT "v=spf1 -all"   ; in place of any other SPF record')
    if not dmarc_done:
        lines.append(f'_dmarc.{domain}. TXT "v=DMARC1; p=reject"')
    done = [
        *(["its SPF record already refuses every sender"] if spf_done else []),
        *(["DMARC p=reject already applies to it"] if dmarc_done else []),
    ]
    if done:
        lines.append(f"({' and '.join(done)}.)")
    return lines


async def sending_signs(ctx: CheckContext) -> tuple[list[str], list[str]]:
    """Evidence that a null-MX domain sends mail anyway (DKIM keys, an SPF record authorising
    senders, a BIMI record), and the names of the DKIM and BIMI records among it."""
    from checks import dkim

    signs: list[str] = []
    published: list[str] = []
    keys_found = _describe_keys(await dkim.get_keys(ctx)) or []
    signs.extend(f"DKIM key at {name}" for name in keys_found)
    published.extend(keys_found)
    signs.extend(await _spf_senders(ctx))
    bimi = await ctx.dns.query(f"default._bimi.{ctx.domain}", "TXT")
    if any(t.startswith("v=BIMI1") and not _names_no_brand(t) for t in bimi.texts()):
        signs.append(f"BIMI record at default._bimi.{ctx.domain}")
        published.append(f"default._bimi.{ctx.domain}")
    return signs, published


def _names_no_brand(text: str) -> bool:
    """A BIMI record naming neither a logo nor a mark certificate: a declination ('v=BIMI1;
    l=; a=', the draft's Declination to Publish, which BIMI-03 reads as such), or a record
    without l= ('v=BIMI1;', 'v=BIMI1; a=', which BIMI-03 fails: l= is required). It shows no
    logo and says nothing of mail, so it is no sign that the domain sends (s46c, s47e). One
    naming a certificate still is, with or without l=: it is obtained for a brand's mail."""
    from checks import bimi

    tags = bimi.parse_bimi(text).tags
    return not tags.get("l") and not tags.get("a")


def _is_null_exchange(record: object) -> bool:
    """One MX record naming the root, '.' (RFC 7505 §3: the null MX's target)."""
    exchange = getattr(record, "exchange", None)
    return exchange is not None and exchange.to_text() == "."


def is_null_mx(answer: DnsAnswer) -> bool:
    """The MX answer is a null MX: 'MX 0 .' alone, the domain accepts no mail (RFC 7505 §3).
    The one test of it, read by DMARC, SPF and BIMI; the MX set (get_mx, MX-01/02) reads its
    records with the same _is_null_exchange, and also keeps the real hosts of a null MX
    published beside them (MX-02)."""
    return (
        not answer.failed
        and bool(answer.records)
        and all(_is_null_exchange(r) for r in answer.records)
    )


def not_a_null_mx(domain: str, signs: Sequence[str] = ()) -> str:
    """Why a domain that sends is offered no null MX (MX-01, SMTP-01): receivers may reject
    mail from a domain that says it receives none (RFC 7505 §4.2). `signs` (sending_signs)
    are named when the finding has not named them already."""
    sends = f"{domain} sends mail" + (f" ({'; '.join(signs)})" if signs else "")
    return (
        f"Not a null MX ({domain}. MX 0 .): {sends}, and receivers may reject mail from a "
        "domain that says it receives none (RFC 7505 §4.2)."
    )


def _null_mx_sender_fix(domain: str, published: list[str]) -> str:
    """MX-03: the SPF record of a domain that sends no mail (RFC 7505 §4.2), and the DKIM and
    BIMI records found, named, since only those exist to be removed."""
    lines = [
        "If the domain sends no mail, this is its SPF record (in place of any other):",
        f'{domain}. TXT "v=spf1 -all"',
    ]
    if published:
        lines.append(f"and remove the TXT records at {', '.join(published)}.")
    lines.append("If it does send and receive mail, replace the null MX by real MX records.")
    return "\n".join(lines)


async def _spf_senders(ctx: CheckContext) -> list[str]:
    """An SPF record that authorises senders says the domain is used to send mail.

    RFC 7505 §4.2: a null-MX domain SHOULD NOT be used in MAIL FROM or From, and its SPF record
    can be plain `v=spf1 -all`. The checklist's MX-03 "Bad:" example is exactly a null MX next to
    `v=spf1 include:... ~all`. A record whose only term is `-all`/`~all` authorises nobody.
    """
    from checks import spf

    try:
        record = await spf.get_record(ctx)
    except Exception:  # the SPF module's own evaluation reports its failures
        return []
    parsed = record.parsed
    if parsed is None:
        return []
    authorising = [
        t.text for t in parsed.evaluated if t.name != "all" and t.qualifier in ("+", "?", "~")
    ]
    if parsed.redirect is not None and parsed.all_term is None:
        # The redirect hands evaluation to the records it leads to (RFC 7208 §6.1): it
        # authorises senders only if they do. A registrar's parked-domain record
        # 'redirect=_spf.parked.<registrar>' ending in 'v=spf1 -all' authorises nobody, and
        # SPF-18 says so; one that cannot be followed is counted, as before.
        try:
            tree = await spf.get_tree(ctx)
        except Exception:  # as above: the SPF module reports its own failures
            tree = None
        hops = spf.redirect_hops(tree) if tree is not None else []
        if (
            not hops
            or any(hop.parsed is None for hop in hops)
            or any(
                t.name != "all" and t.qualifier in ("+", "?", "~")
                for hop in hops
                if hop.parsed is not None
                for t in hop.parsed.evaluated
            )
        ):
            authorising.append(parsed.redirect.text)
    if not authorising:
        return []
    return [f"an SPF record authorising senders ({' '.join(authorising)})"]


def _describe_keys(result: object) -> list[str] | None:
    """Names of the DKIM keys the DKIM module found, or None if its shape is not understood."""
    items: list[Any]
    if isinstance(getattr(result, "results", None), list):
        items = list(result.results)  # type: ignore[attr-defined]
    elif isinstance(result, dict):
        items = list(result.items())
    elif isinstance(result, list | tuple):
        items = list(result)
    else:
        items = list(getattr(result, "keys", None) or []) if hasattr(result, "keys") else []
        if not items:
            return None
    found: list[str] = []
    for item in items:
        label, obj = item if isinstance(item, tuple) and len(item) == 2 else ("", item)
        present = any(bool(getattr(obj, attr, False)) for attr in ("found", "exists", "present"))
        if getattr(getattr(obj, "parsed", None), "revoked", False):
            continue  # a revoked key (empty p=) says the domain stopped signing with it
        if present or (obj is not None and getattr(obj, "record", None)):
            found.append(str(getattr(obj, "name", "") or getattr(obj, "selector", "") or label))
    return found


def _exists_words(host: MxHost) -> str:
    """How the domain's own name showed it exists, for MX-01 when its MX question alone was
    answered NXDOMAIN: its addresses, or that its A question was answered."""
    if host.addresses:
        return f"it has the address {', '.join(host.addresses)}"
    return "its A question is answered NOERROR"


def _ip_literal_fix(
    mx: MxSet, host: MxHost, literal: str | None = None, allow_private: bool = False
) -> str:
    """MX-05: a host name for the address, the MX pointed at it, then the IP-literal MX
    removed. The name is the first mxN not already an MX host; any unused name will do.
    `literal`: the address meant, when the MX target is not the address itself (one written
    without its final dot, ip_with_zone_appended). A private address (not allow_private, the
    lab's setting) gets no A record: a host name for it is one MX-06 calls unreachable."""
    domain = mx.answer.name
    literal = literal or host.name.strip("[]")
    try:
        version = ipaddress.ip_address(literal).version
    except ValueError:  # four numbers that are no address ("300.1.2.3"): the owner knows it
        version, literal = 4, "<the server's IPv4 address>"
    else:
        if not allow_private and not net.is_public_address(literal):
            return (
                f"{literal} is a {net.non_public_kind(literal) or 'non-public'} address, which "
                "senders on the internet cannot reach "
                "even under a host name. Point the MX at the host name of a mail server "
                "reachable from the internet:\n"
                f"{domain}. MX {host.preference} <your mail server's host name>.\n"
                f"Then remove the record {domain}. MX {host.preference} {host.name}."
            )
    taken = set(mx.names)
    name = next(
        f"mx{n}.{domain}" for n in range(1, len(taken) + 2) if f"mx{n}.{domain}" not in taken
    )
    return (
        "Give the server a host name and point the MX at that name (any unused name will do):\n"
        f"{name}. {'AAAA' if version == 6 else 'A'} {literal}\n"
        f"{domain}. MX {host.preference} {name}.\n"
        f"Then remove the record {domain}. MX {host.preference} {host.name}."
    )


def _numeric_target_fix(mx: MxSet, host: MxHost, allow_private: bool) -> str:
    """MX-05 for a target written as numbers: as for the IP address they read as (127.1 is
    127.0.0.1; browser_ipv4), else the MX pointed at the mail server's host name."""
    address = browser_ipv4(host.name.rstrip("."))
    if address is not None:
        return _ip_literal_fix(mx, host, address, allow_private)
    domain = mx.answer.name
    return (
        "Point the MX at the host name of your mail server:\n"
        f"{domain}. MX {host.preference} <your mail server's host name>.\n"
        f"Then remove the record {domain}. MX {host.preference} {host.name}."
    )


_IPV4_TEXT = re.compile(r"\d{1,3}(\.\d{1,3}){3}")


def _possible_zones(domain: str, suffixes: tuple[str, ...]) -> list[str]:
    """The zones the domain's MX may be published in: the domain and its ancestors up to its
    organisational domain, longest first (a public suffix is nobody's zone file)."""
    org = organizational_domain(domain, suffixes)
    labels = domain.split(".")
    zones = (".".join(labels[start:]) for start in range(len(labels) - 1))
    return [zone for zone in zones if len(zone) >= len(org)]


def ip_with_zone_appended(name: str, domain: str, suffixes: tuple[str, ...] = ()) -> str | None:
    """The IPv4 address meant, when the MX target `name` is one with the zone's name appended
    ("192.0.2.25.example.com"), else None.

    An MX target typed as an IP address without a final dot in the zone file is relative to
    the zone's origin (RFC 1035 §5.1), as doubled_suffix_target reads a host name typed so. The
    zone is the domain or one of its ancestors up to its organisational domain; the caller asks
    only about a target without an address, since such a name with one is a working host name
    (its last label is not all digits, RFC 1123 §2.1)."""
    for zone in _possible_zones(domain, suffixes):
        head = name.removesuffix("." + zone)
        if head == name:
            continue
        if head.startswith("[") and head.endswith("]"):
            # An address literal as SMTP writes one ('[192.0.2.25]', RFC 5321 §4.1.3), which a
            # DNS panel stores as a name like any other (s32l-mxbracket).
            head = head[1:-1]
        if _IPV4_TEXT.fullmatch(head):
            try:
                return str(ipaddress.IPv4Address(head))
            except ValueError:
                return None
    return None


def _raw_u_label(label: bytes) -> tuple[str, str] | None:
    """(U-label, A-label) when a label's bytes are a U-label stored as raw UTF-8 (a panel
    that kept what was typed, 'münchen', where the A-label belongs), else None."""
    if label.isascii():
        return None
    try:
        text = label.decode("utf-8")
        return text, _to_a_labels(text)
    except UnicodeError:
        return None


def _a_label_words(mx: MxSet, host: MxHost) -> tuple[str, str | None] | None:
    """MX-07's sentence and fix for an MX name that is not a plain A-label name, else None."""
    problem = _a_label_problem(host.name)
    if not problem:
        return None
    domain = mx.answer.name
    record = f"{domain}. MX {host.preference} {host.name}."
    try:
        labels = [bytes(b) for b in dns.name.from_text(host.name).labels if b]
    except dns.exception.DNSException:
        labels = []
    raw = [(label, _raw_u_label(label)) for label in labels]
    if any(read for _, read in raw):
        typed = [read for _, read in raw if read]
        meant = ".".join(read[1] if read else label.decode("ascii") for label, read in raw)
        return (
            f"The MX name {host.name} holds {', '.join(repr(u) for u, _ in typed)} as raw "
            "UTF-8 bytes: a U-label typed where its A-label belongs. Senders look up those "
            "bytes as they are, and an MTA-STS policy or a certificate can name the host only "
            f"by its A-label ({', '.join(a for _, a in typed)}; RFC 8461 §3.2, RFC 5890).",
            f"Publish the MX with the A-label, and the host's address records under that "
            f"name:\n{domain}. MX {host.preference} {meant}.\nin place of the record {record}",
        )
    if "_" in host.name:
        label = next(label for label in host.name.split(".") if "_" in label)
        summary = (
            f"The MX name {host.name} has the label '{label}', with '_', which a host name may "
            "not hold (letters, digits and hyphens, RFC 5321 §4.1.2): senders can deliver to "
            "such a name, but an MTA-STS policy cannot list it (RFC 8461 §3.2) and public CAs "
            "issue no certificate for it."
        )
        # '_' to '-', with no '-' left at a label's ends ('_mx' is 'mx', not '-mx', a label
        # MX-07 flags again).
        renamed = ".".join(part.replace("_", "-").strip("-") for part in host.name.split("."))
        return summary, _rename_fix(mx, host, renamed, lambda label: "_" in label)
    fakes = [label for label in host.name.split(".") if _is_fake_a_label(label)]
    fake = next((label for label in fakes if _decoded_before_idna2008(label) is None), None)
    if fake is None and fakes:
        # An encoded label written on purpose ('xn--ls8h', an emoji: IDNA2003 and UTS #46
        # decode it) but not valid under IDNA2008 (RFC 5892 disallows the character), so
        # still a fake A-label by RFC 5890 §2.3.2.1. Stripping 'xn--' would name nothing
        # the owner meant: no rename, only the note.
        decoded = _decoded_before_idna2008(fakes[0])
        return (
            f"The MX name {host.name} has the label '{fakes[0]}', the encoded form of "
            f"'{decoded}', which IDNA2008 does not allow (RFC 5892), so it is no A-label (a "
            "fake A-label, RFC 5890 §2.3.2.1). Senders can deliver to it, but public CAs "
            "that follow IDNA2008 refuse such a name in a certificate, which MTA-STS needs.",
            "If the server needs a certificate, give it a name of letters, digits and "
            "hyphens or of IDNA2008 A-labels, with its address records, and point the MX at "
            f"it in place of the record {record}",
        )
    if fake:
        summary = (
            f"The MX name {host.name} has the label '{fake}', which starts with 'xn--' but is "
            "no A-label (a fake A-label, RFC 5890 §2.3.2.1): 'xn--' marks the encoded form of "
            "an internationalised name. Senders can deliver to it, but IDNA software refuses to "
            "decode it, and public CAs refuse such a name in a certificate."
        )
        renamed = ".".join(
            part[4:] if _is_fake_a_label(part) else part for part in host.name.split(".")
        )
        return summary, _rename_fix(mx, host, renamed, _is_fake_a_label)
    if problem.startswith("label "):
        return f"The MX name {host.name}: its {problem}.", None
    return f"The MX name {host.name} {problem}.", None


def _rename_fix(mx: MxSet, host: MxHost, renamed: str, faulty: Callable[[str], bool]) -> str:
    """MX-07's fix for a name with labels no host name may have (`faulty`: '_', a fake
    A-label): the MX pointed at `renamed`, the name without them. Offered only below the
    owner's organisational domain: a '_' in a provider's name ('mx.my_provider.net') made
    'my-provider.net', another domain."""
    domain = mx.answer.name
    record = f"{domain}. MX {host.preference} {host.name}."
    org = organizational_domain(domain)
    if host.name.endswith("." + org) and not any(faulty(label) for label in org.split(".")):
        if not renamed.endswith("." + org) or _a_label_problem(renamed):
            # another fault too ('m\195\188n_chen'), or nothing left of the label
            return (
                "Give the server a name of letters, digits and hyphens, with its address "
                f"records, and point the MX at it in place of the record {record}"
            )
        return (
            "Give the server a name of letters, digits and hyphens, with its address "
            f"records, and point the MX at it:\n{domain}. MX {host.preference} "
            f"{renamed}.\nin place of the record {record}"
        )
    return (
        f"{host.name} is a name in {organizational_domain(host.name)}: ask whoever runs "
        "that domain for the server's name of letters, digits and hyphens, and point the "
        f"MX at it in place of the record {record}"
    )


def _is_fake_a_label(label: str) -> bool:
    """A label with the ACE prefix 'xn--' that does not decode to a U-label (RFC 5890
    §2.3.2.1: a fake A-label)."""
    if label[:4].lower() != "xn--":
        return False
    try:
        _to_u_label(label.lower())
    except UnicodeError:
        return True
    return False


def _decoded_before_idna2008(label: str) -> str | None:
    """The Unicode form of an XN-label that IDNA2003 decodes ('xn--ls8h'), else None
    ('xn--backup', whose Punycode is control characters that nameprep refuses)."""
    try:
        return label.lower().encode("ascii").decode("idna")
    except UnicodeError:
        return None


def _a_label_problem(name: str) -> str:
    """Why a host name is not a plain A-label name, or '' when it is (MX-07)."""
    if not name.isascii():
        return "contains non-ASCII characters (MTA-STS and DANE need A-labels)"
    for label in name.split("."):
        if not _LDH_LABEL.match(label):
            return f"label {label!r} is not letters, digits and hyphens"
        if _is_fake_a_label(label):
            return f"label {label!r} starts with 'xn--' but is no A-label"
    return ""


async def _dname_at_apex(ctx: CheckContext, out: Collector) -> None:
    """MX-01 for a domain without MX records that holds a DNAME (s48i: a sister domain
    redirected to the brand's zone): a DNAME redirects only the names below its owner, never
    the owner itself (RFC 6672 §2.3), so _dmarc, _mta-sts and mta-sts answer from the target's
    zone while the domain's own MX (and SPF) must be published at the domain. Said in MX-01's
    words, with the target's MX records as the ones to copy. One DNAME query, asked only here."""
    answer = await ctx.dns.query(ctx.domain, "DNAME")
    targets = [
        normalize(r.target.to_text())  # type: ignore[attr-defined]
        for r in answer.records
        if hasattr(r, "target")
    ]
    if answer.failed or not targets:
        return
    target = targets[0]
    theirs = await ctx.dns.query(target, "MX")
    copies = [
        f"{ctx.domain}. MX {int(r.preference)} {r.exchange.to_text()}"  # type: ignore[attr-defined]
        for r in theirs.records
        if hasattr(r, "exchange") and r.exchange.to_text() != "."  # type: ignore[attr-defined]
    ]
    # "as <target>'s are at <target>" only where the target has MX records to copy; a lookup
    # of them that failed is said as such (review s48r5), never taken for records.
    if copies:
        where = f", as {target}'s are at {target}."
    elif theirs.failed:
        where = (
            f"; {target}'s own MX records could not be looked up "
            f"({theirs.describe_failure()}), so none are offered to copy."
        )
    else:
        where = "."
    said = (
        f" {ctx.domain} holds a DNAME to {target}, which redirects the names below "
        f"{ctx.domain} (_dmarc.{ctx.domain}, _mta-sts.{ctx.domain}, mta-sts.{ctx.domain}...) to "
        f"{target}'s zone but never {ctx.domain} itself (RFC 6672 §2.3): its MX records (and "
        f"SPF) must be published at {ctx.domain}{where}"
    )
    for finding in out.findings:
        if finding.id == "MX-01" and finding.status != Status.PASS:
            finding.summary += said
            if copies:
                finding.fix = (
                    f"To receive mail as {target} does, publish {target}'s MX records at "
                    f"{ctx.domain} itself:\n"
                    + "\n".join(copies)
                    + (f"\nOr: {finding.fix}" if finding.fix else "")
                )


async def evaluate(ctx: CheckContext) -> list[Finding]:
    mx = await get_mx(ctx)
    out = Collector(MECHANISM)
    record = mx.answer.evidence()
    subject = ctx.domain

    if mx.failed:
        out.add(
            "MX-01",
            Status.ERROR,
            f"Could not look up the MX records of {ctx.domain} "
            f"({mx.answer.describe_failure()}); the mail checks could not be completed.",
            subject=subject,
            evidence=record,
        )
        return out.findings

    # MX-01: is there an MX RRset?
    undotted: dict[str, tuple[str, list[str]]] = {}
    if mx.null_mx:
        pass  # reported under MX-03
    elif mx.implicit:
        host = mx.hosts[0]
        if mx.answer.nxdomain and mx.answer.cnames:
            out.add(
                "MX-01",
                Status.FAIL,
                f"{ctx.domain} is an alias (CNAME) for {mx.answer.cnames[-1]}, which does not "
                "exist in DNS (NXDOMAIN), so it cannot receive mail.",
                subject=subject,
                evidence=record,
            )
            return out.findings
        if mx.answer.nxdomain and not await name_is_missing(ctx):
            # NXDOMAIN to the MX question alone: the name answers its A question, so it
            # exists and its DNS server is broken. Senders asking for its MX are told the
            # domain does not exist and bounce its mail (a fail), but every other check runs.
            out.add(
                "MX-01",
                Status.FAIL,
                f"The DNS server of {ctx.domain} answers NXDOMAIN ('no such name') to its MX "
                f"question, yet the name exists ({_exists_words(host)}): a broken DNS "
                "server. Senders asking where to deliver its mail are told the domain does "
                "not exist, and bounce the mail. Fix the server so that it answers the MX "
                "question as it answers the others: with the domain's MX records, or with no "
                "record (NODATA), never NXDOMAIN.",
                subject=subject,
                evidence={**record, "implicit_mx": host.evidence()},
                fix=f"Have the DNS server answer the MX question for {ctx.domain} with its MX "
                f"record (NOERROR), for example:\n{ctx.domain}. MX 10 <your mail server's "
                "host name>.",
            )
            return out.findings
        if mx.answer.nxdomain:
            # The name itself is not in the DNS: the engine checks nothing else and the score
            # says it has none (scoring.does_not_exist), not 0/100.
            out.add(
                "MX-01",
                Status.FAIL,
                f"{ctx.domain} does not exist in DNS (NXDOMAIN): check the spelling. A name "
                "that does not exist receives no mail and has nothing to secure, so nothing "
                "else was checked.",
                subject=subject,
                evidence={**record, DOES_NOT_EXIST: True},
            )
            return out.findings
        reading = await no_mail_reading(ctx)
        no_mail, signs = reading.takes_no_mail, list(reading.sending_signs)
        if no_mail is not None and signs:
            # Its own address takes no mail, yet the domain sends (SPF authorising senders,
            # DKIM keys, BIMI): a null MX would say it takes none, and receivers may reject
            # mail from such a domain (RFC 7505 §4.2). What it lacks is a server for replies
            # and bounces, so the MX naming one is the advice, and the no-mail records are not.
            out.add(
                "MX-01",
                Status.WARN,
                f"{ctx.domain} has no MX record, so senders try its own address (RFC 5321 "
                f"§5.1), and that takes no mail ({no_mail.words}). Yet {ctx.domain} sends "
                f"mail ({'; '.join(signs)}): replies and bounces to it have nowhere to go. "
                "Publish an MX record naming the server that should receive them; a null MX "
                "does not suit a domain that sends mail, as receivers may reject its mail "
                "(RFC 7505 §4.2).",
                subject=subject,
                evidence={
                    "mx": record,
                    "implicit_mx": host.evidence(),
                    "takes_no_mail": list(no_mail.answers),
                    "sending_signs": signs,
                },
                fix="Publish an MX record naming the server that receives the domain's mail "
                "(then set up MTA-STS and TLS-RPT for that server), and keep its address "
                "records: they are the website's:\n"
                f"{ctx.domain}. MX 10 <your mail server's host name>.\n"
                f"{not_a_null_mx(ctx.domain)} Only if {ctx.domain} no longer sends mail, "
                f"remove what shows it does ({'; '.join(signs)}); MX-01 then gives the "
                "records of a domain that sends and receives no mail.",
            )
        elif no_mail is not None:
            # A website or a parked name: mail has nowhere to go, and "MX 10 <the domain>"
            # would only name the web server that refuses it. What it lacks is saying that it
            # takes no mail (RFC 7505), so senders give up at once; its address stays (the
            # website needs it).
            records = "\n".join(await no_mail_records(ctx))
            out.add(
                "MX-01",
                Status.WARN,
                f"{ctx.domain} has no MX record, so senders try its own address (RFC 5321 "
                f"§5.1), and that takes no mail ({no_mail.words}): {ctx.domain} looks like "
                "a domain that receives no mail (a website or a parked name). Say so with a "
                "null MX (RFC 7505), and keep its address records: they are the website's.",
                subject=subject,
                evidence={
                    "mx": record,
                    "implicit_mx": host.evidence(),
                    "takes_no_mail": list(no_mail.answers),
                },
                fix="If the domain sends and receives no mail, publish this (a null MX, with "
                "SPF and DMARC that refuse every sender):\n"
                f"{records}\n"
                "If it should receive mail, publish instead an MX record naming the server "
                "that receives it (then set up MTA-STS and TLS-RPT for that server):\n"
                f"{ctx.domain}. MX 10 <your mail server's host name>.",
            )
        elif host.addresses:
            out.add(
                "MX-01",
                Status.WARN,
                f"{ctx.domain} has no MX record; senders fall back to the domain's own address "
                "(RFC 5321 §5.1). Publish an MX record naming your mail server.",
                subject=subject,
                evidence={"mx": record, "implicit_mx": host.evidence()},
                # The record that keeps mail going where it goes now: the implicit MX is the
                # domain's own address (RFC 5321 §5.1).
                fix=f"{ctx.domain}. MX 10 {ctx.domain}.",
            )
        elif host.lookup_failed:
            out.add(
                "MX-01",
                Status.ERROR,
                f"{ctx.domain} has no MX record and its address lookup failed, so we could not "
                "tell whether it can receive mail.",
                subject=subject,
                evidence={"mx": record, "implicit_mx": host.evidence()},
            )
        elif host.bogus:
            out.add(
                "MX-01",
                Status.FAIL,
                f"{ctx.domain} has no MX record and its address records fail DNSSEC validation "
                "(bogus): validating senders get SERVFAIL and cannot deliver mail to it.",
                subject=subject,
                evidence={"mx": record, "implicit_mx": host.evidence()},
                fix=f"Fix the DNSSEC signatures of {ctx.domain} (see DNSSEC-01) and publish an "
                "MX record naming your mail server.",
            )
        else:
            await _no_address(out, ctx, record, host)
        await _dname_at_apex(ctx, out)
        return out.findings
    else:
        undotted = await _undotted_targets(ctx, mx)
        appended = _ips_with_zone_appended(ctx, mx)
        ported = _ips_with_port(mx)
        out.add(
            "MX-01",
            Status.PASS,
            f"{ctx.domain} publishes {counted(len(mx.hosts), 'MX host')}: {', '.join(mx.names)}."
            f"{_undotted_note(mx, undotted)}",
            subject=subject,
            evidence=record,
        )

    # MX-02: a null MX must stand alone (RFC 7505 §3).
    if mx.null_mixed:
        # Named as published: a null MX typed 'MX 10 .' is the record the owner must find.
        nulls = [
            f"MX {int(r.preference)} ."  # type: ignore[attr-defined]
            for r in mx.answer.records
            if _is_null_exchange(r)
        ]
        which, fix = _null_beside_real(ctx.domain, mx, nulls, ctx.config.allow_private_targets)
        out.add(
            "MX-02",
            Status.FAIL,
            f'{ctx.domain} publishes a null MX ("{nulls[0]}", meaning no mail accepted) '
            f"together with real MX records; RFC 7505 §3 forbids this. {which}",
            subject=subject,
            evidence=record,
            fix=fix,
        )
    elif mx.null_mx and len(mx.answer.records) > 1:
        # Several records naming '.' ('MX 0 .' and 'MX 10 .'): RFC 7505 §3 allows the null MX
        # only as the one MX record, preference 0. Mail is refused either way, but a sender
        # that looks for that one record may try the others as hosts named '.'.
        prefs = sorted(int(r.preference) for r in mx.answer.records)  # type: ignore[attr-defined]
        extra = [p for p in prefs if p != 0] if 0 in prefs else prefs
        published = ", ".join(f'"MX {p} ."' for p in prefs)
        remove = "\n".join(f"{ctx.domain}. MX {p} ." for p in extra)
        these = "this MX record" if len(extra) == 1 else "these MX records"
        out.add(
            "MX-02",
            Status.FAIL,
            f"{ctx.domain} publishes {len(prefs)} null MX records ({published}); RFC 7505 §3 "
            "allows the null MX only as the one MX record, 'MX 0 .'. Mail is refused either "
            "way, but a sender that looks for that one record may treat the others as hosts "
            "named '.'.",
            subject=subject,
            evidence=record,
            # One record a line: "Remove the record A and keep B" read as two to remove.
            fix=(
                f"Delete {these} (keep {ctx.domain}. MX 0 ., the null MX):\n{remove}"
                if 0 in prefs
                else f"Delete {these} and publish the one record {ctx.domain}. MX 0 . in their "
                f"place:\n{remove}"
            ),
        )
    elif mx.null_mx:
        out.add(
            "MX-02",
            Status.PASS,
            "The null MX stands alone, as RFC 7505 §3 requires.",
            subject=subject,
            evidence=record,
        )

    # MX-03: null-MX domain posture.
    if mx.null_mx:
        signs, published = await sending_signs(ctx)
        # One null MX written with a preference other than 0 ('MX 10 .'): RFC 7505 §3 defines
        # the null MX as preference 0 and '.'. Several such records are MX-02's.
        prefs = [int(r.preference) for r in mx.answer.records]  # type: ignore[attr-defined]
        odd = prefs[0] if len(prefs) == 1 and prefs[0] != 0 else None
        written = (
            f" It is written 'MX {odd} .', where RFC 7505 §3 gives the null MX preference 0 "
            "('MX 0 .'): a sender that looks for exactly that record may take '.' for a host "
            "name and find no address, which still refuses the mail but may not say why."
            if odd is not None
            else ""
        )
        rewrite = (
            f"Publish {ctx.domain}. MX 0 . in place of {ctx.domain}. MX {odd} ."
            if odd is not None
            else ""
        )
        if signs:
            out.add(
                "MX-03",
                Status.WARN,
                f"{ctx.domain} declares it receives no mail (null MX) but publishes "
                f"{'; '.join(signs)}, so it seems to send mail; bounces and replies to it "
                f"will fail.{written}",
                subject=subject,
                evidence={"mx": record, "sending_signs": signs},
                fix=_null_mx_sender_fix(ctx.domain, published)
                + (f"\nIf it sends no mail, the null MX itself: {rewrite}" if rewrite else ""),
            )
        else:
            out.add(
                "MX-03",
                Status.INFO,
                f"{ctx.domain} declares it receives no mail (null MX, RFC 7505); transport "
                f"checks (MTA-STS, TLS-RPT, STARTTLS, DANE) do not apply.{written}",
                subject=subject,
                evidence=record,
                fix=f"{rewrite} (the same record with preference 0)." if rewrite else "",
            )
        return out.findings

    _host_rules(mx, out, ctx.config.allow_private_targets, undotted, appended, ported)
    return out.findings


async def _no_address(
    out: Collector, ctx: CheckContext, record: dict[str, Any], host: MxHost
) -> None:
    """MX-01 fail: no MX and no address, so no mail can be delivered. The null MX is offered
    only to a domain with no sign that it sends (sending_signs, as SMTP-01 does): receivers
    may reject mail from a domain that says it receives none (RFC 7505 §4.2), and MX-03
    would then warn about the very record offered here."""
    signs, _ = await sending_signs(ctx)
    evidence: dict[str, Any] = {"mx": record, "implicit_mx": host.evidence()}
    if not signs:
        out.add(
            "MX-01",
            Status.FAIL,
            f"{ctx.domain} has no MX record and no address, so it cannot receive mail. If "
            "that is intended, publish a null MX (RFC 7505).",
            subject=ctx.domain,
            evidence=evidence,
            fix=f"{ctx.domain}. MX 0 .   ; only if the domain should receive no mail",
        )
        return
    out.add(
        "MX-01",
        Status.FAIL,
        f"{ctx.domain} has no MX record and no address, so it cannot receive mail. Yet "
        f"{ctx.domain} sends mail ({'; '.join(signs)}): replies and bounces to it have nowhere "
        "to go. Publish an MX record naming the server that should receive them; a null MX "
        "does not suit a domain that sends mail, as receivers may reject its mail (RFC 7505 "
        "§4.2).",
        subject=ctx.domain,
        evidence={**evidence, "sending_signs": signs},
        fix="Publish an MX record naming the server that receives the domain's mail (then set "
        "up MTA-STS and TLS-RPT for that server):\n"
        f"{ctx.domain}. MX 10 <your mail server's host name>.\n"
        f"{not_a_null_mx(ctx.domain)} Only if {ctx.domain} no longer sends mail, remove what "
        f"shows it does ({'; '.join(signs)}); MX-01 then offers the null MX.",
    )


def _ips_with_zone_appended(ctx: CheckContext, mx: MxSet) -> dict[str, str]:
    """For each MX host without an address whose name is an IP address with the zone's name
    appended (ip_with_zone_appended): the address meant."""
    return {
        h.name: ip
        for h in mx.hosts
        if not h.addresses and not h.is_ip_literal and not h.lookup_failed and not h.bogus
        if (ip := ip_with_zone_appended(h.name, ctx.domain, ctx.config.extra_public_suffixes))
    }


_WITH_PORT = re.compile(r"(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9A-Fa-f:.]+\]):(\d{1,5})")


def _ips_with_port(mx: MxSet) -> dict[str, tuple[str, str]]:
    """For each MX host without an address whose name is an IP address with a port after it
    ('192.0.2.25:25', '[2001:db8::25]:25'; copied from a mail client's server setting): the
    address and the port. An MX names a host (RFC 5321 §5.1) and has no port: senders look the
    whole text up as a name and find nothing."""
    found: dict[str, tuple[str, str]] = {}
    for h in mx.hosts:
        match = None if h.addresses else _WITH_PORT.fullmatch(h.name.rstrip("."))
        if match is None:
            continue
        address = match.group(1).strip("[]")
        try:
            ipaddress.ip_address(address)
        except ValueError:
            continue
        found[h.name] = (address, match.group(2))
    return found


def _undotted_note(mx: MxSet, undotted: dict[str, tuple[str, list[str]]]) -> str:
    """MX-01's word on the targets MX-06 finds written without their final dot: the list of
    MX hosts names them as published, which alone reads as if they were the hosts meant."""
    names = [h.name for h in mx.hosts if h.name in undotted]
    if not names:
        return ""
    one = len(names) == 1
    if len(names) == len(mx.hosts):
        which = "It looks" if one else "Both look" if len(names) == 2 else "All look"
    else:
        which = f"{', '.join(names)} {'looks' if one else 'look'}"
    what = "an MX target written without its" if one else "MX targets written without their"
    return f" {which} like {what} final dot in the zone file (see MX-06)."


def doubled_suffix_target(name: str, domain: str, suffixes: tuple[str, ...] = ()) -> str | None:
    """The MX target meant, when `name` is it with the zone's name appended once more
    ("mx1.example.com.example.com"), else None.

    A zone file name without a final dot is relative to the zone's origin (RFC 1035 §5.1), so
    "MX 10 mx1.example.com" in the zone example.com becomes mx1.example.com.example.com. The
    zone is the domain or one of its ancestors up to its organisational domain (the MX is
    published in it); a public suffix (com, co.uk; `suffixes` adds the configured ones) is
    nobody's zone file, and "x.com.com" or "mx.co.uk.co.uk" is a name someone may own.
    """
    for zone in _possible_zones(domain, suffixes):
        twice = f"{zone}.{zone}"
        if name == twice or name.endswith("." + twice):
            return name[: -len(zone) - 1]
    return None


async def _undotted_targets(ctx: CheckContext, mx: MxSet) -> dict[str, tuple[str, list[str]]]:
    """For each MX host without an address whose name looks like a target written without its
    final dot: the name meant and that name's addresses (empty when it has none either)."""
    meant = {
        h.name: target
        for h in mx.hosts
        if not h.addresses and not h.is_ip_literal and not h.lookup_failed and not h.bogus
        if (target := doubled_suffix_target(h.name, ctx.domain, ctx.config.extra_public_suffixes))
    }
    looked_up = await asyncio.gather(*(ctx.dns.addresses(t) for t in meant.values()))
    return {
        name: (target, addresses)
        for (name, target), (addresses, _) in zip(meant.items(), looked_up, strict=True)
    }


def _localhost_words(mx: MxSet, host: MxHost) -> tuple[str, str] | None:
    """MX-06's sentence (up to where the status adds its tail) and fix for an MX of localhost
    (or a name under it): no mail server but the old way of saying the domain takes no mail,
    which the null MX replaced. Resolvers may answer it with a loopback address themselves
    (RFC 6761 §6.3), so it is told alike with an address or without."""
    name = host.name.rstrip(".")
    if name != "localhost" and not name.endswith(".localhost"):
        return None
    domain = mx.answer.name
    record = f"{domain}. MX {host.preference} {host.name}."
    sentence = (
        f"The MX host {host.name} is no mail server: localhost names the sender's own machine "
        "(RFC 6761 §6.3), so senders cannot deliver to it. An MX of localhost is an old way "
        "of saying the domain takes no mail, which the null MX (RFC 7505) replaced"
    )
    if len(mx.hosts) == 1:
        fix = (
            f"If {domain} takes no mail, publish the null MX (RFC 7505 §3):\n"
            f"{domain}. MX 0 .\nin place of the record {record}\n"
            "If it does take mail, point the MX at your mail server's host name instead."
        )
    else:
        fix = f"Remove the record {record}: localhost is no mail server."
    return sentence, fix


def _off_internet_words(mx: MxSet, host: MxHost) -> tuple[str, str] | None:
    """MX-06's sentence (up to where the status adds its tail) and fix for an MX target no
    sender on the internet can look up (domainname.off_internet_reason: .local, .internal,
    home.arpa, .onion, .lan, a single label…): no address published for it reaches them, so
    the fix points the MX at a host name in the public DNS. Said alike with or without the
    (private) address our resolver gave it."""
    reason = off_internet_reason(host.name)
    if reason is None:
        return None
    domain = mx.answer.name
    record = f"{domain}. MX {host.preference} {host.name}."
    sentence = (
        f"The MX host {host.name} is not on the internet: {reason}, so senders on the "
        "internet cannot look it up"
    )
    if host.addresses:
        # Our resolver's private view (a split-horizon zone): no sender sees those addresses.
        are = "are" if len(host.addresses) > 1 else "is"
        sentence += (
            f"; {net.describe_non_public(host.addresses)} it has here {are} reachable only "
            "inside a private network"
        )
    publish = (
        "at your mail server's full host name in the public DNS, one with a public address "
        f"(A/AAAA); mail.{domain} below stands for that name (publish its A/AAAA record if it "
        f"is new):\n{domain}. MX {host.preference} mail.{domain}.\nin place of the record {record}"
    )
    if len(mx.hosts) > 1:
        return sentence, (
            f"Remove the record {record} (the other MX hosts take the mail), or point it {publish}"
        )
    return sentence, f"Point the MX {publish}"


def _missing_address_words(
    mx: MxSet,
    host: MxHost,
    undotted: dict[str, tuple[str, list[str]]],
    appended: dict[str, str] | None = None,
    ported: dict[str, tuple[str, str]] | None = None,
    allow_private: bool = False,
) -> tuple[str, str]:
    """MX-06's sentence (up to where the status adds its tail) and fix for a host without an
    address, saying the cause where we can see it. allow_private (the lab): its special-use
    names are its real hosts, judged as any other."""
    domain = mx.answer.name
    record = f"{domain}. MX {host.preference} {host.name}."
    if words := _localhost_words(mx, host):
        return words
    if ported and host.name in ported:
        address, port = ported[host.name]
        return (
            f"The MX host {host.name} has no address: it is the IP address {address} with a "
            f"port (:{port}) written after it (see MX-05), so senders skip it",
            f"The fix is MX-05's: give the server at {address} a host name and point the MX "
            "at that name.",
        )
    if appended and host.name in appended:
        return (
            f"The MX host {host.name} has no address: it is the IP address "
            f"{appended[host.name]} with the zone's name appended (see MX-05), so senders "
            "skip it",
            f"The fix is MX-05's: give the server at {appended[host.name]} a host name and "
            "point the MX at that name.",
        )
    if host.names_as_numbers:
        return (
            f"The MX target {host.name} is no host name (its last label is all digits, see "
            "MX-05): senders looking it up as a name find no address for it",
            "The fix is MX-05's: point the MX at the host name of your mail server.",
        )
    if host.is_ip_literal:
        # MX-05 already gives the records to publish: repeating them here said the same twice.
        return (
            f"The MX target {host.name} is an IP address written where a host name belongs "
            "(an MX names a host, RFC 5321 §5.1): senders looking it up as a name find no "
            "address for it",
            f"The fix is MX-05's: give the server at {host.name} a host name and point the MX "
            "at that name.",
        )
    if host.name in undotted:
        target, addresses = undotted[host.name]
        seen = (
            f"{target} has an address ({', '.join(addresses[:2])}), so that is the host meant"
            if addresses
            else f"{target}, the name probably meant, has no address either"
        )
        # NXDOMAIN for both lookups: the name is not there at all (usually so).
        gone = (
            "does not exist"
            if host.answers and all(a.nxdomain for a in host.answers)
            else "has no address"
        )
        fix = (
            "In the zone file, end the MX target with a dot (a name without one gets the "
            f"zone's name appended):\n{domain}. MX {host.preference} {target}.\n"
            f"in place of the record {record}"
        )
        if not addresses:
            fix += f"\nand publish an address for {target} (A/AAAA)."
        return (
            f"The MX host {host.name} {gone}: the MX target was written without its "
            f"final dot in the zone file, so the zone's name was added to it a second time. "
            f"{seen}; senders skip {host.name}",
            fix,
        )
    if not allow_private and (words := _off_internet_words(mx, host)):
        return words
    return (
        f"The MX host {host.name} has no IPv4 or IPv6 address, so senders skip it",
        f"Publish an address for {host.name} (A/AAAA), or remove the record {record}",
    )


def _host_rules(
    mx: MxSet,
    out: Collector,
    allow_private: bool = False,
    undotted: dict[str, tuple[str, list[str]]] | None = None,
    appended: dict[str, str] | None = None,
    ported: dict[str, tuple[str, str]] | None = None,
) -> None:
    """MX-04..07 for each MX host. allow_private (the lab) counts private addresses as
    reachable; otherwise a host with only private, loopback or link-local addresses is as
    unusable to senders on the internet as one without an address. undotted: the hosts that
    look like a target written without its final dot (_undotted_targets); appended: the hosts
    that are an IP address so written (_ips_with_zone_appended), by the address meant;
    ported: the hosts that are an IP address with a port after it (_ips_with_port)."""
    appended = appended or {}
    ported = ported or {}
    resolving = 0
    unresolved: list[MxHost] = []
    private: list[MxHost] = []  # addresses, but none a sender on the internet can reach
    for host in mx.hosts:
        ev = host.evidence()
        # MX-05: an IP address is not a host name (RFC 5321 §5.1).
        if host.names_as_numbers:
            read = numbers_read_as(host.name.rstrip("."))
            out.add(
                "MX-05",
                Status.FAIL,
                f"The MX target {host.name} is no host name: its last label is all digits, "
                "which a host name's never is (RFC 1123 §2.1)"
                f"{f', and {read} to software that reads it as an address' if read else ''}. "
                "An MX must name a host (RFC 5321 §5.1), so senders look it up as a name and "
                "fail.",
                subject=host.name,
                evidence=ev,
                fix=_numeric_target_fix(mx, host, allow_private),
            )
        elif host.is_ip_literal:
            out.add(
                "MX-05",
                Status.FAIL,
                f"The MX target {host.name} is an IP address; an MX must name a host "
                "(RFC 5321 §5.1), so senders look it up as a name and fail.",
                subject=host.name,
                evidence=ev,
                fix=_ip_literal_fix(mx, host, allow_private=allow_private),
            )
        elif host.name in appended:
            ip = appended[host.name]
            typed = (
                f"the address literal [{ip}] (as SMTP writes an address)"
                if host.name.startswith("[")
                else f"the IP address {ip}"
            )
            out.add(
                "MX-05",
                Status.FAIL,
                f"The MX target {host.name} is {typed} written without its final "
                "dot in the zone file, so the zone's name was added to it; an MX must name a "
                f"host (RFC 5321 §5.1), and {host.name} has no address.",
                subject=host.name,
                evidence={**ev, "meant_address": ip},
                fix=_ip_literal_fix(mx, host, ip, allow_private),
            )
        elif host.name in ported:
            ip, port = ported[host.name]
            out.add(
                "MX-05",
                Status.FAIL,
                f"The MX target {host.name} is the IP address {ip} with a port (:{port}) "
                "written after it, as a mail program's server setting is; an MX must name a "
                "host (RFC 5321 §5.1) and takes no port (senders always connect to port 25), "
                "so senders look it up as a name and fail.",
                subject=host.name,
                evidence={**ev, "meant_address": ip, "port": port},
                fix=_ip_literal_fix(mx, host, ip, allow_private),
            )
        # MX-04: MX targets must not be aliases (RFC 2181 §10.3). A chain of aliases is shown
        # whole: each step is one senders follow, and each name is one the owner may meet.
        alias_for = host.cname_target
        if len(host.cname_chain) > 1:
            arrows = " → ".join([host.name, *host.cname_chain])
            alias_for = (
                f"{host.cname_chain[0]}, itself an alias: a chain of {len(host.cname_chain)} "
                f"aliases ({arrows}) that ends at {host.cname_target}"
            )
        if host.cname_target and host.cname_dangling:
            out.add(
                "MX-04",
                Status.WARN,
                f"The MX target {host.name} is an alias (CNAME) for {alias_for}, "
                "which does not exist (a dangling alias); RFC 2181 §10.3 forbids aliases as MX "
                "targets. Point the MX directly at the real mail server's host name.",
                subject=host.name,
                # No record can point the MX at the target (mtasts.alias_fix_under_policy).
                evidence={**ev, "cname_dangling": True},
                fix=f"{mx.answer.name}. MX {host.preference} <your mail server's host name>.",
            )
        elif host.cname_target:
            out.add(
                "MX-04",
                Status.WARN,
                f"The MX target {host.name} is an alias (CNAME) for {alias_for}; "
                "RFC 2181 §10.3 forbids this and it changes which names MTA-STS and DANE must "
                "match. Point the MX directly at the real host name.",
                subject=host.name,
                evidence=ev,
                fix=f"{mx.answer.name}. MX {host.preference} {host.cname_target}.",
            )
        elif host.alias_unknown:
            # No answer came back, so no CNAME could be seen either: never "no alias".
            out.add(
                "MX-04",
                Status.ERROR,
                f"Could not tell whether the MX target {host.name} is an alias: its address "
                "lookups failed.",
                subject=host.name,
                evidence=ev,
            )
        # MX-07: names are compared as A-labels, case-insensitively. An address (MX-05) is
        # not a name gone wrong: MX-05's finding and fix are the ones for it.
        address_typed = host.is_ip_literal or host.name in appended or host.name in ported
        words = None if address_typed else _a_label_words(mx, host)
        if words:
            summary, fix = words
            out.add("MX-07", Status.INFO, summary, subject=host.name, evidence=ev, fix=fix)
        if not host.addresses:
            unresolved.append(host)
        elif allow_private or any(net.is_public_address(a) for a in host.addresses):
            resolving += 1
        else:
            private.append(host)

    # MX-06: every MX host resolves. A host whose addresses are bogus has none for validating
    # senders (they get SERVFAIL), so it counts as missing, not as "could not check".
    could_not = [h for h in unresolved if h.lookup_failed]
    missing = [h for h in unresolved if not h.lookup_failed]
    for host in could_not:
        out.add(
            "MX-06",
            Status.ERROR,
            f"Could not look up the address of MX host {host.name} "
            f"({'; '.join(a.describe_failure() for a in host.answers if a.failed)}).",
            subject=host.name,
            evidence=host.evidence(),
        )
    if missing:
        status = Status.FAIL if resolving == 0 and not could_not else Status.WARN
        for host in missing:
            if host.bogus:
                out.add(
                    "MX-06",
                    status,
                    f"The address records of MX host {host.name} fail DNSSEC validation "
                    "(bogus): validating senders get SERVFAIL and skip it"
                    + (
                        ", and no MX host is left for them: they cannot deliver mail."
                        if status == Status.FAIL
                        else "."
                    ),
                    subject=host.name,
                    evidence=host.evidence(),
                    fix=f"Fix the DNSSEC signatures of the zone holding {host.name} (expired "
                    "signatures or a DS that matches no DNSKEY), or point the MX at a host in a "
                    "zone that validates.",
                )
                continue
            sentence, fix = _missing_address_words(
                mx, host, undotted or {}, appended, ported, allow_private
            )
            evidence = host.evidence()
            if undotted and host.name in undotted:
                evidence["meant"], evidence["meant_addresses"] = undotted[host.name]
            out.add(
                "MX-06",
                status,
                sentence
                + (
                    " and no MX host is left: mail cannot be delivered."
                    if status == Status.FAIL
                    else "."
                ),
                subject=host.name,
                evidence=evidence,
                fix=fix,
            )
    for host in private:
        status = Status.FAIL if resolving == 0 and not could_not else Status.WARN
        # A name no sender can look up is told as that (localhost, .local, .lan…): a public
        # address published for it would reach no one. Any other name needs a public address.
        left = ", and no MX host is left: mail cannot be delivered."
        words = _localhost_words(mx, host) or _off_internet_words(mx, host)
        if words is None:
            left = ", and no MX host is left for them: mail cannot be delivered."
            words = (
                f"The MX host {host.name} has only {net.describe_non_public(host.addresses)}: "
                "senders on the internet cannot reach it",
                f"Publish a public address for {host.name} (A/AAAA) in place of the non-public "
                f"one, or remove the record {mx.answer.name}. MX {host.preference} {host.name}.",
            )
        out.add(
            "MX-06",
            status,
            words[0] + (left if status == Status.FAIL else "."),
            subject=host.name,
            evidence=host.evidence(),
            fix=words[1],
        )
    if not unresolved and not private:
        out.add(
            "MX-06",
            Status.PASS,
            "Every MX host has an address.",
            subject=", ".join(mx.names),
            evidence={"hosts": [h.evidence() for h in mx.hosts]},
        )
    if not any(f.id in {"MX-04", "MX-05", "MX-07"} for f in out.findings):
        out.add(
            "MX-04",
            Status.PASS,
            "Every MX target is a plain host name (no alias, no IP address).",
            subject=", ".join(mx.names),
        )
