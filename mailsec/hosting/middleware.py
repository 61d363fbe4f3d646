"""Host dispatch: on `mta-sts.<domain>` hosts the app is a policy server and nothing else.

Runs first in MIDDLEWARE, before anything reads request.get_host(): customer names are not in
ALLOWED_HOSTS (they can't be: there are thousands, added at runtime), and neither sessions, CSRF,
redirects to HTTPS nor any other page may leak onto a customer's name. Caddy's `ask` call
(plain HTTP from the same machine, by IP) is answered here too, for the same reasons.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from mailsec.hosting import views

ASK_PATH = "/hosting/ask"


def raw_host(request: HttpRequest) -> str:
    """The Host header's name part, lower case, without port or trailing dot (not validated
    against ALLOWED_HOSTS: that is the point)."""
    host = request.META.get("HTTP_HOST", "").strip().lower()
    if host.startswith("["):
        return host  # an IPv6 literal is never a policy host
    return host.rsplit(":", 1)[0].rstrip(".")


class PolicyHostMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        host = raw_host(request)
        if host.startswith("mta-sts.") and host != settings.MAILSEC_POLICY_HOST:
            return views.serve_policy(request, host.removeprefix("mta-sts."))
        if request.path_info == ASK_PATH:
            return views.ask(request)
        return self.get_response(request)
