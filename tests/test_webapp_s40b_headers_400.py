"""Task s40b, item 3: every answer carries the site's security headers, the 400 for a Host
ALLOWED_HOSTS does not list included.

Over plain HTTP with SECURE_SSL_REDIRECT on, SecurityMiddleware asks for the Host to build
the redirect; an unlisted one raises DisallowedHost there, which Django turns into the 400
page at that middleware's own layer, so the answer went out past it and the CSP middleware
with no header at all (no CSP, nosniff, Referrer-Policy, Cross-Origin-Opener-Policy,
X-Frame-Options). Over HTTPS the 400 is raised further in and missed X-Frame-Options alone.
/healthz at such a Host got them in s39e (87c28e0a); this is every other path.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from tests.test_webapp_s39e_healthz_headers import (
    OTHER_HOSTS,
    SECURITY_HEADERS,
    SITE,
    production_hosts,  # noqa: F401  (the fixture)
    security_headers,
)

PATHS = ("/", "/check?domain=example.org", "/api/v1/domains", "/static/nothing.css")


def expected_headers(secure: bool) -> dict[str, str]:
    """The headers a page at the site's own name carries, the CSP naming the site's origin
    (a Host we do not serve is never named: mailsec.middleware.origin_of)."""
    client = Client()
    extra = {"HTTP_X_FORWARDED_PROTO": "https"} if secure else {}
    ours = client.get("/healthz", HTTP_HOST=SITE, **extra)
    assert ours.status_code == 200
    expected = security_headers(ours)
    hsts = {"Strict-Transport-Security"}
    assert set(expected) == (set(SECURITY_HEADERS) if secure else set(SECURITY_HEADERS) - hsts)
    site = settings.SITE_ROOT.rstrip("/")
    expected["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY.replace(
        "{static}", f"{site}{settings.STATIC_URL}"
    ).replace("{origin}", site)
    return expected


@pytest.mark.django_db
@pytest.mark.usefixtures("production_hosts")
@pytest.mark.parametrize("method", ["get", "head", "post"])
@pytest.mark.parametrize("secure", [False, True])
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("host", OTHER_HOSTS)
def test_the_400_for_an_unlisted_host_carries_the_security_headers(
    client: Client, host: str, path: str, secure: bool, method: str
) -> None:
    extra = {"HTTP_X_FORWARDED_PROTO": "https"} if secure else {}
    theirs = getattr(client, method)(path, HTTP_HOST=host, **extra)
    assert theirs.status_code == 400, (theirs.status_code, theirs.headers)
    assert security_headers(theirs) == expected_headers(secure)
    # Still the plain refusal: no redirect to a name we do not serve, no cookie.
    assert "Location" not in theirs.headers and "Set-Cookie" not in theirs.headers


@pytest.mark.django_db
@pytest.mark.usefixtures("production_hosts")
@pytest.mark.parametrize("secure", [False, True])
def test_answers_at_the_sites_name_keep_their_headers(client: Client, secure: bool) -> None:
    """The redirect to HTTPS (which SecurityMiddleware answers before the CSP and frame
    middleware are reached: it went without those two) and a page: every header, once."""
    extra = {"HTTP_X_FORWARDED_PROTO": "https"} if secure else {}
    response = client.get("/", HTTP_HOST=SITE, **extra)
    assert response.status_code == (200 if secure else 301), response.status_code
    got = security_headers(response)
    want = expected_headers(secure)
    # The CSP names the origin asked for: the site's own here.
    assert got.keys() == want.keys()
    assert all("," not in got[h] for h in got if h != "Content-Security-Policy")


def test_it_is_used_in_every_stack(settings: Any) -> None:
    """Right after PolicyHostMiddleware (customers' policies and Caddy's ask stay without the
    site's headers) and around everything else."""
    assert settings.MIDDLEWARE[:2] == [
        "mailsec.hosting.middleware.PolicyHostMiddleware",
        "mailsec.middleware.SecurityHeadersMiddleware",
    ]
