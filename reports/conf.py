"""Settings of the reports app.

Each value is read from Django settings when the project defines it there, otherwise from the
environment variable of the same name (through mailsec.env, which refuses bad values loudly).
Read at call time so tests can override them with `settings`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from mailsec.env import env_bool, env_domain_name, env_float, env_int
from reports.parse import DEFAULT_MAX_DECOMPRESSED


def _setting(name: str, fallback: object) -> object:
    return getattr(settings, name, fallback)


def require_dkim() -> bool:
    """RFC 8460 §3: reports by mail without a valid DKIM signature MUST be ignored. Operators
    whose own MTA already verified DKIM (and strips failing mail) may turn this off."""
    return bool(_setting("TLSRPT_REQUIRE_DKIM", env_bool("TLSRPT_REQUIRE_DKIM", True)))


def max_report_bytes() -> int:
    """Cap on one report after decompression (RFC 8460 §5.2: ~10 MB is commonly observed)."""
    return int(
        _setting(  # type: ignore[call-overload]
            "TLSRPT_MAX_REPORT_BYTES",
            env_int("TLSRPT_MAX_REPORT_BYTES", DEFAULT_MAX_DECOMPRESSED, minimum=1024),
        )
    )


def max_body_bytes() -> int:
    """Cap on an HTTPS request body (compressed reports are smaller than the report cap)."""
    return int(
        _setting(  # type: ignore[call-overload]
            "TLSRPT_MAX_BODY_BYTES",
            env_int("TLSRPT_MAX_BODY_BYTES", max_report_bytes(), minimum=1024),
        )
    )


def max_message_bytes() -> int:
    """Cap on one report e-mail: base64 adds a third, headers and other parts a little more."""
    return int(
        _setting(  # type: ignore[call-overload]
            "TLSRPT_MAX_MESSAGE_BYTES",
            env_int("TLSRPT_MAX_MESSAGE_BYTES", max_report_bytes() * 3 // 2, minimum=4096),
        )
    )


def inbound_domain() -> str:
    """The domain of `tlsrpt+<token>@<domain>` addresses; defaults to the site's host name."""
    default = urlsplit(settings.SITE_ROOT).hostname or "localhost"
    value = _setting(
        "TLSRPT_INBOUND_DOMAIN",
        env_domain_name("TLSRPT_INBOUND_DOMAIN", default, example="reports.example.com"),
    )
    return str(value).lower().rstrip(".")


def pending_grace_seconds() -> int:
    """A raw report still pending after this long is re-queued by the sweep (stack notes §1)."""
    return int(
        _setting(  # type: ignore[call-overload]
            "TLSRPT_PENDING_GRACE_SECONDS", env_int("TLSRPT_PENDING_GRACE_SECONDS", 300, minimum=10)
        )
    )


def daily_bytes_per_address() -> int:
    """Quota: bytes one report address may store over a rolling 24 hours (all channels).
    The rua token is public in DNS, so without it anyone could fill the disk; 0 turns it off."""
    return int(
        _setting(  # type: ignore[call-overload]
            "TLSRPT_DAILY_BYTES_PER_ADDRESS",
            env_int("TLSRPT_DAILY_BYTES_PER_ADDRESS", 100 * 1024 * 1024, minimum=0),
        )
    )


def daily_reports_per_address() -> int:
    """Quota: reports (raw bodies or messages) one address may store over a rolling 24 hours;
    0 turns it off."""
    return int(
        _setting(  # type: ignore[call-overload]
            "TLSRPT_DAILY_REPORTS_PER_ADDRESS",
            env_int("TLSRPT_DAILY_REPORTS_PER_ADDRESS", 2000, minimum=0),
        )
    )


def daily_bytes_total() -> int:
    """Site-wide bound: bytes all report addresses together may store over a rolling 24
    hours. Every token is public in DNS, so the per-address quota alone lets one sender fill
    the disk through many addresses (100 MiB a day each); 0 turns it off."""
    return int(
        _setting(  # type: ignore[call-overload]
            "TLSRPT_DAILY_BYTES_TOTAL",
            env_int("TLSRPT_DAILY_BYTES_TOTAL", 10 * 1024 * 1024 * 1024, minimum=0),
        )
    )


def alert_failure_rate() -> float:
    """A day's share of failed sessions above which an alert goes out (reports/alerts.py): a
    share from 0 up to (not including) 1, so 0.05 is 5 %. Refused loudly otherwise: "5" meant
    as 5 % (500 %), or "nan", would turn the alert off without a word, and a negative one would
    alert on days without a single failure."""
    name = "TLSRPT_ALERT_FAILURE_RATE"
    value = _setting(name, None)
    if value is None:
        return _share(name, env_float(name, 0.05))
    try:
        rate = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ImproperlyConfigured(f"{name}={value!r} is not valid: expected a number.") from None
    return _share(name, rate)


def _share(name: str, rate: float) -> float:
    if not 0 <= rate < 1:  # NaN fails this too
        raise ImproperlyConfigured(
            f"{name}={rate!r} is not valid: expected a share from 0 to below 1 (0.05 is 5%)."
        )
    return rate


def alert_min_sessions() -> int:
    """Sessions a day needs before its failure rate can make an alert."""
    return int(
        _setting(  # type: ignore[call-overload]
            "TLSRPT_ALERT_MIN_SESSIONS", env_int("TLSRPT_ALERT_MIN_SESSIONS", 20, minimum=1)
        )
    )


def check_all() -> None:
    """Read every setting above once, so a value that cannot be used stops start-up with its
    name and value (docs/configuration.md), as the settings module's own do, rather than
    failing each report later (reports.apps runs it; the values are still read at call time).
    """
    for read in (
        require_dkim,
        max_report_bytes,
        max_body_bytes,
        max_message_bytes,
        inbound_domain,
        pending_grace_seconds,
        daily_bytes_per_address,
        daily_reports_per_address,
        daily_bytes_total,
        alert_failure_rate,
        alert_min_sessions,
    ):
        read()
