"""The checker's own vantage point: can this machine see what a sending MTA sees? No Django.

Two deployment faults make every domain's verdict wrong, and no domain's findings can show it:

- a resolver that does not validate DNSSEC never sets the AD bit, so every signed zone reads as
  unsigned (DNSSEC-*, and DANE, which needs a secure TLSA RRset); a resolver in permissive mode
  sets AD but hands bogus data back instead of SERVFAIL, so bogus zones read as insecure;
- outbound TCP port 25 blocked (AWS, GCP and Azure block it by default): every MX reads "did
  not answer on port 25" (an error, rightly never a fail) and STARTTLS is never scored.

A third makes every check wrong in another way: a resolver that cannot resolve names that exist
(it does not answer, answers SERVFAIL, or says NXDOMAIN for everything, as one that does not see
the public DNS does). Every check then says "could not check", or, worse, that the domain does
not exist; a re-probe through the same resolver would confirm that, so alerts wait for it.

`check_vantage` answers them, with a verdict per question: ok, broken, down (the resolver only),
unknown (could not tell: the probe's own lookups failed in a way that says nothing, or the names
configured do not fit) or not tested (port 25 with no host configured). "broken" and "down" are
faults to show people; "unknown" is never a fault.

The signed zone is a canary, and a canary can fail on its own: its servers answer SERVFAIL for
a while, or the name configured is mistyped. So when it fails, the resolver is asked for the
root zone's keys too, which any validating resolver answers with AD, and for the canary's
keys with checking disabled (CD). The root well and the canary's keys there unchecked is
"canary failing" (its signatures' trouble, not ours); the root well and the canary nowhere is
"down" (the root's keys may come from the resolver's cache: its way out is most likely cut);
"misconfigured" when the canary does not exist (NXDOMAIN). None is a fault to show people;
`selftest` fails on the last, which is the operator's to fix. The root failing too is the
resolver down.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import dns.exception
import dns.name

from checks import net
from checks.config import CheckConfig, ConfigError
from checks.dns import EDE_VALIDATION_FAILED, DnsAnswer, DnsClient, normalize, resolver_label

# A zone signed since 2009 whose keys chain to the root, and Comcast's zone published with a
# DS that matches none of its keys (bogus on purpose, for this very test). Both are zone
# apexes, so each has a DNSKEY RRset to ask for. The lab points these at its own zones.
DEFAULT_SIGNED_NAME = "isc.org"
DEFAULT_BOGUS_NAME = "dnssec-failed.org"

SIGNED_NAME_VARIABLE = "MAILSEC_VANTAGE_SIGNED_NAME"
BOGUS_NAME_VARIABLE = "MAILSEC_VANTAGE_BOGUS_NAME"
SMTP_HOSTS_VARIABLE = "MAILSEC_VANTAGE_SMTP_HOSTS"

# Hosts tried for port 25, and addresses per host: enough to tell "blocked" from "one host
# down" without a long wait.
MAX_SMTP_HOSTS = 4
ADDRESSES_PER_HOST = 2

# What the pages and the CLI say when a question's answer is "broken".
RESOLVER_PROBLEM = (
    "Our DNS resolver does not validate DNSSEC, so DNSSEC and DANE results are unreliable "
    "until the operator fixes it; no alert is sent for a DNSSEC or DANE change meanwhile."
)
PORT25_PROBLEM = "This server cannot reach port 25; STARTTLS could not be checked."
# A resolver that does not answer (or answers SERVFAIL) for the signed zone, asked twice, and
# one that says it does not exist: "{since}" is when that was first seen.
RESOLVER_DOWN_PROBLEM = (
    "Our DNS resolver has not been answering since {since}: checks made meanwhile say "
    "\u201ccould not check\u201d and no alert is sent. Nothing is wrong with your domain "
    "because of it."
)
RESOLVER_NXDOMAIN_PROBLEM = (
    "Our DNS resolver has been answering that names which exist do not exist since {since}: "
    "checks made meanwhile may say a domain \u201cdoes not exist\u201d, and no alert is sent "
    "for that. "
    "Nothing is wrong with your domain because of it."
)
# The second canary, asked only when the first fails: the root zone's keys, which any resolver
# that resolves public names has (cached for two days) and validates against its trust anchor.
ROOT_NAME = "."
# Rcodes of the signed zone's lookup that mean this resolver cannot resolve a name that exists
# (no answer at all, a network error, SERVFAIL), asked twice. REFUSED is a policy (a resolver
# for some zones only, as the lab's): "unknown", as a name that does not fit.
DOWN_RCODES = frozenset({"TIMEOUT", "NETWORK", "SERVFAIL"})


class Verdict(StrEnum):
    OK = "ok"
    BROKEN = "broken"
    # The resolver cannot resolve names that exist (resolvers only).
    DOWN = "down"
    # MAILSEC_VANTAGE_SIGNED_NAME does not exist, while the resolver validates the root zone:
    # a setting to fix (selftest fails on it), nothing wrong with the resolver (resolvers only).
    MISCONFIGURED = "misconfigured"
    UNKNOWN = "unknown"
    # The signed zone fails (SERVFAIL, no answer) while the root zone is answered with AD: the
    # zone's own servers' trouble, not the resolver's (resolvers only). Not a fault.
    CANARY_FAILING = "canary failing"
    NOT_TESTED = "not tested"


# Worst first: several resolvers, or several hosts, add up to the worst of them. A resolver
# down is worse than one that does not validate: it makes every check wrong, not DNSSEC's.
# A wrong setting is worse than "could not tell": it stays until someone fixes it.
_SEVERITY = [
    Verdict.DOWN,
    Verdict.BROKEN,
    Verdict.MISCONFIGURED,
    Verdict.UNKNOWN,
    Verdict.CANARY_FAILING,
    Verdict.NOT_TESTED,
    Verdict.OK,
]


def worst(verdicts: Iterable[Verdict]) -> Verdict:
    found = set(verdicts)
    return next((v for v in _SEVERITY if v in found), Verdict.NOT_TESTED)


def _zone_name(variable: str, value: str) -> str:
    name = normalize(value)
    try:
        parsed = dns.name.from_text(name)
    except dns.exception.DNSException as exc:
        raise ConfigError(f"{variable}={value!r} is not a DNS name: {exc}") from None
    if not name:  # "." (the default is taken for an empty value, as every variable does)
        raise ConfigError(f"{variable}={value!r} must name a zone such as {DEFAULT_SIGNED_NAME}")
    return parsed.to_text(omit_final_dot=True).lower()


_HOST_NAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)+")


def _smtp_host(value: str) -> str:
    host = value.strip().strip("[]")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    name = normalize(host)
    if not _HOST_NAME.fullmatch(name) or len(name) > 253:
        raise ConfigError(
            f"{SMTP_HOSTS_VARIABLE}: {value!r} is neither a host name nor an IP address "
            "(no port: port 25 is the port tested)"
        )
    return name


@dataclass(frozen=True)
class VantageTargets:
    """What the self-check asks about. Names are lower case without the final dot."""

    signed_name: str = DEFAULT_SIGNED_NAME
    bogus_name: str = DEFAULT_BOGUS_NAME
    # Hosts known to accept connections on port 25; none: port 25 is not tested.
    smtp_hosts: tuple[str, ...] = ()

    @classmethod
    def parse(
        cls, signed_name: str | None, bogus_name: str | None, smtp_hosts: Iterable[str]
    ) -> VantageTargets:
        """From the variables' values (None or "" for a default); ConfigError names the
        variable with a value it cannot use."""
        hosts = tuple(_smtp_host(h) for h in smtp_hosts if h.strip())
        if len(hosts) > MAX_SMTP_HOSTS:
            raise ConfigError(f"{SMTP_HOSTS_VARIABLE}: at most {MAX_SMTP_HOSTS} hosts")
        return cls(
            signed_name=_zone_name(SIGNED_NAME_VARIABLE, signed_name or DEFAULT_SIGNED_NAME),
            bogus_name=_zone_name(BOGUS_NAME_VARIABLE, bogus_name or DEFAULT_BOGUS_NAME),
            smtp_hosts=hosts,
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> VantageTargets:
        env = os.environ if environ is None else environ
        return cls.parse(
            env.get(SIGNED_NAME_VARIABLE, "").strip(),
            env.get(BOGUS_NAME_VARIABLE, "").strip(),
            env.get(SMTP_HOSTS_VARIABLE, "").split(","),
        )


@dataclass
class Answer:
    """One question's answer: the verdict, in words, and what was seen."""

    verdict: Verdict
    detail: str
    evidence: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ResolverAnswer(Answer):
    resolver: str = ""  # "127.0.53.2:53"
    # Down because it said the signed zone does not exist (NXDOMAIN), not for no answer.
    nxdomain: bool = False


