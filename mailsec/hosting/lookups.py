"""DNS facts about a hosted domain, always through the engine's resolver (checks.dns), never the
system's: in the lab and in production they differ, and a cached system answer would hide a
customer's change."""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field, replace

from django.conf import settings

from checks.config import CheckConfig
from checks.dns import DnsAnswer, DnsClient, normalize
from checks.domainname import quoted
from checks.mtasts import parse_sts_record, quoted_sts
from checks.tasks import engine_config
from mailsec.domains.models import VERIFY_MIN_LOOKUP

# What a lookup not asked for want of time answers (a TIMEOUT: could not look up).
NO_TIME_LEFT = "the press ran out of time before asking"


def client() -> DnsClient:
    return DnsClient(engine_config())


class PressClient(DnsClient):
    """The engine's resolver for a person pressing a hosting button, who waits for its lookups
    inside the web request: every lookup ends by `deadline` (time.monotonic()), getting the
    engine's timeout or what is left if that is less, and none is asked with less than
    VERIFY_MIN_LOOKUP seconds left (a TIMEOUT, unasked). The deadline rides on the client,
    the argument each lookup here already takes: live_mx's address lookups after its MX
    lookup get what the MX lookup left, not another whole timeout."""

    def __init__(self, config: CheckConfig, deadline: float) -> None:
        super().__init__(config)
        self.deadline = deadline

    async def query(
        self,
        name: str,
        rdtype: str,
        *,
        cd: bool = False,
        want_dnssec: bool = False,
        fresh: bool = False,
    ) -> DnsAnswer:
        left = self.deadline - time.monotonic()
        if left < VERIFY_MIN_LOOKUP:
            return DnsAnswer(normalize(name), rdtype.upper(), "TIMEOUT", detail=NO_TIME_LEFT)
        if left < self.config.timeout:
            # A lookup's timeout is its client's: one of its own, shorter (past this cache).
            shorter = DnsClient(replace(self.config, timeout=left))
            return await shorter.query(name, rdtype, cd=cd, want_dnssec=want_dnssec, fresh=fresh)
        return await super().query(name, rdtype, cd=cd, want_dnssec=want_dnssec, fresh=fresh)


def press_client(budget: float) -> PressClient:
    """client(), for a press whose lookups must all end within `budget` seconds from now."""
    return PressClient(client().config, time.monotonic() + budget)


@dataclass
class MxLookup:
    hosts: list[str]
    # SERVFAIL, a timeout...: we could not find out
    failed: bool = False
    detail: str = ""
    # NXDOMAIN: the domain does not exist, or a resolver said so for a moment
    nxdomain: bool = False
    # No MX records and no address (A or AAAA) at the domain either: no implicit MX (RFC 5321
    # §5.1 takes the domain's address as one only "if an A RR is found"), so no host receives
    # its mail, as with a null MX.
    no_address: bool = False
    # MX hosts that are aliases (CNAME), with the name the chain ends at (the engine's MX-04),
    # and the hosts whose address lookup got no answer: whether they are is not known.
    aliases: dict[str, str] = field(default_factory=dict)
    alias_unknown: set[str] = field(default_factory=set)
    # Of `aliases`, those whose chain ends at a name that does not exist (NXDOMAIN): a
    # dangling alias, which no sender can deliver to (the engine's MX-04 cname_dangling).
    dangling: set[str] = field(default_factory=set)
    # A null MX (`MX 0 .`) published beside real MX records (the engine's MX-02 fail, RFC 7505
    # §3): senders still deliver to `hosts`, which the policy follows; the null MX is no host.
    null_beside: bool = False

    @property
    def unusable(self) -> str:
        """Why this answer must not change which hosts a policy lists ("" when it may): a
        failed lookup says nothing, NXDOMAIN is as often a transient resolver or delegation
        problem as a real deletion, and a null MX (RFC 7505, or no host at all) leaves no mx
        for a testing/enforce policy. The last good policy stays served meanwhile."""
        if self.failed:
            return f"the MX lookup failed ({self.detail})"
        if self.nxdomain:
            return f"the MX lookup answered NXDOMAIN ({self.detail}): the domain does not exist"
        if self.no_address:
            return (
                "the domain has no MX records and no address (A or AAAA) to deliver to "
                "instead (RFC 5321 §5.1): it receives no mail"
            )
        if not self.hosts:
            return "the domain publishes a null MX (MX 0 .): it says it receives no mail"
        return ""


