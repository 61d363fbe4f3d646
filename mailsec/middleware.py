"""Content-Security-Policy on every answer of the web app (settings.CONTENT_SECURITY_POLICY).

Scripts run only from our static files: no inline script, no handler attribute (onsubmit=…),
no eval, so markup that an attacker slips into a page (a name, a record, a report field) runs
nothing even where escaping were ever missed. The policy names the static files' URL on the
host the page was asked for ("{static}" in the setting): a source with a path needs a host,
and the host is the one the browser sees (SITE_ROOT may be one of several ALLOWED_HOSTS).

Sent with DEBUG on too, the same policy: a developer sees in the browser's console what
production would block, before it ships. One exception, and only with DEBUG on: Django's own
debug pages (the technical 404 and 500 pages), which are made of
inline styles, scripts and onclick handlers and never reach production. They are told apart by
what only they carry: an error status and the robots meta tag Django's debug templates
(django/views/templates/) all start with. Our own pages never have it, the CSRF failure
page included (settings.CSRF_FAILURE_VIEW is ours, in the site's layout, with DEBUG on too).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse, HttpResponseBase

HEADER = "Content-Security-Policy"
# In the <head> of technical_404.html and technical_500.html (Django 5.2); csrf_403.html has
# it too but is not rendered (CSRF_FAILURE_VIEW).
DEBUG_PAGE_MARK = b'<meta name="robots" content="NONE,NOARCHIVE">'


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
        if (
            settings.CONTENT_SECURITY_POLICY
            and HEADER not in response
            and not is_debug_page(response)
        ):
            response[HEADER] = policy_for(request)
        return response


def is_debug_page(response: HttpResponseBase) -> bool:
    """Django's own error page for developers (DEBUG on): shown whole, without the policy."""
    return (
        settings.DEBUG
        and response.status_code >= 400
        and isinstance(response, HttpResponse)  # not a streamed or file answer
        and response.get("Content-Type", "").startswith("text/html")
        and DEBUG_PAGE_MARK in response.content[:1000]
    )