def _utc_time(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%H:%M} UTC"


@dataclass
class VantageResult:
    checked_at: str
    resolvers: list[ResolverAnswer]
    port25: Answer
    # While the resolver verdict is "down": the checked_at of the first result in a row that
    # said so (check_vantage carries it over from the result it replaces); "" otherwise.
    resolver_down_since: str = ""

    @property
    def resolver_verdict(self) -> Verdict:
        """The worst verdict of the resolvers the checks' lookups get answers from. DnsClient
        asks the next resolver after a timeout, a network error or a SERVFAIL, so a resolver
        down that way among others that answer fails no check (s35v: one dead backup said on
        every page that checks could not check, and held every alert while it stayed dead);
        down only when none answers. One saying NXDOMAIN for a zone that exists is kept
        wherever it is: the client takes its NXDOMAIN as the answer."""
        answering = [r for r in self.resolvers if r.verdict != Verdict.DOWN or r.nxdomain]
        return worst(r.verdict for r in answering or self.resolvers)

    @property
    def broken(self) -> bool:
        faults = (Verdict.BROKEN, Verdict.DOWN)
        return self.resolver_verdict in faults or self.port25.verdict in faults

    @property
    def holds_alerts(self) -> bool:
        """Whether regression alerts wait (mailsec.alerts): what our resolver says is wrong
        for every domain alike (names that exist read as not existing or could not be looked
        up; signed zones read as unsigned), and a re-probe through it would confirm it."""
        return self.resolver_verdict in (Verdict.DOWN, Verdict.BROKEN)

    @property
    def config_errors(self) -> list[str]:
        """What is wrong with the self-check's own settings (a canary name that does not
        exist): the operator's to fix, never a banner (`selftest` fails on it)."""
        return [r.detail for r in self.resolvers if r.verdict == Verdict.MISCONFIGURED]

    def carry_over(self, previous: VantageResult | None) -> VantageResult:
        """Set resolver_down_since: kept from `previous` while the resolver stays down, this
        result's own time when it has just gone down, "" when it is not down."""
        if self.resolver_verdict != Verdict.DOWN:
            self.resolver_down_since = ""
        elif (
            previous is not None
            and previous.resolver_verdict == Verdict.DOWN
            and previous.resolver_down_since
        ):
            self.resolver_down_since = previous.resolver_down_since
        else:
            self.resolver_down_since = self.checked_at
        return self

    def problems(self, at: Callable[[datetime], str] = _utc_time) -> list[str]:
        """The sentences to show on result pages: one per broken question. `at` writes the
        time the resolver went down ("14:20 UTC"; the pages say it in the reader's zone)."""
        found = []
        if self.resolver_verdict == Verdict.DOWN:
            nxdomain = any(r.nxdomain for r in self.resolvers if r.verdict == Verdict.DOWN)
            text = RESOLVER_NXDOMAIN_PROBLEM if nxdomain else RESOLVER_DOWN_PROBLEM
            found.append(text.format(since=at(self._down_since())))
        elif self.resolver_verdict == Verdict.BROKEN:
            found.append(RESOLVER_PROBLEM)
        if self.port25.verdict == Verdict.BROKEN:
            found.append(PORT25_PROBLEM)
        return found

    def _down_since(self) -> datetime:
        for value in (self.resolver_down_since, self.checked_at):
            with contextlib.suppress(ValueError):
                moment = datetime.fromisoformat(value)
                return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
        return datetime.now(UTC)

    def lines(self) -> list[str]:
        """One line per resolver and one for port 25, for an operator's terminal."""
        out = [f"DNSSEC validation, {r.resolver}: {r.verdict} — {r.detail}" for r in self.resolvers]
        out.append(f"outbound port 25: {self.port25.verdict} — {self.port25.detail}")
        return out

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VantageResult:
        def answer(item: Mapping[str, Any]) -> dict[str, Any]:
            return {**item, "verdict": Verdict(item["verdict"])}

        return cls(
            checked_at=str(data["checked_at"]),
            resolvers=[ResolverAnswer(**answer(r)) for r in data["resolvers"]],
            port25=Answer(**answer(data["port25"])),
            resolver_down_since=str(data.get("resolver_down_since") or ""),
        )


