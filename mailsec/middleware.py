"""Content-Security-Policy on every answer of the web app (settings.CONTENT_SECURITY_POLICY).

Scripts run only from our static files: no inline script, no handler attribute (onsubmit=…),
no eval, so markup that an attacker slips into a page (a name, a record, a report field) runs
nothing even where escaping were ever missed. The policy names the static files' URL on the
host the page was asked for ("{static}" in the setting): a source with a path needs a host,
and the host is the one the browser sees (SITE_ROOT may be one of several ALLOWED_HOSTS).

Sent with DEBUG off (production, and the test suite, where Django turns DEBUG off): Django's
debug error pages are made of inline scripts and styles.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponseBase

HEADER = "Content-Security-Policy"


def static_source(request: HttpRequest) -> str:
    """The static files' URL as a CSP source: the prefix under which every one of them
    lies (a source ending in "/" matches the paths below it)."""
    url = settings.STATIC_URL or "/static/"
    if "://" in url:  # static files on another host (a CDN): its URL as it is
        return url
    return f"{origin_of(request)}{url}"


def origin_of(request: HttpRequest) -> str:
    """The origin the browser asked (a source with a path needs a host: "{origin}")."""
    try:
        return f"{request.scheme}://{request.get_host()}"
    except DisallowedHost:  # the 400 page for a Host we do not serve: our own address
        return settings.SITE_ROOT.rstrip("/")


def policy_for(request: HttpRequest) -> str:
    return settings.CONTENT_SECURITY_POLICY.replace("{static}", static_source(request)).replace(
        "{origin}", origin_of(request)
    )


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if settings.CONTENT_SECURITY_POLICY and not settings.DEBUG and HEADER not in response:
            response[HEADER] = policy_for(request)
        return response
