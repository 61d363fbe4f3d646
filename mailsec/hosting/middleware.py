"""Host dispatch: on `mta-sts.<domain>` hosts the app is a policy server and nothing else.

Runs first in MIDDLEWARE, before anything reads request.get_host(): customer names are not in
ALLOWED_HOSTS (they can't be: there are thousands, added at runtime), and neither sessions, CSRF,
redirects to HTTPS nor any other page may leak onto a customer's name. Caddy's `ask` call
(plain HTTP from the same machine, by IP) is answered here too, for the same reasons.

So is /healthz asked for a name ALLOWED_HOSTS does not list (not a customer's mta-sts name,
which gets only its policy): a load balancer's check asks by address (`Host: 10.0.0.5:8000`),
which would be refused with 400, taking a healthy site out of service. It builds no URL from
the Host header and says only whether the database and the broker answer, which it says at
the site's own name to anyone anyway. At an allowed name it goes through the whole stack as
every page does; at any other, through the middleware that set the security headers, so it
carries the same ones (s39e).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.security import SecurityMiddleware

from mailsec import views as site_views
from mailsec.hosting import views
from mailsec.middleware import ContentSecurityPolicyMiddleware

ASK_PATH = "/hosting/ask"
HEALTHZ_PATH = "/healthz"


def raw_host(request: HttpRequest) -> str:
    """The Host header's name part, lower case, without port or the one trailing dot of a
    name's absolute form (not validated against ALLOWED_HOSTS: that is the point). A second
    trailing dot stays: it is an empty label, no name (RFC 1034 §3.1), and what is left is no
    policy name, as Caddy's ask gate (views.ask) refuses it a certificate."""
    host = request.META.get("HTTP_HOST", "").strip().lower()
    if host.startswith("["):
        return host  # an IPv6 literal is never a policy host
    return host.rsplit(":", 1)[0].removesuffix(".")


def from_local_caddy(request: HttpRequest) -> bool:
    """Caddy calls `ask` itself, from a trusted proxy address and with no X-Forwarded-For; every
    request it reverse-proxies for someone else carries that header."""
    return (
        request.META.get("REMOTE_ADDR", "") in settings.MAILSEC_TRUSTED_PROXIES
        and "HTTP_X_FORWARDED_FOR" not in request.META
    )


class PolicyHostMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        # /healthz at a name we do not serve skips the rest of the stack, not its security
        # headers: the same middleware that give every other answer theirs, in
        # settings.MIDDLEWARE's order (its SSL redirect exempts healthz, and the CSP names
        # the site's own origin for a Host it does not serve: neither needs a valid Host).
        self.healthz_any_host = SecurityMiddleware(
            ContentSecurityPolicyMiddleware(XFrameOptionsMiddleware(site_views.healthz))
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        host = raw_host(request)
        if host.startswith("mta-sts.") and host != settings.MAILSEC_POLICY_HOST:
            return views.serve_policy(request, host.removeprefix("mta-sts."))
        if request.path_info == ASK_PATH:
            if not from_local_caddy(request):
                # The public site is reverse-proxied to the same port: without this anyone could
                # ask which names we host and have us look them up in DNS.
                return views.not_found()
            return views.ask(request)
        if request.path_info == HEALTHZ_PATH:
            try:
                request.get_host()
            except DisallowedHost:
                return self.healthz_any_host(request)
        return self.get_response(request)