def for_the_pages(results: Iterable[VantageResult]) -> VantageResult | None:
    """The one result the pages show when several probes machines each keep their own. A
    check runs on whichever machine takes it, so one machine's fault is some checks' fault:
    the resolver answers of the machine with the worst resolver verdict (of several down, the
    one down the longest, for the banner's "since"), and the worst port 25 answer of any."""
    kept = list(results)
    if not kept:
        return None

    def order(result: VantageResult) -> tuple[int, str]:
        return _SEVERITY.index(result.resolver_verdict), (
            result.resolver_down_since or result.checked_at
        )

    port25 = min((r.port25 for r in kept), key=lambda a: _SEVERITY.index(a.verdict))
    return replace(min(kept, key=order), port25=port25)


async def check_resolver(config: CheckConfig, targets: VantageTargets) -> ResolverAnswer:
    """Whether the one resolver of `config` validates, as the checks need it to.

    The signed zone's DNSKEY RRset must come back with AD: the RRset exists only in a signed
    zone, so an answer with keys and without AD is a resolver that did not validate (RFC 4035
    §3.2.3). The bogus zone must then come back SERVFAIL: a resolver that sets AD yet answers
    bogus data (unbound's val-permissive-mode, a negative trust anchor) makes a bogus zone read
    as insecure.

    The signed zone exists, so a resolver that cannot resolve it is "down": it did not answer
    (every try of the lookup, UDP and TCP, within the timeout) or answered SERVFAIL, and again
    when asked a second time; or it says the zone does not exist (NXDOMAIN, which a resolver
    that does not see the public DNS says of every name). Other failed lookups (a REFUSED: a
    resolver for some zones only) say nothing about validation: "unknown".

    Unless the root zone says otherwise, asked only then (the second canary): its DNSKEY RRset
    answered with AD, the resolver validates, and the signed zone's failure is the zone's
    ("canary failing") when its keys come back with checking disabled (CD: its servers
    answer, its signatures fail), "down" when they do not (the root's keys may come from
    the resolver's cache: its way out is most likely cut), or, for NXDOMAIN, the setting's
    ("misconfigured": the name is mistyped). Answered with keys and without AD, the resolver
    does not validate.
    """
    client = DnsClient(config)
    host, port = client.resolvers[0]
    label = resolver_label(host, port)
    signed, bogus = await asyncio.gather(
        client.query(targets.signed_name, "DNSKEY", want_dnssec=True),
        client.query(targets.bogus_name, "DNSKEY"),
    )
    evidence = [signed.evidence(), bogus.evidence()]
    root: DnsAnswer | None = None
    unchecked: DnsAnswer | None = None
    if signed.rcode in DOWN_RCODES:
        # One lost burst of datagrams, one SERVFAIL while the zone's servers were briefly out
        # of reach, is no outage: ask again, past the cache, before saying the resolver is down;
        # and ask for the root zone meanwhile, to tell the canary's trouble from the resolver's.
        signed, root = await asyncio.gather(
            client.query(targets.signed_name, "DNSKEY", want_dnssec=True, fresh=True),
            client.query(ROOT_NAME, "DNSKEY", want_dnssec=True),
        )
        evidence += [signed.evidence(), root.evidence()]
        if signed.rcode in DOWN_RCODES and root.exists and root.ad:
            # The root's keys may come from the resolver's cache (two days), also when it
            # reaches nothing more: the zone's keys with checking disabled (CD) coming back
            # show it reached the zone's servers, whose signatures failed (s36v).
            unchecked = await client.query(targets.signed_name, "DNSKEY", cd=True, fresh=True)
            evidence.append({**unchecked.evidence(), "cd": True})
    elif signed.rcode == "NXDOMAIN":
        root = await client.query(ROOT_NAME, "DNSKEY", want_dnssec=True)
        evidence.append(root.evidence())

    def verdict(value: Verdict, detail: str, nxdomain: bool = False) -> ResolverAnswer:
        return ResolverAnswer(value, detail, evidence, resolver=label, nxdomain=nxdomain)

    asked = f"{targets.signed_name} DNSKEY"
    if root is not None and (signed.rcode in DOWN_RCODES or signed.rcode == "NXDOMAIN"):
        judged = _judged_by_the_root(signed, root, unchecked, targets, verdict)
        if judged is not None:
            return judged
    if signed.rcode in DOWN_RCODES:
        doing = (
            "does not answer"
            if signed.rcode in ("TIMEOUT", "NETWORK")
            else "cannot resolve names that exist"
        )
        root_too = f", and the root zone too ({_root_failure(root)})" if root is not None else ""
        return verdict(
            Verdict.DOWN,
            f"{doing}: {signed.describe_failure()}, twice{root_too}; every check through it "
            "says 'could not check'",
        )
    if signed.failed:
        return verdict(Verdict.UNKNOWN, f"could not tell: {signed.describe_failure()}")
    if not signed.ad:
        if signed.rcode == "NXDOMAIN":
            # The zone is there for everyone on the Internet: this resolver does not see the
            # public DNS (a sandbox, a private network's resolver), lies, or the name is wrong.
            return verdict(
                Verdict.DOWN,
                f"says {targets.signed_name} does not exist (NXDOMAIN), as a resolver that "
                "does not see the public DNS does; every domain checked through it reads as not "
                "existing. Point MAILSEC_RESOLVER at one that does, or set "
                f"{SIGNED_NAME_VARIABLE} to a signed zone it knows",
                nxdomain=True,
            )
        if not signed.exists:
            return verdict(
                Verdict.UNKNOWN,
                f"could not tell: {targets.signed_name} has no DNSKEY records here, so it is no "
                f"signed zone to test with (set {SIGNED_NAME_VARIABLE})",
            )
        return verdict(
            Verdict.BROKEN,
            f"does not validate DNSSEC: {asked} came back without the AD bit",
        )
    return _bogus_verdict(bogus, targets, verdict)


