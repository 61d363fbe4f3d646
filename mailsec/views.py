from __future__ import annotations

import functools
import re
from datetime import datetime
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

from mailsec.accounts.models import Team
from mailsec.accounts.scope import CURRENT_TEAM_SQL
from mailsec.celery import app as celery_app
from mailsec.tasks import pages_vantage

# allauth's pages of the account (reached from the Account page): base.html marks "Account" as
# the current page on them, as on the Account page itself. allauth's views set no `page`.
ACCOUNT_URL_NAMES = frozenset(
    {
        "account_email",
        "account_email_verification_sent",  # the code for an address added on account_email
        "account_change_password",
        "account_set_password",
        "account_reauthenticate",
        "account_request_reauthentication_code",
        "account_confirm_reauthentication_code",
        "account_logout",
    }
)


_DIGITS = re.compile(r"(\d+)")
# How long the header trusts its list of a person's teams: joining or leaving a team shows
# in the header within this, and a page costs no query for it in between.
TEAM_COUNT_SECONDS = 60


def site_context(request: HttpRequest) -> dict[str, Any]:
    context: dict[str, Any] = {"site_root": settings.SITE_ROOT}
    match = request.resolver_match  # None on a 404
    if match is not None and match.url_name in ACCOUNT_URL_NAMES:
        # A view's own `page` wins over a context processor's.
        context["page"] = "account"
    user: User | AnonymousUser | None = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        # Callables: the template calls them only where the header needs them, so a person
        # in one team, or a page that loaded the team itself, costs no query for them.
        # functools.cache: made on the first call only (a template may read it twice).
        teams = functools.cache(lambda: _teams(request, user))
        context["in_many_teams"] = functools.cache(lambda: len(teams()) > 1)
        context["header_teams"] = teams  # the switcher's list (base.html)
        context["header_team"] = functools.cache(lambda: _current_team_or_none(user))
    if match is not None and (
        match.namespace == "domains" or (match.url_name or "").startswith("freecheck")
    ):
        # The vantage self-check's banner (mailsec.tasks.check_vantage: our resolver is down
        # or does not validate, or port 25 is blocked), only on the pages with findings: an
        # account page has nothing to be unreliable about. A callable, so the htmx partials
        # these pages poll cost no cache read.
        context["vantage_problems"] = functools.cache(_vantage_problems)
    return context


def _vantage_problems() -> list[str]:
    result = pages_vantage()
    return result.problems(at=_local_time) if result is not None else []


def _local_time(moment: datetime) -> str:
    """A time in the reader's zone, said ("14:20 UTC", "15:20 (Europe/Berlin)"), with its day
    when it is not today there."""
    from mailsec.accounts.templatetags.zones import zone_label

    local = timezone.localtime(moment)
    day = "" if local.date() == timezone.localdate() else f"{local.day} {local:%b} "
    return f"{day}{local:%H:%M} {zone_label()}"


def _team_key(request: HttpRequest) -> str:
    # Per session: signing in counts afresh, and so does a test (whose user ids repeat).
    return f"nav:teams:{request.session.session_key}"


class HeaderTeam(NamedTuple):
    code: str
    name: str


def _teams(request: HttpRequest, user: User) -> list[HeaderTeam]:
    """The person's teams, for the header's switcher (only shown to people in two or more),
    in the order people read names (Client 2 before Client 10). Read once a
    TEAM_COUNT_SECONDS per session, whatever the page: the header costs the query it cost
    when it only counted them."""
    key = _team_key(request)
    teams = cache.get(key)
    if not isinstance(teams, list):  # None, or a count cached before the list was
        found = Team.objects.filter(memberships__user=user).values_list("code", "name")
        teams = sorted(
            (HeaderTeam(str(code), name) for code, name in found),
            key=lambda t: (_natural(t.name), t.code),
        )
        cache.set(key, teams, TEAM_COUNT_SECONDS)
    return teams


def _natural(name: str) -> list[str | int]:
    # Text and digit runs alternate (re.split with a group), so positions compare alike.
    return [int(part) if at % 2 else part for at, part in enumerate(_DIGITS.split(name.casefold()))]


def forget_team_count(request: HttpRequest) -> None:
    """List the person's teams afresh on their next page: they have just made, joined or
    left one, and the header names the current team and lists the others (the switcher)
    only while they are in two or more. Per session: someone removed by the owner sees it within
    TEAM_COUNT_SECONDS, or at once when it was their current team (scope.current_team) or they
    press it in the switcher (accounts.views.switch_team)."""
    cache.delete(_team_key(request))


def _current_team_or_none(user: User) -> Team | None:
    """The current team as current_team finds it, without its repair of the profile (which
    writes): the header of an error page changes nothing."""
    return next(iter(Team.objects.raw(CURRENT_TEAM_SQL, [user.pk])), None)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """settings.CSRF_FAILURE_VIEW: a refused form, said in plain words in the site's layout
    (Django's page has an inline style element, which the Content-Security-Policy blocks).
    Django has already logged it (django.security.csrf). The layout's {{ csrf_token }} sets a
    fresh token when there was none, so that reloading the form and sending it again works."""
    context = {"debug_reason": reason if settings.DEBUG else ""}
    return render(request, "csrf_failure.html", context, status=403)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400: templates/400.html rendered without the request, as the page expects (no
    navigation, nothing of who is signed in). Django 5.2's bad_request renders it with the
    request, so the layout's {{ csrf_token }} made a token and a csrftoken cookie went out,
    even to a Host header refused by ALLOWED_HOSTS, a name that is not ours: a page with no
    form needs none."""
    return HttpResponseBadRequest(loader.render_to_string("400.html"))


# The check form says how many free checks this visitor has left: never stored by a cache.
@never_cache
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    from mailsec.freecheck.views import allowance_context

    # The same words of the visitor's allowance as /check's form (freecheck/_form.html);
    # with a policy zone customers CNAME _mta-sts too, and we change the id (docs/hosting.md).
    context = {**allowance_context(request), "policy_zone": bool(settings.MAILSEC_POLICY_ZONE)}
    return render(request, "home.html", context)


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_broker() -> None:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, timeout=2)


@never_cache
@require_safe  # GET and HEAD: some load balancers check with HEAD.
def healthz(request: HttpRequest) -> JsonResponse:
    """200 {"database": "ok", "broker": "ok"} when both answer; 503 naming what failed."""
    result: dict[str, str] = {}
    for name, probe in (("database", check_database), ("broker", check_broker)):
        try:
            probe()
            result[name] = "ok"
        except Exception as e:
            result[name] = f"error: {type(e).__name__}"
    healthy = all(value == "ok" for value in result.values())
    return JsonResponse(result, status=200 if healthy else 503)