async def live_mx(dns: DnsClient, domain: str) -> MxLookup:
    answer = await dns.query(domain, "MX")
    if answer.failed or answer.rcode not in ("NOERROR", "NXDOMAIN"):
        return MxLookup([], failed=True, detail=answer.describe_failure())
    if answer.nxdomain:
        # Not RFC 5321's implicit MX: that is for a name that exists without MX records.
        return MxLookup([], nxdomain=True, detail=f"NXDOMAIN for {domain} MX")
    if not answer.exists:
        # RFC 5321 §5.1: no MX means the domain itself receives the mail, at its address "if
        # an A RR is found" (or AAAA). Without one no host receives it: read as a null MX is
        # (the last good policy stays), not as an MX host named after the domain that would
        # start the real hosts' removal. A failed address lookup tells neither.
        a, aaaa = await asyncio.gather(dns.query(domain, "A"), dns.query(domain, "AAAA"))
        if a.records or aaaa.records:
            return MxLookup([domain])
        failed = [x for x in (a, aaaa) if x.failed or x.rcode not in ("NOERROR", "NXDOMAIN")]
        if failed:
            return MxLookup([], failed=True, detail=failed[0].describe_failure())
        return MxLookup([], no_address=True, detail=f"no MX, A or AAAA records for {domain}")
    hosts = [normalize(r.exchange.to_text()) for r in answer.records]  # type: ignore[attr-defined]
    found = MxLookup(sorted({h for h in hosts if h}))  # a null MX ("." -> "") is no host
    found.null_beside = bool(found.hosts) and "" in hosts
    await _aliases(dns, found)
    return found


async def _aliases(dns: DnsClient, found: MxLookup) -> None:
    """Which of `found`'s hosts are aliases: an MX target must not be a CNAME (RFC 2181
    §10.3; RFC 5321 §5.1 puts one "outside the scope" of SMTP), and senders may refuse it.
    The policy lists the MX record's name all the same: that is what MTA-STS senders match
    (RFC 8461 §4.1). One address lookup per host, as the engine's MX-04 makes."""
    answers = await asyncio.gather(*(dns.query(h, "A") for h in found.hosts))
    for host, answer in zip(found.hosts, answers, strict=True):
        if answer.failed:
            found.alias_unknown.add(host)
        elif answer.cnames:
            found.aliases[host] = answer.cnames[-1]
            if answer.nxdomain:
                found.dangling.add(host)


async def resolver_answers(dns: DnsClient) -> bool:
    """Does our resolver answer at all? A lookup of our own policy host (NXDOMAIN is an
    answer too). When it fails as well, a customer's failing MX lookups are most likely our
    resolver's outage, not their name servers: nothing to tell them about. (A policy host
    the client answers without asking, as the all-numeric default of a development machine,
    says nothing either way: it counts as answering.)"""
    ours = normalize(settings.MAILSEC_POLICY_HOST)
    if not ours:
        return True  # nothing of ours to ask about: the customer's failure stands alone
    return not (await dns.query(ours, "A")).failed


# The detail points_at_us gives when its lookup failed: "could not check", not "missing".
LOOKUP_FAILED = "could not look up"
# How points_at_us's detail ends for a dangling alias: a CNAME (chain) ending at a name that
# does not exist. Its state is "missing" for the sync (service.policy_host_told), as before.
DANGLING = ", a name that does not exist"


# How it ends for a CNAME (chain) ending at a name that exists but has no address (A or
# AAAA): no policy is fetched there either. State "missing", as when it read "does not exist
# yet" (s42zE: the name exists, as an alias).
NO_ADDRESS = ", which has no address"

# Why a name leads nowhere (Leads.why, for state "missing"): no such name ("gone"), a CNAME
# (chain) to a name that does not exist ("dangling") or to one with no address
# ("no_address"), or a name holding other records (TXT, MX) but no address and no CNAME
# ("records"). Code reads these, not the words (task s43f: dangling() and no_address() read
# the words' endings).
GONE, DANGLING_CNAME, NO_ADDRESS_CNAME, OTHER_RECORDS = "gone", "dangling", "no_address", "records"


