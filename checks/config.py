"""Everything environmental the engine needs, in one value. No Django here."""

from __future__ import annotations

import ipaddress
import math
import os
import re
import ssl
from dataclasses import dataclass, field
from datetime import datetime

from checks.domainname import all_digit_last_label


class ConfigError(ValueError):
    pass


# A DNS name in A-labels, lower case, without the final dot: its shape. domain_name_problem adds
# what a pattern does not say well (an all-digit last label).
DOMAIN_NAME = re.compile(
    r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
)


def domain_name_problem(text: str) -> str | None:
    """None when `text` (lower case, without the final dot) is a DNS name in A-labels that the
    public DNS can hold; else why not, to follow "expected a domain name": "" when its shape is
    wrong (the expectation says enough), the reason for an all-digit last label, which looks
    like a name ("mta.123"; RFC 3696 §2, the rule checks.domainname applies to typed names).
    The one test for names read from the environment: mailsec.env reads the app's settings
    with it too."""
    if not DOMAIN_NAME.fullmatch(text):
        return ""
    if number := all_digit_last_label(text):
        return f"its last label, {number}, is all digits, and no top-level domain is (RFC 3696 §2)"
    return None


def domain_names_in(raw: str) -> tuple[list[str], str | None]:
    """The comma-separated domain names in `raw`, each lower case without leading or final dots,
    and the first entry that is no domain name (None when every one is). Blank entries are
    skipped. Shared with mailsec.env, so the engine and the app read a list alike."""
    names = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        text = item.strip(".").lower()
        if domain_name_problem(text) is not None:
            return names, item
        names.append(text)
    return names, None


def none_named(item: str) -> str:
    """What a refusal of a list says of its entry `item` (domain_names_in's), in brackets after
    the list: "'-5' is none", "'123' is none: its last label, 123, is all digits, …"."""
    problem = domain_name_problem(item.strip(".").lower())
    return f"{item!r} is none" + (f": {problem}" if problem else "")


def _env_domain_name(name: str, example: str) -> str:
    """NAME as a domain name, lower case without the final dot; "" when unset."""
    raw = os.environ.get(name, "").strip()
    text = raw.rstrip(".").lower()
    if raw and (problem := domain_name_problem(text)) is not None:
        raise ConfigError(
            f"{name}={raw!r} is not valid: expected a domain name such as {example}"
            + (f"; {problem}" if problem else "")
        )
    return text


def _env_domain_names(name: str, example: str) -> tuple[str, ...]:
    """NAME as comma-separated domain names, each lower case without leading or final dots."""
    raw = os.environ.get(name, "")
    names, bad = domain_names_in(raw)
    if bad is not None:
        raise ConfigError(
            f"{name}={raw.strip()!r} is not valid: expected domain names, comma-separated, "
            f"such as {example} ({none_named(bad)})"
        )
    return tuple(names)


def ca_bundle_problem(path: str) -> str | None:
    """Why the file at `path` cannot be the checks' trusted roots, or None when it can.

    A file holding no certificate OpenSSL reads (not PEM, empty, a truncated block) would be
    taken as trusting nothing: every policy host and MX certificate would then read "not
    trusted", failures of the run's configuration told as the domains' (exit status 1)."""
    if not os.path.isfile(path):
        return "no such file"
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cafile=path)
    except ssl.SSLError:
        return "no CA certificate in it (a PEM file of CA certificates is wanted)"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    return None


def parse_hostport(value: str, default_port: int = 53) -> tuple[str, int]:
    """'127.0.53.2:53' -> ('127.0.53.2', 53); '[::1]:5353' -> ('::1', 5353); '9.9.9.9' -> port 53.

    The host must be an IP address: the DNS client sends its queries straight to it, so a name
    would make every lookup of every check fail instead of the configuration.
    """
    value = value.strip()
    if not value:
        raise ConfigError("empty resolver address")
    if value.startswith("["):
        host, sep, rest = value[1:].partition("]")
        if not sep:
            raise ConfigError(f"bad resolver address {value!r}: missing ']'")
        port_text = rest.removeprefix(":") or str(default_port)
    elif value.count(":") == 1:
        host, port_text = value.split(":")
    else:
        host, port_text = value, str(default_port)
    try:
        port = int(port_text)
    except ValueError:
        raise ConfigError(f"bad resolver address {value!r}: port is not a number") from None
    if not 0 < port < 65536:
        raise ConfigError(f"bad resolver address {value!r}: port out of range")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise ConfigError(
            f"bad resolver address {value!r}: {host!r} is not an IP address "
            "(use e.g. 127.0.0.1:53 or [::1]:53)"
        ) from None
    return host, port


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")


