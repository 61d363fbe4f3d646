"""CAA (RFC 8659): may our ACME CA issue the certificate for mta-sts.<domain>?

Our TLS front end gets that certificate on demand from the CA named by
MAILSEC_ACME_CAA_IDENTITY (Let's Encrypt: "letsencrypt.org"). A domain whose CAA records name
only other CAs forbids it, the CA refuses, and senders never get the hosted policy: the owner
must be told, with the record to add. An issue record naming our CA may still forbid it by
RFC 8657's parameters: validationmethods without the challenges our TLS front end answers, or
an accounturi naming another ACME account than ours (MAILSEC_ACME_ACCOUNT_URI; not configured,
"could not tell"). Read through the engine's resolver (checks.dns), as every hosting lookup
is."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import dns.rdata
from django.conf import settings
from django.core.cache import cache

from checks.dns import DnsClient, normalize

log = logging.getLogger(__name__)

# Property tags a CA acts on (RFC 8659 §4.2-4.4, and RFC 9495's issuemail, which Let's
# Encrypt's Boulder knows too): a critical property with any other tag forbids issuance.
KNOWN_TAGS = frozenset({"issue", "issuewild", "iodef", "issuemail"})
# RFC 8659 §4.1: bit 0 of the flags, the most significant (128); flag 1 is bit 7, reserved.
CRITICAL = 128
# RFC 6844's bit numbering was read the other way round by many publishers, and Let's
# Encrypt's Boulder takes flag 1 for the critical flag too (va/caa.go filterCAA:
# `Flag & (128 | 1)`): an unknown tag with it forbids our CA as 128 does. Other bits: ignored.
CRITICAL_AS_READ = CRITICAL | 1

# The ACME challenges our TLS front end answers (RFC 8657 §4 validationmethods): Caddy's
# defaults, which deploy/Caddyfile leaves on (port 80 for http-01, 443 for tls-alpn-01; no DNS
# provider, so no dns-01).
OUR_METHODS = ("http-01", "tls-alpn-01")

ALLOWED = "allowed"
BLOCKED = "blocked"
# Could not check (a lookup failed) or could not tell (an accounturi while our ACME account's
# URI is not configured): never "blocked".
UNKNOWN = "unknown"
# Stands for our ACME account's URI in a record shown to customers while we do not know it
# (the records panel, the certificate notices): one spelling everywhere.
OUR_ACCOUNT_PLACEHOLDER = "<our ACME account URI>"
# The operator's warning about such an accounturi, at most once per domain in this time: the
# records panel and the certificate watch read a domain's CAA on every view and every run.
WARN_EVERY_SECONDS = 24 * 60 * 60

# RFC 8659 §4.2 (with erratum 7139), the issue/issuewild value:
#   issue-value = *WSP [issuer-domain-name *WSP] [";" *WSP [parameters *WSP]]
#   issuer-domain-name = label *("." label)
#   label = (ALPHA / DIGIT) *( *("-") (ALPHA / DIGIT))
#   parameters = (parameter *WSP ";" *WSP parameters) / parameter
#   parameter = tag *WSP "=" *WSP value;  tag = label;  value = *(%x21-3A / %x3C-7E)
_WSP = "[ \t]*"
_LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_PARAMETER = f"({_LABEL}){_WSP}={_WSP}([\x21-\x3a\x3c-\x7e]*)"
_ISSUE_VALUE = re.compile(
    f"{_WSP}(?:({_LABEL}(?:\\.{_LABEL})*){_WSP})?"
    f"(?:;{_WSP}((?:{_PARAMETER}{_WSP};{_WSP})*{_PARAMETER}{_WSP})?)?"
)
_ONE_PARAMETER = re.compile(_PARAMETER)
# RFC 8657 §4: value = [*(label ",") label]
_METHOD_LIST = re.compile(f"{_LABEL}(?:,{_LABEL})*")
# RFC 3986 §3: scheme ":" hier-part (RFC 8657 §3: an accounturi that is none is unsatisfiable).
_URI = re.compile("[A-Za-z][A-Za-z0-9+.-]*:.+")


def identity() -> str:
    """Our ACME CA's CAA identity (MAILSEC_ACME_CAA_IDENTITY)."""
    return str(settings.MAILSEC_ACME_CAA_IDENTITY)