def _root_failure(root: DnsAnswer | None) -> str:
    if root is None:
        return "not asked"
    if root.failed or root.rcode == "NXDOMAIN":
        return root.describe_failure().replace(" for  DNSKEY", " for . DNSKEY")
    return f". DNSKEY: {'no keys' if not root.exists else 'keys without the AD bit'}"


def _judged_by_the_root(
    signed: DnsAnswer,
    root: DnsAnswer,
    unchecked: DnsAnswer | None,
    targets: VantageTargets,
    verdict: Callable[..., ResolverAnswer],
) -> ResolverAnswer | None:
    """The verdict when the signed zone failed (no answer, SERVFAIL, twice; or NXDOMAIN) and
    the root zone's keys were answered: with AD, the resolver validates, so the failure is the
    canary's when the zone's keys came back with checking disabled (`unchecked`: its servers
    answer, its signatures fail), and the resolver down when they did not (a resolver
    answers the root's keys from its cache for up to two days, also one that reaches nothing
    more: its way out cut is far likelier than every server of the zone out of reach); without AD, it
    does not validate. None when the root failed too (the resolver is down, as the signed
    zone says)."""
    if not root.exists:
        return None
    if not root.ad:
        also = (
            f" (and {SIGNED_NAME_VARIABLE}={targets.signed_name} does not exist here: NXDOMAIN)"
            if signed.rcode == "NXDOMAIN"
            else f" ({signed.describe_failure()}, twice)"
        )
        return verdict(
            Verdict.BROKEN,
            f"does not validate DNSSEC: . DNSKEY came back without the AD bit{also}",
        )
    if signed.rcode == "NXDOMAIN":
        return verdict(
            Verdict.MISCONFIGURED,
            f"{SIGNED_NAME_VARIABLE}={targets.signed_name} does not exist (NXDOMAIN), while "
            "this resolver answers and validates the root zone: set it to a signed zone that "
            "exists",
        )
    name = targets.signed_name
    if unchecked is None or not unchecked.exists:
        # Down, not "could not tell": every server of a zone on several anycast networks out
        # of reach at once is far rarer than one resolver's way out cut, and a banner shown
        # for the rarer case costs less than every check saying "could not check" unexplained.
        return verdict(
            Verdict.DOWN,
            f"cannot resolve names that exist: {signed.describe_failure()}, twice, and with "
            f"checking disabled (CD) too, while . DNSKEY came back with the AD bit, which a "
            "resolver answers from its cache for up to two days: its way to the internet is "
            f"most likely cut (unless every server of {name} is out of reach); every check "
            "through it says 'could not check'",
        )
    return verdict(
        Verdict.CANARY_FAILING,
        f"answers and validates the root zone (. DNSKEY with the AD bit), but "
        f"{signed.describe_failure()}, twice: {name}'s trouble, not this resolver's; checks "
        f"through it are not affected (if it lasts, set {SIGNED_NAME_VARIABLE} to another "
        "signed zone)",
    )


