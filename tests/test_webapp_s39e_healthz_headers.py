"""Task s39e, item 4: /healthz asked for a name ALLOWED_HOSTS does not list (a load balancer
asking by address) is answered by PolicyHostMiddleware, first in MIDDLEWARE, before host
validation (s38r). It skipped every middleware after it, so it went out without the security
headers every other answer carries (nosniff, Referrer-Policy, Cross-Origin-Opener-Policy,
X-Frame-Options, Content-Security-Policy, HSTS over HTTPS). It must carry the same ones as
/healthz at the site's own name, for GET and HEAD."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client

SITE = "mailsec.example"
OTHER_HOSTS = ("10.0.0.5:8000", "10.0.0.5", "[2001:db8::5]:8000", "unknown.example")
SECURITY_HEADERS = (
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "X-Frame-Options",
    "Content-Security-Policy",
    "Strict-Transport-Security",
)


@pytest.fixture
def production_hosts(settings: Any) -> None:
    # As settings.py sets them with DEBUG off.
    settings.ALLOWED_HOSTS = [SITE]
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 365 * 24 * 3600
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True


def security_headers(response: Any) -> dict[str, str]:
    return {h: response[h] for h in SECURITY_HEADERS if h in response.headers}


@pytest.mark.django_db
@pytest.mark.usefixtures("production_hosts")
@pytest.mark.parametrize("method", ["get", "head"])
@pytest.mark.parametrize("secure", [False, True])
@pytest.mark.parametrize("host", OTHER_HOSTS)
def test_healthz_for_any_host_carries_the_sites_security_headers(
    client: Client, host: str, method: str, secure: bool
) -> None:
    extra = {"HTTP_X_FORWARDED_PROTO": "https"} if secure else {}
    ask = getattr(client, method)
    ours = ask("/healthz", HTTP_HOST=SITE, **extra)
    theirs = ask("/healthz", HTTP_HOST=host, **extra)
    assert ours.status_code == theirs.status_code == 200, theirs.content
    expected = security_headers(ours)
    # The site's own answer has them all (HSTS only over HTTPS): what is compared is not empty.
    hsts = {"Strict-Transport-Security"}
    assert set(expected) == (set(SECURITY_HEADERS) if secure else set(SECURITY_HEADERS) - hsts)
    got = security_headers(theirs)
    # The CSP names the origin asked for; for a name we do not serve, the site's own
    # (SITE_ROOT), as mailsec.middleware.origin_of says.
    site = settings.SITE_ROOT.rstrip("/")
    expected["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY.replace(
        "{static}", f"{site}{settings.STATIC_URL}"
    ).replace("{origin}", site)
    assert got == expected
    # Still only the health answer: no cookie, no redirect.
    assert "Set-Cookie" not in theirs.headers and "Location" not in theirs.headers
    if method == "get":
        assert theirs.json() == {"database": "ok", "broker": "ok"}