def dangling(detail: str) -> bool:
    """Whether points_at_us's `detail` tells of a dangling CNAME (by its Leads.why)."""
    return getattr(detail, "why", "") == DANGLING_CNAME


def no_address(detail: str) -> bool:
    """Whether points_at_us's `detail` tells of a CNAME to a name with no address."""
    return getattr(detail, "why", "") == NO_ADDRESS_CNAME


def other_records(detail: str) -> bool:
    """Whether points_at_us's `detail` tells of a name holding records other than an address
    or a CNAME (a TXT, an MX) and nothing senders can fetch a policy from."""
    return getattr(detail, "why", "") == OTHER_RECORDS


class Leads(str):
    """points_at_us's detail: its words, for people, and `state`, for code: "ours", "missing"
    (no such name, no address, or a CNAME to a name that does not exist), "elsewhere" or
    "unknown" (a lookup failed); for "missing", `why` says which (GONE, DANGLING_CNAME,
    NO_ADDRESS_CNAME, OTHER_RECORDS; "" from a stand-in: read as GONE). The sync and the
    records panel read these, not the words, which may change (s42q reworded the dangling
    CNAME's; review s42zD; s43f)."""

    state: str
    why: str

    def __new__(cls, words: str, state: str, why: str = "") -> Leads:
        leads = super().__new__(cls, words)
        leads.state = state
        leads.why = why
        return leads

    def __getnewargs__(self) -> tuple[str, str, str]:  # type: ignore[override]
        # Copied and pickled with its state (str's gives the words alone).
        return str(self), self.state, self.why


def leads_state(ours: bool, detail: str) -> str:
    """Where points_at_us found the name leading: its detail's state; for a detail that
    carries none (not points_at_us's own), "ours", "unknown" (LOOKUP_FAILED) or "elsewhere"."""
    if isinstance(detail, Leads):
        return detail.state
    if ours:
        return "ours"
    return "unknown" if detail.startswith(LOOKUP_FAILED) else "elsewhere"


# How many of a name's TXT or MX records points_at_us quotes, and how much of each.
_SHOWN_RECORDS, _SHOWN_CHARS = 2, 80


async def _other_records(dns: DnsClient, name: str) -> str:
    """What `name` (with no address and no CNAME, not NXDOMAIN) holds of TXT and MX records,
    in words ('a TXT record "v=STSv1; id=1"'), or "" when it holds neither (or their lookup
    failed: the name then reads as before, "does not exist yet")."""
    txt, mx = await asyncio.gather(dns.query(name, "TXT"), dns.query(name, "MX"))
    parts = []
    for kind, values in (
        ("TXT", [] if txt.failed else txt.texts()),
        ("MX", [] if mx.failed else [r.to_text() for r in mx.records]),
    ):
        if not values:
            continue
        # Cut short and with control and format characters escaped, as every message quoting
        # what someone else wrote is: a TXT record is anyone's text (an escape sequence or a
        # bidi override would garble or reorder the records panel around it; review s43z).
        shown = [quoted(v, _SHOWN_CHARS) for v in values[:_SHOWN_RECORDS]]
        more = f" and {len(values) - _SHOWN_RECORDS} more" if len(values) > _SHOWN_RECORDS else ""
        listed = ", ".join(f'"{v}"' if kind == "TXT" else v for v in shown) + more
        one = "an MX record" if kind == "MX" else "a TXT record"
        what = one if len(values) == 1 else f"{len(values)} {kind} records"
        parts.append(f"{what} ({listed})")
    return " and ".join(parts)