def _bogus_verdict(
    bogus: DnsAnswer, targets: VantageTargets, verdict: Callable[[Verdict, str], ResolverAnswer]
) -> ResolverAnswer:
    name = targets.bogus_name
    if bogus.rcode == "SERVFAIL":
        explained = {code for code, _ in bogus.ede}
        if explained and not explained & EDE_VALIDATION_FAILED:
            # RFC 8914: the resolver says why, and it is trouble on the way, not validation.
            return verdict(
                Verdict.UNKNOWN,
                f"sets AD for {targets.signed_name}, but {bogus.describe_failure()} is no "
                "validation failure",
            )
        return verdict(
            Verdict.OK,
            f"validates DNSSEC: AD for {targets.signed_name}, SERVFAIL for the bogus {name}",
        )
    if bogus.failed:
        return verdict(
            Verdict.UNKNOWN,
            f"sets AD for {targets.signed_name}, but could not tell how it treats bogus data: "
            f"{bogus.describe_failure()}",
        )
    if bogus.ad:
        return verdict(
            Verdict.UNKNOWN,
            f"sets AD for {targets.signed_name}; {name} validated, so it is no bogus zone to "
            f"test with (set {BOGUS_NAME_VARIABLE})",
        )
    if not bogus.exists:
        return verdict(
            Verdict.UNKNOWN,
            f"sets AD for {targets.signed_name}; {name} has no DNSKEY records, so it is no "
            f"bogus zone to test with (set {BOGUS_NAME_VARIABLE})",
        )
    return verdict(
        Verdict.BROKEN,
        f"accepts data that fails DNSSEC validation: {name} DNSKEY was answered instead of "
        "SERVFAIL (permissive mode or a negative trust anchor?)",
    )