@dataclass(frozen=True)
class CheckConfig:
    # Resolvers as (host, port); empty means the system's resolv.conf.
    resolvers: tuple[tuple[str, int], ...] = ()
    # PEM bundle of trusted roots; None means the system default store.
    ca_bundle: str | None = None
    # The lab runs on 127.x; production refuses private, loopback, link-local and reserved
    # addresses at connect time.
    allow_private_targets: bool = False
    # Seconds for one network operation (a DNS query, a TCP connect, a TLS handshake).
    timeout: float = 8.0
    # The resolvers are the user's own (`mailsec check`: --resolver, MAILSEC_RESOLVER or the
    # system's): a lookup that failed names the one asked ("no answer from the resolver
    # 192.0.2.53:53"). False (the app): "our resolver", without its address, which the public
    # free check must not show (s39j; checks.dns.DnsClient._no_answer).
    resolvers_are_users: bool = False
    dkim_selectors: tuple[str, ...] = ()
    ehlo_name: str = "mailsec-checker.invalid"
    # Extra public suffixes (the lab declares "test" and "lab.test").
    extra_public_suffixes: tuple[str, ...] = ()
    # Caps on concurrent outbound connections for one check.
    max_connections: int = 16
    smtp_port: int = 25
    https_port: int = 443
    # Probe results per MX address are reused across domains for this long (seconds).
    probe_cache_seconds: float = 300.0
    mechanisms: tuple[str, ...] = field(default=())  # empty = all
    # (record id, policy sha256) seen by the previous check of this domain, for MTASTS-09
    # ("the policy changed, the id did not"); None = no history, the check is skipped.
    mtasts_previous: tuple[str, str] | None = None
    # The name customers CNAME mta-sts.<domain> to for mailsec's hosted MTA-STS
    # (MAILSEC_POLICY_HOST; lower case, no trailing dot). A policy host that leads there (a
    # CNAME chain through it, or only its addresses: mtasts.leads_to_hosting) and fails is ours
    # to serve: the fix says to turn hosting on, not to ask a provider.
    # Empty: unknown (the engine without the app), every fix stays the generic one.
    hosted_policy_host: str = ""
    # mailsec's zone for customers' `_mta-sts` CNAMEs (MAILSEC_POLICY_ZONE; the hosting page
    # lists `_mta-sts.<domain> CNAME <domain>.<zone>`), so hosted advice can give that exact
    # record. Empty: no zone, and hosting customers publish a plain TXT with the id their
    # hosting page gives (the engine does not know it).
    hosted_policy_zone: str = ""
    # Hosting is on in mailsec for the domain checked (its policy is ours to serve), as the app
    # knows it, without saying since when: the free check, whose public page never says when
    # hosting was turned on (or for which team). False: not hosted or not known (the CLI).
    # hosting_on_since implies it; read both through hosting_is_on.
    hosting_on: bool = False
    # When hosting was last turned on in mailsec for the domain checked (timezone-aware),
    # given by the app for a domain whose policy it serves (the monitored check). None: not
    # hosted or not known (the CLI, the free check, which gives hosting_on alone). With it, a
    # policy host of ours without a certificate yet is told as a certificate being issued,
    # with the time to check again, not as hosting to turn on.
    hosting_on_since: datetime | None = None

    @property
    def hosting_is_on(self) -> bool:
        """Whether the app said hosting is on for the domain checked, with its time or not."""
        return self.hosting_on or self.hosting_on_since is not None

    @classmethod
    def from_env(cls, **overrides: object) -> CheckConfig:
        try:
            resolvers = tuple(
                parse_hostport(part)
                for part in os.environ.get("MAILSEC_RESOLVER", "").split(",")
                if part.strip()
            )
        except ConfigError as exc:
            raise ConfigError(f"MAILSEC_RESOLVER: {exc}") from None
        timeout_raw = os.environ.get("MAILSEC_CHECK_TIMEOUT", "").strip()
        try:
            timeout = float(timeout_raw) if timeout_raw else 8.0
        except ValueError:
            raise ConfigError(f"MAILSEC_CHECK_TIMEOUT={timeout_raw!r} is not a number") from None
        # float() also takes "nan" and "inf", which no timeout can be.
        if not math.isfinite(timeout) or timeout <= 0:
            raise ConfigError(
                f"MAILSEC_CHECK_TIMEOUT={timeout_raw!r} must be a finite positive number"
            )
        ca_bundle = os.environ.get("MAILSEC_CA_BUNDLE", "").strip() or None
        if ca_bundle and (problem := ca_bundle_problem(ca_bundle)):
            raise ConfigError(f"MAILSEC_CA_BUNDLE={ca_bundle!r}: {problem}")
        # Domain names, refused otherwise as the app's start-up refuses them (s43n).
        suffixes = _env_domain_names("MAILSEC_EXTRA_PUBLIC_SUFFIXES", "test,lab.test")
        # The same variable the settings read (checks.tasks.engine_config adds the settings'
        # default), so `mailsec check` knows the name when it is set.
        hosted_policy_host = _env_domain_name("MAILSEC_POLICY_HOST", "mta-sts-host.mailsec.example")
        hosted_policy_zone = _env_domain_name("MAILSEC_POLICY_ZONE", "policy.mailsec.example")
        values: dict[str, object] = {
            "resolvers": resolvers,
            "ca_bundle": ca_bundle,
            "allow_private_targets": _env_bool("MAILSEC_ALLOW_PRIVATE_TARGETS", False),
            "timeout": timeout,
            "extra_public_suffixes": suffixes,
            "hosted_policy_host": hosted_policy_host,
            "hosted_policy_zone": hosted_policy_zone,
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]
