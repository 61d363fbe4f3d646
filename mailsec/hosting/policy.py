"""Pure helpers for hosted policies: the exact policy text, its id, provider-aware patterns.

Nothing here touches the database or the network, so the rules are easy to test on their own.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import string
from dataclasses import dataclass
from datetime import datetime

from checks.dns import numeric_tld
from checks.domainname import _to_a_labels, is_public_suffix
from checks.mtasts import parse_policy, policy_matches

log = logging.getLogger(__name__)

POLICY_PATH = "/.well-known/mta-sts.txt"
# RFC 8461 §3.2: max_age is at most 31557600 s; below a day the policy barely protects
# anything and senders refetch constantly, so we don't offer it.
MIN_MAX_AGE = 86400
MAX_MAX_AGE = 31557600
DEFAULT_MAX_AGE = 604800
ID_MAX_LENGTH = 32
# RFC 8461 §3.3 lets senders cap the policy they fetch; postfix-mta-sts-resolver drops a body
# over 64 KiB (checklist MTASTS-16), so the owner's patterns may not take the text past it.
MAX_POLICY_BYTES = 65536


class EmptyPolicy(ValueError):
    """A testing/enforce policy without a single valid mx line (RFC 8461 §3.2, MTASTS-24)."""


def policy_text(mode: str, patterns: list[str], max_age: int) -> str:
    """The policy exactly as RFC 8461 §3.2 wants it: `key: value` lines ending in CRLF,
    version first. mx lines are kept in mode none too: a sender that still holds an older
    policy is unaffected, and the text stays valid for parsers that insist on mx.

    A pattern that is not `["*."] Domain` in A-labels is left out (it would make strict
    parsers refuse the whole policy, and a non-ASCII one cannot even be served); a policy in
    testing/enforce with no mx left raises EmptyPolicy: senders would deliver nowhere."""
    valid = [p for p in patterns if pattern_problem(p) is None]
    if len(valid) < len(patterns):
        log.warning("hosting: left invalid mx patterns out: %r", sorted(set(patterns) - set(valid)))
    if mode != "none" and not valid:
        raise EmptyPolicy(f"mode {mode} needs at least one mx")
    lines = ["version: STSv1", f"mode: {mode}"]
    lines += [f"mx: {p}" for p in valid]
    lines.append(f"max_age: {max_age}")
    return "\r\n".join(lines) + "\r\n"


def servable_text(text: str) -> str:
    """A stored text as it may be served: US-ASCII, only valid mx lines, and never a
    testing/enforce policy without mx (that would be mode none). Texts rendered by
    policy_text come out unchanged; older ones stored before patterns were checked could hold
    a non-ASCII line, and answering 500 would make every sender report a fetch error."""
    lines = [
        line
        for line in text.split("\r\n")
        if line.isascii()
        and (not line.startswith("mx:") or pattern_problem(line[3:].strip()) is None)
    ]
    if not any(line.startswith("mx:") for line in lines):
        lines = ["mode: none" if line.startswith("mode:") else line for line in lines]
    return "\r\n".join(lines)


def strict_max_age(text: str) -> int | None:
    """The max_age of a policy text in mode testing or enforce, read as senders read it; None
    for mode none (or no policy): a cached copy of that constrains no delivery."""
    parsed = parse_policy(text)
    if parsed.mode in ("testing", "enforce") and parsed.max_age is not None:
        return parsed.max_age
    return None


def new_policy_id(text: str, now: datetime, previous: str = "") -> str:
    """Letters and digits only, at most 32 (RFC 8461 §3.1): a UTC timestamp (readable, and
    increasing) plus a digest of the text and the id it replaces, so two different texts never
    share an id even when they are made in the same second. The previous id is in the digest
    because a text can come back within that second (Stop hosting, then Keep hosting): its old
    id again would leave a sender that read that id while the other text was served (and
    cached that text under it) on the wrong policy until max_age (RFC 8461 §3.1: an id names
    one instance of a policy)."""
    digest = hashlib.sha256(f"{previous}\n{text}".encode()).hexdigest()
    candidate = now.strftime("%Y%m%d%H%M%S") + digest[:8]
    if candidate == previous:  # a digest that happens to repeat: still a new id
        candidate = now.strftime("%Y%m%d%H%M%S") + digest[8:16]
    return candidate[:ID_MAX_LENGTH]


class InvalidPattern(ValueError):
    """A manual mx pattern we refuse; the message says why, for the owner."""


_LDH = frozenset(string.ascii_letters + string.digits + "-")


def pattern_problem(pattern: str) -> str | None:
    """Why `pattern` is not `["*."] Domain` with A-labels (RFC 8461 §3.2, RFC 5321 §4.1.2,
    MTASTS-25), or None when it is. For names already normalised: no trailing dot."""
    body = pattern[2:] if pattern.startswith("*.") else pattern
    if "*" in body:
        return "a wildcard must be the whole left-most label (*.example.com)"
    try:
        ipaddress.ip_address(body.strip("[]"))
    except ValueError:
        pass
    else:
        return "it is an IP address; mx patterns are host names"
    if not body.isascii():
        return "it is not in A-labels (xn--…): only ASCII letters, digits and hyphens"
    labels = body.split(".")
    if len(body) > 253:
        return "it is longer than 253 characters"
    if len(labels) < 2:
        return "it needs at least two labels, like mx1.example.com"
    for label in labels:
        if not label:
            return "it has an empty label"
        if len(label) > 63:
            return f"the label {label[:20]}… is longer than 63 characters"
        if "_" in label:
            return f"the label {label} has an underscore, which host names may not contain"
        if not _LDH.issuperset(label):
            return f"the label {label} may hold only letters a-z, digits and hyphens"
        if label.startswith("-") or label.endswith("-"):
            return f"the label {label} starts or ends with a hyphen"
    if numeric_tld(body):
        return "its last label is all digits: that is an IP address, not a host name"
    return None


def host_problem(host: str) -> str | None:
    """Why the MX host `host` cannot be named by an mx line, or None. As pattern_problem, and
    a `*` label is no host name (RFC 1123 §2.1: letters, digits, hyphens): an MX record naming
    `*.mx.example.org` written as an mx line would be a wildcard covering every host under
    mx.example.org (RFC 8461 §4.1), which nobody chose. The owner's own patterns may be
    wildcards; MX hosts never."""
    if host.split(".", 1)[0] == "*":
        rest = host.partition(".")[2]
        return (
            "the label * is no host name: as an mx line it would be a wildcard covering "
            f"every host under {rest}"
        )
    return pattern_problem(host)


def normalize_pattern(text: str, extra_public_suffixes: tuple[str, ...] = ()) -> str:
    """A manual mx pattern, normalised: a host name or `*.` plus a name with at least two
    labels, in A-labels (a name typed in Unicode is converted). Raises InvalidPattern."""
    raw = text.strip()
    value = raw.rstrip(".").lower()
    if not value:
        raise InvalidPattern("Enter a host name or a *.name pattern.")
    wildcard = value.startswith("*.")
    body = value[2:] if wildcard else value
    if not body.isascii() and "*" not in body:
        # IDNA2008 with UTS #46 (as for domains everywhere else): senders compare the A-labels
        # of their MX with the policy, and a U-label could not be served as US-ASCII anyway.
        try:
            body = _to_a_labels(body)
        except UnicodeError:
            raise InvalidPattern(f"{raw!r} is not a valid internationalised host name.") from None
    if (
        wildcard
        and body.isascii()
        and "*" not in body
        and is_public_suffix(body, extra_public_suffixes)
    ):
        # MTASTS-31: *.co.uk would accept any host of any domain under co.uk with a valid
        # certificate as the MX (RFC 8461 §10.4).
        raise InvalidPattern(
            f"{raw!r} covers hosts of every domain under the public suffix {body}: "
            "use your own MX host names or your provider's pattern."
        )
    pattern = ("*." if wildcard else "") + body
    problem = pattern_problem(pattern)
    if problem is not None:
        raise InvalidPattern(f"{raw!r} is not a host name or *.name pattern: {problem}.")
    return pattern


@dataclass(frozen=True)
class Provider:
    name: str
    # MX host names end with one of these suffixes
    suffixes: tuple[str, ...]
    # patterns the provider documents for MTA-STS
    patterns: tuple[str, ...]


# Providers that publish (or clearly imply) stable patterns, so a tenant rename or a new
# regional MX does not silently fall out of the policy. A wildcard covers exactly one label
# (RFC 8461 §4.1): every suggestion is checked against the live host before it is offered.
PROVIDERS = (
    Provider(
        "Google Workspace",
        (".google.com", ".googlemail.com"),
        ("aspmx.l.google.com", "*.aspmx.l.google.com", "smtp.google.com"),
    ),
    Provider(
        "Microsoft 365", (".mail.protection.outlook.com",), ("*.mail.protection.outlook.com",)
    ),
    Provider("Fastmail", (".messagingengine.com",), ("*.messagingengine.com",)),
    Provider("Proton Mail", (".protonmail.ch",), ("*.protonmail.ch",)),
    Provider("Zoho Mail", (".zoho.com", ".zoho.eu"), ("*.zoho.com", "*.zoho.eu")),
    # The lab's stand-in provider (tests/lab: provider.test): behaves like the real ones.
    Provider("Lab provider", (".provider.test",), ("*.mx.provider.test",)),
)


@dataclass(frozen=True)
class Suggestion:
    provider: str
    pattern: str
    covers: tuple[str, ...]


def suggestions(live: list[str], present: list[str]) -> list[Suggestion]:
    """Provider patterns that cover at least one live MX host and are not in the policy yet."""
    out: dict[str, Suggestion] = {}
    for provider in PROVIDERS:
        for pattern in provider.patterns:
            if pattern in present or pattern in out:
                continue
            covers = tuple(
                h for h in live if h.endswith(provider.suffixes) and policy_matches(pattern, h)
            )
            # an exact pattern that is already a live host adds nothing
            if covers and not (not pattern.startswith("*.") and pattern in live):
                out[pattern] = Suggestion(provider.name, pattern, covers)
    return list(out.values())


def uncovered(hosts: list[str], patterns: list[str]) -> list[str]:
    """The hosts no pattern matches: a sender in enforce mode would refuse them."""
    return [h for h in hosts if not any(policy_matches(p, h) for p in patterns)]


@dataclass(frozen=True)
class Start:
    """Where hosting starts when the domain already serves a testing/enforce policy: its mode
    and max_age, its patterns that still cover a live MX host, and what differs (start_from)."""

    mode: str
    max_age: int
    # Served patterns kept as the owner's extra patterns, each with the live hosts it covers
    # (a provider wildcard keeps covering the provider's next host name).
    kept: tuple[tuple[str, tuple[str, ...]], ...]
    # Served patterns left out, each with why.
    dropped: tuple[tuple[str, str], ...]
    # Live MX hosts the served policy does not cover: listed from the start.
    added: tuple[str, ...]
    # The served max_age when it had to be moved into MIN_MAX_AGE..MAX_MAX_AGE, else None.
    served_max_age: int | None = None

    @property
    def extra(self) -> list[str]:
        return [pattern for pattern, _ in self.kept]


def start_from(
    mode: str,
    max_age: int,
    patterns: list[str],
    live: list[str],
    extra_public_suffixes: tuple[str, ...] = (),
) -> Start:
    """The start of a hosted policy replacing a served one in mode `mode` (testing or enforce)
    with `max_age` and mx `patterns`, for the live MX hosts `live`. Never weaker than what
    senders hold (RFC 8461 §3.3, §10): the same mode, and max_age never lower (only raised to
    MIN_MAX_AGE, or brought down to RFC 8461's own ceiling, MAX_MAX_AGE). A pattern covering a
    live host is kept, except an exact host name, which the live MX list already holds; one
    covering none is dropped (listing it would let any host it matches with a valid
    certificate act as the MX, RFC 8461 §10.4), and so is one no policy may hold."""
    hosts = sorted({h.rstrip(".").lower() for h in live})
    kept: list[tuple[str, tuple[str, ...]]] = []
    dropped: list[tuple[str, str]] = []
    for raw in dict.fromkeys(p.strip().rstrip(".").lower() for p in patterns):
        try:
            pattern = normalize_pattern(raw, extra_public_suffixes)
        except InvalidPattern as exc:
            dropped.append((raw, str(exc)))
            continue
        covers = tuple(h for h in hosts if policy_matches(pattern, h))
        if not covers:
            dropped.append(
                (
                    pattern,
                    f"it matches none of your MX hosts ({', '.join(hosts)}), so no sender needs it"
                    if hosts
                    else "it matches no MX host known of yours",
                )
            )
        elif pattern.startswith("*."):
            kept.append((pattern, covers))
    kept_max_age = min(max(max_age, MIN_MAX_AGE), MAX_MAX_AGE)
    return Start(
        mode=mode,
        max_age=kept_max_age,
        kept=tuple(kept),
        dropped=tuple(dropped),
        # Only hosts a policy can name (new_mx_message says why the others are left out).
        added=tuple(h for h in uncovered(hosts, patterns) if host_problem(h) is None),
        served_max_age=max_age if kept_max_age != max_age else None,
    )