async def check_resolvers(config: CheckConfig, targets: VantageTargets) -> list[ResolverAnswer]:
    """Each configured resolver (or the system's) on its own: the engine asks them in turn,
    so one that does not validate among several changes verdicts now and then."""
    resolvers = DnsClient(config).resolvers
    if not resolvers:
        return [
            ResolverAnswer(Verdict.UNKNOWN, "could not tell: no resolver configured", resolver="-")
        ]
    return list(
        await asyncio.gather(
            *(check_resolver(replace(config, resolvers=(r,)), targets) for r in resolvers)
        )
    )


async def _try_host(config: CheckConfig, host: str) -> tuple[Verdict, str, bool]:
    """(OK, "connected ...", False) when some address of `host` took a connection on port 25;
    BROKEN when the connection could be tried and failed (the flag: every try was refused);
    UNKNOWN when it could not be tried (the name did not resolve, or the SSRF guard refused
    every address)."""
    port = config.smtp_port
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        found, answers = await DnsClient(config).addresses(host)
        addresses = found[:ADDRESSES_PER_HOST]
        if not addresses:
            failed = [a.describe_failure() for a in answers if a.failed]
            why = "; ".join(failed) if failed else "it has no address"
            return Verdict.UNKNOWN, f"{host}: could not look it up ({why})", False
    failures = []
    refused = True
    for address in addresses:
        where = f"{host} [{address}]" if address != host else host
        try:
            reader, writer = await net.open_connection(address, port, config)
        except net.TargetRefused as exc:
            failures.append((Verdict.UNKNOWN, f"{where}: not tried: {exc}"))
            continue
        except (TimeoutError, OSError) as exc:
            why = (
                f"no answer within {config.timeout:g} s"
                if isinstance(exc, TimeoutError)
                else net.os_error_text(exc)
            )
            refused = refused and isinstance(exc, ConnectionRefusedError)
            failures.append((Verdict.BROKEN, f"{where}: {why}"))
            continue
        greeting = ""
        try:
            async with asyncio.timeout(min(config.timeout, 5.0)):
                greeting = (await reader.readline()).decode("ascii", "replace").strip()
            writer.write(b"QUIT\r\n")
            await writer.drain()
        except (TimeoutError, OSError):
            pass  # connected: that is the question; the greeting is only evidence
        finally:
            writer.close()
            with contextlib.suppress(OSError, TimeoutError):
                async with asyncio.timeout(1.0):
                    await writer.wait_closed()
        said = f" ({greeting[:80]})" if greeting else ""
        return Verdict.OK, f"connected to {where} port {port}{said}", False
    verdict = worst(v for v, _ in failures)
    return verdict, "; ".join(text for _, text in failures), verdict == Verdict.BROKEN and refused


