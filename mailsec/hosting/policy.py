"""Pure helpers for hosted policies: the exact policy text, its id, provider-aware patterns.

Nothing here touches the database or the network, so the rules are easy to test on their own.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from checks.mtasts import parse_policy, policy_matches

POLICY_PATH = "/.well-known/mta-sts.txt"
# RFC 8461 §3.2: max_age is at most 31557600 s; below a day the policy barely protects
# anything and senders refetch constantly, so we don't offer it.
MIN_MAX_AGE = 86400
MAX_MAX_AGE = 31557600
DEFAULT_MAX_AGE = 604800
ID_MAX_LENGTH = 32


def policy_text(mode: str, patterns: list[str], max_age: int) -> str:
    """The policy exactly as RFC 8461 §3.2 wants it: `key: value` lines ending in CRLF,
    version first. mx lines are kept in mode none too: a sender that still holds an older
    policy is unaffected, and the text stays valid for parsers that insist on mx."""
    lines = ["version: STSv1", f"mode: {mode}"]
    lines += [f"mx: {p}" for p in patterns]
    lines.append(f"max_age: {max_age}")
    return "\r\n".join(lines) + "\r\n"


def strict_max_age(text: str) -> int | None:
    """The max_age of a policy text in mode testing or enforce, read as senders read it; None
    for mode none (or no policy): a cached copy of that constrains no delivery."""
    parsed = parse_policy(text)
    if parsed.mode in ("testing", "enforce") and parsed.max_age is not None:
        return parsed.max_age
    return None


def new_policy_id(text: str, now: datetime, previous: str = "") -> str:
    """Letters and digits only, at most 32 (RFC 8461 §3.1): a UTC timestamp (readable, and
    increasing) plus a digest of the text, so two different texts never share an id even when
    they are made in the same second."""
    digest = hashlib.sha256(text.encode()).hexdigest()
    candidate = now.strftime("%Y%m%d%H%M%S") + digest[:8]
    if candidate == previous:  # the same text re-issued in the same second: still a new id
        candidate = now.strftime("%Y%m%d%H%M%S") + digest[8:16]
    return candidate[:ID_MAX_LENGTH]


def normalize_pattern(text: str) -> str | None:
    """A manual mx pattern: a host name or `*.` plus a name with at least two labels."""
    value = text.strip().rstrip(".").lower()
    if not value:
        return None
    body = value[2:] if value.startswith("*.") else value
    labels = body.split(".")
    if len(labels) < 2 or any(
        not label or len(label) > 63 or not all(c.isalnum() or c in "-_" for c in label)
        for label in labels
    ):
        return None
    return value


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