def account_uri() -> str:
    """Our ACME account's URI (MAILSEC_ACME_ACCOUNT_URI), "" when the deployment has not
    said it."""
    return str(settings.MAILSEC_ACME_ACCOUNT_URI)


@dataclass(frozen=True)
class Decision:
    state: str  # ALLOWED | BLOCKED | UNKNOWN (an accounturi we cannot weigh)
    reason: str
    # The critical properties with a tag we do not know: adding our issue record cannot help.
    critical: tuple[str, ...] = ()
    # BLOCKED, not for a critical property: the property (flags, tag, value) to add, one our
    # CA satisfies for our account and methods.
    fix: str = ""
    # UNKNOWN: the accounturi values that decide.
    accounts: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.state == ALLOWED


@dataclass(frozen=True)
class IssueValue:
    """An issue/issuewild value read by RFC 8659 §4.2's grammar: the issuer domain name
    (lower-case, "" when none) and the parameters (tags lower-case, values as written)."""

    issuer: str
    parameters: tuple[tuple[str, str], ...] = ()
    malformed: bool = False

    def get(self, tag: str) -> list[str]:
        return [value for t, value in self.parameters if t == tag]


def _text(value: bytes) -> str:
    return value.decode("utf-8", errors="replace")


def parse(value: bytes) -> IssueValue:
    """RFC 8659 §4.2: a value that does not match the grammar "MUST be treated the same as
    one specifying an empty issuer-domain-name" (malformed=True, issuer ""). Domain names
    compare case-insensitively; parameter tags are read case-insensitively too, so a
    `ValidationMethods=` restricts as the owner meant (Boulder ignores a mixed-case tag,
    letsencrypt/boulder#8614: we would rather tell a restriction that is not enforced than miss
    one that is)."""
    text = _text(value)
    match = _ISSUE_VALUE.fullmatch(text)
    if match is None:
        return IssueValue("", malformed=True)
    params = tuple((tag.lower(), val) for tag, val in _ONE_PARAMETER.findall(match.group(2) or ""))
    return IssueValue((match.group(1) or "").lower(), params)


def _weigh(value: IssueValue, account: str) -> tuple[str, str]:
    """One property naming our CA: (ALLOWED | BLOCKED | UNKNOWN, why not). RFC 8657: each
    validationmethods must list a method we use (§4), one accounturi at most, a URI, ours (§3)."""
    for methods in value.get("validationmethods"):
        if not methods:  # a list, empty (RFC 8657 §4: value = [*(label ",") label])
            return BLOCKED, (
                "has an empty validationmethods, which allows no validation method at all "
                "(RFC 8657 §4)"
            )
        if not _METHOD_LIST.fullmatch(methods):
            return BLOCKED, f"has validationmethods={methods}, which is no list of method names"
        if not set(methods.split(",")) & set(OUR_METHODS):
            return BLOCKED, (
                f"lists none of the validation methods our TLS front end uses "
                f"({' or '.join(OUR_METHODS)}) in validationmethods={methods}"
            )
    accounts = value.get("accounturi")
    if len(accounts) > 1:
        return BLOCKED, "has more than one accounturi, which no account satisfies (RFC 8657 §3)"
    if accounts and not _URI.fullmatch(accounts[0]):
        return BLOCKED, (
            f"has accounturi={accounts[0]}, which is no URI, so no account satisfies it "
            "(RFC 8657 §3)"
        )
    if accounts and not account:
        return UNKNOWN, ""
    if accounts and accounts[0] != account:
        return BLOCKED, (
            f"allows only the ACME account {accounts[0]}, not ours ({account}), in accounturi"
        )
    return ALLOWED, ""