async def points_at_us(dns: DnsClient, name: str) -> tuple[bool, str]:
    """Does `name` lead to our policy host: a CNAME chain ending there, or only our addresses?
    The detail starts with LOOKUP_FAILED when that could not be found out; its state (Leads)
    says where the name leads, for code."""
    ours_name = normalize(settings.MAILSEC_POLICY_HOST)
    answer = await dns.query(name, "A")
    if answer.failed:
        return False, Leads(f"{LOOKUP_FAILED} {name}: {answer.describe_failure()}", "unknown")
    if ours_name in answer.cnames:
        return True, Leads(f"{name} is a CNAME to {ours_name}", "ours")
    theirs, their_answers = await dns.addresses(name)
    ours, our_answers = await dns.addresses(ours_name)
    if theirs and ours and set(theirs) <= set(ours):
        return True, Leads(f"{name} has our addresses ({', '.join(theirs)})", "ours")
    # Addresses compared with ours that could not all be looked up prove nothing: a timeout
    # of our own name (or of the name's other family, when it has none of this one) read as
    # "points elsewhere" or "does not exist" told the team their name had left us.
    unknown = [a for a in (our_answers if theirs else their_answers) if a.failed]
    if unknown:
        failure = f"{LOOKUP_FAILED} {unknown[0].name}: {unknown[0].describe_failure()}"
        return False, Leads(failure, "unknown")
    if not theirs and answer.cnames:
        # A CNAME left behind (a former provider's name, since deleted): no policy is fetched
        # there, and whoever claims that name where it points (a provider's namespace) serves
        # mta-sts.<domain>. Not "does not exist yet": the name exists, as an alias (s42q);
        # nor where the chain ends at a name with no address (s42zE).
        chain = answer.cnames[0]
        if len(answer.cnames) > 1:
            chain += f", which leads on to {answer.cnames[-1]}"
        end, why = (DANGLING, DANGLING_CNAME) if answer.nxdomain else (NO_ADDRESS, NO_ADDRESS_CNAME)
        return False, Leads(f"{name} is a CNAME to {chain}{end}", "missing", why)
    if not theirs and not answer.nxdomain:
        # The name exists with no address and no CNAME: a TXT or MX published there (an
        # MTA-STS record put at mta-sts.<domain> instead of _mta-sts.<domain>, a mail host's
        # records) is said as that, not "does not exist yet" (task s43f).
        held = await _other_records(dns, name)
        if held:
            words = f"{name} has no address and no CNAME, only {held}"
            return False, Leads(words, "missing", OTHER_RECORDS)
    if not theirs:
        return False, Leads(f"{name} does not exist yet", "missing", GONE)
    elsewhere = f"{name} points elsewhere ({', '.join(answer.cnames + theirs)})"
    return False, Leads(elsewhere, "elsewhere")


@dataclass
class RecordState:
    """The customer's _mta-sts record: `cname` (into our zone), `txt` (plain, current id),
    `stale` (plain, another id), `invalid` (plain, one that senders discard as syntactically
    invalid, whatever its id), `own` (one plain record while we have no id: hosting is not
    on, so it is the record of the owner's own policy), `missing`, `other` (something else)
    or `error`."""

    state: str
    detail: str
    found_id: str = ""
    # Where the name is an alias to (not into our zone), for the record to publish instead.
    cname: str = ""
    # The ids of a stale record or of several records, whose words name the policy's id:
    # a sync that changes the id words them again with the new one (for_id); and those
    # found through a CNAME elsewhere (the records to remove once hosting is off).
    ids: tuple[str, ...] = ()
    name: str = ""
    # Our zone's name for the domain ("" without a zone of ours), for a stale record's words.
    zone_name: str = ""
    # How many records an "invalid" reading tells: several when none is one §3.1 counts.
    discarded: int = 1

    def for_id(self, policy_id: str) -> RecordState:
        """This reading, its words naming `policy_id` (the id after a sync changed it) where
        they name the policy's id: "the policy's id is <old>" beside "New policy id <new>"
        told the owner an id senders are about to drop (s41n)."""
        if self.state == "stale":
            return replace(
                self, detail=_stale_words(self.name, self.ids, policy_id, self.zone_name)
            )
        if self.state == "other" and len(self.ids) > 1 and not self.cname:
            return replace(self, detail=_several_words(self.name, self.ids, policy_id))
        return self

    def stale_found(self, policy_id: str) -> str:
        """A stale record's words naming `policy_id`, without offering the CNAME into our
        zone: for a notice that gives that record itself, with the zone's name, after them
        (service.record_told). "(or CNAME it to our zone)" before it offered it twice (s42h)."""
        return _stale_words(self.name, self.ids, policy_id, self.zone_name, offer=False)


