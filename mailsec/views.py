from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from mailsec.celery import app as celery_app

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


def site_context(request: HttpRequest) -> dict[str, Any]:
    context: dict[str, Any] = {"site_root": settings.SITE_ROOT}
    match = request.resolver_match  # None on a 404
    if match is not None and match.url_name in ACCOUNT_URL_NAMES:
        # A view's own `page` wins over a context processor's.
        context["page"] = "account"
    return context


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """settings.CSRF_FAILURE_VIEW: a refused form, said in plain words in the site's layout
    (Django's page has an inline style element, which the Content-Security-Policy blocks).
    Django has already logged it (django.security.csrf). The layout's {{ csrf_token }} sets a
    fresh token when there was none, so that reloading the form and sending it again works."""
    context = {"debug_reason": reason if settings.DEBUG else ""}
    return render(request, "csrf_failure.html", context, status=403)


# The check form says how many free checks this visitor has left: never stored by a cache.
@never_cache
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    from mailsec.freecheck.views import allowance_context

    # The same words of the visitor's allowance as /check's form (freecheck/_form.html).
    return render(request, "home.html", allowance_context(request))


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_broker() -> None:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, timeout=2)


@never_cache
@require_GET
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