def decide(
    records: Sequence[dns.rdata.Rdata],
    identity: str,
    wildcard: bool = False,
    account: str = "",
) -> Decision:
    """RFC 8659 §4 for one Relevant RRset: may the CA whose CAA identity is `identity` issue,
    to the ACME account `account` ("" when not known), validating with OUR_METHODS?
    For a name that is no wildcard only `issue` properties count (issuewild is ignored,
    §4.3); for a wildcard, issuewild when there is one, else issue. Parameters: RFC 8657's
    accounturi and validationmethods; others are the CA's own and ignored."""
    identity = identity.rstrip(".").lower()
    props = [(int(r.flags), _text(r.tag).lower(), r.value) for r in records]  # type: ignore[attr-defined]
    unknown = [(f, t, v) for f, t, v in props if f & CRITICAL_AS_READ and t not in KNOWN_TAGS]
    critical = tuple(f'{flags} {tag} "{_text(value)}"' for flags, tag, value in unknown)
    if critical:
        why = [
            f"a critical property with a tag the CA does not know ({c}) forbids every CA "
            "(RFC 8659 §4.1)"
            if flags & CRITICAL
            else f"a property with flag 1 and a tag the CA does not know ({c}) forbids it "
            "(RFC 8659 §4.1 makes 128 the critical flag and reserves 1, but RFC 6844 was read "
            "both ways, and CAs such as Let's Encrypt take 1 for critical too)"
            for c, (flags, _, _) in zip(critical, unknown, strict=True)
        ]
        return Decision(BLOCKED, "; ".join(why), critical)
    wild = [value for _, tag, value in props if tag == "issuewild"]
    issue = wild if wildcard and wild else [value for _, tag, value in props if tag == "issue"]
    if not issue:
        return Decision(ALLOWED, "no issue property restricts issuance")
    parsed = [parse(v) for v in issue]
    mine = [p for p in parsed if p.issuer == identity]
    weighed = [
        (v, p, *_weigh(p, account))
        for v, p in zip(issue, parsed, strict=True)
        if p.issuer == identity
    ]
    if any(state == ALLOWED for _, _, state, _ in weighed):
        return Decision(ALLOWED, f"an issue property names {identity}")
    unsure = tuple(
        dict.fromkeys(p.get("accounturi")[0] for _, p, state, _ in weighed if state == UNKNOWN)
    )
    if unsure:
        return Decision(
            UNKNOWN,
            f"its issue properties allow {identity} only for the ACME account "
            f"{' or '.join(unsure)} (accounturi, RFC 8657)",
            accounts=unsure,
        )
    # The property to add: our CA, and the owner's kind of restriction kept where we can
    # satisfy it (our account when they name accounts and we know ours; our methods).
    params = []
    if account and any(p.get("accounturi") for p in mine):
        params.append(f"accounturi={account}")
    if any(p.get("validationmethods") for p in mine):
        params.append(f"validationmethods={','.join(OUR_METHODS)}")
    fix = f'0 issue "{"; ".join([identity, *params])}"'
    malformed = [_text(v) for v, p in zip(issue, parsed, strict=True) if p.malformed]
    why = [f'the issue value "{_text(v)}" {w}' for v, _, _, w in weighed]
    others = sorted({p.issuer for p in parsed if p.issuer and p.issuer != identity})
    if others:
        why.append(f"the issue properties name {', '.join(others)}, not {identity}")
    if malformed:
        why.append(
            "the issue value"
            + ("s " if len(malformed) > 1 else " ")
            + ", ".join(f'"{m}"' for m in malformed)
            + (" do" if len(malformed) > 1 else " does")
            + " not follow RFC 8659's syntax (§4.2), so CAs read "
            + ("them" if len(malformed) > 1 else "it")
            + " as naming no CA"
        )
    if not why:
        why.append(f"the issue properties name no CA at all, so not {identity}")
    return Decision(BLOCKED, "; ".join(why), fix=fix)


