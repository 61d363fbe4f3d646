"""Typed helpers that read settings from environment variables.

Every helper refuses a bad value loudly: it raises ImproperlyConfigured naming the
variable and the value it could not use, so a typo fails at start-up instead of
quietly falling back to a default.

An unset variable and a variable set to the empty string both mean "use the default".
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

from checks.config import domain_name_problem, domain_names_in, none_named

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


def _raw(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    value = (os.environ if environ is None else environ).get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def _fail(name: str, value: str, expected: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{name}={value!r} is not valid: expected {expected}.")


def env_str(name: str, default: str | None = None, *, required: bool = False) -> str | None:
    value = _raw(name)
    if value is None:
        if required:
            raise ImproperlyConfigured(f"{name} must be set.")
        return default
    return value


def env_domain_name(name: str, default: str, *, example: str = "letsencrypt.org") -> str:
    """A DNS name in A-labels (e.g. a CA's CAA identity), lower-case, without the final dot."""
    value = _raw(name)
    if value is None:
        return default
    text = value.strip().rstrip(".").lower()
    if (problem := domain_name_problem(text)) is not None:
        said = f"; {problem}" if problem else ""
        raise _fail(name, value, f"a domain name such as {example}{said}")
    return text


def env_domain_names(name: str, *, example: str = "test,lab.test") -> list[str]:
    """A comma-separated list of DNS names in A-labels, each lower-case without a leading or
    final dot (as checks.config reads MAILSEC_EXTRA_PUBLIC_SUFFIXES); [] when unset. The
    entry that is no name is named."""
    value = _raw(name)
    if value is None:
        return []
    names, bad = domain_names_in(value)
    if bad is not None:
        raise _fail(
            name, value, f"domain names, comma-separated, such as {example} ({none_named(bad)})"
        )
    return names


# RFC 3986 §2's characters (unreserved, reserved, '%'), but ';', which ends a CAA parameter value.
_ACME_ACCOUNT_URI = re.compile(r"https://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,=%]+")


def env_acme_account_uri(name: str) -> str:
    """An ACME account's URI (RFC 8555 §7.3: https), as a CAA accounturi names it (RFC 8657
    §3): kept exactly as given, for CAs compare it exactly; RFC 3986's characters but ";" (a
    CAA parameter value, RFC 8659 §4.2, cannot hold it, nor a space), and a host. "" when
    unset."""
    value = _raw(name)
    if value is None:
        return ""
    try:
        host = _ACME_ACCOUNT_URI.fullmatch(value) and urlsplit(value).hostname
    except ValueError:  # brackets urlsplit cannot read ("https://[::1/"): no host
        host = None
    if not host:
        raise _fail(
            name,
            value,
            "your ACME account's URI, e.g. https://acme-v02.api.letsencrypt.org/acme/acct/"
            "123456 (https, a host, no spaces or ';')",
        )
    return value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    word = value.lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise _fail(name, value, "one of 1/0, true/false, yes/no, on/off")


def env_debug() -> bool:
    """DEBUG, on by default for `make run`, but never on by default where the environment
    was written for production: an env file that forgot its DEBUG line must not serve Django's
    debug pages (every URL pattern, settings) without HSTS, CSP or secure cookies."""
    if _raw("DEBUG") is None:
        signals = production_signals()
        if signals:
            seen = (
                ", ".join(signals[:-1]) + " and " + signals[-1] if len(signals) > 1 else signals[0]
            )
            verb = "look" if len(signals) > 1 else "looks"
            raise ImproperlyConfigured(
                f"DEBUG is not set, but {seen} {verb} like production, where "
                "DEBUG's default (on, for `make run`) would show debug pages and turn off HSTS, "
                "the Content-Security-Policy and secure cookies. Set DEBUG=0 for production "
                "or DEBUG=1 for development."
            )
    return env_bool("DEBUG", default=True)


def production_signals(environ: Mapping[str, str] | None = None) -> list[str]:
    """The variables (described, never with a secret in them) whose values only a deployment
    sets: `make run`, the tests, .ci/run and the lab set none of them (they set DATABASE_URL
    and REDIS_URL at most, which is why those are not signals)."""
    signals: list[str] = []
    site_root = _raw("SITE_ROOT", environ)
    if site_root is not None and urlsplit(site_root).scheme.lower() == "https":
        signals.append(f"SITE_ROOT={site_root!r}")
    email_url = _raw("EMAIL_URL", environ)
    if email_url is not None:
        scheme = urlsplit(email_url).scheme.lower()
        if scheme.startswith("smtp"):
            # The scheme only: the URL may carry the relay's password.
            signals.append(f"EMAIL_URL={scheme}://…")
    for name in ("SECRET_KEY", "SECRET_KEY_FILE"):
        if _raw(name, environ) is not None:
            signals.append(f"{name} set")
    return signals


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise _fail(name, value, "a whole number") from None
    if minimum is not None and number < minimum:
        raise _fail(name, value, f"a whole number of at least {minimum}")
    return number


def env_float(name: str, default: float, *, minimum: float | None = None) -> float:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        raise _fail(name, value, "a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise _fail(name, value, "a finite number")
    if minimum is not None and number < minimum:
        raise _fail(name, value, f"a number of at least {minimum}")
    return number


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    """A comma-separated list; blanks around items and empty items are dropped."""
    value = _raw(name)
    if value is None:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def env_ip_list(name: str, default: list[str]) -> list[str]:
    """A comma-separated list of IP addresses, each written as a socket gives it (REMOTE_ADDR:
    `::1`, not `0:0:0:0:0:0:0:1`), for they are compared as text. Anything else (a host
    name, a network, an address with a port) would never match and is refused."""
    value = _raw(name)
    if value is None:
        return list(default)
    addresses = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        try:
            addresses.append(str(ipaddress.ip_address(item)))
        except ValueError:
            raise _fail(
                name,
                value,
                f"IP addresses, comma-separated ({item!r} is none: name each proxy by its "
                "address, without a port; a network or host name is not taken)",
            ) from None
    return addresses


def env_path(name: str, default: Path) -> Path:
    """A filesystem path, made absolute (relative paths are taken from the current directory)."""
    value = _raw(name)
    path = default if value is None else Path(value).expanduser()
    return path.absolute()


def env_secret(name: str) -> str | None:
    """Read NAME, or the contents of the file named by NAME_FILE (for Docker/systemd secrets)."""
    value = _raw(name)
    file_name = _raw(f"{name}_FILE")
    if value is not None and file_name is not None:
        raise ImproperlyConfigured(f"Set either {name} or {name}_FILE, not both.")
    if file_name is None:
        return value
    try:
        content = Path(file_name).read_text().strip()
    except OSError as e:
        raise ImproperlyConfigured(f"{name}_FILE={file_name!r} cannot be read: {e}") from None
    if not content:
        raise ImproperlyConfigured(f"{name}_FILE={file_name!r} is empty.")
    return content


def env_url(name: str, default: str | None = None, *, schemes: tuple[str, ...]) -> str | None:
    """An absolute URL with one of the given schemes and a host, without a trailing slash."""
    value = _raw(name)
    if value is None:
        return default
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:  # brackets urlsplit cannot read ("https://[::1/"): no host
        host = None
    if not host or parts.scheme not in schemes:
        raise _fail(
            name, value, f"an absolute URL starting with {' or '.join(s + '://' for s in schemes)}"
        )
    return value.rstrip("/")


def parse_host_port(
    name: str, item: str, default_port: int, *, ip_only: bool = False
) -> tuple[str, int]:
    """'1.2.3.4', '1.2.3.4:5353', '[::1]:53', 'resolver.lab.test:53' → (host, port).

    ip_only: the host must be an IP address (the engine's resolvers: the DNS client sends to
    them directly, so a name would fail every check rather than start-up).
    """
    text = item.strip()
    if text.startswith("["):
        host, sep, rest = text[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            raise _fail(name, item, "host:port, with [brackets] around an IPv6 address")
        port_text = rest[1:]
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    elif ":" in text:  # a bare IPv6 address
        host, port_text = text, ""
    else:
        host, port_text = text, ""
    if not host:
        raise _fail(name, item, "host:port")
    if ip_only:
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise _fail(name, item, "an IP address with an optional :port") from None
    if port_text == "":
        return host, default_port
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise _fail(name, item, "host:port with a port between 1 and 65535")
    return host, int(port_text)


def env_host_ports(name: str, default_port: int, *, ip_only: bool = False) -> list[tuple[str, int]]:
    return [parse_host_port(name, item, default_port, ip_only=ip_only) for item in env_list(name)]


# --- DATABASE_URL -------------------------------------------------------------------------


def sqlite_database(path: str | Path) -> dict[str, Any]:
    """SQLite as web, worker, beat and smtpd share it: they write to the same file, so wait for
    locks instead of failing, take the write lock up front, and let readers run alongside a
    writer (WAL). synchronous=FULL: a report is acknowledged (2xx, or 250 to an MTA) only after
    its commit, and under WAL's NORMAL that commit can still vanish on power loss."""
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        "OPTIONS": {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
        },
    }


def parse_database_url(name: str, url: str) -> dict[str, Any]:
    """sqlite:///relative.db, sqlite:////abs/path.db, sqlite:///:memory:,
    postgres://user:password@host:port/dbname?sslmode=require (also postgresql://).
    """
    try:
        parts = urlsplit(url)
        parts.hostname  # noqa: B018 (raises for brackets that hold no IPv6 address)
    except ValueError:  # brackets urlsplit cannot read ("postgres://u@[::1/db")
        raise _fail(name, url, "sqlite:///path or postgres://user@host:port/dbname") from None
    if parts.scheme == "sqlite":
        if parts.netloc:
            raise _fail(
                name,
                url,
                "sqlite:///relative/path or sqlite:////absolute/path (three or four slashes)",
            )
        path = unquote(parts.path[1:]) if parts.path.startswith("/") else ""
        if not path:
            raise _fail(name, url, "sqlite:///path/to/file.sqlite3")
        return sqlite_database(path)
    if parts.scheme in ("postgres", "postgresql"):
        db_name = unquote(parts.path.lstrip("/"))
        if not db_name:
            raise _fail(
                name, url, "postgres://user@host:port/dbname (the database name is missing)"
            )
        try:
            port = parts.port
        except ValueError:
            raise _fail(name, url, "postgres://user@host:port/dbname with a numeric port") from None
        # unquote the host so a socket directory can be given as %2Fvar%2Frun%2Fpostgresql
        host = unquote(parts.hostname or "")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": db_name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": host,
            "PORT": str(port or ""),
            "OPTIONS": _postgres_options(name, url, dict(parse_qsl(parts.query))),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    raise _fail(name, url, "a sqlite:// or postgres:// URL")


def _postgres_options(name: str, url: str, query: dict[str, str]) -> dict[str, Any]:
    """The URL's query as libpq options, plus server-side parameter binding so psycopg can
    prepare a statement it has run five times on a connection: PostgreSQL then stops planning
    it on each request (planning a page's joins costs it more than running them).
    `?prepare_threshold=none` turns preparing off (a PgBouncer in transaction mode)."""
    options: dict[str, Any] = {"server_side_binding": True, "prepare_threshold": 5, **query}
    threshold = query.get("prepare_threshold")
    if threshold is not None:
        if threshold.lower() == "none":
            options["prepare_threshold"] = None
        elif threshold.isascii() and threshold.isdigit():
            options["prepare_threshold"] = int(threshold)
        else:
            raise _fail(name, url, "prepare_threshold=<a number> or prepare_threshold=none")
    binding = query.get("server_side_binding")
    if binding is not None:
        # Django turns it on only for True itself, never for a string.
        if binding.lower() not in ("true", "false"):
            raise _fail(name, url, "server_side_binding=true or server_side_binding=false")
        options["server_side_binding"] = binding.lower() == "true"
    return options


# --- EMAIL_URL ----------------------------------------------------------------------------

EMAIL_BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "smtp+tls": "django.core.mail.backends.smtp.EmailBackend",
    "smtp+ssl": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}


def parse_email_url(name: str, url: str) -> dict[str, Any]:
    """smtp://user:pass@host:port (no TLS: for a relay on localhost or a trusted network),
    smtp+tls://… (STARTTLS, port 587 by default), smtp+ssl://… (implicit TLS, port 465),
    console:// (print to stdout), locmem:// (kept in memory, for tests).

    Returns the EMAIL_* settings to merge into the settings module.
    """
    parts = urlsplit(url)
    if parts.scheme not in EMAIL_BACKENDS:
        raise _fail(name, url, "smtp://, smtp+tls://, smtp+ssl://, console:// or locmem://")
    settings: dict[str, Any] = {"EMAIL_BACKEND": EMAIL_BACKENDS[parts.scheme]}
    if not parts.scheme.startswith("smtp"):
        return settings
    if not parts.hostname:
        raise _fail(name, url, "smtp://user:password@host:port (the host is missing)")
    try:
        port = parts.port
    except ValueError:
        raise _fail(name, url, "smtp://user:password@host:port with a numeric port") from None
    default_port = {"smtp": 25, "smtp+tls": 587, "smtp+ssl": 465}[parts.scheme]
    settings.update(
        EMAIL_HOST=parts.hostname,
        EMAIL_PORT=port or default_port,
        EMAIL_HOST_USER=unquote(parts.username or ""),
        EMAIL_HOST_PASSWORD=unquote(parts.password or ""),
        EMAIL_USE_TLS=parts.scheme == "smtp+tls",
        EMAIL_USE_SSL=parts.scheme == "smtp+ssl",
        EMAIL_TIMEOUT=30,
    )
    return settings


# --- MAILSEC_ADMINS ------------------------------------------------------------------------

_ADMIN_ENTRY = re.compile(
    r'(?:(?:"(?P<quoted>[^"]*)"|(?P<name>[^"<>]*?))\s*<(?P<address>[^<>\s]+)>|(?P<bare>[^"<>\s]+))'
)


def _split_outside_quotes(value: str) -> list[str]:
    """`value` cut at each comma that is not inside double quotes ("Ops, night" <a@b>)."""
    items, current, quoted = [], "", False
    for char in value:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            items.append(current)
            current = ""
        else:
            current += char
    return [*items, current]


def env_admins(name: str) -> list[tuple[str, str]]:
    """Who gets Django's error reports (settings.ADMINS): comma-separated addresses, each
    bare (ops@example.com) or with a name (Ops <ops@example.com>, "Ops, night" <…>). Empty
    items are dropped; an item that is not one address stops start-up, naming it."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    value = _raw(name)
    if value is None:
        return []
    expected = "comma-separated addresses, each ops@example.com or Ops <ops@example.com>"
    admins = []
    for item in (part.strip() for part in _split_outside_quotes(value)):
        if not item:
            continue
        found = _ADMIN_ENTRY.fullmatch(item)
        try:
            if found is None:
                raise ValidationError("not an address")
            address = found["address"] or found["bare"]
            validate_email(address)
        except ValidationError:
            raise _fail(name, value, f"{expected} ({item!r} is none)") from None
        admins.append(((found["quoted"] or found["name"] or "").strip(), address))
    return admins


# --- SECRET_KEY for production ----------------------------------------------------------

SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_DISTINCT = 5
SECRET_KEY_HOW_TO_MAKE = 'python3 -c "import secrets; print(secrets.token_urlsafe(50))"'


def tsig_key_problem(name: str, secret: str, algorithm: str) -> str | None:
    """Why the hosted-policy zone's TSIG key (MAILSEC_POLICY_TSIG_*) cannot sign an UPDATE, as
    hosting.zone builds it, or None. Never quotes the secret."""
    import binascii

    import dns.exception
    import dns.name
    import dns.tsig

    try:
        dns.name.from_text(name)
    except dns.exception.DNSException as exc:
        return f"MAILSEC_POLICY_TSIG_NAME={name!r} is not valid: expected a DNS name ({exc})."
    try:  # the algorithm alone first, with a stand-in secret
        dns.tsig.get_context(dns.tsig.Key(name, "AAAA", algorithm))
    except (NotImplementedError, KeyError, dns.exception.DNSException):
        return (
            f"MAILSEC_POLICY_TSIG_ALGORITHM={algorithm!r} is not valid: expected a TSIG "
            "algorithm such as hmac-sha256 (also hmac-sha1, hmac-sha224, hmac-sha384, "
            "hmac-sha512, hmac-md5.sig-alg.reg.int)."
        )
    if secret:
        try:
            dns.tsig.Key(name, secret, algorithm)
        except (binascii.Error, ValueError):
            return (
                "MAILSEC_POLICY_TSIG_SECRET (or the file MAILSEC_POLICY_TSIG_SECRET_FILE "
                "names) is not valid: expected the key's secret in base64, as `keymgr -t` or "
                "`tsig-keygen` print it."
            )
    return None


def secret_key_weakness(key: str) -> str | None:
    """Why key is too weak for production, or None. Django's own criteria (security check
    W009), which `check --deploy` only warns about and nothing checks at start-up."""
    if key.startswith("django-insecure-"):
        return "starts with 'django-insecure-' (Django's placeholder for development)"
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return f"has {len(key)} characters, fewer than {SECRET_KEY_MIN_LENGTH}"
    distinct = len(set(key))
    if distinct < SECRET_KEY_MIN_DISTINCT:
        return f"has {distinct} distinct characters, fewer than {SECRET_KEY_MIN_DISTINCT}"
    return None


# --- SECRET_KEY for development ---------------------------------------------------------


def stored_secret_key(path: Path) -> str:
    """Return the key stored at path, creating it (mode 0600) on first use.

    Safe when web, worker and beat start at the same moment: the key is written to a
    private temporary file and linked into place, so a reader never sees a half-written
    file and only the first writer wins.
    """
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_urlsafe(50) + "\n")
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_text().strip()