def _stale_words(
    name: str, ids: tuple[str, ...], policy_id: str, zone_name: str, offer: bool = True
) -> str:
    # Without a zone of ours there is nothing to CNAME to: the id in the TXT is the owner's to
    # set, as the hosting page says then ("you set the id we email you each time it changes").
    # With one, the records panel's row gives its name as the value to publish; a notice
    # giving the record itself says it there, once (offer=False).
    update = (
        ("update it (or CNAME it to our zone)" if offer else "update it")
        if zone_name
        else "update it: the id in this record is yours to set, the one we email you each "
        "time it changes"
    )
    return (
        f"{name} has id={', '.join(ids)} but the policy's id is {policy_id}: senders will not "
        f"refetch the policy until you {update}."
    )


def _several_words(name: str, ids: tuple[str, ...], policy_id: str) -> str:
    # RFC 8461 §3.1: not exactly one record, no policy at all; the current id in one of
    # them helps nothing, and "update the id" would be the wrong advice. Before hosting
    # is on there is no id of ours to name: the one to keep is the owner's own.
    keep = f"Keep one: v=STSv1; id={policy_id};" if policy_id else "Keep one of them."
    return (
        f"{name} has {len(ids)} MTA-STS records (id={', '.join(ids)}): senders ignore "
        f"them all and apply no policy (RFC 8461 §3.1). {keep}"
    )


# The engine's reason for an invalid record (checks.mtasts.parse_sts_record) ends with what
# senders do and, often, with its own fix. The hosting notice says once what senders do and
# gives the one record to publish, with our id: both are left out of the reason (s41n).
_SENDERS_DO = re.compile(r",? (?:so|and) senders\b[^.]*\.$")
_ENGINE_FIX = ("Retype ", "Remove ", "Write ", "Keep ")


def invalid_reason(message: str, raw: str) -> str:
    """The engine's `message` for the invalid record `raw`, as the hosting notice quotes it
    after the record itself: without the record quoted again, what senders do or a fix."""
    # The notice has just quoted the record as published: not again in the reason.
    message = message.replace(f"The record {raw.strip()!r} ", "It ", 1)
    message = message.replace(repr(raw.strip()), "the whole record")
    kept = []
    for sentence in re.split(r"(?<=\.) (?=[A-Z])", message):
        if sentence.startswith(_ENGINE_FIX):
            continue
        kept.append(_SENDERS_DO.sub(".", sentence))
    return " ".join(kept)


def _meant_as_sts(raw: bytes) -> bool:
    """Whether the TXT `raw` begins with a version field "v=STS..." in any case, or with
    "v=STSv1" once the quotes it was published between are taken off: every record the
    engine names at _mta-sts. 'V=STSv1; id=1' is the record in another case, which MTASTS-04
    names (the version is case-sensitive, RFC 8461 §3.1: %s"v=STSv1"); 'v=STSv2; id=1' and
    'v=STSv10; id=1' name a version senders do not know, which MTASTS-01 names
    (checks.mtasts.other_version). Senders discard them all; quoted ones as
    checks.mtasts.quoted_sts reads them, as parse_sts_record does."""
    return (
        raw[:5].lower() == b"v=sts" or quoted_sts(raw.decode("utf-8", errors="replace")) is not None
    )


