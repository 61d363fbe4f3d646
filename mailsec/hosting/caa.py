"""CAA (RFC 8659): may our ACME CA issue the certificate for mta-sts.<domain>?

Our TLS front end gets that certificate on demand from the CA named by
MAILSEC_ACME_CAA_IDENTITY (Let's Encrypt: "letsencrypt.org"). A domain whose CAA records name
only other CAs forbids it, the CA refuses, and senders never get the hosted policy: the owner
must be told, with the record to add. Read through the engine's resolver (checks.dns), as
every hosting lookup is."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import dns.rdata
from django.conf import settings

from checks.dns import DnsClient, normalize

# Property tags a CA acts on (RFC 8659 §4.2-4.4, and RFC 9495's issuemail, which Let's
# Encrypt's Boulder knows too): a critical property with any other tag forbids issuance.
KNOWN_TAGS = frozenset({"issue", "issuewild", "iodef", "issuemail"})
# RFC 8659 §4.1: bit 0 of the flags, the most significant (128); flag 1 is bit 7.
CRITICAL = 128

ALLOWED = "allowed"
BLOCKED = "blocked"
UNKNOWN = "unknown"  # a lookup failed: could not check, never "blocked"


def identity() -> str:
    """Our ACME CA's CAA identity (MAILSEC_ACME_CAA_IDENTITY)."""
    return str(settings.MAILSEC_ACME_CAA_IDENTITY)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    # The critical properties with a tag we do not know: adding our issue record cannot help.
    critical: tuple[str, ...] = ()


def _text(value: bytes) -> str:
    return value.decode("utf-8", errors="replace")


def issuer(value: bytes) -> str:
    """The issuer domain name of an issue/issuewild value (RFC 8659 §4.2: before any ";",
    whitespace around it ignored), lower-case, or "" when the value names none."""
    return _text(value).split(";", 1)[0].strip().rstrip(".").lower()


def decide(records: Sequence[dns.rdata.Rdata], identity: str, wildcard: bool = False) -> Decision:
    """RFC 8659 §4 for one Relevant RRset: may the CA whose CAA identity is `identity` issue?
    For a name that is no wildcard only `issue` properties count (issuewild is ignored,
    §4.3); for a wildcard, issuewild when there is one, else issue."""
    identity = identity.rstrip(".").lower()
    props = [(int(r.flags), _text(r.tag).lower(), r.value) for r in records]  # type: ignore[attr-defined]
    critical = tuple(
        f'{flags} {tag} "{_text(value)}"'
        for flags, tag, value in props
        if flags & CRITICAL and tag not in KNOWN_TAGS
    )
    if critical:
        return Decision(
            False,
            f"a critical property with a tag the CA does not know ({', '.join(critical)}) "
            "forbids every CA (RFC 8659 §4.1)",
            critical,
        )
    wild = [value for _, tag, value in props if tag == "issuewild"]
    issue = wild if wildcard and wild else [value for _, tag, value in props if tag == "issue"]
    if not issue:
        return Decision(True, "no issue property restricts issuance")
    named = [issuer(v) for v in issue]
    if identity in named:
        return Decision(True, f"an issue property names {identity}")
    others = sorted({n for n in named if n})
    return Decision(
        False,
        f"the issue properties name {', '.join(others)}, not {identity}"
        if others
        else f"the issue properties name no CA at all, so not {identity}",
    )


@dataclass
class CaaReading:
    state: str  # ALLOWED | BLOCKED | UNKNOWN
    detail: str
    # The name whose CAA RRset is the relevant one (the end of the alias chain when the
    # lookup followed one), and that RRset as text; "" and [] when there is none.
    holder: str = ""
    records: list[str] = field(default_factory=list)
    # The exact record to add at `holder` (BLOCKED only, and not when a critical property
    # forbids every CA: then that property must go).
    fix: str = ""


async def read(dns: DnsClient, name: str, identity: str) -> CaaReading:
    """RFC 8659 §3: the Relevant RRset of `name` is the first non-empty CAA RRset climbing
    from it toward the root (not the root itself); each lookup follows CNAMEs, and the climb
    goes through the parents of `name`, not of an alias target. A lookup that fails is
    "could not check", whatever the names above would say."""
    identity = identity.rstrip(".").lower()
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
        decision = decide(answer.records, identity)
        where = f"{at} (through its alias to {holder})" if answer.cnames else at
        if decision.allowed:
            return CaaReading(ALLOWED, f"CAA at {where}: {decision.reason}", holder, records)
        if decision.critical:
            return CaaReading(
                BLOCKED,
                f"The CAA records at {where} forbid our certificate authority ({identity}) "
                f"to issue a certificate for {name}: {decision.reason}. Remove that record "
                "(or clear its critical flag 128) and keep your other CAA records.",
                holder,
                records,
            )
        fix = f'{holder}. CAA 0 issue "{identity}"'
        return CaaReading(
            BLOCKED,
            f"The CAA records at {where} ({'; '.join(records)}) forbid our certificate "
            f"authority ({identity}) to issue a certificate for {name}: {decision.reason}. "
            f"Add {fix} beside them (keep yours: each issue record allows its CA).",
            holder,
            records,
            fix,
        )
    return CaaReading(ALLOWED, f"no CAA records at {name} or above it: any CA may issue")
