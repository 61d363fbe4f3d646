"""The web app's own middleware: the Content-Security-Policy, what browsers and caches may
keep of an answer to someone signed in (PrivateAnswersMiddleware), each person's time zone,
and the way back to a form's page after signing in again (BackAfterSignInMiddleware).

Content-Security-Policy on every answer of the web app (settings.CONTENT_SECURITY_POLICY).

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

import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.security import SecurityMiddleware
from django.shortcuts import resolve_url
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.functional import SimpleLazyObject, empty
from django.utils.http import url_has_allowed_host_and_scheme

log = logging.getLogger(__name__)

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


def add_policy(request: HttpRequest, response: HttpResponseBase) -> None:
    """The Content-Security-Policy on `response`, unless it has one or is a debug page."""
    if settings.CONTENT_SECURITY_POLICY and HEADER not in response and not is_debug_page(response):
        response[HEADER] = policy_for(request)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        add_policy(request, response)
        return response


class SecurityHeadersMiddleware:
    """The security headers on every answer of the site, those that left the stack before the
    middleware that set them was reached on the way back (s40b). Second in MIDDLEWARE, right
    after PolicyHostMiddleware (customers' policies and Caddy's ask stay without them).

    SecurityMiddleware asks for the Host to build its redirect to HTTPS; for a Host we do not
    serve that raises DisallowedHost, which Django answers with the 400 page at that
    middleware's own layer: it went out with no header (no CSP, nosniff, Referrer-Policy,
    Cross-Origin-Opener-Policy, X-Frame-Options). The redirect itself, answered there too,
    missed the CSP and X-Frame-Options; a 400 raised further in (over HTTPS), X-Frame-Options;
    a server error under /api/v1/ (ApiServerErrorMiddleware), all of them. Here each answer
    gets what it lacks, by the same middleware's own code, so nothing is set twice or
    differently: each sets a header only where it is missing, and respects a view's
    exemption (xframe_options_exempt). None of them needs a valid Host (the CSP names the
    site's own origin for one we do not serve: origin_of)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.security = SecurityMiddleware(get_response)
        self.frames = XFrameOptionsMiddleware(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        self.security.process_response(request, response)
        add_policy(request, response)
        self.frames.process_response(request, response)
        return response


class PrivateAnswersMiddleware:
    """`Cache-Control: private, no-store` on every answer to a signed-in request (s40h): its
    pages, htmx partials, downloads (CSV exports, records.csv, a raw TLS report), redirects
    and refusals, whatever the view. Neither the browser (Back at a shared computer after
    signing out) nor a cache in between keeps a copy of a team's data. A view's own answer
    that already forbids storing (never_cache) is left as it is; any other directive a view
    set stays, `public` giving way to `private`.

    Public answers are not touched: nobody is signed in for them (the free check and its
    permalinks, the rubric, signing in, /healthz, the report intake), or they are answered
    before the session is read (the MTA-STS policy on mta-sts.<domain> by
    PolicyHostMiddleware, the static files by WhiteNoise). The team API's answers carry
    never_cache themselves (mailsec.api.views: a key, not a session, opens it), and so do
    the pages a mailed token opens signed out (an invitation, a team's alert address,
    unsubscribing); under the API the session is not read here (as time_zone_name).

    Third in MIDDLEWARE, outside the session and the views, so the answers made further in
    (a CSRF refusal, the 500 page) have it too; its only reading of the session is once the
    session middleware has answered, which therefore adds no Vary of its own. It reads
    nothing for an answer that already forbids storing (/healthz, the free check), nor
    without a session cookie; and a session it cannot read (the database or the cache down)
    never turns the view's answer into a 500 (s41f): /healthz says what is down, the intake
    asks the sender to retry (503), and the answer is kept by nobody (private, no-store), as
    nobody can tell whether it was someone's."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if "no-store" not in cache_directives(response) and signed_in(request):
            patch_cache_control(response, private=True, no_store=True)
        return response


def signed_in(request: HttpRequest) -> bool:
    """Whether the request was answered for someone signed in (signing in itself included),
    or may have been: True when a session cookie came and the session or its user could not
    be read. False for the API, for answers given before AuthenticationMiddleware (no user),
    and without a session cookie, unless the view signed someone in (login() sets the user):
    nobody's session is read for those."""
    from mailsec.api.middleware import API_PREFIX

    if request.path_info.startswith(API_PREFIX):
        return False
    user = getattr(request, "user", None)
    if user is None:
        return False
    unread = isinstance(user, SimpleLazyObject) and user._wrapped is empty
    if unread and settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    try:
        return bool(user.is_authenticated)
    except Exception as e:
        log.warning("session unreadable for %s (%r): answered private", request.path, e)
        return True


def cache_directives(response: HttpResponseBase) -> set[str]:
    """The directives' names of the answer's Cache-Control, in lower case."""
    return {
        part.split("=", 1)[0].strip().lower()
        for part in response.get("Cache-Control", "").split(",")
        if part.strip()
    }


def is_debug_page(response: HttpResponseBase) -> bool:
    """Django's own error page for developers (DEBUG on): shown whole, without the policy."""
    return (
        settings.DEBUG
        and response.status_code >= 400
        and isinstance(response, HttpResponse)  # not a streamed or file answer
        and response.get("Content-Type", "").startswith("text/html")
        and DEBUG_PAGE_MARK in response.content[:1000]
    )


# The signed-in person's time zone, kept in the cache per person: [IANA name, when read]. Read
# again from their profile once it is this old (seconds); choosing one writes it at once, so
# every browser of theirs shows it on its next page, and most requests ask the database nothing
# more. Not in the session: written back there at each reading, it saved the session every 10
# minutes, and each save gives the session cookie a fresh SESSION_COOKIE_AGE, so a session in
# use never expired (it ends SESSION_COOKIE_AGE after signing in).
TIME_ZONE_READ_EVERY = 600


def _time_zone_key(user_pk: Any) -> str:
    return f"time-zone:{user_pk}"


class TimeZoneMiddleware:
    """Activates the signed-in person's time zone (Profile.time_zone) for the request, so
    `{{ value|date }}` and `naturaltime` on every page show their local time; UTC for
    everyone else (signed out, the API, report intake). After AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        from mailsec.accounts.models import zone

        try:
            name = time_zone_name(request)
        except Exception as e:
            # The database or the cache down (s41f): UTC, and the view answers as it can.
            # /healthz says what is down, the report intake asks the sender to retry; a page
            # that needs the user reads it again and fails there, with the 500 page.
            log.warning("time zone unreadable for %s (%r): UTC", request.path, e)
            name = ""
        if name:
            timezone.activate(zone(name))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()  # the thread serves someone else next


def time_zone_name(request: HttpRequest) -> str:
    """The IANA name of the signed-in person's zone; "" when nobody is signed in, and under
    the API, which a key (not a session) opens and which answers in UTC (ISO 8601 with Z,
    docs/api.md). There, and without a session cookie, neither the session nor the user is
    looked at: the answer does not vary on cookies. Nothing is written to the session."""
    from mailsec.api.middleware import API_PREFIX

    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return ""
    if request.path_info.startswith(API_PREFIX):
        return ""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    kept = cache.get(_time_zone_key(user.pk))
    if (
        isinstance(kept, list)
        and len(kept) == 2
        and isinstance(kept[0], str)
        and isinstance(kept[1], int | float)
        and 0 <= time.time() - kept[1] < TIME_ZONE_READ_EVERY
    ):
        return kept[0]
    from mailsec.accounts.models import Profile

    name = Profile.objects.filter(user=user).values_list("time_zone", flat=True).first()
    remember_time_zone(request, name or "UTC")
    return name or "UTC"


def remember_time_zone(request: HttpRequest, name: str, user: Any = None) -> None:
    """Keep `name` as the zone of the person signed in (`user`, else request.user), for every
    browser of theirs: on signing in (mailsec.accounts.models), when they choose one on the
    account page, and here when it was read again."""
    pk = (user if user is not None else request.user).pk
    cache.set(_time_zone_key(pk), [name, time.time()], TIME_ZONE_READ_EVERY)


# A view's own page to come back to after signing in (back_after_sign_in), kept on the request
# by BackAfterSignInMiddleware.process_view.
BACK_ATTRIBUTE = "back_after_sign_in"


def back_after_sign_in(
    where: Callable[[HttpRequest], str | None],
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Where a form of this view, sent signed out, leads after signing in: `where(request)`
    (None: the page the form was on, as for every form). The Add form's own page with the
    name typed in its field, say."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        setattr(view, BACK_ATTRIBUTE, where)
        return view

    return decorate


class BackAfterSignInMiddleware:
    """A form sent by someone whose session ended (it expired, or they signed out in another
    tab) meets login_required, which sends them to sign in and then to the form's own URL:
    a GET there answers 405 with an empty page, and what they typed is lost. The sign-in leads
    instead to the page the form was on (the Referer, on this site only; the domain list
    without one), or where the view says (back_after_sign_in). Nothing sent is acted on: the
    person sends the form again, signed in. GETs are left as they are: the page asked for is
    the one to come back to."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if request.method in ("GET", "HEAD") or response.status_code != 302:
            return response
        to = urlsplit(response["Location"])
        asked = parse_qs(to.query).get(REDIRECT_FIELD_NAME)
        if to.path != resolve_url(settings.LOGIN_URL) or asked != [request.get_full_path()]:
            return response  # not login_required's answer to this request
        where = getattr(request, "_back_after_sign_in", None)
        back = (where(request) if where else None) or page_of_form(request)
        return redirect_to_login(back)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> None:
        request._back_after_sign_in = getattr(view, BACK_ATTRIBUTE, None)  # type: ignore[attr-defined]


def page_of_form(request: HttpRequest) -> str:
    """The page a form was sent from, as a path on this site: the Referer when it is ours
    (browsers send it to the same origin: SECURE_REFERRER_POLICY), else the domain list."""
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        page = urlsplit(referer)
        return page.path + (f"?{page.query}" if page.query else "")
    return resolve_url(settings.LOGIN_REDIRECT_URL)