@dataclass
class CaaReading:
    state: str  # ALLOWED | BLOCKED | UNKNOWN
    detail: str
    # The name whose CAA RRset is the relevant one (the end of the alias chain when the
    # lookup followed one), and that RRset as text; "" and [] when there is none.
    holder: str = ""
    records: list[str] = field(default_factory=list)
    # The exact record to add at `holder` (BLOCKED only, and not when a critical property
    # forbids every CA: then that property must go), and its data alone (`value`).
    fix: str = ""
    value: str = ""
    # UNKNOWN because of an accounturi we cannot weigh (our account's URI is not configured):
    # those URIs. Empty when a lookup failed.
    accounts: list[str] = field(default_factory=list)


async def read(dns: DnsClient, name: str, identity: str, account: str | None = None) -> CaaReading:
    """RFC 8659 §3: the Relevant RRset of `name` is the first non-empty CAA RRset climbing
    from it toward the root (not the root itself); each lookup follows CNAMEs, and the climb
    goes through the parents of `name`, not of an alias target. A lookup that fails is
    "could not check", whatever the names above would say. `account`: our ACME account's URI
    for RFC 8657's accounturi, MAILSEC_ACME_ACCOUNT_URI when None ("" = not known)."""
    identity = identity.rstrip(".").lower()
    account = account_uri() if account is None else account
    labels = normalize(name).split(".")
    for i in range(len(labels)):
        at = ".".join(labels[i:])
        answer = await dns.query(at, "CAA")
        if answer.failed or answer.chain_cut:
            why = answer.describe_failure() if answer.failed else "the alias chain was cut"
            return CaaReading(UNKNOWN, f"could not look up the CAA records of {at}: {why}")
        if not answer.records:
            continue
        holder = answer.cnames[-1] if answer.cnames else at
        records = [r.to_text() for r in answer.records]
        decision = decide(answer.records, identity, account=account)
        where = f"{at} (through its alias to {holder})" if answer.cnames else at
        if decision.allowed:
            return CaaReading(ALLOWED, f"CAA at {where}: {decision.reason}", holder, records)
        if decision.state == UNKNOWN:
            uris = " or ".join(decision.accounts)
            # Customers cannot act on our settings: the operator reads this in the log, once a
            # day for each domain (the first read to add the key logs).
            if await cache.aadd(
                f"hosting:caa:account-warned:{normalize(name)}", 1, WARN_EVERY_SECONDS
            ):
                log.warning(
                    "CAA at %s allows %s only for the ACME account %s and "
                    "MAILSEC_ACME_ACCOUNT_URI is not set: whether that is ours cannot be told",
                    where,
                    identity,
                    uris,
                )
            return CaaReading(
                UNKNOWN,
                f"The CAA records at {where} ({'; '.join(records)}) let our certificate "
                f"authority ({identity}) issue a certificate for {name} only to the ACME "
                f"account {uris} (accounturi, RFC 8657). We cannot tell here whether that is "
                "the account our TLS front end uses. If no certificate comes, ask us for our "
                f'ACME account URI and add {holder}. CAA 0 issue "{identity}; '
                f'accounturi={OUR_ACCOUNT_PLACEHOLDER}" beside yours.',
                holder,
                records,
                accounts=list(decision.accounts),
            )
        if decision.critical:
            return CaaReading(
                BLOCKED,
                f"The CAA records at {where} forbid our certificate authority ({identity}) "
                f"to issue a certificate for {name}: {decision.reason}. Remove "
                + " and ".join(f"{holder}. CAA {c}" for c in decision.critical)
                + " (or set "
                + ("its flags" if len(decision.critical) == 1 else "their flags")
                + " to 0) and keep your other CAA records.",
                holder,
                records,
            )
        fix = f"{holder}. CAA {decision.fix}"
        return CaaReading(
            BLOCKED,
            f"The CAA records at {where} ({'; '.join(records)}) forbid our certificate "
            f"authority ({identity}) to issue a certificate for {name}: {decision.reason}. "
            f"Add {fix} beside them (keep yours: each issue record allows its CA).",
            holder,
            records,
            fix,
            decision.fix,
        )
    return CaaReading(ALLOWED, f"no CAA records at {name} or above it: any CA may issue")
