"""DNS for the engine: one client per check run, talking to the configured resolver(s).

Every answer keeps what the verdicts need: the rcode (so SERVFAIL and timeouts become "could not
check", never "absent"), the AD bit (DNSSEC), RFC 8914 extended errors, the CNAME chain and the
TTL. Answers are cached for the run and concurrent asks for the same name share one query, so no
lookup is done twice. Every query that went to the network is logged as evidence.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import dns.asyncquery
import dns.edns
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.tlsabase
import dns.resolver
import dns.rrset

from checks import net
from checks.config import CheckConfig
from checks.findings import series

# dnspython >= 2.8 refuses to build a TLSA/SMIMEA rdata whose digest length does not fit its
# matching type, and that ValueError aborts parsing of the WHOLE response: one bad record made the
# TLSA lookup look like a network failure. RFC 7671 §9 (and RFC 6698 §2.1.3) make a record with an
# "incorrect digest length" merely *unusable*; the DANE module judges each record itself
# (dane.check_fields), so the DNS layer must hand every record over as published.
dns.rdtypes.tlsabase.TLSABase._cert_length_by_mtype = {}

# rcodes that mean "we could not find out", as opposed to an answer. Not the whole list: every
# rcode but NOERROR and NXDOMAIN is one (see ANSWERED).
UNANSWERED = {
    "SERVFAIL",
    "REFUSED",
    "TIMEOUT",
    "FORMERR",
    "NOTIMP",
    "NETWORK",
    "BADNAME",
    "NOTASKED",
}
# The only rcodes that say something about the name (RFC 1035 §4.1.1, RFC 2308). BADVERS (RFC
# 6891 §6.1.3), YXDOMAIN (a DNAME substitution too long, RFC 6672 §2.2), NOTAUTH, NOTZONE, an
# rcode we have no name for: none of them says the records are absent.
ANSWERED = frozenset({"NOERROR", "NXDOMAIN"})


# A resolver that hands back a CNAME chain without the end's data or a proof of its absence
# stopped following it (RFC 1034 §5.3.3: the client then asks for the last name itself). At
# most this many such questions per lookup, all within the lookup's timeout.
CHAIN_REQUERIES = 8

# At most this many questions go to the resolvers from one client (one check run). Records are
# anyone's to write and the free check runs for anonymous visitors: an MX RRset of 1,000 hosts,
# a DMARC rua or an SPF record listing hundreds of names made one check ask 3-5 questions per
# name (5,000 and more), each sent on by our resolver to the servers of the zone the names are
# in: a random-subdomain flood of someone else's name servers for the price of one free check.
# A large real domain (five MX hosts, ten SPF includes, 50 DKIM selectors, DMARC and TLS-RPT
# report addresses) asks about 110, one with 60 MX hosts about 225. Past the budget a lookup
# answers the pseudo-rcode NOTASKED, a "could not check" like a timeout, saying why.
MAX_QUESTIONS = 500

# Names reserved for private networks: ICANN's .internal, RFC 6762's .local (company
# directories use it too), RFC 8375's home.arpa. The public DNS holds none of them, so every
# sender on the internet gets NXDOMAIN; a resolver of ours that answers one answers from a
# private network's view (a cloud VPC's resolver, the system resolver there, answers
# *.internal with its machines' addresses). The free check refuses such a typed name for that
# reason (its answers are not for strangers to read); a public domain's MX, or a CNAME in a
# chain, naming one read them out all the same (s46d). Unless private targets are allowed
# (the lab; the CLI's --allow-private-targets), DnsClient answers them as the internet does.
#
# Besides those, the top-level names private networks are known to use that the public root
# does not delegate and will not (s47d): RFC 6762 Appendix G lists .intranet, .internal,
# .private, .corp, .home and .lan as "used on enough home and business networks"; ICANN's
# board (resolution 2018.02.04.12, after its Name Collision Management Framework of 2014 named
# them high-risk) ended the applications for .corp, .home and .mail and defers their
# delegation indefinitely. Any answer for them comes from a private view too. Other
# undelegated names (.localdomain, a typo) are left to the resolver: gating every name the
# installed Public Suffix List lacks would answer NXDOMAIN for a TLD newer than the list.
PRIVATE_NETWORK_SUFFIXES = (
    "internal",
    "local",
    "home.arpa",
    # RFC 6762 Appendix G
    "intranet",
    "private",
    "corp",
    "home",
    "lan",
    # ICANN name collision: not delegated (board resolution 2018.02.04.12)
    "mail",
)
PRIVATE_NAME_DETAIL = "a name only private networks use: not asked, NXDOMAIN on the internet"


def private_network_name(name: str) -> bool:
    """Whether `name` is under a name only private networks use (PRIVATE_NETWORK_SUFFIXES)."""
    name = normalize(name)
    return any(name == s or name.endswith(f".{s}") for s in PRIVATE_NETWORK_SUFFIXES)


# RFC 8914 codes that say DNSSEC validation failed (the data is there but bogus).
EDE_VALIDATION_FAILED = frozenset({6, 7, 8, 9, 10, 11, 12})

# The names of the Extended DNS Error codes (RFC 8914 §4 and the IANA registry), so that a
# resolver's bare "EDE 6" reaches people as "EDE 6 (DNSSEC Bogus)".
EDE_NAMES = {
    0: "Other Error",
    1: "Unsupported DNSKEY Algorithm",
    2: "Unsupported DS Digest Type",
    3: "Stale Answer",
    4: "Forged Answer",
    5: "DNSSEC Indeterminate",
    6: "DNSSEC Bogus",
    7: "Signature Expired",
    8: "Signature Not Yet Valid",
    9: "DNSKEY Missing",
    10: "RRSIGs Missing",
    11: "No Zone Key Bit Set",
    12: "NSEC Missing",
    13: "Cached Error",
    14: "Not Ready",
    15: "Blocked",
    16: "Censored",
    17: "Filtered",
    18: "Prohibited",
    19: "Stale NXDOMAIN Answer",
    20: "Not Authoritative",
    21: "Not Supported",
    22: "No Reachable Authority",
    23: "Network Error",
    24: "Invalid Data",
    25: "Signature Expired before Valid",
    26: "Too Early",
    27: "Unsupported NSEC3 Iterations Value",
    28: "Unable to conform to policy",
    29: "Synthesized",
}


def describe_ede(code: int, text: str) -> str:
    """One RFC 8914 explanation as people read it: 'EDE 7 (Signature Expired): <text>'."""
    name = EDE_NAMES.get(code)
    head = f"EDE {code} ({name})" if name else f"EDE {code}"
    return f"{head}: {text}" if text else head


def validation_failed(servfail: DnsAnswer, cd_retry: DnsAnswer) -> bool:
    """Whether a SERVFAIL may be a DNSSEC validation failure (bogus) rather than trouble on
    the way, from the two answers alone. A resolver that explains itself (RFC 8914) is
    believed: "DNSSEC Bogus", "Signature Expired"… is bogus, "No Reachable Authority" or
    "Network Error" is not. Without an explanation (BIND without EDE, dnsmasq), the question
    asked with CD (checking disabled) must answer and carry signatures. servfail_is_bogus()
    completes this: unsigned data in a zone whose delegation has a DS is bogus too."""
    codes = {code for code, _ in servfail.ede}
    if codes:
        return bool(codes & EDE_VALIDATION_FAILED)
    return not cd_retry.failed and cd_retry.signed


class _Querier(Protocol):
    async def query(
        self, name: str, rdtype: str, *, cd: bool = False, fresh: bool = False
    ) -> DnsAnswer: ...


async def cname_loop(client: _Querier, answer: DnsAnswer) -> list[str]:
    """The names of the CNAME loop `answer` failed on, from its own name to the first name
    seen again ([a, b, a]), or [] when it failed for another reason. RFC 1034 §3.6.2: loops
    are "signalled as an error", so a validating resolver answers SERVFAIL and says no more;
    the chain is then read one alias at a time (a CNAME question is answered with the alias
    itself, not followed), only after such a failure."""
    if answer.rcode == "CNAMELOOP":  # the looping chain came with NOERROR (DnsClient._parse)
        return [normalize(answer.name), *answer.cnames]
    if answer.rcode != "SERVFAIL":
        return []
    chain = [normalize(answer.name)]
    for _ in range(CHAIN_REQUERIES):
        alias = await client.query(chain[-1], "CNAME")
        targets = [r.target for r in alias.records if r.rdtype == dns.rdatatype.CNAME]
        if not targets:
            return []
        chain.append(normalize(targets[0].to_text()))
        if chain[-1] in chain[:-1]:
            return chain
    return []


def loop_also(loop: list[str]) -> str:
    """For a fix deleting the CNAME at the first name of `loop` (cname_loop's): ' (and at <the
    loop's other names>, unless something else uses it)', '' for a name aliased to itself."""
    others = sorted(set(loop[1:]) - {loop[0]})
    return f" (and at {', '.join(others)}, unless something else uses it)" if others else ""


async def servfail_is_bogus(client: _Querier, servfail: DnsAnswer, cd_retry: DnsAnswer) -> bool:
    """Whether a SERVFAIL is bogus data ("could not check" otherwise).

    With an RFC 8914 explanation, the explanation decides. Without one:
    - the CD retry failed too: trouble on the way;
    - it answered with signatures: one more plain try past our cache, since a signed zone
      whose authority timed out once also answers the CD retry with signatures, while bogus
      data fails every time;
    - it answered without signatures: bogus only when the zone's delegation has a DS, i.e.
      signatures "that the relevant DNSSEC RRs indicate should be present" are missing
      (RFC 4035 §4.3: a stale DS, a zone moved to an unsigned provider, a resolver stripping
      RRSIGs). A provably unsigned zone cannot be bogus.
    """
    if servfail.ede:
        return validation_failed(servfail, cd_retry)
    if cd_retry.failed:
        return False
    if not cd_retry.signed:
        return await _delegation_signed(client, servfail.name) is True
    again = await client.query(servfail.name, servfail.rdtype, fresh=True)
    return again.rcode == "SERVFAIL"


async def lookup_is_bogus(client: _Querier, answer: DnsAnswer) -> bool:
    """Whether a failed lookup is a DNSSEC validation failure (bogus data), as the MX checks
    tell it (mx.MxHost.bogus_answers): an RFC 8914 code saying so ("DNSSEC Bogus", "Signature
    Expired"...) decides at once; without one, the lookup asked again with CD does
    (servfail_is_bogus). Only a SERVFAIL can be bogus; a timeout says nothing."""
    if answer.rcode != "SERVFAIL":
        return False
    if answer.ede:
        return validation_failed(answer, answer)  # the codes decide, the retry is not read
    retry = await client.query(answer.name, answer.rdtype, cd=True)
    return await servfail_is_bogus(client, answer, retry)


async def _delegation_signed(client: _Querier, name: str) -> bool | None:
    """Whether the zone holding `name` has a DS at its cut; None when it cannot be told."""
    soa = await client.query(name, "SOA", cd=True)
    if soa.failed:
        return None
    apex = _apex_of(soa)
    if apex is None:
        return None
    ds = await client.query(apex, "DS", cd=True)
    return None if ds.failed else ds.exists


def _apex_of(soa: DnsAnswer) -> str | None:
    """The zone apex a SOA question revealed: the owner of the SOA in the answer (the name is
    the apex, possibly after CNAMEs) or in the authority section (NODATA/NXDOMAIN)."""
    if soa.message is not None:
        for section in (soa.message.answer, soa.message.authority):
            for rrset in section:
                if rrset.rdtype == dns.rdatatype.SOA:
                    return normalize(rrset.name.to_text())
        return None
    if soa.exists:
        return normalize(soa.cnames[-1] if soa.cnames else soa.name)
    return None


@dataclass
class DnsAnswer:
    name: str
    rdtype: str
    rcode: str
    records: list[dns.rdata.Rdata] = field(default_factory=list)
    ad: bool = False
    ede: list[tuple[int, str]] = field(default_factory=list)
    cnames: list[str] = field(default_factory=list)
    ttl: int | None = None
    # The response carried RRSIGs for this answer (only when DO was set): the data is signed,
    # so a SERVFAIL for it can be a validation failure (see validation_failed).
    signed: bool = False
    elapsed_ms: float = 0.0
    detail: str = ""
    # The whole response, kept only for queries made with want_dnssec=True (RRSIG, NSEC/NSEC3).
    message: dns.message.Message | None = field(default=None, repr=False, compare=False)
    # A NOERROR chain of aliases whose last name came with neither data nor an SOA: the
    # resolver stopped following it, so the emptiness proves nothing (DnsClient._resolve).
    chain_cut: bool = field(default=False, repr=False, compare=False)

    @property
    def failed(self) -> bool:
        """True when the lookup could not be completed: treat as 'could not check'."""
        return self.rcode not in ANSWERED

    @property
    def nxdomain(self) -> bool:
        return self.rcode == "NXDOMAIN"

    @property
    def exists(self) -> bool:
        return self.rcode == "NOERROR" and bool(self.records)

    @property
    def empty(self) -> bool:
        """A clean 'no such record' (NXDOMAIN or NODATA): the record is really absent."""
        return self.rcode == "NXDOMAIN" or (self.rcode == "NOERROR" and not self.records)

    def raw_texts(self) -> list[bytes]:
        """TXT records with their character-strings joined WITHOUT spaces (RFC 7208 §3.3)."""
        return [b"".join(r.strings) for r in self.records if hasattr(r, "strings")]

    def texts(self) -> list[str]:
        return [raw.decode("utf-8", errors="replace") for raw in self.raw_texts()]

    def to_text(self) -> list[str]:
        return [r.to_text() for r in self.records]

    def describe_failure(self) -> str:
        text = f"{self.rcode} for {self.name} {self.rdtype}"
        if self.ede:
            text += " (" + "; ".join(describe_ede(code, msg) for code, msg in self.ede) + ")"
        elif self.detail:
            text += f" ({self.detail})"
        return text

    def evidence(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "query": f"{self.name} {self.rdtype}",
            "rcode": self.rcode,
            "ad": self.ad,
            "answers": self.to_text(),
        }
        if self.cnames:
            data["cnames"] = self.cnames
        if self.ede:
            data["ede"] = [{"code": c, "text": t} for c, t in self.ede]
        if self.ttl is not None:
            data["ttl"] = self.ttl
        if self.signed:
            data["signed"] = True
        return data


def normalize(name: str) -> str:
    return name.strip().rstrip(".").lower()


# RFC 1035 §3.3: one TXT character-string holds at most 255 octets.
TXT_STRING_LIMIT = 255


def quote_txt(value: str) -> str:
    """The TXT presentation form of `value` to publish: quoted, escaped, and split into strings
    of at most 255 octets. Zone files and DNS panels reject a longer string, and receivers join
    the strings of one record without a separator (RFC 7208 §3.3, RFC 9989 §4.5), so splitting
    anywhere keeps the record's meaning. Splits fall between characters, never inside one."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for char in value:
        octets = len(char.encode("utf-8"))
        if current and size + octets > TXT_STRING_LIMIT:
            chunks.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += octets
    chunks.append("".join(current))
    return " ".join('"' + c.replace("\\", "\\\\").replace('"', '\\"') + '"' for c in chunks)


def txt_fix(name: str, value: str) -> str:
    """A suggested TXT record as one zone-file line: `name. TXT "..." "..."`."""
    return f"{normalize(name)}. TXT {quote_txt(value)}"


_Record = TypeVar("_Record")


async def misplaced_lookup(
    resolver: Any,
    names: list[str],
    read: Callable[[str], _Record | None],
    unnamed_aliases: Collection[str] = (),
    rdtype: str = "TXT",
) -> tuple[list[tuple[str, _Record]], dict[str, str]]:
    """The records found at `names`, where senders never look (MTASTS-01's and TLSRPT-01's
    misplaced records): each TXT string `read` takes for one (it gives the parsed record, or
    None), by name, and the names among them that are an alias (name to its last target).
    The resolver follows a CNAME, so a record reached through one is the target's (no other
    data stands beside a CNAME, RFC 2181 §10.1): the alias is what goes (moved_fix). A name in
    `unnamed_aliases` that is an alias is left out: that alias serves something else (MTA-STS's
    policy host, the checked domain itself) and stays. A failed lookup says nothing. Another
    `rdtype` (DANE-01's TLSA) gives `read` each record's presentation text instead."""
    answers = await asyncio.gather(*(resolver.query(name, rdtype) for name in names))
    found: list[tuple[str, _Record]] = []
    aliases: dict[str, str] = {}
    unnamed = {normalize(n) for n in unnamed_aliases}
    for name, answer in zip(names, answers, strict=True):
        if answer.failed or (answer.cnames and normalize(name) in unnamed):
            continue
        raws = answer.raw_texts() if rdtype.upper() == "TXT" else answer.to_text()
        for raw in raws:
            record = read(raw)
            if record is None:
                continue
            found.append((name, record))
            if answer.cnames:
                aliases[name] = answer.cnames[-1]
    return found, aliases


def _misplaced_listed(
    misplaced: list[tuple[str, str]], aliases: Mapping[str, str] | None = None
) -> tuple[str, str]:
    """The names of misplaced (name, record) pairs and what each holds, in words; a name in
    `aliases` is a CNAME to its target, whose record it reaches (no TXT record stands beside
    a CNAME, RFC 2181 §10.1), and is said to be one."""
    aliases = aliases or {}
    names = " and ".join(dict.fromkeys(name for name, _ in misplaced))
    listed = "; ".join(
        f"{name}, an alias (CNAME) to {aliases[name]}, reaches {record!r}"
        if name in aliases
        else f"{name} holds {record!r}"
        for name, record in misplaced
    )
    return names, listed


def held_txt_records(answer: DnsAnswer) -> str:
    """The TXT records of `answer` as the owner would name them, for a finding saying that none
    is the record it looks for: 'a TXT record with an empty string' for an empty one (a DNS
    panel saving a blank value), the text quoted for any other (a long one by its start); ""
    when there are none."""
    held = [
        "a TXT record with an empty string"
        if not text.strip()
        else f"a TXT record {text if len(text) <= 120 else text[:120] + '…'!r}"
        for text in answer.texts()
    ]
    return series(held) if held else ""


def not_the_record(
    owner: str, held: str, count: int, record: str, records: str, begins: str, readers: str
) -> str:
    """The sentence saying that `owner` holds `held` (its `count` TXT records, as
    held_txt_records names them), which are not the record looked for: `record` for one ('a
    DMARC record'), `records` for several, what such a record begins with and where that is
    written in `begins` ('"v=DMARC1;", RFC 7489 §6.3'); `readers` ignore them."""
    one = count == 1
    return (
        f"{owner} holds {held}, which {'is not ' + record if one else 'are not ' + records} "
        f"(one begins {begins}), so {readers} ignore {'it' if one else 'them'}."
    )


def in_place_of_empty(fix: str, name: str, held: str, readers: str) -> str:
    """A fix publishing a TXT record at `name`, where `name` holds only empty TXT records
    (`held`, as held_txt_records names them): a record saved with its value left blank, whose
    value the record becomes. Another text is left alone: it may be a wildcard's (* TXT)
    answer, with no record at `name` to change. `readers`: who ignores the empty one."""
    if not held or f"{name}. TXT " not in fix or "'" in held:
        return fix
    return (
        f"{fix}\nPublish the record in place of "
        f"{held.replace('a TXT record', 'the TXT record')} at {name} (write it as that "
        f"record's value): {readers} ignore the empty one."
    )


def misplaced_note(
    what: str,
    home: str,
    rfc: str,
    misplaced: list[tuple[str, str]],
    aliases: Mapping[str, str] | None = None,
    null_mx_proposed: str = "",
    instead: str = "",
) -> str:
    """What a "no record" finding adds when a `what` record (MTA-STS, TLS-RPT) stands at a
    name senders never look at: (name, record) pairs, and where `rfc` puts it (`home`).
    `aliases`: the names that are a CNAME (name to target). `null_mx_proposed`: the domain,
    when MX-01 proposes it a null MX (mx.advises_no_mail): it is moved only if the domain is
    to receive mail; with the null MX the domain needs none (RFC 7505), so it goes.
    `instead`: the record senders read at `home` ('an STSv1 record'), when a misplaced one
    is of a version they discard: moved, it would still be discarded, so it goes and that
    one is published there (as the fix says)."""
    if not misplaced:
        return ""
    names, listed = _misplaced_listed(misplaced, aliases)
    them = "it" if len(misplaced) == 1 else "them"
    if instead and null_mx_proposed:
        then = (
            f": delete {them}, and publish {instead} there if {null_mx_proposed} is to receive "
            "mail; with the null MX that MX-01 proposes, it needs none."
        )
    elif instead:
        then = f", so delete {them} and publish {instead} there instead."
    elif null_mx_proposed:
        then = (
            f": move it there if {null_mx_proposed} is to receive mail; with the null MX that "
            "MX-01 proposes, it needs none, so delete it then."
        )
    else:
        then = ", so move it there."
    return (
        f" {what} record is published at {names}, where senders never look ({listed}): "
        f"{rfc} puts it at {home}{then}"
    )


def no_mail_misplaced_note(
    what: str, misplaced: list[tuple[str, str]], aliases: Mapping[str, str] | None = None
) -> str:
    """What a "does not apply" finding of a null-MX domain adds when `what` records (MTA-STS,
    TLS-RPT) stand at names senders never look at: (name, record) pairs. The domain needs
    none (RFC 7505 §3: no sender delivers to it), so they go, not move (moved_fix with no
    record to publish). `aliases`: the names that are a CNAME (name to target)."""
    if not misplaced:
        return ""
    names, listed = _misplaced_listed(misplaced, aliases)
    return (
        f" {what} record is published at {names}, where senders never look ({listed}): "
        "with the null MX the domain needs none, so it can be deleted."
    )


def moved_fix(
    fix: str,
    misplaced: list[tuple[str, str]],
    kept: dict[str, str] | None = None,
    aliases: Mapping[str, str] | None = None,
    either_way: bool = False,
) -> str:
    """The fix for a missing record beside misplaced ones: `fix` as it is (none: the deletes
    alone), then each misplaced (name, record) to delete. `kept`: for a name whose other
    records serve something (MTA-STS's policy host), what stays there: its TXT record alone
    is deleted. `aliases`: a name that is a CNAME (name to target) holds no TXT record to
    delete; the record is the target's, and the alias is what goes. `either_way`: `fix` gives
    two ways (MX-01's null MX, or mail and the record), and the deletes belong to both."""
    if not misplaced:
        return fix
    kept = kept or {}
    aliases = aliases or {}

    def delete(name: str, record: str) -> str:
        if name in aliases:
            target = normalize(aliases[name])
            return (
                f"Delete the alias at {name} (a CNAME to {target}, whose record it is), where "
                f"senders never look: {normalize(name)}. CNAME {target}."
            )
        if name in kept:
            return (
                f"Delete the TXT record at {name}, where senders never look (that record alone: "
                f"{kept[name]}): {txt_fix(name, record)}"
            )
        return f"Delete the record at {name}, where senders never look: {txt_fix(name, record)}"

    # An alias reaching several records is deleted once.
    lines = dict.fromkeys(delete(name, record) for name, record in misplaced)
    deletes = "\n".join(f"Either way, d{line[1:]}" if either_way else line for line in lines)
    return f"{fix}\n{deletes}" if fix else deletes


# RFC 7489 §6.2 size limit ("!10m") ending a report address.
_SIZE_SUFFIX = re.compile(r"![0-9]+[kmgtKMGT]?$")


def a_label_mailbox(address: str) -> str | None:
    """`local@domain` with a domain written in U-labels ("dmarc@bücher.example") given in
    A-labels ("dmarc@xn--bcher-kva.example"), else None. A URI holds ASCII only (RFC 3986
    §2), so a report address with a U-label domain is unusable as written, yet the mailbox the
    owner meant is certain: a suggested record keeps it in its A-label form rather than trade
    it for an invented one. A non-ASCII local part (RFC 6531) has no such form: None.

    A DMARC '!size' limit after the address ("d@bücher.example!10m", RFC 7489 §6.2) is no part
    of the domain: it is set aside for the conversion and put back after it."""
    size = _SIZE_SUFFIX.search(address)
    suffix = size.group(0) if size else ""
    address = address.removesuffix(suffix)
    local, at, domain = address.rpartition("@")
    if not at or not local or not local.isascii() or domain.isascii():
        return None
    try:
        name = dns.name.from_unicode(domain.rstrip("."), idna_codec=dns.name.IDNA_2008_UTS_46)
    except (dns.exception.DNSException, UnicodeError):
        return None
    return f"{local}@{name.to_text(omit_final_dot=True)}{suffix}"


# Where a report URI's scheme begins (RFC 7489 §6.2 and RFC 8460 §3 take mailto: and https:).
_REPORT_SCHEME_START = re.compile(r"(?=mailto:|https://)", re.IGNORECASE)


def split_at_schemes(text: str) -> list[str]:
    """`text` cut before each report URI scheme in it, when it starts with one and holds more
    than one: "mailto:d@example.commailto:e@example.net" is two URIs whose ',' is missing (two
    strings of a record joined with nothing added); else []. Whether each piece is a URI of
    its own is for the caller to judge (DMARC-12 and TLSRPT-06 judge differently)."""
    starts = [m.start() for m in _REPORT_SCHEME_START.finditer(text)]
    if len(starts) < 2 or starts[0] != 0:
        return []
    return [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]


def numeric_tld(name: str) -> bool:
    """True for a name whose last label is all digits (an IPv4 address written as a name)."""
    last = normalize(name).rsplit(".", 1)[-1]
    return last.isascii() and last.isdigit()


def _system_resolvers() -> tuple[tuple[str, int], ...]:
    try:
        resolver = dns.resolver.Resolver(configure=True)
    except dns.exception.DNSException:
        return ()
    port = resolver.port
    return tuple((str(ns), port) for ns in resolver.nameservers)


class DnsClient:
    def __init__(self, config: CheckConfig) -> None:
        self.config = config
        self.resolvers = config.resolvers or _system_resolvers()
        self._cache: dict[tuple[str, str, bool, bool], asyncio.Future[DnsAnswer]] = {}
        self.log: list[dict[str, Any]] = []
        self.questions = 0  # sent to the resolvers so far (MAX_QUESTIONS)

    async def query(
        self,
        name: str,
        rdtype: str,
        *,
        cd: bool = False,
        want_dnssec: bool = False,
        fresh: bool = False,
    ) -> DnsAnswer:
        """want_dnssec sets DO (RFC 3225) and keeps the response in `.message` (DNSSEC checks).
        A CD query always sets DO: it is only asked to diagnose a SERVFAIL, and only the RRSIGs
        in its answer tell bogus data from an unsigned zone. fresh asks again past the cache."""
        want_dnssec = want_dnssec or cd
        key = (normalize(name), rdtype.upper(), cd, want_dnssec)
        if numeric_tld(key[0]):
            # No top-level domain is all-numeric (RFC 1123 §2.1, RFC 3696 §2), so such a name
            # (typically an IP address written where a host name belongs, e.g. as MX data) is
            # NXDOMAIN at the root. Answer that directly: resolvers differ (some REFUSE it),
            # and a REFUSED would wrongly read as "could not check".
            return DnsAnswer(key[0], key[1], "NXDOMAIN", detail="all-numeric top-level label")
        if private_network_name(key[0]) and not self.config.allow_private_targets:
            return DnsAnswer(key[0], key[1], "NXDOMAIN", detail=PRIVATE_NAME_DETAIL)
        if fresh:
            return await self._resolve(key[0], key[1], cd, want_dnssec)
        future = self._cache.get(key)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._cache[key] = future
            try:
                answer = await self._resolve(key[0], key[1], cd, want_dnssec)
            except BaseException as exc:  # cancellation must not leave waiters hanging
                future.cancel()
                del self._cache[key]
                raise exc
            future.set_result(answer)
            return answer
        return await asyncio.shield(future)

    async def txt(self, name: str) -> DnsAnswer:
        return await self.query(name, "TXT")

    async def addresses(self, name: str) -> tuple[list[str], list[DnsAnswer]]:
        """A and AAAA of a host, concurrently. Returns (addresses, the two answers)."""
        a, aaaa = await asyncio.gather(self.query(name, "A"), self.query(name, "AAAA"))
        addrs = [r.to_text() for r in a.records] + [r.to_text() for r in aaaa.records]
        return addrs, [a, aaaa]

    async def _resolve(
        self, name: str, rdtype: str, cd: bool, want_dnssec: bool = False
    ) -> DnsAnswer:
        deadline = time.monotonic() + self.config.timeout
        answer = await self._ask(name, rdtype, cd, want_dnssec, deadline)
        seen = {normalize(name), *answer.cnames}
        for _ in range(CHAIN_REQUERIES):
            if not answer.chain_cut:
                return answer
            # RFC 1034 §5.3.3: the answer "may be a CNAME ... the resolver should ... restart
            # the query at the canonical name". Without the SOA of a NODATA (RFC 2308 §2.2)
            # an empty end is the resolver giving up (a forwarder, a chain limit, its own
            # timeout), not a missing record: ask for the last name within what is left.
            target = answer.cnames[-1]
            rest = await self._ask(target, rdtype, cd, want_dnssec, deadline)
            answer = _continued(answer, rest)
            loop = [c for c in rest.cnames if c in seen]
            if loop and answer.rcode in ANSWERED:
                # The second half of the chain leads back into the first (RFC 1034 §3.6.2).
                answer.rcode, answer.records, answer.chain_cut = "CNAMELOOP", [], False
                answer.detail = "CNAME loop: " + " -> ".join([normalize(name), *answer.cnames])
                return answer
            seen.update(rest.cnames)
        if answer.chain_cut:
            # Still no end after CHAIN_REQUERIES questions: not known, so "could not check".
            answer.rcode, answer.chain_cut = "CHAINCUT", False
            answer.detail = (
                f"the resolver stopped following the CNAME chain {CHAIN_REQUERIES + 1} times; "
                f"last alias {answer.cnames[-1]}"
            )
        return answer

    def _cut_at_private_name(self, answer: DnsAnswer) -> DnsAnswer | None:
        """`answer` as the internet sees it when its CNAME chain leads into a name reserved for
        private networks (private_network_name): NXDOMAIN at that name, with the chain up to
        it and nothing our resolver found past it; None when it leads into none, or private
        targets are allowed."""
        if self.config.allow_private_targets:
            return None
        for index, alias in enumerate(answer.cnames):
            if private_network_name(alias):
                return DnsAnswer(
                    answer.name,
                    answer.rdtype,
                    "NXDOMAIN",
                    cnames=answer.cnames[: index + 1],
                    detail=f"{alias} is {PRIVATE_NAME_DETAIL}",
                )
        return None

    async def _ask(
        self, name: str, rdtype: str, cd: bool, want_dnssec: bool, deadline: float
    ) -> DnsAnswer:
        """One question to the resolvers by `deadline`, logged; none past MAX_QUESTIONS."""
        if self.questions >= MAX_QUESTIONS:
            return DnsAnswer(
                name,
                rdtype,
                "NOTASKED",
                detail=f"not asked: mailsec asks at most {MAX_QUESTIONS} DNS questions in one "
                "check, and this domain's records named more names than that",
            )
        self.questions += 1
        started = time.monotonic()
        answer = await self._exchange(name, rdtype, cd, want_dnssec, deadline)
        # Before it is logged: the query log is evidence, shown with the report.
        answer = self._cut_at_private_name(answer) or answer
        answer.elapsed_ms = round((time.monotonic() - started) * 1000, 1)
        self.log.append(
            {
                "name": name,
                "type": rdtype,
                **({"cd": True} if cd else {}),
                **({"do": True} if want_dnssec else {}),
                "rcode": answer.rcode,
                "ad": answer.ad,
                "ms": answer.elapsed_ms,
                "answers": answer.to_text()[:20],
                **({"ede": answer.ede} if answer.ede else {}),
            }
        )
        return answer

    def _no_answer(self) -> str:
        """A lookup's words when none of our resolvers answered in time. Not their addresses:
        the free check is public, and "no answer from 127.0.53.2:53" showed strangers our
        internal resolver and read as if that were one of the domain's servers (s39j). The
        CLI's resolvers are the user's own (CheckConfig.resolvers_are_users): named, not ours."""
        return f"no answer from {self.resolvers_named()} within {self.config.timeout:g} s"

    def resolvers_named(self) -> str:
        """The resolvers asked, as findings name them: "our resolver(s)" in the app, without
        the address (s39j); the user's own in the CLI (CheckConfig.resolvers_are_users), named
        as given: "the resolver 192.0.2.53:53", "the resolvers 192.0.2.53:53, [2001:db8::53]:53"."""
        several = len(self.resolvers) > 1
        if not self.config.resolvers_are_users:
            return "our resolvers" if several else "our resolver"
        named = ", ".join(resolver_label(host, port) for host, port in self.resolvers)
        return f"the resolvers {named}" if several else f"the resolver {named}"

    def _whose(self, host: str, port: int) -> str:
        """The resolver a network failure came from, in the words _no_answer uses."""
        if self.config.resolvers_are_users:
            return f"the resolver {resolver_label(host, port)}"
        return "our resolver"

    @staticmethod
    def _make_query(
        qname: dns.name.Name,
        qtype: dns.rdatatype.RdataType,
        cd: bool,
        want_dnssec: bool,
        *,
        edns: bool,
    ) -> dns.message.Message:
        if edns:
            message = dns.message.make_query(
                qname, qtype, use_edns=0, payload=1232, want_dnssec=want_dnssec
            )
        else:
            message = dns.message.make_query(qname, qtype, use_edns=False)
        # AD in the query asks a validating resolver to report validation (RFC 6840 §5.7)
        # without the weight of DO and RRSIGs; CD turns validation off for bogus diagnosis.
        message.flags |= dns.flags.AD
        if cd:
            message.flags |= dns.flags.CD
        return message

    async def _exchange(
        self, name: str, rdtype: str, cd: bool, want_dnssec: bool, deadline: float
    ) -> DnsAnswer:
        try:
            qname = dns.name.from_text(name)
            qtype = dns.rdatatype.from_text(rdtype)
        except (dns.exception.DNSException, ValueError) as exc:
            return DnsAnswer(name, rdtype, "BADNAME", detail=str(exc))
        if not self.resolvers:
            return DnsAnswer(name, rdtype, "NETWORK", detail="no resolver configured")
        queries = {
            edns: self._make_query(qname, qtype, cd, want_dnssec, edns=edns)
            for edns in (True, False)
        }
        no_edns: set[int] = set()  # resolvers that answered FORMERR to EDNS
        # Resolvers whose last UDP try got nothing: the next try goes over TCP, which every
        # resolver must serve (RFC 7766 §5, RFC 9210 §3). A resolver behind a filter that
        # drops UDP, or one listening on TCP only, was otherwise a timeout every time.
        over_tcp: set[int] = set()
        # Resolvers whose TCP try failed (refused, hung up): UDP only for them from then on. A
        # forwarder that serves no TCP must still get its UDP retry after one lost datagram.
        no_tcp: set[int] = set()
        errors = 0  # network errors, not timeouts: enough of them end the lookup early
        attempt = 0
        last = DnsAnswer(name, rdtype, "TIMEOUT", detail=self._no_answer())
        while time.monotonic() < deadline:
            index = attempt % len(self.resolvers)
            host, port = self.resolvers[index]
            message = queries[index not in no_edns]
            attempt += 1
            per_try = min(max(self.config.timeout / 3, 1.0), deadline - time.monotonic())
            if per_try <= 0:
                break
            try:
                # A datagram from another address, with another ID or for another question is
                # no answer (RFC 5452 §4.1-4.3): drop it and keep listening for the real one.
                # Raising on it let a single forged packet turn the lookup into "could not
                # check"; it was never used as an answer either way.
                # The bound covers the TCP fallback after a truncated answer too: dnspython
                # gives it a timeout of its own, so one try could run to twice its share.
                async with asyncio.timeout(per_try):
                    if index in over_tcp:
                        response = await dns.asyncquery.tcp(
                            message, host, timeout=per_try, port=port
                        )
                    else:
                        response, _ = await dns.asyncquery.udp_with_fallback(
                            message,
                            host,
                            timeout=per_try,
                            port=port,
                            ignore_unexpected=True,
                            ignore_errors=True,
                        )
            except (TimeoutError, dns.exception.Timeout):  # before OSError: TimeoutError is one
                last = DnsAnswer(name, rdtype, "TIMEOUT", detail=self._no_answer())
                if index not in no_tcp:
                    over_tcp ^= {index}  # UDP and TCP in turn
                continue
            except (OSError, EOFError, ValueError, dns.exception.DNSException) as exc:
                if index in over_tcp:
                    over_tcp.discard(index)
                    no_tcp.add(index)
                elif index not in no_tcp:
                    over_tcp.add(index)
                errors += 1
                # EOFError: a TCP peer that closed without replying (dnspython's own); a
                # ValueError from a reply that does not parse. Both escaped and sank the whole
                # mechanism as an internal error.
                last = DnsAnswer(
                    name, rdtype, "NETWORK", detail=_network_failure(exc, self._whose(host, port))
                )
                if errors >= 2 * len(self.resolvers):
                    break
                await asyncio.sleep(0.05)
                continue
            if (
                response.rcode() == dns.rcode.FORMERR
                and response.edns < 0
                and message.edns >= 0
                and not want_dnssec
            ):
                # RFC 6891 §7: a server that does not implement EDNS answers FORMERR without
                # an OPT record; §6.2.2: ask it again without one, once, within what is left of
                # the timeout. Other resolvers keep EDNS. Not for the DNSSEC checks: without
                # EDNS there is no DO bit (RFC 3225), so no signatures and no AD could come
                # back, and "unsigned" would be read off a resolver that cannot validate
                # (RFC 4035 §3.2.1): its FORMERR stays a failed try ("could not check").
                no_edns.add(index)
                attempt -= 1
                continue
            parsed = self._parse(name, rdtype, response)
            if want_dnssec:
                parsed.message = response
            # Another resolver may know better after a SERVFAIL, REFUSED (an ACL), NOTIMP or
            # FORMERR: each is one resolver's trouble, not an answer about the name. Keep the
            # first real answer otherwise.
            if parsed.failed and attempt < len(self.resolvers):
                last = parsed
                continue
            return parsed
        return last

    @staticmethod
    def _parse(name: str, rdtype: str, response: dns.message.Message) -> DnsAnswer:
        rcode = dns.rcode.to_text(response.rcode())
        ede = [
            (opt.code, opt.text or "")
            for opt in response.options
            if isinstance(opt, dns.edns.EDEOption)
        ]
        answer = DnsAnswer(name, rdtype, rcode, ad=bool(response.flags & dns.flags.AD), ede=ede)
        # NXDOMAIN is about the END of a CNAME chain (RFC 6604 §2.1): the aliases in the answer
        # section still exist and must be reported, e.g. a dangling alias as MX target (MX-04).
        if rcode not in ("NOERROR", "NXDOMAIN"):
            return answer
        # Walk the CNAME chain from the query name, as a stub resolver would, to its end: a
        # fixed cap (it was 16) called a longer chain whose records were in the answer empty.
        current = dns.name.from_text(name)
        qtype = dns.rdatatype.from_text(rdtype)
        seen = {current}
        while True:
            rrset = response.get_rrset(response.answer, current, dns.rdataclass.IN, qtype)
            if rrset is not None:
                if rcode == "NOERROR":  # records next to NXDOMAIN are not an answer
                    answer.records = list(rrset)
                    answer.ttl = rrset.ttl
                break
            cname = response.get_rrset(
                response.answer, current, dns.rdataclass.IN, dns.rdatatype.CNAME
            )
            if cname is None or qtype == dns.rdatatype.CNAME:
                break
            current = cname[0].target
            answer.cnames.append(normalize(current.to_text()))
            if current in seen:
                # RFC 1034 §3.6.2: CNAME loops are "signalled as an error" (resolvers answer
                # SERVFAIL). The name has no data, yet calling it NODATA would read as a
                # clean "no record". Its own rcode: no DNSSEC bogus diagnosis of a SERVFAIL.
                answer.rcode = "CNAMELOOP"
                answer.detail = "CNAME loop: " + " -> ".join([normalize(name), *answer.cnames])
                break
            seen.add(current)
        answer.chain_cut = (
            answer.rcode == "NOERROR"
            and bool(answer.cnames)
            and not answer.records
            and not any(r.rdtype == dns.rdatatype.SOA for r in response.authority)
        )
        answer.signed = _carries_signatures(response, qtype, bool(answer.records))
        return answer


def resolver_label(host: str, port: int) -> str:
    """'192.0.2.53:53', '[2001:db8::53]:53': a resolver as the user gives it (--resolver)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _network_failure(exc: BaseException, whose: str = "our resolver") -> str:
    """What went wrong between us and the resolver `whose` (DnsClient._whose), in words: for
    ours without its address (see DnsClient._no_answer), asyncio's "Connect call failed
    ('127.0.53.2', 53)" names it."""
    if isinstance(exc, EOFError):  # dnspython's, for a TCP peer that closed without replying
        return f"{whose} closed the connection without an answer"
    if isinstance(exc, OSError):
        return f"could not reach {whose}: {net.os_error_text(exc)}"
    return f"{whose}'s answer could not be read: {exc or type(exc).__name__}"


def _continued(first: DnsAnswer, rest: DnsAnswer) -> DnsAnswer:
    """The answer for `first`'s name, from the answer for the last alias of its chain: the end
    of the chain decides the rcode and the records (RFC 6604 §2.1), the aliases add up, and it
    is validated (AD) only when both parts were."""
    if rest.failed:
        detail = (
            f"the resolver stopped following the CNAME chain at {rest.name}, and asking for it "
            f"got {rest.rcode}" + (f" ({rest.detail})" if rest.detail else "")
        )
    else:
        detail = rest.detail
    return DnsAnswer(
        name=first.name,
        rdtype=first.rdtype,
        rcode=rest.rcode,
        records=rest.records,
        ad=first.ad and rest.ad,
        ede=first.ede + rest.ede,
        cnames=first.cnames + rest.cnames,
        ttl=rest.ttl,
        signed=rest.signed,
        elapsed_ms=first.elapsed_ms + rest.elapsed_ms,
        detail=detail,
        message=rest.message,
        chain_cut=rest.chain_cut,
    )


def _carries_signatures(response: dns.message.Message, qtype: int, has_records: bool) -> bool:
    """RRSIGs for the answer: over the asked type when records came back, else over the CNAME
    chain or the NSEC/NSEC3 proof of absence (authority section)."""

    def covered(section: list[dns.rrset.RRset]) -> set[int]:
        return {r.covers for r in section if r.rdtype == dns.rdatatype.RRSIG}

    in_answer = covered(response.answer)
    if has_records:
        # A signed CNAME counts: the chain starts in signed data, so the second plain try
        # (not the delegation's DS) tells a transient failure from a bogus signature.
        return qtype in in_answer or dns.rdatatype.CNAME in in_answer
    proofs = {dns.rdatatype.NSEC, dns.rdatatype.NSEC3}
    return dns.rdatatype.CNAME in in_answer or bool(covered(response.authority) & proofs)


# Authoritative servers answer on port 53 (RFC 1035 §4.2); tests point it elsewhere.
AUTHORITATIVE_PORT = 53
# At most this many authoritative addresses are asked, all at once, for a published TTL.
AUTHORITATIVE_TRIES = 4


@dataclass
class PublishedTtl:
    """The TTL a zone's own server publishes for an RRset, and who said so."""

    name: str
    rdtype: str
    ttl: int
    zone: str
    server: str  # "ns1.example.net [192.0.2.53]"

    def evidence(self) -> dict[str, Any]:
        return {
            "query": f"{self.name} {self.rdtype}",
            "ttl": self.ttl,
            "zone": self.zone,
            "server": self.server,
        }


async def published_ttl(
    client: _Querier, config: CheckConfig, name: str, rdtype: str
) -> PublishedTtl | None:
    """The TTL of name/rdtype as its zone publishes it, asked of the zone's authoritative
    servers with recursion off; None when none of them answers it with authority.

    A resolver's answer carries what is left of its cached copy (RFC 1035 §3.2.1: the TTL
    counts down while cached), often cut further by its own cap (unbound's cache-max-ttl),
    so a record published with 3600 s reads as 2874 s or 5 s there: no ground for a verdict
    about the TTL the owner chose."""
    # One deadline for all of it: a note that is info at most must not hold a check up for
    # the zone's, its name servers' and their addresses' lookups one after another.
    limit = min(config.timeout, 3.0)
    try:
        async with asyncio.timeout(3 * limit):
            return await _published_ttl(client, config, normalize(name), rdtype, limit)
    except TimeoutError:
        return None


async def _published_ttl(
    client: _Querier, config: CheckConfig, name: str, rdtype: str, limit: float
) -> PublishedTtl | None:
    zone, servers = await _zone_servers(client, name)
    if not zone:
        return None
    servers = servers[:AUTHORITATIVE_TRIES]
    looked_up = await asyncio.gather(*(client.addresses(server) for server in servers))
    targets: list[tuple[str, str]] = []
    for server, (addresses, _) in zip(servers, looked_up, strict=True):
        for address in addresses[:2]:
            try:
                net.guard(address, config)
            except (net.TargetRefused, ValueError):
                continue
            targets.append((server, address))
    targets = targets[:AUTHORITATIVE_TRIES]
    ttls = await asyncio.gather(
        *(
            _authoritative_ttl(name, rdtype, address, AUTHORITATIVE_PORT, limit)
            for _, address in targets
        )
    )
    for (server, address), ttl in zip(targets, ttls, strict=True):
        if ttl is not None:
            return PublishedTtl(name, rdtype, ttl, zone, f"{server} [{address}]")
    return None


async def _zone_servers(client: _Querier, name: str) -> tuple[str, list[str]]:
    """The zone holding `name` and its name servers: the nearest name at or above it with an
    NS RRset (a zone's apex, RFC 1034 §4.2.1). A top-level domain is nobody's own zone."""
    labels = name.split(".")
    for start in range(len(labels) - 1):
        candidate = ".".join(labels[start:])
        ns = await client.query(candidate, "NS")
        if ns.failed:
            return "", []
        if ns.exists and not ns.cnames:
            return candidate, [normalize(r.target.to_text()) for r in ns.records]
    return "", []


async def _authoritative_ttl(
    name: str, rdtype: str, address: str, port: int, limit: float
) -> int | None:
    """The TTL of name/rdtype from one server, when it answers with authority (AA)."""
    query = dns.message.make_query(name, rdtype, use_edns=0, payload=1232)
    query.flags &= ~dns.flags.RD
    try:
        # The whole exchange within the limit: dnspython gives the TCP fallback after a
        # truncated answer a timeout of its own.
        async with asyncio.timeout(limit):
            response, _ = await dns.asyncquery.udp_with_fallback(
                query, address, timeout=limit, port=port
            )
    except (dns.exception.DNSException, OSError, EOFError, ValueError, TimeoutError):
        return None
    if response.rcode() != dns.rcode.NOERROR or not response.flags & dns.flags.AA:
        return None  # a referral or a server that is not authoritative for the zone
    rrset = response.get_rrset(
        response.answer,
        dns.name.from_text(name),
        dns.rdataclass.IN,
        dns.rdatatype.from_text(rdtype),
    )
    return None if rrset is None else int(rrset.ttl)
