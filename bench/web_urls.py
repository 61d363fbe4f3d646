"""The project's URLs plus a bare view: the baseline the pages are compared with."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def bare(request: HttpRequest) -> HttpResponse:
    # Same middleware (session, auth, CSRF, messages) as the pages, no queries of its own.
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/bare/", bare),
    path("", include("mailsec.urls")),
]