async def sts_record(dns: DnsClient, domain: str, policy_id: str, zone_name: str) -> RecordState:
    name = f"_mta-sts.{domain}"
    answer = await dns.txt(name)
    if answer.failed:
        return RecordState("error", f"could not look up {name}: {answer.describe_failure()}")
    if zone_name and zone_name in answer.cnames:
        return RecordState("cname", f"{name} is a CNAME to {zone_name}")
    # The records senders count are those §3.1 discovery keeps, as the engine counts them
    # (MTASTS-02): "v=STSv10; id=1" beside the current record is discarded, not a second
    # record that leaves no policy (s41k). With none counted, one that only begins with
    # "v=STSv1" ('v=STSv1 id=1', 'v=STSv10; ...') is what the owner published, and is told
    # as the invalid record senders discard rather than as nothing there (s41c). So is one
    # pasted with its quotes ('"v=STSv1; id=1;"', typographic ones from a document), which
    # the engine's MTASTS-04 names: it was told as no record at all (s41s). And one of another
    # version or case ('v=STSv2; id=1', 'V=STSv1; id=1'), which the engine names too (s42v).
    loose = [parse_sts_record(raw) for raw in answer.raw_texts() if _meant_as_sts(raw)]
    records = [r for r in loose if r.is_sts] or loose
    ids = [r.id or "" for r in records]
    invalid = [r for r in records if not r.valid]
    if answer.cnames and ((zone_name and policy_id) or not ids):
        # Hosting on, an alias elsewhere (another provider's zone, say): whatever id its
        # target holds, none of ours ever reaches senders, and no TXT can be published beside
        # a CNAME (RFC 1034 §3.6.2). Without a zone of ours, a CNAME to the owner's own TXT
        # with our id is the plain-TXT setup, and before hosting it is the owner's own
        # policy's record: both read as such below.
        found = f" (id={', '.join(ids)})" if ids else ""
        return RecordState(
            "other",
            f"{name} is a CNAME to {answer.cnames[-1]}{found}, not to our zone",
            ids[0] if len(ids) == 1 else "",
            cname=answer.cnames[-1],
            ids=tuple(ids),
        )
    if not ids:
        return RecordState("missing", f"{name} has no MTA-STS record")
    if len(records) > 1 and not any(r.is_sts for r in records):
        # Several records, none beginning with "v=STSv1;" (nor the whitespace variant):
        # senders discard each and find none (RFC 8461 §3.1). Not "N MTA-STS records ...
        # Keep one": none is a record to keep, and they name no id (s42v).
        quoted = " and ".join(f'"{r.raw}"' for r in records)
        detail = (
            f'{name} has {quoted}: none of them begins with "v=STSv1;" (RFC 8461 §3.1). '
            "Senders discard an invalid record: those holding the policy keep it until it "
            "expires, and others apply no policy (RFC 8461 §3.1, §5.1)."
        )
        return RecordState("invalid", detail.replace("\x00", "\u2400"), discarded=len(records))
    if len(ids) > 1:
        return RecordState(
            "other", _several_words(name, tuple(ids), policy_id), ids=tuple(ids), name=name
        )
    if invalid:
        # RFC 8461 §3.1: senders discard a syntactically invalid record whatever id it names
        # (the current one beside a malformed extension is not in place), and one with no id
        # field is no id to update: said as what senders do with it (s41c). Before hosting
        # too: it serves no policy of the owner's to keep (s41s).
        why = next(p.message for p in invalid[0].problems if p.invalidates)
        # Without the engine's own fix ('Retype the record ... with a new id', 'Remove the
        # extra ...'): under hosting the id is ours, and the notice gives the record to
        # publish with it (s41r). Nor what senders do, said next, once (s41n).
        why = invalid_reason(why, invalid[0].raw)
        detail = (
            f'{name} has "{invalid[0].raw}". {why} Senders discard an invalid record: those '
            "holding the policy keep it until it expires, and others apply no policy "
            "(RFC 8461 §3.1, §5.1)."
        )
        # The record as published may hold a NUL ('\000' in a zone file), which PostgreSQL
        # text cannot store: the sync failed on it every turn (s41r). Shown as findings show
        # it (checks.findings: U+2400).
        return RecordState("invalid", detail.replace("\x00", "\u2400"), ids[0])
    if not policy_id:
        # Hosting is not on yet: this is the record of the policy the domain serves itself,
        # valid as it stands, not a stale copy of ours. It is replaced once hosting is on.
        return RecordState(
            "own",
            f"{name} has your own MTA-STS record (id={ids[0]}), for the policy you serve now. "
            "Keep it until hosting is on, then replace it with the record above.",
            ids[0],
        )
    if ids[0] == policy_id:
        return RecordState("txt", f"{name} has a plain TXT with the current id", ids[0])
    return RecordState(
        "stale",
        _stale_words(name, tuple(ids), policy_id, zone_name),
        ids[0],
        ids=tuple(ids),
        name=name,
        zone_name=zone_name,
    )


@dataclass(frozen=True)
class LookupFailure:
    """A lookup that could not be made, and why (timeout, SERVFAIL…), for the page to say as
    it says the other records' reasons."""

    detail: str


async def tlsrpt_record(dns: DnsClient, domain: str) -> list[str] | LookupFailure:
    """The TLS-RPT records at _smtp._tls.<domain> (RFC 8460 §3), or why they could not be
    looked up."""
    name = f"_smtp._tls.{domain}"
    answer = await dns.txt(name)
    if answer.failed:
        return LookupFailure(f"{LOOKUP_FAILED} {name}: {answer.describe_failure()}")
    return [t for t in answer.texts() if t.startswith("v=TLSRPTv1")]