# Refused by this many different hosts (and reached by none), port 25 is blocked on our side
# (a firewall that rejects); refused by one, that host may just be down.
REFUSALS_FOR_BLOCKED = 2


async def check_port25(config: CheckConfig, targets: VantageTargets) -> Answer:
    """Whether this machine can open a connection to port 25 of any configured host."""
    if not targets.smtp_hosts:
        return Answer(
            Verdict.NOT_TESTED,
            f"no host to try: set {SMTP_HOSTS_VARIABLE} to mail servers known to listen",
        )
    tried = await asyncio.gather(*(_try_host(config, host) for host in targets.smtp_hosts))
    evidence = [{"host": text} for _, text, _ in tried]
    reached = [text for v, text, _ in tried if v == Verdict.OK]
    if reached:
        return Answer(Verdict.OK, reached[0], evidence)
    verdict = worst(v for v, _, _ in tried)
    texts = "; ".join(text for _, text, _ in tried)
    broken = [refused for v, _, refused in tried if v == Verdict.BROKEN]
    if broken and all(broken) and len(broken) < REFUSALS_FOR_BLOCKED:
        # One host refusing is most likely that host down: the blocks of cloud providers drop
        # the packets (no answer) rather than refuse. A banner on every page needs more.
        return Answer(
            Verdict.UNKNOWN,
            f"{texts}: that host may be down; a block of outbound port 25 usually gives no "
            f"answer at all. Name a second host in {SMTP_HOSTS_VARIABLE} to tell them apart",
            evidence,
        )
    if verdict == Verdict.BROKEN:
        texts = (
            f"no connection to port {config.smtp_port} of any host tried ({texts}): "
            "outbound port 25 is probably blocked"
        )
    return Answer(verdict, texts, evidence)


async def check_vantage(config: CheckConfig, targets: VantageTargets) -> VantageResult:
    started = datetime.now(UTC).isoformat(timespec="seconds")
    resolvers, port25 = await asyncio.gather(
        check_resolvers(config, targets), check_port25(config, targets)
    )
    return VantageResult(checked_at=started, resolvers=resolvers, port25=port25)


def check_vantage_sync(config: CheckConfig, targets: VantageTargets) -> VantageResult:
    return asyncio.run(check_vantage(config, targets))
