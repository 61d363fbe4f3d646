from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from mailsec.celery import app as celery_app


def site_context(request: HttpRequest) -> dict[str, Any]:
    return {"site_root": settings.SITE_ROOT}


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
